import { Router } from 'express';
import { AppError, ValidationError } from '../kernel/errors.js';
import type { Logger } from '../kernel/logger.js';
import type { Inbox } from '../pipeline/inbox.js';
import type { StatusHandler } from '../pipeline/statuses.js';
import { parseMetaWebhook } from '../channels/meta/normalise.js';
import { verifyMetaSignature } from '../channels/meta/signature.js';
import { verifyToken } from '../kernel/token.js';
import { handle, rawBody } from './http.js';

export interface WhatsAppRouteOptions {
  inbox: Inbox;
  statuses: StatusHandler;
  logger: Logger;
  /** When absent, unsigned bodies are accepted (loadConfig allows that in embedded mode only; the route warns when built). */
  appSecret?: string;
  verifyToken?: string;
}

/**
 * Meta Cloud API webhook. The signature is checked on the raw bytes before parsing; every
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
      const parsed = parseMetaWebhook(body);
      for (const item of parsed.ignored) options.logger.debug('meta webhook item ignored', { reason: item.reason, detail: item.detail });
      const accepted = await options.inbox.accept(parsed.messages);
      void options.statuses.apply(parsed.statuses);
      res.json({ status: 'ok', received: parsed.messages.length, duplicates: accepted.duplicates, statuses: parsed.statuses.length });
    }),
  );
  return router;
}
