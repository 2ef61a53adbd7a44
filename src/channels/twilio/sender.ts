import type { Sender } from '../../contracts/sender.js';
import { createHttpSender, type HttpSenderOptions } from '../http-send.js';
import { classifyTwilioResponse } from './errors.js';
import { buildTwilioMessageForm, type TwilioSenderIdentity } from './payload.js';

export interface TwilioSenderOptions extends HttpSenderOptions, TwilioSenderIdentity {
  /** e.g. "https://api.twilio.com" (TWILIO_API_URL). */
  apiUrl: string;
  accountSid: string;
  authToken: string;
}

/** 4 attempts, 500 ms doubling up to 8 s, equal jitter. */
const TWILIO_SEND_RETRY = { maxAttempts: 4, initialDelayMs: 500, maxDelayMs: 8_000, jitter: 'equal' } as const;

/** The HTTP Basic credentials of the REST API and of media URLs: account SID and auth token. */
export const twilioBasicAuth = (accountSid: string, authToken: string) => `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;

/**
 * A `Sender` for WhatsApp through Twilio's Messages REST API:
 * `POST {apiUrl}/2010-04-01/Accounts/{accountSid}/Messages.json`, form encoded, with basic auth.
 * The answer's message SID is the provider id that status callbacks are matched by. Retries
 * 5xx, 429 and transient codes, never another 4xx (see http-send.ts).
 */
export function createTwilioSender(options: TwilioSenderOptions): Sender {
  const url = `${options.apiUrl.replace(/\/+$/, '')}/2010-04-01/Accounts/${encodeURIComponent(options.accountSid)}/Messages.json`;
  const headers = { authorization: twilioBasicAuth(options.accountSid, options.authToken), 'content-type': 'application/x-www-form-urlencoded' };
  return createHttpSender(
    {
      name: 'twilio',
      defaults: TWILIO_SEND_RETRY,
      request(message) {
        const { form, adjustments } = buildTwilioMessageForm(message, options);
        return { url, headers, body: form.toString(), adjustments };
      },
      classify: classifyTwilioResponse,
    },
    options,
  );
}
