import { z } from 'zod';

/**
 * Twilio's WhatsApp webhook parameters (form encoded, so every value is a string), validated only
 * as far as we read them. Every object is loose: Twilio adds parameters without notice, and an
 * unknown one is never a reason to refuse a delivery. Reference: whatsapp-providers.md §3 and
 * Twilio's "Messaging webhooks" request parameters.
 */

const sid = z.string().min(1).max(64);
/** A channel address, e.g. "whatsapp:+5511999990001". */
const address = z.string().min(1).max(64);
const coordinate = (limit: number) =>
  z
    .string()
    .trim()
    .regex(/^-?\d{1,3}(\.\d+)?$/, 'expected decimal degrees')
    .transform(Number)
    .refine((n) => Math.abs(n) <= limit, `must be within ±${limit}`);

/** Who sent it and which message it is: enough to record a message even when the rest cannot be read. */
export const twilioIdentitySchema = z.looseObject({ MessageSid: sid, From: address });

/** An inbound message ("A message comes in"). Media are read by index (`MediaUrl0`…) by the normaliser. */
export const twilioMessageSchema = z
  .looseObject({
    MessageSid: sid,
    From: address,
    To: address.optional(),
    /** Digits of the sender's WhatsApp id, without "+" (Twilio sends it beside `From`). */
    WaId: z.string().max(32).optional(),
    ProfileName: z.string().optional(),
    /** The text, or a media's caption. */
    Body: z.string().default(''),
    NumMedia: z
      .string()
      .regex(/^\d{1,2}$/, 'expected a small count')
      .transform(Number)
      .default(0),
    /** text, image, audio, video, document, location, button, interactive, sticker… (newer webhooks). */
    MessageType: z.string().max(64).optional(),
    /** A tapped quick-reply (template) or interactive button: its payload and its text. */
    ButtonPayload: z.string().optional(),
    ButtonText: z.string().optional(),
    Latitude: coordinate(90).optional(),
    Longitude: coordinate(180).optional(),
    Address: z.string().optional(),
    Label: z.string().optional(),
    /** The message this one replies to (WhatsApp's reply context). */
    OriginalRepliedMessageSid: z.string().optional(),
  })
  .refine((m) => (m.Latitude === undefined) === (m.Longitude === undefined), { message: 'a location needs Latitude and Longitude', path: ['Latitude'] });
export type TwilioMessage = z.infer<typeof twilioMessageSchema>;

/** One attached file, `MediaUrl{n}` and `MediaContentType{n}`. */
export const twilioMediaSchema = z.object({ url: z.url({ protocol: /^https?$/ }), contentType: z.string().min(1).max(255) });

/**
 * A status callback for a message we sent (`StatusCallback`). `MessageStatus` is the current
 * name; older callbacks carry only `SmsStatus`. Not an enum: a status we do not track is ignored.
 */
export const twilioStatusSchema = z.looseObject({
  MessageSid: sid,
  MessageStatus: z.string().min(1).max(32).optional(),
  SmsStatus: z.string().min(1).max(32).optional(),
  /** The recipient (the caregiver) and our sender number. */
  To: address.optional(),
  From: address.optional(),
  ErrorCode: z
    .string()
    .regex(/^\d{1,9}$/, 'expected a numeric code')
    .transform(Number)
    .optional(),
  ErrorMessage: z.string().optional(),
});
