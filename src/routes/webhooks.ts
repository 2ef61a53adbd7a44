import { Router } from 'express';
import { z } from 'zod';
import { IdempotencyInProgressError, IdempotencyMismatchError, ValidationError } from '../kernel/errors.js';
import type { Entrypoints, IngestBody, TemplateBody } from '../pipeline/entrypoints.js';
import type { TurnOutcome, TurnResponse } from '../pipeline/turn-types.js';
import { type Answer, handle, parseJson, parseJsonBody, parseWith, rawBody, sendAnswer } from './http.js';
import type { PlainRoute } from './plain-routes.js';

/** `POST /webhook/ingest` body. */
const ingestBodySchema = z.object({
  message_id: z.string().min(1).max(256),
  phoneNumber: z.string().min(1).max(32),
  text: z.string().max(4096),
  meta: z.record(z.string(), z.unknown()).optional(),
}) satisfies z.ZodType<IngestBody>;

/** `POST /hooks/template-fired` body. */
const templateBodySchema = z.object({
  phoneNumber: z.string().min(1).max(32),
  template: z.string().min(1).max(128),
  metadata: z.record(z.string(), z.unknown()).optional(),
}) satisfies z.ZodType<TemplateBody>;

/** Header idempotency keys: printable, bounded (the IETF draft's advice). */
const headerKeySchema = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only');

/** Maps a turn outcome to HTTP: processed/replayed → 200 (replays marked), in flight → 409 (with Retry-After), other body → 422. */
function answer(outcome: TurnOutcome, shape: (r: TurnResponse) => unknown, key: string): Answer {
  switch (outcome.status) {
    case 'processed':
      return { status: 200, json: shape(outcome.response) };
    case 'replayed':
      return { status: 200, headers: { 'Idempotent-Replayed': 'true' }, json: shape(outcome.response) };
    case 'in_progress':
      throw new IdempotencyInProgressError(key, Math.max(1, Math.ceil(outcome.retryAfterMs / 1000)));
    case 'mismatch':
      throw new IdempotencyMismatchError(key);
  }
}

const ingestShape = (r: TurnResponse) => ({
  reply: r.replies.map((x) => x.text).join('\n\n') || null,
  replies: r.replies,
  session_id: r.session_id,
  status: 'ok',
});
const templateShape = (r: TurnResponse) => ({ success: true, session_id: r.session_id, version: r.version });

/** `POST /webhook/ingest`: a synchronous turn with header idempotency (a plain route: it comes with every message). */
export function ingestRoute(entrypoints: Entrypoints): PlainRoute {
  return {
    path: '/webhook/ingest',
    limit: 64 * 1024,
    async handle(req) {
      const header = req.headers['x-idempotency-key'];
      if (header === undefined) throw new ValidationError('the X-Idempotency-Key header is required');
      const key = parseWith(headerKeySchema, header, 'X-Idempotency-Key header');
      const body = parseJson(req.body, ingestBodySchema);
      return answer(await entrypoints.ingest(key, body), ingestShape, key);
    },
  };
}

/** `POST /hooks/template-fired`: a synchronous turn, idempotent by its optional header. */
export function templateRoutes(entrypoints: Entrypoints) {
  const router = Router();
  router.post(
    '/hooks/template-fired',
    rawBody('64kb'),
    handle(async (req, res) => {
      const header = req.header('x-template-idempotency-key');
      const key = header === undefined ? undefined : parseWith(headerKeySchema, header, 'X-Template-Idempotency-Key header');
      const body = parseJsonBody(req, templateBodySchema);
      sendAnswer(res, answer(await entrypoints.templateFired(key, body), templateShape, key ?? ''));
    }),
  );
  return router;
}
