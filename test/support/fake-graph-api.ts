import { EventEmitter } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
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

/** A media file the fake serves: `GET /{version}/{id}` (lookup), then `GET /media-download/{id}` (the bytes). */
export interface FakeMedia {
  bytes: Buffer;
  mimeType: string;
  /** `file_size` in the lookup; default the real size; null: not declared (and the download is sent chunked, without Content-Length). */
  declaredSize?: number | null;
  /** The lookup answers this status with a Graph error instead. */
  lookupStatus?: number;
  /** The download never answers (until close). */
  holdDownload?: boolean;
}

export interface FakeGraphApi {
  /** e.g. "http://127.0.0.1:54321" — use as WHATSAPP_GRAPH_URL. */
  url: string;
  /** The sends (`POST …/messages`), in order. */
  requests: RecordedGraphRequest[];
  /** The media lookups and downloads (GET), in order. */
  mediaRequests: RecordedGraphRequest[];
  /** Serves a media file under `id`. */
  media(id: string, spec: FakeMedia): void;
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
 * records every request and answers from the script, else 200 with a fresh wamid. It also serves
 * the media endpoints: `GET /{version}/{media-id}` → `{url, mime_type, file_size}`, and that url.
 */
export async function startFakeGraphApi(): Promise<FakeGraphApi> {
  const requests: RecordedGraphRequest[] = [];
  const mediaRequests: RecordedGraphRequest[] = [];
  const media = new Map<string, FakeMedia>();
  const queue: GraphResponseSpec[] = [];
  let counter = 0;
  const events = new EventEmitter();
  let base = '';

  /** GET: a media lookup (`/{version}/{id}`) or download (`/media-download/{id}`). */
  function serveMedia(req: IncomingMessage, res: ServerResponse) {
    const path = req.url ?? '';
    const recorded: RecordedGraphRequest = { method: req.method ?? '', path, headers: req.headers, rawBody: '', body: undefined };
    mediaRequests.push(recorded);
    events.emit('media', recorded);
    const download = /^\/media-download\/([^/?]+)/.exec(path);
    const id = decodeURIComponent(download?.[1] ?? /^\/v\d+\.\d+\/([^/?]+)$/.exec(path)?.[1] ?? '');
    const file = media.get(id);
    if (!file || (!download && file.lookupStatus)) {
      const status = file?.lookupStatus ?? 404;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'Unsupported get request', type: 'GraphMethodException', code: 100, fbtrace_id: 'AbCdEfFake' } }));
      return;
    }
    if (!download) {
      res.writeHead(200, { 'content-type': 'application/json' });
      const size = file.declaredSize === undefined ? file.bytes.length : file.declaredSize;
      res.end(
        JSON.stringify({
          messaging_product: 'whatsapp',
          url: `${base}/media-download/${encodeURIComponent(id)}?ext=1`,
          mime_type: file.mimeType,
          sha256: 'ZmFrZQ==',
          ...(size !== null && { file_size: size }),
          id,
        }),
      );
      return;
    }
    if (file.holdDownload) return;
    // Undeclared size: sent chunked, so only reading the body shows how large it is.
    res.writeHead(200, { 'content-type': file.mimeType, ...(file.declaredSize !== null && { 'content-length': String(file.bytes.length) }) });
    const chunk = 64 * 1024;
    for (let at = 0; at < file.bytes.length; at += chunk) res.write(file.bytes.subarray(at, at + chunk));
    res.end();
  }

  const server: Server = createServer((req, res) => {
    if (req.method === 'GET') {
      serveMedia(req, res);
      return;
    }
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
  base = `http://127.0.0.1:${port}`;
  return {
    url: base,
    requests,
    mediaRequests,
    media: (id, spec) => void media.set(id, spec),
    events,
    script: (...responses) => void queue.push(...responses),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
