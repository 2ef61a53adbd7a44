import { z } from 'zod';

/**
 * What a channel hands the pipeline: a provider's delivery, normalised. Channels
 * (`src/channels/<provider>/`) know the wire formats and produce these; the pipeline consumes
 * only these, so it never imports a channel.
 */

/** One message a user sent, from any provider. */
export const inboundMessageSchema = z.object({
  provider: z.enum(['ingest', 'meta']),
  /** Provider message id (wamid) or the caller's message_id. */
  messageId: z.string().min(1),
  /** Normalised phone digits (E.164 without "+"), e.g. "5511999990001". */
  sessionId: z.string().min(1),
  /** The phone as the provider sent it. */
  phone: z.string().min(1),
  text: z.string(),
  /** "text", "button", "interactive", or another provider type (then text may be empty). */
  type: z.string().min(1),
  /** Id of the tapped reply button, when the message is a button reply ("yes"/"no"). */
  replyPayload: z.string().optional(),
  /** When the user sent it, epoch milliseconds. */
  timestamp: z.number(),
  raw: z.unknown().optional(),
});
export type InboundMessage = z.infer<typeof inboundMessageSchema>;

/** Delivery states of a message we sent, in the order they advance (`failed` is terminal). */
export const DELIVERY_STATUSES = ['sent', 'delivered', 'read', 'failed'] as const;
export type DeliveryStatusName = (typeof DELIVERY_STATUSES)[number];

/** A delivery receipt for a message we sent. Timestamps are epoch milliseconds. */
export interface DeliveryStatus {
  /** The provider's id of our outbound message (a wamid for Meta). */
  id: string;
  status: DeliveryStatusName;
  timestamp: number;
  /** Normalised session id of the recipient. */
  recipientId: string;
  /** Our business number that sent it (tenant). */
  phoneNumberId: string;
  /** Echo of the callback data we sent with the message (the outbox id); Meta's `biz_opaque_callback_data`. */
  bizOpaqueCallbackData?: string;
  errors?: { code: number; title: string; details?: string }[];
}
