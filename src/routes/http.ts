import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import express from 'express';
import { z } from 'zod';
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { AppError, ERROR_CATALOGUE, type ErrorCode, IdempotencyInProgressError, NotFoundError, ValidationError, isUnavailable } from '../kernel/errors.js';
import { findJsonLimitProblem } from '../kernel/json-limits.js';
import type { Logger } from '../kernel/logger.js';

/** The one error shape of the API. */
function errorBody(code: ErrorCode, message: string, details?: unknown) {
  return { error: { code, message, ...(details === undefined ? {} : { details }) } };
}

/** Reads the body as raw bytes (the Meta signature needs them) with a route-specific limit. */
export const rawBody = (limit: string | number) => express.raw({ type: () => true, limit });

/**
 * Parses the raw body as JSON and validates it; ValidationError (400) on any problem, including
 * numbers or nesting we could not carry faithfully (see kernel/json-limits).
 */
export function parseJsonBody<T extends z.ZodType>(req: Request, schema: T): z.infer<T> {
  return parseJson(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0), schema);
}

/** parseJsonBody over the raw bytes themselves. */
export function parseJson<T extends z.ZodType>(raw: Buffer, schema: T): z.infer<T> {
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new ValidationError('the body is not valid JSON');
  }
  const problem = findJsonLimitProblem(value);
  if (problem) throw new ValidationError('invalid body: a value is out of range', [problem]);
  return parseWith(schema, value, 'body');
}

/** Validates any value with a zod schema, turning issues into a ValidationError's details. */
export function parseWith<T extends z.ZodType>(schema: T, value: unknown, where: string): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new ValidationError(
      `invalid ${where}`,
      parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    );
  }
  return parsed.data;
}

/** Wraps an async handler so a rejection reaches the error middleware. */
export const handle =
  (fn: (req: Request, res: Parameters<RequestHandler>[1]) => Promise<unknown>): RequestHandler =>
  (req, res, next) => {
    fn(req, res).catch(next);
  };

/** The route pattern a request matched ("/sessions/:id/state"), never the raw path (it may hold a phone number). */
function routeOf(req: Request): string {
  // Express types `req.route` as any; it is the matched Route, whose `path` is the pattern.
  const pattern = (req.route as { path?: unknown } | undefined)?.path;
  return `${req.method} ${typeof pattern === 'string' ? `${req.baseUrl}${pattern}` : '(no route)'}`;
}

/** The request's logger (app.ts gives each request a child carrying its request id), else `fallback`. */
export const requestLogger = (res: Response, fallback: Logger): Logger => (res.locals as { logger?: Logger }).logger ?? fallback;

/** An answer as data: status, extra headers, a JSON body (sent by Express or by the plain front alike). */
export interface Answer {
  status: number;
  headers?: Record<string, string>;
  json: unknown;
}

/**
 * What an error becomes: named errors keep their code and status, body-parser failures become
 * 400/413, an unreachable DynamoDB becomes 503 (the provider retries), anything else 500. Every
 * refusal (4xx) leaves one warn line: code, status and route, with the request id of the
 * request's logger — never the body, a phone number or a path parameter.
 */
export function errorAnswer(error: unknown, log: Logger, where: { route: string; path: string }): Answer {
  const refuse = (status: number, code: ErrorCode, message: string, details?: unknown, headers?: Record<string, string>): Answer => {
    log.warn('request refused', { status, code, route: where.route });
    return { status, headers, json: errorBody(code, message, details) };
  };
  const e = error as AppError & { type?: string; status?: number; expose?: boolean };
  if (e.type === 'entity.too.large') return refuse(413, 'request.tooLarge', 'the body is too large');
  if (e.type && e.status && e.status < 500) return refuse(400, 'request.invalid', 'the body could not be read');
  if (e instanceof AppError) {
    const retry = retryAfterOf(e);
    const headers = retry === undefined ? undefined : { 'Retry-After': retry };
    if (e.status < 500) return refuse(e.status, e.code, e.message, e.details, headers);
    log.error('request failed', { path: where.path, code: e.code, error: e.message });
    return { status: e.status, headers, json: errorBody(e.code, e.message, e.details) };
  }
  if (isUnavailable(e)) return { status: 503, headers: { 'Retry-After': '1' }, json: errorBody('store.unavailable', ERROR_CATALOGUE['store.unavailable'].why) };
  const unknown = error as Error;
  log.error('unexpected error', { path: where.path, error: unknown?.message, stack: unknown?.stack });
  return { status: 500, json: errorBody('internal.error', 'unexpected error') };
}

/** The Retry-After (seconds) a named error asks of its caller, if any. */
function retryAfterOf(e: AppError): string | undefined {
  if (e.code === 'store.unavailable' || e.code === 'lock.notAcquired') return '1';
  if (e instanceof IdempotencyInProgressError) return String(e.details?.retryAfterSeconds ?? 1);
  return undefined;
}

/** Sends an Answer through Express. */
export const sendAnswer = (res: Response, answer: Answer) =>
  res
    .status(answer.status)
    .set(answer.headers ?? {})
    .json(answer.json);

/** The single error middleware: errorAnswer, logged with the request's logger, sent. */
export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    sendAnswer(res, errorAnswer(error, requestLogger(res, logger), { route: routeOf(req), path: req.path }));
  };
}

/**
 * Starts a request: its id (the caller's X-Request-Id, bounded, else a new one) is echoed in the
 * answer and carried by the logger returned for it.
 */
export function startRequest(headers: IncomingHttpHeaders, res: ServerResponse, logger: Logger): Logger {
  const header = headers['x-request-id'];
  const requestId = (typeof header === 'string' ? header.slice(0, 64) : '') || randomUUID();
  res.setHeader('X-Request-Id', requestId);
  return logger.child({ requestId });
}

/** startRequest for every request through Express; the logger is the request's (requestLogger). */
export const requestContext =
  (logger: Logger): RequestHandler =>
  (req, res, next) => {
    res.locals.logger = startRequest(req.headers, res, logger);
    next();
  };

/** No route matched: a 404 through the error middleware, so it is logged like every refusal. */
export const notFound: RequestHandler = (req, _res, next) => {
  next(new NotFoundError(`no route ${req.method} ${req.path}`));
};
