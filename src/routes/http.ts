import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import express from 'express';
import { z } from 'zod';
import { AppError, ERROR_CATALOGUE, type ErrorCode, ValidationError, isUnavailable } from '../kernel/errors.js';
import type { Logger } from '../kernel/logger.js';

/** The one error shape of the API. */
export function errorBody(code: ErrorCode, message: string, details?: unknown) {
  return { error: { code, message, ...(details === undefined ? {} : { details }) } };
}

/** Reads the body as raw bytes (the Meta signature needs them) with a route-specific limit. */
export const rawBody = (limit: string) => express.raw({ type: () => true, limit });

/** Parses the raw body as JSON and validates it; ValidationError (400) on any problem. */
export function parseJsonBody<T extends z.ZodType>(req: Request, schema: T): z.infer<T> {
  const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new ValidationError('the body is not valid JSON');
  }
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

/**
 * The single error middleware: named errors keep their code and status, body-parser failures
 * become 400/413, an unreachable DynamoDB becomes 503 (the provider retries), anything else 500.
 */
export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const e = error as AppError & { type?: string; status?: number; expose?: boolean };
    if (e.type === 'entity.too.large') return res.status(413).json(errorBody('request.tooLarge', 'the body is too large'));
    if (e.type && e.status && e.status < 500) return res.status(400).json(errorBody('request.invalid', 'the body could not be read'));
    if (e instanceof AppError) {
      if (e.status >= 500) logger.error('request failed', { path: req.path, code: e.code, error: e.message });
      if (e.code === 'store.unavailable' || e.code === 'lock.notAcquired') res.setHeader('Retry-After', '1');
      return res.status(e.status).json(errorBody(e.code, e.message, e.details));
    }
    if (isUnavailable(e)) {
      res.setHeader('Retry-After', '1');
      return res.status(503).json(errorBody('store.unavailable', ERROR_CATALOGUE['store.unavailable'].why));
    }
    const unknown = error as Error;
    logger.error('unexpected error', { path: req.path, error: unknown?.message, stack: unknown?.stack });
    return res.status(500).json(errorBody('internal.error', 'unexpected error'));
  };
}

export const notFound: RequestHandler = (req, res) => {
  res.status(404).json(errorBody('resource.notFound', `no route ${req.method} ${req.path}`));
};
