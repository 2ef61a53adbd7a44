import type { z } from 'zod';
import type { DeliveryStatus, WebhookMessage } from '../contracts/inbound.js';

/**
 * What a provider's webhook delivery comes to once each of its items was read on its own: the
 * messages and statuses, what was deliberately skipped and what could not be read. Every
 * provider's normaliser returns this shape; the routes log and count it the same way.
 */

/** Something we deliberately do not read (logged at debug): a webhook field, a status we do not track. */
export interface IgnoredItem {
  kind: 'field' | 'status' | 'message_type' | 'media';
  /** Never holds phone numbers or text. */
  detail: string;
}

/** Why an item could not be read (logged at warn, counted); a message that can be attributed is still recorded as "unsupported". */
export type RejectReason =
  | 'envelope_invalid'
  | 'entry_invalid'
  | 'change_invalid'
  | 'message_invalid'
  | 'message_unattributable'
  | 'invalid_phone'
  | 'number_out_of_range'
  | 'status_invalid'
  | 'provider_error';

export interface WebhookIssue {
  path: string;
  message: string;
}

export interface RejectedItem {
  reason: RejectReason;
  /** Where in the body, and the provider's message id when there is one; never phone numbers or text. */
  detail: string;
  issues?: WebhookIssue[];
}

export interface ParsedWebhook {
  /** Every message, in delivery order; unreadable ones as type "unsupported". */
  messages: WebhookMessage[];
  statuses: DeliveryStatus[];
  ignored: IgnoredItem[];
  rejected: RejectedItem[];
}

/** Caps the issues kept per item so a hostile body cannot produce a huge log line. */
const MAX_ISSUES = 5;

/** Pure: a zod error's first issues, with their paths under `prefix`. */
export const toIssues = (error: z.ZodError, prefix: (string | number)[] = []): WebhookIssue[] =>
  error.issues.slice(0, MAX_ISSUES).map((i) => ({ path: [...prefix, ...i.path].map(String).join('.'), message: i.message }));
