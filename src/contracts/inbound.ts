import { z } from 'zod';

/**
 * What a channel hands the pipeline: a provider's delivery, normalised. Channels
 * (`src/channels/<provider>/`) know the wire formats and produce these; the pipeline consumes
 * only these, so it never imports a channel.
 */

/** Kinds of file a user can send; `voice` is a recorded voice note, `audio` any other sound file. */
const MEDIA_KINDS = ['audio', 'voice', 'image', 'video', 'document', 'sticker'] as const;

/**
 * A file the user sent, by reference: the bytes are fetched only when needed (a voice note to
 * transcribe) through the provider's `MediaFetcher` (contracts/media.ts). Meta gives a media `id`
 * (resolved through the Graph API); Twilio a `url` (MediaUrl0).
 */
export const inboundMediaSchema = z
  .object({
    kind: z.enum(MEDIA_KINDS),
    id: z.string().min(1).optional(),
    url: z.string().min(1).optional(),
    /** As the provider states it, e.g. "audio/ogg; codecs=opus". */
    mimeType: z.string().optional(),
    caption: z.string().optional(),
    filename: z.string().optional(),
    /** Bytes, when the provider says. */
    size: z.number().int().nonnegative().optional(),
    sha256: z.string().optional(),
  })
  .refine((m) => m.id !== undefined || m.url !== undefined, 'a media reference needs an id or a url');
export type InboundMedia = z.infer<typeof inboundMediaSchema>;

/** A shared location pin. */
const sharedLocationSchema = z.object({
  latitude: z.number().min(-90).max(90),
  longitude: z.number().min(-180).max(180),
  name: z.string().optional(),
  address: z.string().optional(),
});

/** A shared contact card, reduced to what a record needs. */
const sharedContactSchema = z.object({ name: z.string(), phones: z.array(z.string()) });

/** A reaction to an earlier message (often ours); no emoji: the reaction was removed. Never an answer. */
const reactionSchema = z.object({ messageId: z.string().min(1), emoji: z.string().optional() });

/** An error the provider attached to a message, e.g. 131051 (type not supported) or 131000. */
const providerErrorSchema = z.object({ code: z.number().int(), title: z.string() });

/** Why an audio message could not be heard (see contracts/media.ts). */
export const HEARING_FAILURES = ['no_transcriber', 'no_fetcher', 'too_large', 'timeout', 'fetch_failed', 'transcription_failed', 'empty'] as const;
export type HearingFailure = (typeof HEARING_FAILURES)[number];

/**
 * Providers that deliver by webhook: their messages go through the durable inbox, and the replies
 * leave through the outbox by the same provider's sender.
 */
export const WEBHOOK_PROVIDERS = ['meta', 'twilio'] as const;
export type WebhookProvider = (typeof WEBHOOK_PROVIDERS)[number];
export const isWebhookProvider = (name: string): name is WebhookProvider => (WEBHOOK_PROVIDERS as readonly string[]).includes(name);

/** One message a user sent, from any provider. */
export const inboundMessageSchema = z.object({
  provider: z.enum(['ingest', ...WEBHOOK_PROVIDERS]),
  /** Provider message id (wamid, Twilio MessageSid) or the caller's message_id. */
  messageId: z.string().min(1),
  /** Normalised phone digits (E.164 without "+"), e.g. "5511999990001". */
  sessionId: z.string().min(1),
  /** The phone as the provider sent it. */
  phone: z.string().min(1),
  /** What the user wrote: the text, a reply's title, a media caption, or (set by the pipeline) a voice note's transcript. */
  text: z.string(),
  /**
   * The provider's type: "text", "button", "interactive", "image", "audio", "location"…, or
   * "unsupported" for an item the channel could not read (then `unreadable` says why).
   */
  type: z.string().min(1),
  /** Id of the tapped reply button, when the message is a button reply ("yes"/"no"). */
  replyPayload: z.string().optional(),
  /** When the user sent it, epoch milliseconds. */
  timestamp: z.number(),
  media: inboundMediaSchema.optional(),
  location: sharedLocationSchema.optional(),
  contacts: z.array(sharedContactSchema).optional(),
  reaction: reactionSchema.optional(),
  /** Errors the provider attached (with the message or its batch). */
  errors: z.array(providerErrorSchema).optional(),
  /** For type "unsupported": the reason code (e.g. "message_invalid", "unknown_type") and the provider's own type. */
  unreadable: z.object({ reason: z.string(), providerType: z.string().optional() }).optional(),
  /**
   * Set by the pipeline for audio before the turn: transcribed (then `text` is the transcript)
   * or why it could not be heard.
   */
  hearing: z.union([z.object({ transcribed: z.literal(true) }), z.object({ transcribed: z.literal(false), reason: z.enum(HEARING_FAILURES) })]).optional(),
  raw: z.unknown().optional(),
});
export type InboundMessage = z.infer<typeof inboundMessageSchema>;
/** A message a provider's webhook delivered. */
export type WebhookMessage = InboundMessage & { provider: WebhookProvider };

/** Delivery states of a message we sent, in the order they advance (`failed` is terminal). */
export const DELIVERY_STATUSES = ['sent', 'delivered', 'read', 'failed'] as const;
export type DeliveryStatusName = (typeof DELIVERY_STATUSES)[number];

/** A delivery receipt for a message we sent. Timestamps are epoch milliseconds. */
export interface DeliveryStatus {
  /** The provider's id of our outbound message (a wamid for Meta, a message SID for Twilio). */
  id: string;
  status: DeliveryStatusName;
  timestamp: number;
  /** Normalised session id of the recipient. */
  recipientId: string;
  /** Our business number that sent it (tenant): Meta's phone number id, Twilio's sender number. */
  phoneNumberId: string;
  /** Echo of the callback data we sent with the message (the outbox id); Meta's `biz_opaque_callback_data`. */
  bizOpaqueCallbackData?: string;
  errors?: { code: number; title: string; details?: string }[];
}
