import { Router } from 'express';
import { AppError, ValidationError } from '../kernel/errors.js';
import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/logger.js';
import type { Inbox } from '../pipeline/inbox.js';
import type { Metrics } from '../pipeline/metrics.js';
import type { StatusHandler } from '../pipeline/statuses.js';
import { parseMetaWebhook } from '../channels/meta/normalise.js';
import { verifyMetaSignature } from '../channels/meta/signature.js';
import { verifyToken } from '../kernel/token.js';
import type { PlainRoute } from './plain-routes.js';
import { inboxTiming, logItems } from './webhook-items.js';

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

/** Meta's subscription check (GET): echoes the challenge when the verify token matches. */
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
  return router;
}

/**
 * Meta Cloud API webhook (POST; a plain route: it comes with every message). The signature is
 * checked on the raw bytes before parsing: only a missing or wrong signature (401) or a body that
 * is not JSON (400) is refused. Every item is read on its own; one that cannot be read is logged,
 * counted and recorded as unsupported, never a reason to refuse the delivery (Meta would retry it
 * for days, then disable the webhook). Every message is stored durably before the 200; statuses
 * are applied after it, never blocking.
 */
export function metaWebhookRoute(options: WhatsAppRouteOptions): PlainRoute {
  return {
    path: '/webhook/whatsapp',
    limit: 3 * 1024 * 1024,
    async handle(req) {
      const signature = req.headers['x-hub-signature-256'];
      if (options.appSecret && !verifyMetaSignature(req.body, typeof signature === 'string' ? signature : undefined, options.appSecret)) {
        throw new AppError('auth.unauthorized', 'missing or invalid X-Hub-Signature-256');
      }
      let body: unknown;
      try {
        body = JSON.parse(req.body.toString('utf8'));
      } catch {
        throw new ValidationError('the body is not valid JSON');
      }
      const parsed = parseMetaWebhook(body, { receivedAt: options.clock.now() });
      logItems('meta', parsed, req.logger, options.metrics);
      const accepted = await options.inbox.accept(parsed.messages);
      void options.statuses.apply(parsed.statuses);
      return {
        status: 200,
        headers: { 'Server-Timing': inboxTiming(accepted.writeMs) },
        json: {
          status: 'ok',
          received: parsed.messages.length,
          duplicates: accepted.duplicates,
          statuses: parsed.statuses.length,
          unsupported: parsed.messages.filter((m) => m.type === 'unsupported').length,
        },
      };
    },
  };
}
