import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface ScriptedAnswer {
  status?: number;
  /** Sent as JSON unless it is a string. */
  body?: unknown;
}

/** An answer that never comes: the request stays open until the server closes (a peer that hangs). */
export const noAnswer = (): Promise<ScriptedAnswer> => new Promise(() => {});

/** A real HTTP server on port 0 whose answers come from `answer(request, index)`; records every request. */
export async function startScriptedServer(answer: (request: ReceivedRequest, index: number) => ScriptedAnswer | Promise<ScriptedAnswer>) {
  const requests: ReceivedRequest[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const text = Buffer.concat(chunks).toString('utf8');
      const request: ReceivedRequest = { path: req.url ?? '/', headers: req.headers, body: text ? JSON.parse(text) : undefined };
      const index = requests.push(request) - 1;
      const reply = await answer(request, index);
      res.writeHead(reply.status ?? 200, { 'content-type': 'application/json' });
      res.end(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? {}));
    } finally {
      inFlight--;
    }
  };
  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    maxInFlight: () => maxInFlight,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
