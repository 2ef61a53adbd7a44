import { EventEmitter } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the fake Graph API received. */
export interface RecordedGraphRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
  /** Parsed JSON, or undefined when the body was not JSON. */
  body: any;
}

/** A scripted answer; `destroy` drops the connection without answering, `hold` never answers (until close). */
export type GraphResponseSpec = { status: number; body?: unknown; headers?: Record<string, string> } | { destroy: true } | { hold: true };

export interface FakeGraphApi {
  /** e.g. "http://127.0.0.1:54321" — use as WHATSAPP_GRAPH_URL. */
  url: string;
  requests: RecordedGraphRequest[];
  /** Emits 'request' (with the RecordedGraphRequest) as each request arrives: `once(graph.events, 'request')`. */
  events: EventEmitter;
  /** Queue answers for the next requests; when the queue is empty every send succeeds. */
  script(...responses: GraphResponseSpec[]): void;
  close(): Promise<void>;
}

/** A Graph API error answer: `{error:{message, type, code, error_data, fbtrace_id}}`. */
export function graphError(code: number, options: { status?: number; message?: string; details?: string } = {}): GraphResponseSpec {
  return {
    status: options.status ?? 400,
    body: {
      error: {
        message: options.message ?? `(#${code}) fake error`,
        type: 'OAuthException',
        code,
        error_data: { messaging_product: 'whatsapp', details: options.details ?? 'fake details' },
        fbtrace_id: 'AbCdEfFake',
      },
    },
  };
}

/**
 * A real HTTP server on 127.0.0.1:0 playing `POST /{version}/{phone-number-id}/messages`:
 * records every request and answers from the script, else 200 with a fresh wamid.
 */
export async function startFakeGraphApi(): Promise<FakeGraphApi> {
  const requests: RecordedGraphRequest[] = [];
  const queue: GraphResponseSpec[] = [];
  let counter = 0;
  const events = new EventEmitter();

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = rawBody ? JSON.parse(rawBody) : undefined;
      } catch {
        body = undefined;
      }
      const recorded: RecordedGraphRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, rawBody, body };
      requests.push(recorded);
      const spec = queue.shift();
      events.emit('request', recorded);
      if (spec && 'destroy' in spec) {
        req.socket.destroy();
        return;
      }
      if (spec && 'hold' in spec) return;
      counter += 1;
      const to = (body as { to?: string } | undefined)?.to ?? '';
      const answer = spec ?? {
        status: 200,
        body: {
          messaging_product: 'whatsapp',
          contacts: [{ input: to, wa_id: to }],
          messages: [{ id: `wamid.FAKE${String(counter).padStart(6, '0')}`, message_status: 'accepted' }],
        },
      };
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    events,
    script: (...responses) => void queue.push(...responses),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
