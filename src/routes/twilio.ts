import { Router, type Request } from 'express';
import { z } from 'zod';
import { AppError, NotFoundError } from '../kernel/errors.js';
import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/logger.js';
import type { Inbox } from '../pipeline/inbox.js';
import type { Metrics } from '../pipeline/metrics.js';
import type { StatusHandler } from '../pipeline/statuses.js';
import { parseTwilioWebhook } from '../channels/twilio/normalise.js';
import { OUTBOX_PARAM } from '../channels/twilio/payload.js';
import { verifyTwilioSignature, type FormParams } from '../channels/twilio/signature.js';
import { handle, rawBody, requestLogger } from './http.js';
import { inboxTiming, logItems } from './webhook-items.js';

export interface TwilioRouteOptions {
  inbox: Inbox;
  statuses: StatusHandler;
  logger: Logger;
  metrics: Metrics;
  clock: Clock;
  /** When absent, unsigned deliveries are accepted (config allows that in embedded mode only; the route warns when built). */
  authToken?: string;
  /** The service's public URL behind a proxy (PUBLIC_BASE_URL): the URL Twilio signs is this plus the request's path. */
  publicBaseUrl?: string;
}

/** Twilio reads the answer as TwiML: an empty `<Response/>` says "nothing to reply here" (replies leave through the API). */
const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>';

/** The inbound message webhook ("A message comes in") and the StatusCallback of the messages we send. */
const TWILIO_WEBHOOK_PATH = '/webhook/twilio';
export const TWILIO_STATUS_PATH = '/webhook/twilio/status';

/**
 * The query of a StatusCallback URL: the outbox entry its message was sent from (we wrote it,
 * and the signature covers it). Anything else, or nothing, is no reason to refuse: the status is
 * then matched by its message SID alone.
 */
const callbackQuerySchema = z.looseObject({ [OUTBOX_PARAM]: z.string().min(1).max(512) });

/** Pure: a form body's parameters, in order (a name may repeat: every one counts for the signature). */
const formParams = (raw: Buffer): FormParams => [...new URLSearchParams(raw.toString('utf8'))];

/**
 * Twilio WhatsApp webhooks (form encoded). The `X-Twilio-Signature` is checked over the URL
 * Twilio called and every parameter before anything is read: only a missing or wrong signature
 * is refused (401). A signed delivery is never refused for its content: a message that cannot be
 * read is logged, counted and recorded as unsupported. A message is stored durably before the 200
 * (an empty TwiML answer); a status callback is applied after it, never blocking. Both paths
 * take both kinds (told apart by their parameters), so a misconfigured callback URL loses nothing.
 */
export function twilioRoutes(options: TwilioRouteOptions) {
  const router = Router();
  if (!options.authToken) options.logger.warn('TWILIO_AUTH_TOKEN not set: unsigned Twilio webhooks are accepted (embedded mode only)');
  const base = options.publicBaseUrl?.replace(/\/+$/, '');
  const publicUrl = (req: Request) => `${base ?? `${req.protocol}://${req.get('host') ?? ''}`}${req.originalUrl}`;

  const receive = handle(async (req, res) => {
    const params = formParams(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));
    if (options.authToken && !verifyTwilioSignature(req.header('x-twilio-signature'), options.authToken, publicUrl(req), params)) {
      throw new AppError('auth.unauthorized', 'missing or invalid X-Twilio-Signature');
    }
    const callback = callbackQuerySchema.safeParse(req.query);
    // A repeated name keeps its first value (Twilio repeats none of the parameters we read).
    const parsed = parseTwilioWebhook(Object.fromEntries([...params].reverse()), {
      receivedAt: options.clock.now(),
      ...(callback.success && { callbackData: callback.data[OUTBOX_PARAM] }),
    });
    logItems('twilio', parsed, requestLogger(res, options.logger), options.metrics);
    const accepted = await options.inbox.accept(parsed.messages);
    void options.statuses.apply(parsed.statuses);
    res.setHeader('Server-Timing', inboxTiming(accepted.writeMs));
    res.type('text/xml').send(EMPTY_TWIML);
  });

  router.post(TWILIO_WEBHOOK_PATH, rawBody('256kb'), receive);
  router.post(TWILIO_STATUS_PATH, rawBody('256kb'), receive);
  return router;
}

/**
 * The Twilio paths when Twilio is off (aws mode without TWILIO_AUTH_TOKEN): a 404 that says why,
 * rather than an anonymous "no route", so a misconfigured deployment is found from Twilio's log.
 */
export function twilioOffRoutes() {
  const router = Router();
  const off = () => {
    throw new NotFoundError('Twilio WhatsApp is not configured here: set TWILIO_AUTH_TOKEN to receive its webhooks');
  };
  router.post(TWILIO_WEBHOOK_PATH, off);
  router.post(TWILIO_STATUS_PATH, off);
  return router;
}
