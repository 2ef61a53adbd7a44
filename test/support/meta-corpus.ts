/**
 * A corpus of Meta Cloud API webhook deliveries as they arrive in the real world: every message
 * type and webhook field Meta documents (developers.facebook.com/documentation/business-messaging/
 * whatsapp/webhooks/reference), in the shapes published by Meta's reference pages and captured in
 * the test fixtures of well-kept client libraries (pywa's tests/data/updates, whatsapp-api-js'
 * types): contacts with BSUIDs (user_id, parent_user_id), media with and without `url`,
 * reactions removed with an empty or absent emoji, statuses with conversation and pricing (CBP and
 * PMP) or errors, group statuses, the interactive message WhatsApp Web re-sends without a body
 * (value.errors 131000 "Unsupported webhook payload"), calls, echoes, template and account events.
 * Written here from those shapes; every message comes from `from` so a test can choose the sender.
 */

type Json = Record<string, unknown>;

const WABA_ID = '102290129340398';
const METADATA = { display_phone_number: '15550783881', phone_number_id: '106540352242922' };
const TS = '1763899200';

/** A reply we expect: none, any text, or a first line matching (a greeting may name what the bot does). */
export type ExpectedReply = { none: true } | { any: true } | { firstLine: string | RegExp; greeting?: true };

export interface CorpusCase {
  name: string;
  body: Json;
  /** User messages in the delivery (each must become an inbound entry). */
  messages: number;
  reply: ExpectedReply;
}

const envelope = (field: string, value: Json): Json => ({ object: 'whatsapp_business_account', entry: [{ id: WABA_ID, changes: [{ value, field }] }] });

const contact = (from: string) => ({
  profile: { name: 'Maria Aparecida' },
  wa_id: from,
  user_id: 'BR.13491208655302741918',
  parent_user_id: 'BR.ENT.11815799212886844830',
});

let seq = 0;
const wamid = () => `wamid.HBgNNTUxMTk5OTk5MDAwMRUCABIYFkNPUlBVUzAw${String(++seq).padStart(6, '0')}AA==`;

/** A `messages` delivery with one message of `type` and its body. */
function message(from: string, type: string, body: Json, extra: Json = {}, valueExtra: Json = {}): Json {
  return envelope('messages', {
    messaging_product: 'whatsapp',
    metadata: METADATA,
    contacts: [contact(from)],
    messages: [{ from, id: wamid(), timestamp: TS, type, ...body, ...extra }],
    ...valueExtra,
  });
}

/** A `messages` delivery with one status. */
function status(recipient: string, s: Json): Json {
  return envelope('messages', { messaging_product: 'whatsapp', metadata: METADATA, statuses: [{ id: wamid(), timestamp: TS, recipient_id: recipient, ...s }] });
}

const CONVERSATION = { id: '7270432eae37498234f4444b35ffc5', expiration_timestamp: '1763985600', origin: { type: 'service' } };
const NOT_READ = { firstLine: 'Não consegui ler essa mensagem. Pode escrever em texto, por favor?' };
const NO_AUDIO = { firstLine: 'Não consigo ouvir áudios agora. Pode escrever a mensagem, por favor?' };
const none = { none: true } as const;
const any = { any: true } as const;

/** Every case, for messages from `from` (a caregiver's wa_id). */
export function metaCorpus(from: string): CorpusCase[] {
  const m = (name: string, type: string, body: Json, reply: ExpectedReply, extra: Json = {}, valueExtra: Json = {}): CorpusCase => ({
    name,
    body: message(from, type, body, extra, valueExtra),
    messages: 1,
    reply,
  });
  const media = (kind: string, extra: Json = {}) => ({
    mime_type: kind === 'image' ? 'image/jpeg' : kind === 'video' ? 'video/mp4' : 'application/pdf',
    sha256: 'NDY1NCs4Zz0=',
    id: '1479537139650973',
    ...extra,
  });
  const other = (name: string, field: string, value: Json): CorpusCase => ({ name, body: envelope(field, value), messages: 0, reply: none });
  const ctx = { context: { from: METADATA.display_phone_number, id: 'wamid.HBgNNTUxMTk5OTk5MDAwMRUCABEYEjBBQkNERUYxMjM0NTY3ODkA' } };

  return [
    // ---- messages: text and replies ----
    m('text', 'text', { text: { body: 'acabou a fralda' } }, { firstLine: 'Salvei a anotação: "acabou a fralda".' }),
    m('text replying to a message (context)', 'text', { text: { body: 'acabou a gaze' } }, { firstLine: 'Salvei a anotação: "acabou a gaze".' }, ctx),
    m('text forwarded', 'text', { text: { body: 'acabou o soro' } }, any, { context: { forwarded: true } }),
    m('text frequently forwarded', 'text', { text: { body: 'acabou o álcool' } }, any, { context: { frequently_forwarded: true } }),
    m('text from a click-to-WhatsApp ad (referral)', 'text', { text: { body: 'oi' } }, any, {
      referral: {
        source_url: 'https://fb.me/abc',
        source_id: '120',
        source_type: 'ad',
        headline: 'Cuidadores',
        body: 'Fale conosco',
        media_type: 'image',
        image_url: 'https://example.com/a.jpg',
        ctwa_clid: 'ARAkL',
      },
    }),
    m('reply button', 'interactive', { interactive: { type: 'button_reply', button_reply: { id: 'callback_data', title: 'title' } } }, any, ctx),
    m('list reply', 'interactive', { interactive: { type: 'list_reply', list_reply: { id: 'row-1', title: 'Opção 1' } } }, any, ctx),
    m(
      'list reply with description',
      'interactive',
      { interactive: { type: 'list_reply', list_reply: { id: 'row-2', title: 'Opção 2', description: 'descrição' } } },
      any,
      ctx,
    ),
    m('template quick reply', 'button', { button: { payload: 'callback_data', text: 'Confirmo' } }, any, ctx),
    m('template quick reply without context, with from_user_id', 'button', { button: { payload: 'callback_data', text: 'Confirmo' } }, any, {
      from_user_id: 'BR.13491208655302741918',
    }),
    m(
      'Flows reply (nfm_reply)',
      'interactive',
      {
        interactive: {
          type: 'nfm_reply',
          nfm_reply: { response_json: '{"flow_token":"AQAAAAACS5FpgQ_cAAAAAD0QI3s.","cs_rating":"4"}', body: 'Sent', name: 'flow' },
        },
      },
      NOT_READ,
      ctx,
    ),
    m(
      'address message (nfm_reply)',
      'interactive',
      { interactive: { type: 'nfm_reply', nfm_reply: { name: 'address_message', body: 'Rua A, 10', response_json: '{"values":{}}' } } },
      NOT_READ,
      ctx,
    ),
    m(
      'call permission reply',
      'interactive',
      {
        interactive: {
          type: 'call_permission_reply',
          call_permission_reply: { response: 'accept', expiration_timestamp: 1753186982, response_source: 'user_action' },
        },
      },
      NOT_READ,
      ctx,
    ),
    m('interactive re-sent by WhatsApp Web without a body (value.errors 131000)', 'interactive', {}, NOT_READ, ctx, {
      errors: [{ code: 131000, title: 'Something went wrong', message: 'Something went wrong', error_data: { details: 'Unsupported webhook payload' } }],
    }),
    // ---- messages: media ----
    m(
      'image with caption',
      'image',
      { image: media('image', { caption: 'foto do curativo' }) },
      { firstLine: 'Recebi a foto (não consigo ver imagens; li a legenda).' },
    ),
    m('image without caption', 'image', { image: media('image') }, { firstLine: /^Recebi a foto, mas não consigo ver imagens\./ }),
    m(
      'image with url (newer API versions)',
      'image',
      { image: media('image', { url: 'https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1479537139650973&ext=1' }) },
      { firstLine: /^Recebi a foto, mas/ },
    ),
    m('video', 'video', { video: media('video') }, { firstLine: /^Recebi o vídeo, mas não consigo assistir vídeos\./ }),
    m(
      'document',
      'document',
      { document: media('document', { filename: 'receita.pdf' }) },
      { firstLine: /^Recebi o documento, mas não consigo abrir arquivos\./ },
    ),
    m(
      'document with caption',
      'document',
      { document: media('document', { filename: 'receita.pdf', caption: 'receita nova' }) },
      { firstLine: 'Recebi o documento (não consigo abrir arquivos; li a legenda).' },
    ),
    m('audio file', 'audio', { audio: { mime_type: 'audio/mpeg', sha256: 'bTA0cA==', id: '2233445566' } }, NO_AUDIO),
    m('voice note', 'audio', { audio: { mime_type: 'audio/ogg; codecs=opus', sha256: 'bTA0cEZm', id: '1234567890987654321', voice: true } }, NO_AUDIO),
    m('static sticker', 'sticker', { sticker: { mime_type: 'image/webp', sha256: 'c3RpY2s=', id: '777', animated: false } }, none),
    m('animated sticker', 'sticker', { sticker: { mime_type: 'image/webp', sha256: 'YW5pbQ==', id: '778', animated: true } }, none),
    // ---- messages: reactions, locations, contacts ----
    m('reaction', 'reaction', { reaction: { message_id: 'wamid.HBgNNTUxMTk5OTk5MDAwMRUCABEYEjBBQkNERUY=', emoji: '👍' } }, none),
    m('reaction removed (empty emoji)', 'reaction', { reaction: { message_id: 'wamid.HBgNNTUxMTk5OTk5MDAwMRUCABEYEjBBQkNERUY=', emoji: '' } }, none),
    m('reaction removed (no emoji)', 'reaction', { reaction: { message_id: 'wamid.HBgNNTUxMTk5OTk5MDAwMRUCABEYEjBBQkNERUY=' } }, none),
    m('current location', 'location', { location: { latitude: -23.5613, longitude: -46.6565 } }, { firstLine: 'Recebi sua localização.' }),
    m(
      'chosen location',
      'location',
      { location: { latitude: -23.5613, longitude: -46.6565, name: 'Casa da paciente', address: 'Av. Paulista, 1000', url: 'https://maps.example.com' } },
      { firstLine: 'Recebi sua localização.' },
    ),
    m(
      'contacts',
      'contacts',
      {
        contacts: [
          {
            name: { first_name: 'Paula', last_name: 'Souza', formatted_name: 'Paula Souza' },
            phones: [{ phone: '+55 11 98888-0000', wa_id: '5511988880000', type: 'CELL' }],
          },
          { name: { formatted_name: 'Farmácia' }, phones: [{ phone: '+55 11 3333-0000', type: 'WORK' }], org: { company: 'Farmácia' } },
        ],
      },
      { firstLine: 'Recebi os contatos.' },
    ),
    // ---- messages: others ----
    m(
      'order',
      'order',
      { order: { catalog_id: '354160437058781', text: '', product_items: [{ product_retailer_id: 'FRALDA', quantity: 3, item_price: 30, currency: 'BRL' }] } },
      NOT_READ,
    ),
    m(
      'unsupported (131051)',
      'unsupported',
      {
        errors: [
          { code: 131051, title: 'Message type unknown', message: 'Message type unknown', error_data: { details: 'Message type is currently not supported.' } },
        ],
      },
      NOT_READ,
    ),
    m(
      'unsupported with its type (poll)',
      'unsupported',
      { errors: [{ code: 131051, title: 'Message type unknown' }], unsupported: { type: 'poll' } },
      NOT_READ,
    ),
    m('unknown type', 'unknown', { errors: [{ code: 131051, title: 'Message type unknown' }] }, NOT_READ),
    m(
      'system: number changed',
      'system',
      { system: { body: 'User A changed from 5511999990001 to 5511999990009', wa_id: '5511999990009', type: 'user_changed_number' } },
      none,
    ),
    m(
      'system: identity changed',
      'system',
      { identity: { acknowledged: true, created_timestamp: TS, hash: 'xyz' }, system: { body: 'User identity changed', type: 'customer_identity_changed' } },
      none,
    ),
    m('request_welcome', 'request_welcome', {}, { firstLine: /^Olá, .+! Sou o assistente do seu plantão\.$/, greeting: true }),
    m('revoke (message deleted)', 'revoke', { revoke: { original_message_id: 'wamid.HBgNNTUxMTk5OTk5MDAwMRUCABEYEjBBQkNERUY=' } }, none),
    m(
      'edit',
      'edit',
      {
        edit: {
          original_message_id: 'wamid.HBgNNTUxMTk5OTk5MDAwMRUCABEYEjBBQkNERUY=',
          message: { context: { id: 'M0' }, type: 'image', image: { caption: 'legenda nova', mime_type: 'image/jpeg', id: '1234567890' } },
        },
      },
      NOT_READ,
    ),
    // ---- a batch: two entries, messages and statuses together ----
    {
      name: 'batch over two entries with messages and statuses',
      body: {
        object: 'whatsapp_business_account',
        entry: [
          {
            id: WABA_ID,
            changes: [
              {
                field: 'messages',
                value: {
                  messaging_product: 'whatsapp',
                  metadata: METADATA,
                  contacts: [contact(from)],
                  messages: [{ from, id: wamid(), timestamp: TS, type: 'text', text: { body: 'acabou a luva' } }],
                },
              },
            ],
          },
          {
            id: WABA_ID,
            changes: [
              {
                field: 'messages',
                value: {
                  messaging_product: 'whatsapp',
                  metadata: METADATA,
                  statuses: [
                    {
                      id: wamid(),
                      status: 'delivered',
                      timestamp: TS,
                      recipient_id: from,
                      conversation: CONVERSATION,
                      pricing: { billable: true, pricing_model: 'CBP', category: 'service' },
                    },
                  ],
                },
              },
            ],
          },
        ],
      },
      messages: 1,
      reply: { firstLine: 'Salvei a anotação: "acabou a luva".' },
    },
    // ---- statuses ----
    {
      name: 'status sent (CBP pricing)',
      body: status(from, { status: 'sent', conversation: CONVERSATION, pricing: { billable: true, pricing_model: 'CBP', category: 'service' } }),
      messages: 0,
      reply: none,
    },
    {
      name: 'status delivered (PMP pricing)',
      body: status(from, { status: 'delivered', pricing: { billable: false, pricing_model: 'PMP', category: 'service', type: 'free_customer_service' } }),
      messages: 0,
      reply: none,
    },
    { name: 'status read', body: status(from, { status: 'read' }), messages: 0, reply: none },
    { name: 'status played', body: status(from, { status: 'played', conversation: CONVERSATION }), messages: 0, reply: none },
    {
      name: 'status with our callback data',
      body: status(from, { status: 'sent', biz_opaque_callback_data: 'some data', conversation: CONVERSATION }),
      messages: 0,
      reply: none,
    },
    {
      name: 'status failed: re-engagement (131047)',
      body: status(from, {
        status: 'failed',
        errors: [
          {
            code: 131047,
            title: 'Re-engagement message',
            message: 'Re-engagement message',
            error_data: { details: 'Message failed to send because more than 24 hours have passed.' },
            href: 'https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/',
          },
        ],
      }),
      messages: 0,
      reply: none,
    },
    {
      name: 'status failed: experiment (130472)',
      body: status(from, { status: 'failed', errors: [{ code: 130472, title: "User's number is part of an experiment" }] }),
      messages: 0,
      reply: none,
    },
    {
      name: 'status of a group message',
      body: status('120363040000000000', {
        status: 'read',
        recipient_type: 'group',
        recipient_participant_id: from,
        recipient_participant_user_id: 'BR.123456',
      }),
      messages: 0,
      reply: none,
    },
    // ---- other webhook fields ----
    ...[
      'ACCOUNT_DELETED',
      'ACCOUNT_RESTRICTION',
      'ACCOUNT_VIOLATION',
      'DISABLED_UPDATE',
      'PARTNER_ADDED',
      'VOLUME_BASED_PRICING_TIER_UPDATE',
      'ACCOUNT_OFFBOARDED',
    ].map((event) => other(`account_update ${event}`, 'account_update', { event, waba_info: { waba_id: WABA_ID } })),
    other('account_alerts', 'account_alerts', {
      entity_type: 'WABA',
      entity_id: WABA_ID,
      alert_info: { alert_severity: 'WARNING', alert_status: 'ACTIVE', alert_type: 'OBA_APPROVED' },
    }),
    other('account_review_update', 'account_review_update', { decision: 'APPROVED' }),
    other('business_capability_update', 'business_capability_update', { max_daily_conversation_per_phone: 1000, max_phone_numbers_per_business: 2 }),
    other('message_template_status_update', 'message_template_status_update', {
      event: 'APPROVED',
      message_template_id: 1689556908129832,
      message_template_name: 'pedir_sinais_vitais',
      message_template_language: 'pt_BR',
      reason: 'NONE',
      message_template_category: 'UTILITY',
    }),
    other('message_template_status_update rejected', 'message_template_status_update', {
      event: 'REJECTED',
      message_template_id: 1689556908129833,
      message_template_name: 'x',
      message_template_language: 'pt_BR',
      reason: 'INVALID_FORMAT',
    }),
    other('message_template_quality_update', 'message_template_quality_update', {
      previous_quality_score: 'GREEN',
      new_quality_score: 'YELLOW',
      message_template_id: 806312974732579,
      message_template_name: 'x',
      message_template_language: 'pt_BR',
    }),
    other('template_category_update', 'template_category_update', {
      message_template_id: 12345678,
      message_template_name: 'x',
      message_template_language: 'pt_BR',
      new_category: 'MARKETING',
    }),
    other('message_template_components_update', 'message_template_components_update', {
      message_template_id: 12345678,
      message_template_name: 'x',
      message_template_language: 'pt_BR',
      message_template_element: 'Olá {{1}}!',
    }),
    other('phone_number_quality_update', 'phone_number_quality_update', {
      display_phone_number: METADATA.display_phone_number,
      event: 'FLAGGED',
      current_limit: 'TIER_1K',
    }),
    other('phone_number_name_update', 'phone_number_name_update', {
      display_phone_number: METADATA.display_phone_number,
      decision: 'APPROVED',
      requested_verified_name: 'Home Care',
    }),
    other('security', 'security', { display_phone_number: METADATA.display_phone_number, event: 'PIN_CHANGED' }),
    other('flows', 'flows', {
      event: 'FLOW_STATUS_CHANGE',
      message: 'Flow Webhook status changed',
      flow_id: '1',
      old_status: 'DRAFT',
      new_status: 'PUBLISHED',
    }),
    other('calls: connect', 'calls', {
      messaging_product: 'whatsapp',
      metadata: METADATA,
      contacts: [contact(from)],
      calls: [
        {
          id: 'wacid.xxxx=',
          to: METADATA.display_phone_number,
          from,
          event: 'connect',
          timestamp: TS,
          direction: 'USER_INITIATED',
          session: { sdp: 'v=0', sdp_type: 'offer' },
        },
      ],
    }),
    other('calls: status', 'calls', {
      messaging_product: 'whatsapp',
      metadata: METADATA,
      statuses: [{ id: 'wacid.ABGG', timestamp: TS, type: 'call', status: 'RINGING', recipient_id: from }],
    }),
    other('calls: terminate', 'calls', {
      messaging_product: 'whatsapp',
      metadata: METADATA,
      calls: [
        {
          id: 'wacid.ABGG',
          to: METADATA.display_phone_number,
          from,
          event: 'terminate',
          direction: 'USER_INITIATED',
          timestamp: TS,
          status: 'Completed',
          duration: 50,
        },
      ],
      errors: [{ code: 138021, title: 'Call ended' }],
    }),
    other('smb_message_echoes', 'smb_message_echoes', {
      messaging_product: 'whatsapp',
      metadata: METADATA,
      message_echoes: [{ from: METADATA.display_phone_number, to: from, id: wamid(), timestamp: TS, type: 'text', text: { body: 'olá' } }],
    }),
    other('smb_app_state_sync', 'smb_app_state_sync', {
      messaging_product: 'whatsapp',
      metadata: METADATA,
      state_sync: [{ type: 'contact', contact: { full_name: 'Maria', phone_number: from }, action: 'add', metadata: { timestamp: TS } }],
    }),
    other('history', 'history', {
      messaging_product: 'whatsapp',
      metadata: METADATA,
      history: [{ metadata: { phase: 0, chunk_order: 1, progress: 10 }, threads: [] }],
    }),
    other('user_preferences', 'user_preferences', {
      messaging_product: 'whatsapp',
      metadata: METADATA,
      contacts: [contact(from)],
      user_preferences: [
        { wa_id: from, detail: 'User requested to stop marketing messages', category: 'marketing_messages', value: 'stop', timestamp: 1731705721 },
      ],
    }),
    other('payment_configuration_update', 'payment_configuration_update', { configuration_name: 'pix', provider_name: 'x', status: 'Active' }),
    other('partner_solutions', 'partner_solutions', { event: 'SOLUTION_CREATED', solution_id: '1' }),
    other('automatic_events', 'automatic_events', {
      messaging_product: 'whatsapp',
      metadata: METADATA,
      automatic_events: [{ id: wamid(), event_name: 'Purchase', timestamp: 1731705721, ctwa_clid: 'x' }],
    }),
    other('Gupshup V3 platform-event', 'platform-event', { type: 'connectivity-check' }),
  ];
}
