import type { DeliveryStatusName, InboundMedia, InboundMessage, WebhookMessage } from '../../contracts/inbound.js';
import { normalisePhone } from '../../contracts/phone.js';
import { toIssues, type ParsedWebhook, type RejectReason, type WebhookIssue } from '../webhook-items.js';
import { twilioIdentitySchema, twilioMediaSchema, twilioMessageSchema, twilioStatusSchema, type TwilioMessage } from './schema.js';

/**
 * Twilio's statuses of a message we sent → ours; `undelivered` and `canceled` end it like `failed`.
 * The others (queued, accepted, scheduled, sending: before our "sent") are ignored.
 */
const STATUS_OF: Readonly<Record<string, DeliveryStatusName>> = {
  sent: 'sent',
  delivered: 'delivered',
  read: 'read',
  failed: 'failed',
  undelivered: 'failed',
  canceled: 'failed',
};
/** The status an inbound message carries, when it carries one. */
const INBOUND = new Set(['received', 'receiving']);
/** The `MessageType`s whose content we read; another one is recorded with what it carries (logged at debug). */
const KNOWN_TYPES = new Set(['text', 'image', 'audio', 'video', 'document', 'sticker', 'location', 'button', 'interactive', 'contacts']);

/** "whatsapp:+5511…" → "+5511…" (the channel prefix is Twilio's, not part of the number). */
const withoutChannel = (addr: string) => addr.replace(/^[a-z-]+:/i, '');

/** Pure: a file's kind from its type; `MessageType=sticker` marks a sticker (a webp image otherwise). */
function kindOf(contentType: string, messageType: string | undefined): InboundMedia['kind'] {
  if (messageType === 'sticker') return 'sticker';
  const essence = contentType.split(';')[0].trim().toLowerCase();
  if (essence.startsWith('audio/')) return 'audio';
  if (essence.startsWith('image/')) return 'image';
  if (essence.startsWith('video/')) return 'video';
  return 'document';
}

const isVcard = (contentType: string) => /^text\/(x-)?vcard\b/i.test(contentType.trim());

type Content = Pick<InboundMessage, 'text' | 'type' | 'replyPayload' | 'media' | 'location' | 'contacts'>;

/**
 * Pure: what a message carries. One file per message on WhatsApp; a shared contact comes as a
 * vCard file (recorded as contacts); the caption is the `Body`; a tapped button's text is the
 * text and its payload the reply payload.
 */
function contentOf(m: TwilioMessage, params: Record<string, string>, at: string, issues: WebhookIssue[], ignored: ParsedWebhook['ignored']): Content {
  const declared = m.MessageType?.toLowerCase();
  if (m.NumMedia > 0) {
    const file = twilioMediaSchema.safeParse({ url: params.MediaUrl0, contentType: params.MediaContentType0 });
    if (!file.success) {
      issues.push(...toIssues(file.error, ['Media0']));
      return { text: '', type: 'unsupported' };
    }
    if (m.NumMedia > 1) ignored.push({ kind: 'media', detail: `${at} files=${m.NumMedia}, only the first is read` });
    const { url, contentType } = file.data;
    if (isVcard(contentType)) return { text: m.Body, type: 'contacts', contacts: [{ name: '', phones: [] }] };
    const kind = kindOf(contentType, declared);
    const caption = m.Body.length > 0 ? { caption: m.Body } : {};
    return { text: m.Body, type: declared ?? kind, media: { kind, url, mimeType: contentType, ...caption } };
  }
  if (m.Latitude !== undefined && m.Longitude !== undefined) {
    const named = { ...(m.Label && { name: m.Label }), ...(m.Address && { address: m.Address }) };
    return { text: '', type: 'location', location: { latitude: m.Latitude, longitude: m.Longitude, ...named } };
  }
  if (m.ButtonPayload !== undefined) return { text: m.ButtonText ?? m.Body, type: declared ?? 'button', replyPayload: m.ButtonPayload };
  return { text: m.Body, type: declared ?? 'text' };
}

/** A message we cannot read but can attribute: recorded as type "unsupported", with no text. */
function unsupported(identity: { MessageSid: string; From: string }, sessionId: string, reason: RejectReason, receivedAt: number): WebhookMessage {
  return {
    provider: 'twilio',
    messageId: identity.MessageSid,
    sessionId,
    phone: withoutChannel(identity.From),
    text: '',
    type: 'unsupported',
    timestamp: receivedAt,
    unreadable: { reason },
  };
}

function readMessage(params: Record<string, string>, out: ParsedWebhook, receivedAt: number): void {
  const identity = twilioIdentitySchema.safeParse(params);
  if (!identity.success) {
    out.rejected.push({ reason: 'message_unattributable', detail: '(form)', issues: toIssues(identity.error) });
    return;
  }
  const { MessageSid: sid, From: from } = identity.data;
  const at = `sid=${sid}`;
  const sessionId = normalisePhone(withoutChannel(from), { international: true }) ?? normalisePhone(params.WaId, { international: true });
  if (sessionId === null) {
    out.rejected.push({ reason: 'invalid_phone', detail: at });
    return;
  }
  const parsed = twilioMessageSchema.safeParse(params);
  const issues: WebhookIssue[] = parsed.success ? [] : toIssues(parsed.error);
  const content = parsed.success ? contentOf(parsed.data, params, at, issues, out.ignored) : undefined;
  if (!content || issues.length > 0) {
    out.rejected.push({ reason: 'message_invalid', detail: at, issues });
    out.messages.push(unsupported(identity.data, sessionId, 'message_invalid', receivedAt));
    return;
  }
  if (!KNOWN_TYPES.has(content.type)) out.ignored.push({ kind: 'message_type', detail: `type=${content.type} ${at}` });
  out.messages.push({ provider: 'twilio', messageId: sid, sessionId, phone: withoutChannel(from), timestamp: receivedAt, ...content });
}

function readStatus(params: Record<string, string>, out: ParsedWebhook, options: TwilioParseOptions): void {
  const parsed = twilioStatusSchema.safeParse(params);
  if (!parsed.success) {
    out.rejected.push({ reason: 'status_invalid', detail: '(form)', issues: toIssues(parsed.error) });
    return;
  }
  const s = parsed.data;
  const name = (s.MessageStatus ?? s.SmsStatus ?? '').toLowerCase();
  const status = STATUS_OF[name];
  if (!status) {
    out.ignored.push({ kind: 'status', detail: `status=${name.slice(0, 32)} sid=${s.MessageSid}` });
    return;
  }
  const recipientId = s.To === undefined ? null : normalisePhone(withoutChannel(s.To), { international: true });
  if (recipientId === null) {
    out.ignored.push({ kind: 'status', detail: `status=${name} sid=${s.MessageSid} recipient not a phone` });
    return;
  }
  out.statuses.push({
    id: s.MessageSid,
    status,
    timestamp: options.receivedAt,
    recipientId,
    phoneNumberId: s.From === undefined ? '' : withoutChannel(s.From),
    ...(options.callbackData !== undefined && { bizOpaqueCallbackData: options.callbackData }),
    ...(s.ErrorCode !== undefined && { errors: [{ code: s.ErrorCode, title: s.ErrorMessage ?? '' }] }),
  });
}

export interface TwilioParseOptions {
  /** When the delivery arrived (ms): Twilio sends no timestamps. */
  receivedAt: number;
  /** The outbox id the StatusCallback URL named (its `outbox` query parameter), passed on with the status. */
  callbackData?: string;
}

/** Pure: whether a delivery is a status callback of a message we sent (else it is an inbound message). */
function isStatusCallback(params: Record<string, string>): boolean {
  const status = (params.MessageStatus ?? params.SmsStatus)?.toLowerCase();
  return status !== undefined && !INBOUND.has(status);
}

/**
 * Pure: reads one Twilio webhook delivery (its form parameters, names → first value) into the
 * shape every provider's normaliser returns. A delivery is either an inbound message ("A message
 * comes in") or a status callback of a message we sent, told apart by its status parameter, so
 * one URL may serve both. Nothing throws: a message whose parameters cannot be read is still
 * recorded, as type "unsupported", when it names its sender and SID; unknown parameters are
 * never a problem. Twilio sends no timestamps: `receivedAt` (ms) stands for them.
 */
export function parseTwilioWebhook(params: Record<string, string>, options: TwilioParseOptions): ParsedWebhook {
  const out: ParsedWebhook = { messages: [], statuses: [], ignored: [], rejected: [] };
  if (isStatusCallback(params)) readStatus(params, out, options);
  else readMessage(params, out, options.receivedAt);
  return out;
}
