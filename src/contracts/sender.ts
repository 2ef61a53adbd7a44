import type { Reply } from './engine.js';

/** One reply to deliver: `to` is the session id (E.164 digits), `outboxId` our correlation id. */
export interface OutboundMessage {
  to: string;
  reply: Reply;
  outboxId: string;
}

/**
 * What a send ended as. `failed.retryable` is true only when a transient error (5xx, 429,
 * 130429, network) outlasted the sender's own retries, or when the outcome is unknown (timeout
 * after the request left): the outbox may try again later. Terminal errors carry the provider's
 * code (e.g. 131047 with reason "outside_24h_window") and `retryable: false`.
 */
export type SendResult =
  | { status: 'sent'; providerMessageId: string; attempts?: number }
  | { status: 'failed'; code: string | number; reason: string; retryable: boolean; attempts?: number };

/** Delivers replies to a channel. Implementations never throw for provider answers; they return `failed`. */
export interface Sender {
  /** Short name for logs and metrics ("meta", "log", "recording"). */
  readonly name: string;
  /** The longest one `send` can take, its own retries included (the outbox sweep waits longer). */
  readonly maxSendMs?: number;
  send(message: OutboundMessage): Promise<SendResult>;
}
