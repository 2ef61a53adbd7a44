import type { Router } from 'express';
import type { IncomingHttpHeaders, IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Logger } from '../kernel/logger.js';
import { type Answer, errorAnswer, handle, rawBody, requestLogger, sendAnswer, startRequest } from './http.js';

/** A request as a plain route reads it: its headers, its raw body, its logger. */
export interface PlainRequest {
  headers: IncomingHttpHeaders;
  body: Buffer;
  logger: Logger;
}

/**
 * A POST route written without Express: the deliveries that come with every message (the
 * ingest webhook, Meta's webhook). Mounted in Express like any route, and also served by
 * `createFront` straight from node:http when the request has the common shape.
 */
export interface PlainRoute {
  path: string;
  /** The body's limit in bytes. */
  limit: number;
  handle(req: PlainRequest): Promise<Answer>;
}

/** Mounts a plain route on an Express router (the path for every request the front passes on). */
export function mountPlain(router: Router, route: PlainRoute, logger: Logger): void {
  router.post(
    route.path,
    rawBody(route.limit),
    handle(async (req, res) => {
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      sendAnswer(res, await route.handle({ headers: req.headers, body, logger: requestLogger(res, logger) }));
    }),
  );
}

/** Pure: whether the front serves this request itself: a POST to a plain route, of a stated length within the limit, not encoded. */
export function servesItself(req: Pick<IncomingMessage, 'method' | 'url' | 'headers'>, routes: ReadonlyMap<string, PlainRoute>): PlainRoute | undefined {
  if (req.method !== 'POST') return undefined;
  const url = req.url ?? '';
  const query = url.indexOf('?');
  const route = routes.get(query < 0 ? url : url.slice(0, query));
  const length = req.headers['content-length'];
  if (!route || length === undefined || Number(length) > route.limit) return undefined;
  const encoding = req.headers['content-encoding'];
  return encoding === undefined || encoding === 'identity' ? route : undefined;
}

/**
 * node:http in front of Express. Express's per-request work (its request and response objects, the
 * routers' layers, body-parser) cost about 0.2 ms of CPU, more than a turn's rules and engine
 * together, on the two requests that come with every message. The front serves those itself, with
 * the same request id, answers and error mapping; anything else — another route, a chunked or
 * encoded body, a body over the limit — goes to Express, which answers it as before (the 413, the 404).
 */
export function createFront(deps: { routes: PlainRoute[]; app: RequestListener; logger: Logger }): RequestListener {
  const routes = new Map(deps.routes.map((r) => [r.path, r]));

  const send = (res: ServerResponse, answer: Answer) => {
    const json = JSON.stringify(answer.json);
    res.writeHead(answer.status, { ...answer.headers, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(json) });
    res.end(json);
  };

  return (req, res) => {
    const route = servesItself(req, routes);
    if (!route) return deps.app(req, res);
    const logger = startRequest(req.headers, res, deps.logger);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    // A client that goes away mid-body gets no answer; there is nobody to read it.
    req.on('error', () => res.destroy());
    req.on('end', () => {
      const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
      route.handle({ headers: req.headers, body, logger }).then(
        (answer) => send(res, answer),
        (error: unknown) => send(res, errorAnswer(error, logger, { route: `POST ${route.path}`, path: route.path })),
      );
    });
  };
}
