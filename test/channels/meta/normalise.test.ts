import { describe, expect, it } from 'vitest';
import { inboundMessageSchema } from '../../../src/contracts/inbound.js';
import { MetaWebhookInvalidError, parseMetaWebhook } from '../../../src/channels/meta/normalise.js';
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

const invalidIssues = (body: unknown) => {
  try {
    parseMetaWebhook(body);
  } catch (error) {
    expect(error).toBeInstanceOf(MetaWebhookInvalidError);
    expect((error as MetaWebhookInvalidError).status).toBe(400);
    return (error as MetaWebhookInvalidError).issues;
  }
  throw new Error('expected MetaWebhookInvalidError');
};

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
    expect(parsed.messages[2]).toMatchObject({ messageId: 'wamid.C', type: 'image', text: '', sessionId: '5521987654321' });
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

  it('when messages of other known types arrive, then they are normalised with their type and empty text', () => {
    const parsed = parseMetaWebhook(
      metaWebhookOf({
        messages: [
          metaOther('audio', { audio: { id: '1', mime_type: 'audio/ogg; codecs=opus', voice: true } }),
          metaOther('location', { location: { latitude: -23.56, longitude: -46.65, name: 'Casa' } }),
          metaOther('reaction', { reaction: { message_id: 'wamid.X', emoji: '👍' } }),
          metaOther('unsupported', { errors: [{ code: 131051, title: 'Message type unknown' }] }),
          metaOther('interactive', { interactive: { type: 'nfm_reply', nfm_reply: { name: 'flow', body: 'Sent', response_json: '{}' } } }),
        ],
      }),
    );
    expect(parsed.messages.map((m) => [m.type, m.text])).toEqual([
      ['audio', ''],
      ['location', ''],
      ['reaction', ''],
      ['unsupported', ''],
      ['interactive', ''],
    ]);
    expect(parsed.ignored).toEqual([]);
  });

  it('when unknown fields, message types and statuses appear, then they are ignored, never errors', () => {
    const body = metaWebhook([
      {
        ...metaEntry([
          { field: 'account_update', value: { event: 'VERIFIED_ACCOUNT' } },
          metaChange({
            messages: [
              { ...metaText('oi', { id: 'wamid.T' }), brand_new_field: { x: 1 } },
              metaOther('hologram', { hologram: { id: 'h' } }, { id: 'wamid.H' }),
            ],
            statuses: [metaStatus({ id: 'wamid.S', status: 'deleted' })],
            errors: [{ code: 131000, title: 'Something went wrong' }],
          }),
        ]),
        future_entry_field: true,
      },
    ]);
    (body as { future_top_level?: number }).future_top_level = 1;

    const parsed = parseMetaWebhook(body);

    expect(parsed.messages.map((m) => m.messageId)).toEqual(['wamid.T']);
    expect(parsed.statuses).toEqual([]);
    expect(parsed.ignored).toEqual([
      { reason: 'unknown_field', detail: 'field=account_update' },
      { reason: 'provider_error', detail: 'code=131000 title=Something went wrong' },
      { reason: 'unknown_message_type', detail: 'type=hologram id=wamid.H' },
      { reason: 'unknown_status', detail: 'status=deleted id=wamid.S' },
    ]);
  });

  it('when a sender has no digits, then the message is ignored with a detail that holds no phone', () => {
    const parsed = parseMetaWebhook(metaWebhookOf({ messages: [metaText('oi', { from: 'not-a-phone', id: 'wamid.P' })] }));
    expect(parsed.messages).toEqual([]);
    expect(parsed.ignored).toEqual([{ reason: 'invalid_phone', detail: 'message id=wamid.P' }]);
  });

  it('when Meta sends an old 12-digit Brazilian mobile wa_id, then the session id gets the 9th digit', () => {
    const parsed = parseMetaWebhook(metaWebhookOf({ messages: [metaText('oi', { from: '551199990001' })] }));
    expect(parsed.messages[0]).toMatchObject({ sessionId: '5511999990001', phone: '551199990001' });
  });

  it('when the envelope is wrong, then MetaWebhookInvalidError lists the zod issues with paths', () => {
    expect(invalidIssues(null)[0].path).toBe('');
    expect(invalidIssues({ object: 'page', entry: [] }).map((i) => i.path)).toEqual(['object']);
    expect(invalidIssues({ object: 'whatsapp_business_account', entry: {} }).map((i) => i.path)).toEqual(['entry']);
    expect(invalidIssues({ object: 'whatsapp_business_account', entry: [{ changes: [{ value: {} }] }] }).map((i) => i.path)).toEqual([
      'entry.0.changes.0.field',
    ]);
  });

  it('when a message lacks a field we rely on, then the issue path points at it', () => {
    const noId = metaText('oi');
    delete noId.id;
    const issues = invalidIssues(metaWebhook([metaEntry([metaChange({ statuses: [] })]), metaEntry([metaChange({ messages: [metaText('ok'), noId] })])]));
    expect(issues.map((i) => i.path)).toEqual(['entry.1.changes.0.value.messages.1.id']);
  });

  it('when a text message has no text body or a timestamp is not seconds, then it is invalid', () => {
    const noBody = { ...metaText('x'), text: undefined };
    const badTs = metaText('x', { timestamp: 'yesterday' });
    const badButton = metaOther('interactive', { interactive: { type: 'button_reply' } });
    const issues = invalidIssues(metaWebhookOf({ messages: [noBody, badTs, badButton] }));
    expect(issues.map((i) => i.path)).toEqual([
      'entry.0.changes.0.value.messages.0.text',
      'entry.0.changes.0.value.messages.1.timestamp',
      'entry.0.changes.0.value.messages.2.interactive.button_reply',
    ]);
  });

  it('when a status has a non-numeric error code or no recipient, then it is invalid', () => {
    const issues = invalidIssues(
      metaWebhookOf({
        statuses: [
          { ...metaStatus({ id: 'w', status: 'failed' }), errors: [{ code: '131047', title: 'x' }] },
          { ...metaStatus({ id: 'w2', status: 'sent' }), recipient_id: undefined },
        ],
      }),
    );
    expect(issues.map((i) => i.path)).toEqual(['entry.0.changes.0.value.statuses.0.errors.0.code', 'entry.0.changes.0.value.statuses.1.recipient_id']);
  });

  it('when a hostile body has thousands of bad items, then the issue list is capped', () => {
    const messages = Array.from({ length: 500 }, () => ({ bad: true }));
    const issues = invalidIssues(metaWebhookOf({ messages }));
    expect(issues.length).toBe(20);
  });

  it('when the error message is built, then it never contains message text or phone numbers', () => {
    try {
      parseMetaWebhook(metaWebhookOf({ messages: [{ ...metaText('segredo clínico', { from: '5511999990001' }), timestamp: 'x' }] }));
      expect.unreachable();
    } catch (error) {
      const text = JSON.stringify({ m: (error as Error).message, d: (error as MetaWebhookInvalidError).details });
      expect(text).not.toContain('segredo');
      expect(text).not.toContain('5511999990001');
    }
  });
});
