import type { z } from 'zod';
import { DELIVERY_STATUSES, type DeliveryStatusName, type InboundMessage, type WebhookMessage } from '../../contracts/inbound.js';
import { normalisePhone } from '../../contracts/phone.js';
import { findJsonLimitProblem } from '../../kernel/json-limits.js';
import { toIssues, type ParsedWebhook, type RejectReason, type WebhookIssue } from '../webhook-items.js';
import {
  META_BODY_SCHEMAS,
  metaChangeSchema,
  metaEntrySchema,
  metaEnvelopeSchema,
  metaErrorSchema,
  metaMessageIdentitySchema,
  metaMessageSchema,
  metaMessagesValueSchema,
  metaStatusSchema,
  metaTimestampSchema,
  type MetaError,
  type MetaMessage,
  type MetaStatusPayload,
} from './schema.js';

const toMs = (seconds: string | number) => Number(seconds) * 1000;

const errorsOf = (errors: MetaError[] | undefined) => errors?.map((e) => ({ code: e.code, title: e.title ?? e.message ?? '' }));

/** Pure: the text, reply payload and typed parts of a message whose body we read. */
function contentOf(m: MetaMessage): Pick<InboundMessage, 'text' | 'replyPayload' | 'media' | 'location' | 'contacts' | 'reaction'> {
  const body = (m as Record<string, unknown>)[m.type];
  switch (m.type) {
    case 'text':
      return { text: (body as z.infer<typeof META_BODY_SCHEMAS.text>).body };
    case 'button': {
      const b = body as z.infer<typeof META_BODY_SCHEMAS.button>;
      return { text: b.text, ...(b.payload !== undefined && { replyPayload: b.payload }) };
    }
    case 'interactive': {
      const i = body as z.infer<typeof META_BODY_SCHEMAS.interactive>;
      const reply = i.button_reply ?? i.list_reply;
      // nfm_reply (Flows), call_permission_reply and future subtypes: read as having no text.
      return reply ? { text: reply.title, replyPayload: reply.id } : { text: '' };
    }
    case 'image':
    case 'video':
    case 'audio':
    case 'document':
    case 'sticker': {
      const f = body as z.infer<typeof META_BODY_SCHEMAS.image>;
      const kind = m.type === 'audio' && f.voice ? 'voice' : m.type;
      return {
        text: f.caption ?? '',
        media: {
          kind,
          ...(f.id !== undefined && { id: f.id }),
          ...(f.url !== undefined && { url: f.url }),
          ...(f.mime_type !== undefined && { mimeType: f.mime_type }),
          ...(f.caption !== undefined && { caption: f.caption }),
          ...(f.filename !== undefined && { filename: f.filename }),
          ...(f.file_size !== undefined && { size: f.file_size }),
          ...(f.sha256 !== undefined && { sha256: f.sha256 }),
        },
      };
    }
    case 'location': {
      const l = body as z.infer<typeof META_BODY_SCHEMAS.location>;
      return {
        text: '',
        location: { latitude: l.latitude, longitude: l.longitude, ...(l.name && { name: l.name }), ...(l.address && { address: l.address }) },
      };
    }
    case 'contacts': {
      const cards = body as z.infer<typeof META_BODY_SCHEMAS.contacts>;
      const contacts = cards.map((c) => ({
        name: c.name?.formatted_name ?? [c.name?.first_name, c.name?.last_name].filter(Boolean).join(' '),
        phones: (c.phones ?? []).map((p) => p.phone ?? p.wa_id ?? '').filter(Boolean),
      }));
      return { text: '', contacts };
    }
    case 'reaction': {
      const r = body as z.infer<typeof META_BODY_SCHEMAS.reaction>;
      // An empty or absent emoji means the reaction was removed.
      return { text: '', reaction: { messageId: r.message_id, ...(r.emoji && { emoji: r.emoji }) } };
    }
    default:
      return { text: '' };
  }
}

/** Everything one webhook change contributes, with where it sits in the body. */
interface ChangeScope {
  out: ParsedWebhook;
  at: string;
  phoneNumberId: string;
  /** `value.errors`: Meta sends them beside a message it could not describe (131000 "Unsupported webhook payload"). */
  valueErrors?: MetaError[];
  receivedAt: number;
}

/** A message we cannot read but can attribute: recorded as type "unsupported", with its error codes and no text. */
function unsupported(
  identity: { from: string; id: string },
  sessionId: string,
  item: Record<string, unknown>,
  reason: RejectReason,
  scope: ChangeScope,
): WebhookMessage {
  const own = metaErrorSchema.array().safeParse(item.errors);
  const errors = errorsOf(own.success ? own.data : scope.valueErrors);
  const ts = metaTimestampSchema.safeParse(item.timestamp);
  return {
    provider: 'meta',
    messageId: identity.id,
    sessionId,
    phone: identity.from,
    text: '',
    type: 'unsupported',
    timestamp: ts.success ? toMs(ts.data) : scope.receivedAt,
    ...(errors?.length && { errors }),
    unreadable: { reason, ...(typeof item.type === 'string' && { providerType: item.type.slice(0, 64) }) },
  };
}

/** Reads one message; an item that fails is rejected (and recorded as unsupported when it names a sender and an id). */
function readMessage(item: unknown, index: number, scope: ChangeScope): void {
  const { out } = scope;
  const at = `${scope.at}.messages.${index}`;
  const identity = metaMessageIdentitySchema.safeParse(item);
  if (!identity.success) {
    out.rejected.push({ reason: 'message_unattributable', detail: at, issues: toIssues(identity.error) });
    return;
  }
  const { from, id } = identity.data;
  const sessionId = normalisePhone(from, { international: true });
  if (sessionId === null) {
    out.rejected.push({ reason: 'invalid_phone', detail: `${at} id=${id}` });
    return;
  }
  /** Rejected, and still recorded: type "unsupported", no text. */
  const unreadable = (reason: RejectReason, issues: WebhookIssue[]) => {
    out.rejected.push({ reason, detail: `${at} id=${id}`, issues });
    out.messages.push(unsupported(identity.data, sessionId, item as Record<string, unknown>, reason, scope));
  };
  const parsed = metaMessageSchema.safeParse(item);
  if (!parsed.success) return unreadable('message_invalid', toIssues(parsed.error));
  const m = parsed.data;
  if (!(m.type in META_BODY_SCHEMAS)) out.ignored.push({ kind: 'message_type', detail: `type=${m.type.slice(0, 64)} id=${id}` });
  const errors = errorsOf(m.errors);
  const message: WebhookMessage = {
    provider: 'meta',
    messageId: id,
    sessionId,
    phone: from,
    type: m.type,
    ...contentOf(m),
    timestamp: toMs(m.timestamp),
    ...(errors?.length && { errors }),
    ...(m.type === 'unsupported' && { unreadable: { reason: 'provider_unsupported' } }),
  };
  const problem = findJsonLimitProblem(message);
  if (problem) return unreadable('number_out_of_range', [problem]);
  out.messages.push({ ...message, raw: { phoneNumberId: scope.phoneNumberId, message: m } });
}

/** Reads one status; unknown statuses and group recipients are ignored (we track what we sent to people). */
function readStatus(item: unknown, index: number, scope: ChangeScope): void {
  const { out } = scope;
  const at = `${scope.at}.statuses.${index}`;
  const parsed = metaStatusSchema.safeParse(item);
  if (!parsed.success) {
    out.rejected.push({ reason: 'status_invalid', detail: at, issues: toIssues(parsed.error) });
    return;
  }
  const s: MetaStatusPayload = parsed.data;
  if (!(DELIVERY_STATUSES as readonly string[]).includes(s.status)) {
    out.ignored.push({ kind: 'status', detail: `status=${s.status.slice(0, 32)} id=${s.id}` });
    return;
  }
  const recipientId = s.recipient_type === 'group' ? null : normalisePhone(s.recipient_id, { international: true });
  if (recipientId === null) {
    out.ignored.push({ kind: 'status', detail: `status=${s.status} id=${s.id} recipient not a phone` });
    return;
  }
  const errors = s.errors?.map((e) => ({
    code: e.code,
    title: e.title ?? e.message ?? '',
    ...(e.error_data?.details !== undefined && { details: e.error_data.details }),
  }));
  out.statuses.push({
    id: s.id,
    status: s.status as DeliveryStatusName,
    timestamp: toMs(s.timestamp),
    recipientId,
    phoneNumberId: scope.phoneNumberId,
    ...(s.biz_opaque_callback_data !== undefined && { bizOpaqueCallbackData: s.biz_opaque_callback_data }),
    ...(errors && { errors }),
  });
}

function readChange(change: unknown, at: string, out: ParsedWebhook, receivedAt: number): void {
  const parsedChange = metaChangeSchema.safeParse(change);
  if (!parsedChange.success) {
    out.rejected.push({ reason: 'change_invalid', detail: at, issues: toIssues(parsedChange.error) });
    return;
  }
  if (parsedChange.data.field !== 'messages') {
    out.ignored.push({ kind: 'field', detail: `field=${parsedChange.data.field.slice(0, 64)}` });
    return;
  }
  const value = metaMessagesValueSchema.safeParse(parsedChange.data.value);
  if (!value.success) {
    out.rejected.push({ reason: 'change_invalid', detail: `${at}.value`, issues: toIssues(value.error) });
    return;
  }
  const valueErrors: MetaError[] = [];
  (value.data.errors ?? []).forEach((e, i) => {
    const parsed = metaErrorSchema.safeParse(e);
    if (parsed.success) valueErrors.push(parsed.data);
    out.rejected.push({ reason: 'provider_error', detail: parsed.success ? `${at}.value.errors.${i} code=${parsed.data.code}` : `${at}.value.errors.${i}` });
  });
  const scope: ChangeScope = { out, at: `${at}.value`, phoneNumberId: value.data.metadata?.phone_number_id ?? '', valueErrors, receivedAt };
  (value.data.messages ?? []).forEach((m, i) => readMessage(m, i, scope));
  (value.data.statuses ?? []).forEach((s, i) => readStatus(s, i, scope));
}

/**
 * Pure: reads a parsed Meta webhook body item by item — entries, changes, messages and statuses
 * are each validated on their own. Nothing throws: an item that fails is listed in `rejected` with
 * a reason code (and a message that names its sender and id is still returned, as type
 * "unsupported", so it is recorded and answered); the rest of the batch is read as usual. Unknown
 * fields and statuses are listed in `ignored`. `receivedAt` (ms) stands in for a missing timestamp.
 * Messages get `sessionId = normalisePhone(from)` and `timestamp` in ms.
 */
export function parseMetaWebhook(body: unknown, options: { receivedAt: number }): ParsedWebhook {
  const out: ParsedWebhook = { messages: [], statuses: [], ignored: [], rejected: [] };
  const envelope = metaEnvelopeSchema.safeParse(body);
  if (!envelope.success) {
    out.rejected.push({ reason: 'envelope_invalid', detail: '(root)', issues: toIssues(envelope.error) });
    return out;
  }
  envelope.data.entry.forEach((entry, e) => {
    const parsedEntry = metaEntrySchema.safeParse(entry);
    if (!parsedEntry.success) {
      out.rejected.push({ reason: 'entry_invalid', detail: `entry.${e}`, issues: toIssues(parsedEntry.error) });
      return;
    }
    parsedEntry.data.changes.forEach((change, c) => readChange(change, `entry.${e}.changes.${c}`, out, options.receivedAt));
  });
  return out;
}
