import type { z } from 'zod';
import { DELIVERY_STATUSES, type DeliveryStatus, type DeliveryStatusName, type InboundMessage } from '../../contracts/inbound.js';
import { ValidationError } from '../../kernel/errors.js';
import { normalisePhone } from '../../contracts/phone.js';
import { metaMessagesValueSchema, metaWebhookEnvelopeSchema, type MetaMessage, type MetaStatusPayload } from './schema.js';

/** Something in the payload we deliberately skip; `detail` never holds phone numbers or text. */
export interface IgnoredItem {
  reason: 'unknown_field' | 'unknown_message_type' | 'unknown_status' | 'invalid_phone' | 'provider_error';
  detail: string;
}

export interface ParsedMetaWebhook {
  /** Every message of every entry × change, in payload order, provider "meta". */
  messages: InboundMessage[];
  statuses: DeliveryStatus[];
  ignored: IgnoredItem[];
}

export interface MetaWebhookIssue {
  path: string;
  message: string;
}

/** The body is not a Meta webhook we can read; `details.issues` lists where (routes answer 400). */
export class MetaWebhookInvalidError extends ValidationError {
  constructor(readonly issues: MetaWebhookIssue[]) {
    super(
      `invalid Meta webhook body: ${issues
        .slice(0, 3)
        .map((i) => `${i.path || '(root)'}: ${i.message}`)
        .join('; ')}`,
      { issues },
    );
  }
}

/** Types Meta documents whose body we do not read: normalised with empty text, the engine decides. */
const OTHER_KNOWN_TYPES = new Set([
  'image',
  'video',
  'audio',
  'document',
  'sticker',
  'location',
  'contacts',
  'reaction',
  'order',
  'system',
  'request_welcome',
  'unsupported',
  'unknown',
]);

/** Caps the issue list so a hostile 3 MB body cannot produce a 3 MB error. */
const MAX_ISSUES = 20;

const toIssues = (error: z.ZodError, prefix: (string | number)[] = []): MetaWebhookIssue[] =>
  error.issues.map((i) => ({ path: [...prefix, ...i.path].map(String).join('.'), message: i.message }));

const toMs = (seconds: string | number) => Number(seconds) * 1000;

/** Pure: text and reply payload of one message by type; `null` for a type we do not know. */
function contentOf(m: MetaMessage): { text: string; replyPayload?: string } | null {
  switch (m.type) {
    case 'text':
      return { text: m.text?.body ?? '' };
    case 'button':
      return { text: m.button?.text ?? '', replyPayload: m.button?.payload };
    case 'interactive': {
      const reply = m.interactive?.button_reply ?? m.interactive?.list_reply;
      // nfm_reply (Flows) and future subtypes: normalised without text.
      return reply ? { text: reply.title, replyPayload: reply.id } : { text: '' };
    }
    default:
      return OTHER_KNOWN_TYPES.has(m.type) ? { text: '' } : null;
  }
}

function toStatus(s: MetaStatusPayload, phoneNumberId: string, ignored: IgnoredItem[]): DeliveryStatus | null {
  if (!(DELIVERY_STATUSES as readonly string[]).includes(s.status)) {
    ignored.push({ reason: 'unknown_status', detail: `status=${s.status} id=${s.id}` });
    return null;
  }
  const recipientId = normalisePhone(s.recipient_id, { international: true });
  if (recipientId === null) {
    ignored.push({ reason: 'invalid_phone', detail: `status id=${s.id}` });
    return null;
  }
  return {
    id: s.id,
    status: s.status as DeliveryStatusName,
    timestamp: toMs(s.timestamp),
    recipientId,
    phoneNumberId,
    ...(s.biz_opaque_callback_data !== undefined && { bizOpaqueCallbackData: s.biz_opaque_callback_data }),
    ...(s.errors && {
      errors: s.errors.map((e) => ({
        code: e.code,
        title: e.title ?? e.message ?? '',
        ...(e.error_data?.details !== undefined && { details: e.error_data.details }),
      })),
    }),
  };
}

/**
 * Pure: validates a parsed Meta webhook body and flattens every entry × change × message/status.
 * Throws `MetaWebhookInvalidError` when the structure we rely on is wrong (routes answer 400);
 * unknown fields, message types and statuses are returned in `ignored`, never thrown.
 * Messages are normalised with `sessionId = normalisePhone(from)` and `timestamp` in ms.
 */
export function parseMetaWebhook(body: unknown): ParsedMetaWebhook {
  const envelope = metaWebhookEnvelopeSchema.safeParse(body);
  if (!envelope.success) throw new MetaWebhookInvalidError(toIssues(envelope.error).slice(0, MAX_ISSUES));

  const out: ParsedMetaWebhook = { messages: [], statuses: [], ignored: [] };
  const issues: MetaWebhookIssue[] = [];
  envelope.data.entry.forEach((entry, e) => {
    entry.changes.forEach((change, c) => {
      if (change.field !== 'messages') {
        out.ignored.push({ reason: 'unknown_field', detail: `field=${change.field}` });
        return;
      }
      const parsed = metaMessagesValueSchema.safeParse(change.value);
      if (!parsed.success) {
        issues.push(...toIssues(parsed.error, ['entry', e, 'changes', c, 'value']));
        return;
      }
      const value = parsed.data;
      const phoneNumberId = value.metadata.phone_number_id;
      for (const err of value.errors ?? []) {
        out.ignored.push({ reason: 'provider_error', detail: `code=${err.code} title=${err.title ?? err.message ?? ''}` });
      }
      for (const m of value.messages ?? []) {
        const content = contentOf(m);
        if (content === null) {
          out.ignored.push({ reason: 'unknown_message_type', detail: `type=${m.type} id=${m.id}` });
          continue;
        }
        const sessionId = normalisePhone(m.from, { international: true });
        if (sessionId === null) {
          out.ignored.push({ reason: 'invalid_phone', detail: `message id=${m.id}` });
          continue;
        }
        out.messages.push({
          provider: 'meta',
          messageId: m.id,
          sessionId,
          phone: m.from,
          text: content.text,
          type: m.type,
          ...(content.replyPayload !== undefined && { replyPayload: content.replyPayload }),
          timestamp: toMs(m.timestamp),
          raw: { phoneNumberId, message: m },
        });
      }
      for (const s of value.statuses ?? []) {
        const status = toStatus(s, phoneNumberId, out.ignored);
        if (status) out.statuses.push(status);
      }
    });
  });
  if (issues.length > 0) throw new MetaWebhookInvalidError(issues.slice(0, MAX_ISSUES));
  return out;
}
