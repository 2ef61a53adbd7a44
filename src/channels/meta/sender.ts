import { classifyGraphResponse } from './errors.js';
import { buildMetaMessageBody } from './payload.js';
import { createHttpSender, type HttpSenderOptions } from '../http-send.js';
import type { Sender } from '../../contracts/sender.js';

export interface MetaCloudSenderOptions extends HttpSenderOptions {
  /** e.g. "https://graph.facebook.com" (WHATSAPP_GRAPH_URL). */
  graphUrl: string;
  /** e.g. "v21.0" (WHATSAPP_API_VERSION). */
  apiVersion: string;
  phoneNumberId: string;
  accessToken: string;
}

/** 4 attempts, 500 ms doubling up to 8 s, equal jitter: a throttled send backs off for real. */
export const META_SEND_RETRY = { maxAttempts: 4, initialDelayMs: 500, maxDelayMs: 8_000, jitter: 'equal' } as const;

/**
 * A `Sender` for the WhatsApp Cloud API: `POST {graphUrl}/{apiVersion}/{phoneNumberId}/messages`
 * with a bearer token. Retries 5xx, 429 and transient Meta codes (see http-send.ts); a send whose
 * outcome is unknown is reconciled by the outbox through status webhooks (`biz_opaque_callback_data`).
 */
export function createMetaCloudSender(options: MetaCloudSenderOptions): Sender {
  const url = `${options.graphUrl.replace(/\/+$/, '')}/${options.apiVersion}/${options.phoneNumberId}/messages`;
  const headers = { authorization: `Bearer ${options.accessToken}`, 'content-type': 'application/json' };
  return createHttpSender(
    {
      name: 'meta',
      defaults: META_SEND_RETRY,
      request(message) {
        const { body, adjustments } = buildMetaMessageBody(message);
        return { url, headers, body: JSON.stringify(body), adjustments };
      },
      classify: classifyGraphResponse,
    },
    options,
  );
}
