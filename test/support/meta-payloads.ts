import { computeMetaSignature } from '../../src/channels/meta/signature.js';

/**
 * Builders of realistic Meta Cloud API webhook bodies (shapes from whatsapp-providers.md §1.3–§1.5)
 * for provider and route tests. Timestamps are unix seconds as strings, like Meta sends them.
 */

const DEFAULT_PHONE_NUMBER_ID = '106540352242922';
const DEFAULT_DISPLAY_NUMBER = '15550783881';
const DEFAULT_WABA_ID = '102290129340398';

type Json = Record<string, unknown>;
interface Common {
  from?: string;
  id?: string;
  /** Unix seconds. */
  timestamp?: number | string;
  context?: { from?: string; id: string };
}

let seq = 0;
/** A fresh, realistic-looking wamid. */
export const newWamid = () => `wamid.HBgNNTUxMTk5OTk5MDAwMRUCABIYFjNFQjA${String(++seq).padStart(8, '0')}AA==`;

const base = (type: string, c: Common): Json => ({
  from: c.from ?? '5511999990001',
  id: c.id ?? newWamid(),
  timestamp: String(c.timestamp ?? 1763899200),
  type,
  ...(c.context && { context: c.context }),
});

/** `type:"text"`. */
export const metaText = (text: string, c: Common = {}): Json => ({ ...base('text', c), text: { body: text } });

/** Tap on a reply button we sent (`interactive.button_reply`). */
export const metaButtonReply = (reply: { id: string; title: string }, c: Common = {}): Json => ({
  ...base('interactive', { context: { from: DEFAULT_DISPLAY_NUMBER, id: newWamid() }, ...c }),
  interactive: { type: 'button_reply', button_reply: reply },
});

/** Row picked from a list we sent (`interactive.list_reply`). */
export const metaListReply = (reply: { id: string; title: string; description?: string }, c: Common = {}): Json => ({
  ...base('interactive', c),
  interactive: { type: 'list_reply', list_reply: reply },
});

/** Tap on a template quick-reply button (`type:"button"`). */
export const metaTemplateButton = (button: { text: string; payload?: string }, c: Common = {}): Json => ({
  ...base('button', { context: { from: DEFAULT_DISPLAY_NUMBER, id: newWamid() }, ...c }),
  button,
});

/** `type:"image"` with a media id (no URL, as Meta sends it). */
export const metaImage = (c: Common & { caption?: string } = {}): Json => ({
  ...base('image', c),
  image: { id: '1479537139650973', mime_type: 'image/jpeg', sha256: 'Zm9vYmFyYmF6', ...(c.caption && { caption: c.caption }) },
});

/** Any other type with its body, e.g. `metaOther('location', {location:{latitude:-23.5, longitude:-46.6}})`. */
export const metaOther = (type: string, body: Json = {}, c: Common = {}): Json => ({ ...base(type, c), ...body });

/** A delivery receipt; `failed` gets errors when given. */
export const metaStatus = (s: {
  id: string;
  status: string;
  recipientId?: string;
  timestamp?: number | string;
  bizOpaqueCallbackData?: string;
  errors?: { code: number; title: string; message?: string; details?: string }[];
}): Json => ({
  id: s.id,
  status: s.status,
  timestamp: String(s.timestamp ?? 1763899260),
  recipient_id: s.recipientId ?? '5511999990001',
  ...(s.bizOpaqueCallbackData !== undefined && { biz_opaque_callback_data: s.bizOpaqueCallbackData }),
  ...(s.status !== 'failed' && {
    conversation: { id: 'c0f1e2d3', origin: { type: 'service' } },
    pricing: { billable: false, pricing_model: 'PMP', category: 'service', type: 'free_customer_service' },
  }),
  ...(s.errors && {
    errors: s.errors.map((e) => ({ code: e.code, title: e.title, message: e.message ?? e.title, error_data: { details: e.details ?? e.title } })),
  }),
});

/** One `changes[]` item with field "messages"; contacts are derived from the messages' senders. */
export const metaChange = (v: { messages?: Json[]; statuses?: Json[]; errors?: Json[]; phoneNumberId?: string; contacts?: Json[] }): Json => {
  const senders = [...new Set((v.messages ?? []).map((m) => m.from as string))];
  return {
    field: 'messages',
    value: {
      messaging_product: 'whatsapp',
      metadata: { display_phone_number: DEFAULT_DISPLAY_NUMBER, phone_number_id: v.phoneNumberId ?? DEFAULT_PHONE_NUMBER_ID },
      ...((v.contacts ?? senders.length > 0) && {
        contacts: v.contacts ?? senders.map((wa) => ({ profile: { name: 'Maria' }, wa_id: wa })),
      }),
      ...(v.messages && { messages: v.messages }),
      ...(v.statuses && { statuses: v.statuses }),
      ...(v.errors && { errors: v.errors }),
    },
  };
};

/** One `entry[]` item. */
export const metaEntry = (changes: Json[], wabaId = DEFAULT_WABA_ID): Json => ({ id: wabaId, changes });

/** The whole body from entries. */
export const metaWebhook = (entries: Json[]): Json => ({ object: 'whatsapp_business_account', entry: entries });

/** Shortcut: one entry, one change. */
export const metaWebhookOf = (v: Parameters<typeof metaChange>[0]): Json => metaWebhook([metaEntry([metaChange(v)])]);

/**
 * Serialises like Meta does on the wire: JSON with every non-ASCII character escaped as \uXXXX
 * (so "não" is sent as "n\u00e3o"). Sign these bytes, not a re-serialisation.
 */
export function serialiseLikeMeta(body: unknown): string {
  return JSON.stringify(body).replace(/[\u007f-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The `X-Hub-Signature-256` header value for these exact bytes. */
export function signMetaBody(rawBody: string | Buffer, secret: string): string {
  return computeMetaSignature(rawBody, secret);
}
