import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real local HTTP server speaking `POST /v1/chat/completions` and `POST /v1/audio/transcriptions`
 * (multipart), for testing the OpenAI client code unmocked. Replies are scripted (queue, then a default) and every request is recorded.
 */
export type FakeReply =
  /** A normal completion whose message content is `JSON.stringify(body)`. */
  | { kind: 'json'; body: unknown }
  /** A normal completion with this exact content (e.g. garbage that is not JSON). */
  | { kind: 'content'; content: string }
  /** An HTTP error status with an OpenAI-style error body. */
  | { kind: 'status'; status: number }
  /** Never answers (until close): the client's timeout is what ends the call. */
  | { kind: 'hang' };

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: {
    model?: string;
    messages?: { role: string; content: string }[];
    response_format?: { type: string; json_schema?: { name: string; strict?: boolean; schema: unknown } };
    [key: string]: unknown;
  };
}

/** A scripted answer of `POST /v1/audio/transcriptions`. */
export type FakeTranscription =
  | { kind: 'text'; text: string }
  | { kind: 'status'; status: number }
  | { kind: 'hang' }
  /** Answers once `until` resolves (the test decides when the transcription is done). */
  | { kind: 'later'; until: Promise<FakeTranscription> };

/** One transcription request, with the multipart fields the SDK sent. */
export interface RecordedTranscription {
  model: string;
  language: string | null;
  filename: string;
  /** The uploaded file's content type and size. */
  type: string;
  size: number;
  authorization: string | undefined;
}

export interface FakeOpenAI {
  /** Transcription requests so far. */
  transcriptions: RecordedTranscription[];
  /** Emits 'transcription' (with the RecordedTranscription) as each arrives: `once(fake.events, 'transcription')`. */
  events: EventEmitter;
  /** Answers used in order by the next transcription requests; after that the default (501). */
  enqueueTranscription(...replies: FakeTranscription[]): void;
  setTranscriptionDefault(reply: FakeTranscription | ((request: RecordedTranscription) => FakeTranscription)): void;
  /** Pass as `baseURL` / `OPENAI_BASE_URL` (ends with `/v1`). */
  baseURL: string;
  requests: RecordedRequest[];
  /** Requests received so far (every path). */
  count(): number;
  /** Replies used in order by the next requests; after that the default applies. */
  enqueue(...replies: FakeReply[]): void;
  /** The reply when the queue is empty; may depend on the request. */
  setDefault(reply: FakeReply | ((request: RecordedRequest) => FakeReply)): void;
  close(): Promise<void>;
}

function completion(model: string, content: string) {
  return {
    id: 'chatcmpl-fake',
    object: 'chat.completion',
    created: 1_700_000_000,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, finish_reason: 'stop', logprobs: null }],
    usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 },
  };
}

/** Answers a multipart `POST /v1/audio/transcriptions` (read with the platform's FormData parser). */
async function transcribe(
  req: IncomingMessage,
  raw: Buffer,
  res: ServerResponse,
  next: (request: RecordedTranscription) => FakeTranscription,
  transcriptions: RecordedTranscription[],
  events: EventEmitter,
): Promise<void> {
  const form = await new Request('http://fake/v1/audio/transcriptions', {
    method: 'POST',
    headers: { 'content-type': req.headers['content-type'] ?? '' },
    body: raw,
  }).formData();
  const file = form.get('file') as File | null;
  const field = (name: string) => {
    const value = form.get(name);
    return typeof value === 'string' ? value : null;
  };
  const recorded: RecordedTranscription = {
    model: field('model') ?? '',
    language: field('language'),
    filename: file?.name ?? '',
    type: file?.type ?? '',
    size: file?.size ?? 0,
    authorization: req.headers.authorization,
  };
  transcriptions.push(recorded);
  events.emit('transcription', recorded);
  let reply = next(recorded);
  while (reply.kind === 'later') reply = await reply.until;
  if (reply.kind === 'hang' || res.destroyed) return;
  if (reply.kind === 'status') {
    res.writeHead(reply.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message: `fake status ${reply.status}`, type: 'invalid_request_error', code: null } }));
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ text: reply.text, usage: { type: 'duration', seconds: 3 } }));
}

/** Starts the fake on 127.0.0.1, port 0. */
export async function startFakeOpenAI(): Promise<FakeOpenAI> {
  const events = new EventEmitter();
  const transcriptions: RecordedTranscription[] = [];
  const transcriptionQueue: FakeTranscription[] = [];
  let transcriptionDefault: FakeTranscription | ((request: RecordedTranscription) => FakeTranscription) = { kind: 'status', status: 501 };
  const requests: RecordedRequest[] = [];
  const queue: FakeReply[] = [];
  let fallback: FakeReply | ((request: RecordedRequest) => FakeReply) = { kind: 'status', status: 501 };

  const send = (res: ServerResponse, request: RecordedRequest, reply: FakeReply): void => {
    if (res.destroyed) return;
    switch (reply.kind) {
      case 'json':
      case 'content': {
        const content = reply.kind === 'json' ? JSON.stringify(reply.body) : reply.content;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(completion(request.body.model ?? 'fake', content)));
        return;
      }
      case 'status':
        res.writeHead(reply.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `fake status ${reply.status}`, type: 'server_error', code: null } }));
        return;
      case 'hang':
        return;
    }
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'POST' && (req.url ?? '').endsWith('/v1/audio/transcriptions')) {
        const next = (r: RecordedTranscription) =>
          transcriptionQueue.shift() ?? (typeof transcriptionDefault === 'function' ? transcriptionDefault(r) : transcriptionDefault);
        transcribe(req, Buffer.concat(chunks), res, next, transcriptions, events).catch(() => {
          res.writeHead(400);
          res.end();
        });
        return;
      }
      let body: RecordedRequest['body'];
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      } catch {
        body = {};
      }
      const request: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body };
      requests.push(request);
      if (req.method !== 'POST' || !request.path.endsWith('/v1/chat/completions')) {
        send(res, request, { kind: 'status', status: 404 });
        return;
      }
      const reply = queue.shift() ?? (typeof fallback === 'function' ? fallback(request) : fallback);
      send(res, request, reply);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    transcriptions,
    events,
    enqueueTranscription: (...replies) => void transcriptionQueue.push(...replies),
    setTranscriptionDefault: (reply) => {
      transcriptionDefault = reply;
    },
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    count: () => requests.length,
    enqueue: (...replies) => void queue.push(...replies),
    setDefault: (reply) => {
      fallback = reply;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
