import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import express from 'express';
import { z } from 'zod';
import { AppError, ERROR_CATALOGUE, type ErrorCode, NotFoundError, ValidationError, isUnavailable } from '../kernel/errors.js';
import { findJsonLimitProblem } from '../kernel/json-limits.js';
import type { Logger } from '../kernel/logger.js';

/** The one error shape of the API. */
function errorBody(code: ErrorCode, message: string, details?: unknown) {
  return { error: { code, message, ...(details === undefined ? {} : { details }) } };
}

/** Reads the body as raw bytes (the Meta signature needs them) with a route-specific limit. */
export const rawBody = (limit: string) => express.raw({ type: () => true, limit });

/**
 * Parses the raw body as JSON and validates it; ValidationError (400) on any problem, including
 * numbers or nesting we could not carry faithfully (see kernel/json-limits).
 */
export function parseJsonBody<T extends z.ZodType>(req: Request, schema: T): z.infer<T> {
  const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
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

/**
 * The single error middleware: named errors keep their code and status, body-parser failures
 * become 400/413, an unreachable DynamoDB becomes 503 (the provider retries), anything else 500.
 * Every refusal (4xx) leaves one warn line: code, status and route, with the request id of the
 * request's logger — never the body, a phone number or a path parameter.
 */
export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const log = requestLogger(res, logger);
    const refuse = (status: number, code: ErrorCode, message: string, details?: unknown) => {
      log.warn('request refused', { status, code, route: routeOf(req) });
      return res.status(status).json(errorBody(code, message, details));
    };
    const e = error as AppError & { type?: string; status?: number; expose?: boolean };
    if (e.type === 'entity.too.large') return refuse(413, 'request.tooLarge', 'the body is too large');
    if (e.type && e.status && e.status < 500) return refuse(400, 'request.invalid', 'the body could not be read');
    if (e instanceof AppError) {
      if (e.code === 'store.unavailable' || e.code === 'lock.notAcquired') res.setHeader('Retry-After', '1');
      if (e.status < 500) return refuse(e.status, e.code, e.message, e.details);
      log.error('request failed', { path: req.path, code: e.code, error: e.message });
      return res.status(e.status).json(errorBody(e.code, e.message, e.details));
    }
    if (isUnavailable(e)) {
      res.setHeader('Retry-After', '1');
      return res.status(503).json(errorBody('store.unavailable', ERROR_CATALOGUE['store.unavailable'].why));
    }
    const unknown = error as Error;
    log.error('unexpected error', { path: req.path, error: unknown?.message, stack: unknown?.stack });
    return res.status(500).json(errorBody('internal.error', 'unexpected error'));
  };
}

/** No route matched: a 404 through the error middleware, so it is logged like every refusal. */
export const notFound: RequestHandler = (req, _res, next) => {
  next(new NotFoundError(`no route ${req.method} ${req.path}`));
};
