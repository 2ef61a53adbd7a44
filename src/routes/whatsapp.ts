import { Router } from 'express';
import { AppError, ValidationError } from '../kernel/errors.js';
import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/logger.js';
import type { Inbox } from '../pipeline/inbox.js';
import type { Metrics } from '../pipeline/metrics.js';
import type { StatusHandler } from '../pipeline/statuses.js';
import { parseMetaWebhook, type ParsedMetaWebhook } from '../channels/meta/normalise.js';
import { verifyMetaSignature } from '../channels/meta/signature.js';
import { verifyToken } from '../kernel/token.js';
import { handle, rawBody, requestLogger } from './http.js';

export interface WhatsAppRouteOptions {
  inbox: Inbox;
  statuses: StatusHandler;
  logger: Logger;
  metrics: Metrics;
  clock: Clock;
  /** When absent, unsigned bodies are accepted (loadConfig allows that in embedded mode only; the route warns when built). */
  appSecret?: string;
  verifyToken?: string;
}

/** At most this many warn lines per delivery; the rest are counted in one more line (a hostile body cannot flood the log). */
const MAX_REJECT_LINES = 20;

/** Logs what a delivery's items came to: refusals at warn with their reason code, skipped kinds at debug. */
function logItems(parsed: ParsedMetaWebhook, log: Logger, metrics: Metrics): void {
  for (const item of parsed.ignored) log.debug('meta webhook item ignored', { kind: item.kind, detail: item.detail });
  parsed.rejected.forEach((item, i) => {
    metrics.unsupportedItems.inc({ provider: 'meta', reason: item.reason });
    if (i < MAX_REJECT_LINES) log.warn('meta webhook item not readable', { reason: item.reason, detail: item.detail, issues: item.issues });
  });
  if (parsed.rejected.length > MAX_REJECT_LINES) log.warn('meta webhook items not readable (more)', { count: parsed.rejected.length - MAX_REJECT_LINES });
}

/**
 * Meta Cloud API webhook. The signature is checked on the raw bytes before parsing: only a
 * missing or wrong signature (401) or a body that is not JSON (400) is refused. Every item is
 * read on its own; one that cannot be read is logged, counted and recorded as unsupported, never
 * a reason to refuse the delivery (Meta would retry it for days, then disable the webhook). Every
 * message is stored durably before the 200; statuses are applied after it, never blocking.
 */
export function whatsappRoutes(options: WhatsAppRouteOptions) {
  const router = Router();
  if (!options.appSecret) options.logger.warn('WHATSAPP_APP_SECRET not set: unsigned Meta webhooks are accepted (embedded mode only)');

  router.get('/webhook/whatsapp', (req, res) => {
    const mode = req.query['hub.mode'];
    const token = req.query['hub.verify_token'];
    const challenge = req.query['hub.challenge'];
    const ok = mode === 'subscribe' && typeof token === 'string' && verifyToken(token, options.verifyToken) && typeof challenge === 'string';
    if (!ok) throw new AppError('auth.forbidden', 'verification failed');
    res.type('text/plain').send(challenge);
  });

  router.post(
    '/webhook/whatsapp',
    rawBody('3mb'),
    handle(async (req, res) => {
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      if (options.appSecret && !verifyMetaSignature(raw, req.header('x-hub-signature-256'), options.appSecret)) {
        throw new AppError('auth.unauthorized', 'missing or invalid X-Hub-Signature-256');
      }
      let body: unknown;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        throw new ValidationError('the body is not valid JSON');
      }
      const parsed = parseMetaWebhook(body, { receivedAt: options.clock.now() });
      logItems(parsed, requestLogger(res, options.logger), options.metrics);
      const accepted = await options.inbox.accept(parsed.messages);
      void options.statuses.apply(parsed.statuses);
      res.json({
        status: 'ok',
        received: parsed.messages.length,
        duplicates: accepted.duplicates,
        statuses: parsed.statuses.length,
        unsupported: parsed.messages.filter((m) => m.type === 'unsupported').length,
      });
    }),
  );
  return router;
}
