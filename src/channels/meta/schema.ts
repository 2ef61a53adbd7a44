import { z } from 'zod';

/**
 * The Meta Cloud API webhook body, validated only as far as we rely on it and one item at a time:
 * the normaliser checks each entry, change, message and status on its own, so one bad item never
 * costs the rest of the batch. Every object is loose (Meta adds fields without notice); unknown
 * `field`s, message types and statuses are not schema errors. Reference: whatsapp-providers.md §1.3–§1.5.
 */

/** Unix seconds; Meta sends a string, some tools a number. */
export const metaTimestampSchema = z.union([z.string().regex(/^\d{1,12}$/, 'expected unix seconds'), z.number().int().nonnegative()]);

export const metaErrorSchema = z.looseObject({
  code: z.number().int(),
  title: z.string().optional(),
  message: z.string().optional(),
  error_data: z.looseObject({ details: z.string().optional() }).optional(),
});
export type MetaError = z.infer<typeof metaErrorSchema>;

const replySchema = z.looseObject({ id: z.string().min(1), title: z.string() });

/** image / video / audio / document / sticker: a media id (newer versions add a `url`), never the bytes. */
const mediaSchema = z.looseObject({
  id: z.string().min(1).optional(),
  url: z.string().min(1).optional(),
  mime_type: z.string().optional(),
  sha256: z.string().optional(),
  caption: z.string().optional(),
  filename: z.string().optional(),
  /** Audio: a recorded voice note. */
  voice: z.boolean().optional(),
  file_size: z.number().int().nonnegative().optional(),
});

const contactCardSchema = z.looseObject({
  name: z.looseObject({ formatted_name: z.string().optional(), first_name: z.string().optional(), last_name: z.string().optional() }).optional(),
  phones: z.array(z.looseObject({ phone: z.string().optional(), wa_id: z.string().optional() })).optional(),
});

/** The types whose body we read, and the schema of that body (`message[type]`). */
export const META_BODY_SCHEMAS = {
  text: z.looseObject({ body: z.string() }),
  button: z.looseObject({ text: z.string(), payload: z.string().optional() }),
  interactive: z.looseObject({
    type: z.string().min(1),
    button_reply: replySchema.optional(),
    list_reply: replySchema.extend({ description: z.string().optional() }).optional(),
  }),
  image: mediaSchema,
  video: mediaSchema,
  audio: mediaSchema,
  document: mediaSchema,
  sticker: mediaSchema,
  location: z.looseObject({
    latitude: z.number().min(-90).max(90),
    longitude: z.number().min(-180).max(180),
    name: z.string().optional(),
    address: z.string().optional(),
  }),
  contacts: z.array(contactCardSchema),
  reaction: z.looseObject({ message_id: z.string().min(1), emoji: z.string().optional() }),
} as const;

/** Who sent it and which message it is: enough to record an item even when the rest cannot be read. */
export const metaMessageIdentitySchema = z.looseObject({ from: z.string().min(1), id: z.string().min(1) });

export const metaMessageSchema = z
  .looseObject({
    from: z.string().min(1),
    id: z.string().min(1),
    timestamp: metaTimestampSchema,
    type: z.string().min(1),
    context: z.looseObject({ from: z.string().optional(), id: z.string().optional() }).optional(),
    errors: z.array(metaErrorSchema).optional(),
  })
  .superRefine((m, ctx) => {
    // A type we read must carry its body, well formed; other types carry nothing we read.
    const schema = (META_BODY_SCHEMAS as Record<string, z.ZodType>)[m.type];
    if (!schema) return;
    const body = (m as Record<string, unknown>)[m.type];
    if (body === undefined) {
      ctx.addIssue({ code: 'custom', path: [m.type], message: `a ${m.type} message needs its ${m.type} body` });
      return;
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', path: [m.type, ...issue.path], message: issue.message });
    if (m.type === 'interactive' && parsed.success) {
      const i = parsed.data as { type: string; button_reply?: unknown; list_reply?: unknown };
      if (i.type === 'button_reply' && !i.button_reply)
        ctx.addIssue({ code: 'custom', path: ['interactive', 'button_reply'], message: 'button_reply needs {id, title}' });
      if (i.type === 'list_reply' && !i.list_reply)
        ctx.addIssue({ code: 'custom', path: ['interactive', 'list_reply'], message: 'list_reply needs {id, title}' });
    }
    const media = (m.type === 'image' || m.type === 'video' || m.type === 'audio' || m.type === 'document' || m.type === 'sticker') && parsed.success;
    if (media && !(parsed.data as { id?: string; url?: string }).id && !(parsed.data as { url?: string }).url) {
      ctx.addIssue({ code: 'custom', path: [m.type, 'id'], message: 'a media message needs a media id or url' });
    }
  });
export type MetaMessage = z.infer<typeof metaMessageSchema>;

export const metaStatusSchema = z.looseObject({
  /** The wamid of the message we sent. */
  id: z.string().min(1),
  /** Not an enum: unknown statuses ("deleted", "played", future ones) are ignored, not rejected. */
  status: z.string().min(1),
  timestamp: metaTimestampSchema,
  recipient_id: z.string().min(1),
  /** "group" for a group message (we only send to individuals). */
  recipient_type: z.string().optional(),
  biz_opaque_callback_data: z.string().optional(),
  errors: z.array(metaErrorSchema).optional(),
});
export type MetaStatusPayload = z.infer<typeof metaStatusSchema>;

/** `changes[].value` when `field` is "messages": its lists are checked item by item by the normaliser. */
export const metaMessagesValueSchema = z.looseObject({
  metadata: z.looseObject({ display_phone_number: z.string().optional(), phone_number_id: z.string().min(1) }).optional(),
  messages: z.array(z.unknown()).optional(),
  statuses: z.array(z.unknown()).optional(),
  errors: z.array(z.unknown()).optional(),
});

export const metaEnvelopeSchema = z.looseObject({
  object: z.literal('whatsapp_business_account'),
  entry: z.array(z.unknown()),
});

export const metaEntrySchema = z.looseObject({
  /** The WABA id. */
  id: z.string().optional(),
  changes: z.array(z.unknown()),
});

export const metaChangeSchema = z.looseObject({ field: z.string().min(1), value: z.unknown() });
