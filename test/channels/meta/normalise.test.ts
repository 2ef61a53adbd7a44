import { describe, expect, it } from 'vitest';
import { inboundMessageSchema } from '../../../src/contracts/inbound.js';
import { parseMetaWebhook as parse } from '../../../src/channels/meta/normalise.js';
import {
  metaButtonReply,
  metaChange,
  metaEntry,
  metaImage,
  metaListReply,
  metaOther,
  metaStatus,
  metaTemplateButton,
  metaText,
  metaWebhook,
  metaWebhookOf,
  serialiseLikeMeta,
} from '../../support/meta-payloads.js';

const RECEIVED_AT = 1_763_900_000_000;
const parseMetaWebhook = (body: unknown) => parse(body, { receivedAt: RECEIVED_AT });

describe('parseMetaWebhook', () => {
  it('when a batch has 3 messages over 2 entries and 2 out-of-order statuses, then all are normalised in payload order', () => {
    // Prepare: entry 1 = text + button reply; entry 2 = image, then delivered before sent, one failed.
    const body = metaWebhook([
      metaEntry([
        metaChange({
          messages: [
            metaText('Não consegui medir a pressão', { id: 'wamid.A', from: '5511999990001', timestamp: 1763899200 }),
            metaButtonReply({ id: 'yes', title: 'Sim' }, { id: 'wamid.B', from: '5511999990002', timestamp: '1763899201' }),
          ],
        }),
      ]),
      metaEntry([
        metaChange({ messages: [metaImage({ id: 'wamid.C', from: '5521987654321', timestamp: 1763899202, caption: 'foto' })] }),
        metaChange({
          statuses: [
            metaStatus({ id: 'wamid.OUT1', status: 'delivered', timestamp: 1763899300, bizOpaqueCallbackData: 'outbox-1' }),
            metaStatus({
              id: 'wamid.OUT2',
              status: 'failed',
              timestamp: 1763899301,
              recipientId: '5511999990002',
              bizOpaqueCallbackData: 'outbox-2',
              errors: [{ code: 131047, title: 'Re-engagement message', details: 'more than 24 hours' }],
            }),
            metaStatus({ id: 'wamid.OUT1', status: 'sent', timestamp: 1763899299 }),
          ],
        }),
      ]),
    ]);
    // Meta's wire form (escaped unicode) parses to the same object.
    const parsed = parseMetaWebhook(JSON.parse(serialiseLikeMeta(body)));

    // Assess
    expect(parsed.ignored).toEqual([]);
    expect(parsed.rejected).toEqual([]);
    expect(parsed.messages.map((m) => inboundMessageSchema.parse(m))).toHaveLength(3);
    expect(parsed.messages[0]).toMatchObject({
      provider: 'meta',
      messageId: 'wamid.A',
      sessionId: '5511999990001',
      phone: '5511999990001',
      text: 'Não consegui medir a pressão',
      type: 'text',
      timestamp: 1763899200000,
    });
    expect(parsed.messages[0].replyPayload).toBeUndefined();
    expect(parsed.messages[1]).toMatchObject({ messageId: 'wamid.B', type: 'interactive', text: 'Sim', replyPayload: 'yes', timestamp: 1763899201000 });
    expect(parsed.messages[2]).toMatchObject({
      messageId: 'wamid.C',
      type: 'image',
      text: 'foto',
      sessionId: '5521987654321',
      media: { kind: 'image', id: '1479537139650973', mimeType: 'image/jpeg', caption: 'foto', sha256: 'Zm9vYmFyYmF6' },
    });
    expect(parsed.messages[2].raw).toMatchObject({ phoneNumberId: '106540352242922', message: { id: 'wamid.C' } });
    expect(parsed.statuses).toEqual([
      {
        id: 'wamid.OUT1',
        status: 'delivered',
        timestamp: 1763899300000,
        recipientId: '5511999990001',
        phoneNumberId: '106540352242922',
        bizOpaqueCallbackData: 'outbox-1',
      },
      {
        id: 'wamid.OUT2',
        status: 'failed',
        timestamp: 1763899301000,
        recipientId: '5511999990002',
        phoneNumberId: '106540352242922',
        bizOpaqueCallbackData: 'outbox-2',
        errors: [{ code: 131047, title: 'Re-engagement message', details: 'more than 24 hours' }],
      },
      { id: 'wamid.OUT1', status: 'sent', timestamp: 1763899299000, recipientId: '5511999990001', phoneNumberId: '106540352242922' },
    ]);
  });

  it('when a list reply or a template quick-reply arrives, then text is the title and replyPayload the id/payload', () => {
    const parsed = parseMetaWebhook(
      metaWebhookOf({
        messages: [
          metaListReply({ id: 'sub-2', title: 'Ana Souza', description: 'Técnica' }),
          metaTemplateButton({ text: 'Confirmo', payload: 'CONFIRM_123' }),
          metaTemplateButton({ text: 'Sem payload' }),
        ],
      }),
    );
    expect(parsed.messages.map((m) => [m.type, m.text, m.replyPayload])).toEqual([
      ['interactive', 'Ana Souza', 'sub-2'],
      ['button', 'Confirmo', 'CONFIRM_123'],
      ['button', 'Sem payload', undefined],
    ]);
  });

  it('when media, locations, contacts and reactions arrive, then each is normalised into its typed part with no invented text', () => {
    const parsed = parseMetaWebhook(
      metaWebhookOf({
        messages: [
          metaOther('audio', { audio: { id: 'a1', mime_type: 'audio/ogg; codecs=opus', voice: true } }),
          metaOther('audio', { audio: { id: 'a2', mime_type: 'audio/mpeg' } }),
          metaOther('document', { document: { id: 'd1', mime_type: 'application/pdf', filename: 'receita.pdf', caption: 'receita nova' } }),
          metaOther('sticker', { sticker: { id: 's1', mime_type: 'image/webp', animated: false } }),
          metaOther('location', { location: { latitude: -23.56, longitude: -46.65, name: 'Casa' } }),
          metaOther('contacts', { contacts: [{ name: { formatted_name: 'Dra. Paula' }, phones: [{ phone: '+55 11 98888-0000', type: 'CELL' }] }] }),
          metaOther('reaction', { reaction: { message_id: 'wamid.X', emoji: '👍' } }),
          metaOther('reaction', { reaction: { message_id: 'wamid.X', emoji: '' } }),
        ],
      }),
    );
    expect(parsed.rejected).toEqual([]);
    expect(parsed.messages.map((m) => [m.type, m.text])).toEqual([
      ['audio', ''],
      ['audio', ''],
      ['document', 'receita nova'],
      ['sticker', ''],
      ['location', ''],
      ['contacts', ''],
      ['reaction', ''],
      ['reaction', ''],
    ]);
    const [voice, audio, doc, sticker, location, contacts, reaction, removed] = parsed.messages;
    expect(voice.media).toEqual({ kind: 'voice', id: 'a1', mimeType: 'audio/ogg; codecs=opus' });
    expect(audio.media?.kind).toBe('audio');
    expect(doc.media).toMatchObject({ kind: 'document', filename: 'receita.pdf', caption: 'receita nova' });
    expect(sticker.media?.kind).toBe('sticker');
    expect(location.location).toEqual({ latitude: -23.56, longitude: -46.65, name: 'Casa' });
    expect(contacts.contacts).toEqual([{ name: 'Dra. Paula', phones: ['+55 11 98888-0000'] }]);
    expect(reaction.reaction).toEqual({ messageId: 'wamid.X', emoji: '👍' });
    expect(removed.reaction).toEqual({ messageId: 'wamid.X' });
    for (const m of parsed.messages) inboundMessageSchema.parse(m);
  });

  it('when types we do not read arrive (unsupported, order, Flows replies, unknown ones), then they are normalised without text and never rejected', () => {
    const parsed = parseMetaWebhook(
      metaWebhookOf({
        messages: [
          metaOther('unsupported', { errors: [{ code: 131051, title: 'Message type unknown' }], unsupported: { type: 'poll' } }),
          metaOther('interactive', { interactive: { type: 'nfm_reply', nfm_reply: { name: 'flow', body: 'Sent', response_json: '{}' } } }),
          metaOther('order', { order: { catalog_id: '1', product_items: [] } }),
          metaOther('hologram', { hologram: { id: 'h' } }, { id: 'wamid.H' }),
        ],
      }),
    );
    expect(parsed.rejected).toEqual([]);
    expect(parsed.messages.map((m) => [m.type, m.text])).toEqual([
      ['unsupported', ''],
      ['interactive', ''],
      ['order', ''],
      ['hologram', ''],
    ]);
    expect(parsed.messages[0]).toMatchObject({ errors: [{ code: 131051, title: 'Message type unknown' }], unreadable: { reason: 'provider_unsupported' } });
    expect(parsed.ignored).toEqual([
      { kind: 'message_type', detail: expect.stringMatching(/^type=unsupported /) },
      { kind: 'message_type', detail: expect.stringMatching(/^type=order /) },
      { kind: 'message_type', detail: 'type=hologram id=wamid.H' },
    ]);
  });

  it('when unknown fields, statuses and envelope members appear, then they are ignored at debug, never rejected', () => {
    const body = metaWebhook([
      {
        ...metaEntry([
          { field: 'account_update', value: { event: 'VERIFIED_ACCOUNT' } },
          metaChange({
            messages: [{ ...metaText('oi', { id: 'wamid.T' }), brand_new_field: { x: 1 } }],
            statuses: [
              metaStatus({ id: 'wamid.S', status: 'deleted' }),
              { ...metaStatus({ id: 'wamid.G', status: 'read' }), recipient_id: 'fowefinoewcnw', recipient_type: 'group' },
            ],
          }),
        ]),
        future_entry_field: true,
      },
    ]);
    (body as { future_top_level?: number }).future_top_level = 1;

    const parsed = parseMetaWebhook(body);

    expect(parsed.messages.map((m) => m.messageId)).toEqual(['wamid.T']);
    expect(parsed.statuses).toEqual([]);
    expect(parsed.rejected).toEqual([]);
    expect(parsed.ignored).toEqual([
      { kind: 'field', detail: 'field=account_update' },
      { kind: 'status', detail: 'status=deleted id=wamid.S' },
      { kind: 'status', detail: 'status=read id=wamid.G recipient not a phone' },
    ]);
  });

  it('when an interactive message arrives without its body and the batch carries error 131000, then it is recorded as unsupported with that code and the rest is read', () => {
    const broken = { ...metaOther('interactive', {}, { id: 'wamid.BROKEN', context: { from: '15550783881', id: 'wamid.ORIG' } }) };
    const body = metaWebhookOf({
      messages: [metaText('antes', { id: 'wamid.BEFORE' }), broken, metaText('depois', { id: 'wamid.AFTER' })],
      errors: [{ code: 131000, title: 'Something went wrong', message: 'Something went wrong', error_data: { details: 'Unsupported webhook payload' } }],
    });
    const parsed = parseMetaWebhook(body);
    expect(parsed.messages.map((m) => [m.messageId, m.type, m.text])).toEqual([
      ['wamid.BEFORE', 'text', 'antes'],
      ['wamid.BROKEN', 'unsupported', ''],
      ['wamid.AFTER', 'text', 'depois'],
    ]);
    expect(parsed.messages[1]).toMatchObject({
      sessionId: '5511999990001',
      timestamp: 1763899200000,
      errors: [{ code: 131000, title: 'Something went wrong' }],
      unreadable: { reason: 'message_invalid', providerType: 'interactive' },
    });
    expect(parsed.rejected.map((r) => [r.reason, r.detail])).toEqual([
      ['provider_error', 'entry.0.changes.0.value.errors.0 code=131000'],
      ['message_invalid', 'entry.0.changes.0.value.messages.1 id=wamid.BROKEN'],
    ]);
    expect(parsed.rejected[1].issues?.[0].path).toBe('interactive');
  });

  it('when items fail in every way, then each is rejected on its own with a reason code and the good ones still come through', () => {
    const noId = metaText('sem id');
    delete noId.id;
    const body = {
      object: 'whatsapp_business_account',
      entry: [
        'not an entry',
        { id: 'x', changes: 'nope' },
        metaEntry([
          { value: {} },
          { field: 'messages', value: 'nope' },
          metaChange({
            messages: [
              noId,
              metaText('oi', { from: 'not-a-phone', id: 'wamid.P' }),
              metaText('quando?', { id: 'wamid.TS', timestamp: 'yesterday' }),
              { ...metaText('x', { id: 'wamid.NOBODY' }), text: undefined },
              metaOther('location', { location: { latitude: 123, longitude: 0 } }, { id: 'wamid.LOC' }),
              metaText('bom', { id: 'wamid.OK' }),
            ],
            statuses: [
              { ...metaStatus({ id: 'w', status: 'failed' }), errors: [{ code: '131047', title: 'x' }] },
              metaStatus({ id: 'wamid.OUT', status: 'sent' }),
            ],
          }),
        ]),
      ],
    };
    const parsed = parseMetaWebhook(body);
    expect(parsed.rejected.map((r) => [r.reason, r.detail])).toEqual([
      ['entry_invalid', 'entry.0'],
      ['entry_invalid', 'entry.1'],
      ['change_invalid', 'entry.2.changes.0'],
      ['change_invalid', 'entry.2.changes.1.value'],
      ['message_unattributable', 'entry.2.changes.2.value.messages.0'],
      ['invalid_phone', 'entry.2.changes.2.value.messages.1 id=wamid.P'],
      ['message_invalid', 'entry.2.changes.2.value.messages.2 id=wamid.TS'],
      ['message_invalid', 'entry.2.changes.2.value.messages.3 id=wamid.NOBODY'],
      ['message_invalid', 'entry.2.changes.2.value.messages.4 id=wamid.LOC'],
      ['status_invalid', 'entry.2.changes.2.value.statuses.0'],
    ]);
    // Recorded without text, the wrong timestamp replaced by when it was received.
    expect(parsed.messages.map((m) => [m.messageId, m.type, m.text])).toEqual([
      ['wamid.TS', 'unsupported', ''],
      ['wamid.NOBODY', 'unsupported', ''],
      ['wamid.LOC', 'unsupported', ''],
      ['wamid.OK', 'text', 'bom'],
    ]);
    expect(parsed.messages[0].timestamp).toBe(RECEIVED_AT);
    expect(parsed.statuses.map((s) => s.id)).toEqual(['wamid.OUT']);
  });

  it('when the envelope is not a WhatsApp webhook, then it is rejected with a reason and nothing is read (never thrown)', () => {
    for (const body of [null, [], 'x', { object: 'page', entry: [] }, { object: 'whatsapp_business_account', entry: {} }]) {
      const parsed = parseMetaWebhook(body);
      expect(parsed.rejected.map((r) => r.reason)).toEqual(['envelope_invalid']);
      expect(parsed.messages).toEqual([]);
    }
  });

  it('when Meta sends an old 12-digit Brazilian mobile wa_id, then the session id gets the 9th digit', () => {
    const parsed = parseMetaWebhook(metaWebhookOf({ messages: [metaText('oi', { from: '551199990001' })] }));
    expect(parsed.messages[0]).toMatchObject({ sessionId: '5511999990001', phone: '551199990001' });
  });

  it('when a hostile body has thousands of bad items, then each keeps at most 5 issues and none holds text or phones', () => {
    const messages = Array.from({ length: 500 }, () => ({ bad: true, a: 1, b: 2, c: 3, d: 4, e: 5, f: 6 }));
    const secret = { ...metaText('segredo clínico', { from: '5511999990001' }), timestamp: 'x' };
    const parsed = parseMetaWebhook(metaWebhookOf({ messages: [...messages, secret] }));
    expect(parsed.rejected).toHaveLength(501);
    expect(Math.max(...parsed.rejected.map((r) => r.issues?.length ?? 0))).toBeLessThanOrEqual(5);
    const text = JSON.stringify(parsed.rejected);
    expect(text).not.toContain('segredo');
    expect(text).not.toContain('5511999990001');
  });
});
