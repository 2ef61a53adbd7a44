import { z } from 'zod';

/**
 * The Meta Cloud API webhook body, validated only as far as we rely on it. Every object is loose
 * (Meta adds fields without notice); unknown `field`s, message types and statuses are not schema
 * errors — the normaliser reports them as ignored. Reference: whatsapp-providers.md §1.3–§1.5.
 */

/** Unix seconds; Meta sends a string, some tools a number. */
const metaTimestampSchema = z.union([z.string().regex(/^\d{1,12}$/, 'expected unix seconds'), z.number().int().nonnegative()]);

const metaErrorSchema = z.looseObject({
  code: z.number().int(),
  title: z.string().optional(),
  message: z.string().optional(),
  error_data: z.looseObject({ details: z.string().optional() }).optional(),
});

const replySchema = z.looseObject({ id: z.string().min(1), title: z.string() });

const metaMessageSchema = z
  .looseObject({
    from: z.string().min(1),
    id: z.string().min(1),
    timestamp: metaTimestampSchema,
    type: z.string().min(1),
    text: z.looseObject({ body: z.string() }).optional(),
    interactive: z
      .looseObject({
        type: z.string().min(1),
        button_reply: replySchema.optional(),
        list_reply: replySchema.extend({ description: z.string().optional() }).optional(),
      })
      .optional(),
    /** Quick-reply tap on a template button. */
    button: z.looseObject({ text: z.string(), payload: z.string().optional() }).optional(),
    context: z.looseObject({ from: z.string().optional(), id: z.string().optional() }).optional(),
    errors: z.array(metaErrorSchema).optional(),
  })
  .superRefine((m, ctx) => {
    // The body a known type needs must be there; other types carry nothing we read.
    if (m.type === 'text' && !m.text) ctx.addIssue({ code: 'custom', path: ['text'], message: 'a text message needs text.body' });
    if (m.type === 'button' && !m.button) ctx.addIssue({ code: 'custom', path: ['button'], message: 'a button message needs button.text' });
    if (m.type === 'interactive') {
      const i = m.interactive;
      if (!i) ctx.addIssue({ code: 'custom', path: ['interactive'], message: 'an interactive message needs interactive' });
      else if (i.type === 'button_reply' && !i.button_reply)
        ctx.addIssue({ code: 'custom', path: ['interactive', 'button_reply'], message: 'button_reply needs {id, title}' });
      else if (i.type === 'list_reply' && !i.list_reply)
        ctx.addIssue({ code: 'custom', path: ['interactive', 'list_reply'], message: 'list_reply needs {id, title}' });
    }
  });
export type MetaMessage = z.infer<typeof metaMessageSchema>;

const metaStatusSchema = z.looseObject({
  /** The wamid of the message we sent. */
  id: z.string().min(1),
  /** Not an enum: unknown statuses ("deleted", future ones) are ignored, not rejected. */
  status: z.string().min(1),
  timestamp: metaTimestampSchema,
  recipient_id: z.string().min(1),
  biz_opaque_callback_data: z.string().optional(),
  errors: z.array(metaErrorSchema).optional(),
});
export type MetaStatusPayload = z.infer<typeof metaStatusSchema>;

/** `changes[].value` when `field` is "messages". */
export const metaMessagesValueSchema = z.looseObject({
  messaging_product: z.literal('whatsapp'),
  metadata: z.looseObject({
    display_phone_number: z.string().optional(),
    phone_number_id: z.string().min(1),
  }),
  contacts: z.array(z.looseObject({ wa_id: z.string().optional(), profile: z.looseObject({ name: z.string().optional() }).optional() })).optional(),
  messages: z.array(metaMessageSchema).optional(),
  statuses: z.array(metaStatusSchema).optional(),
  errors: z.array(metaErrorSchema).optional(),
});

/** The envelope; each change's `value` is checked against `metaMessagesValueSchema` only for field "messages". */
export const metaWebhookEnvelopeSchema = z.looseObject({
  object: z.literal('whatsapp_business_account'),
  entry: z.array(
    z.looseObject({
      /** The WABA id. */
      id: z.string().optional(),
      changes: z.array(z.looseObject({ field: z.string().min(1), value: z.unknown() })),
    }),
  ),
});
