import { describe, expect, it } from 'vitest';
import { inboundMessageSchema } from '../../../src/contracts/inbound.js';
import { parseTwilioWebhook } from '../../../src/channels/twilio/normalise.js';
import { twilioButton, twilioLocation, twilioMedia, twilioStatus, twilioText, TWILIO_FROM } from '../../support/twilio-payloads.js';

const AT = 1_763_899_200_000;
const parse = (params: Record<string, string>) => parseTwilioWebhook(params, { receivedAt: AT });
const MEDIA_URL = 'https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM0/Media/ME0';

/** The one message a delivery came to, checked against the inbound contract. */
function only(params: Record<string, string>) {
  const parsed = parse(params);
  expect(parsed.messages).toHaveLength(1);
  expect(inboundMessageSchema.safeParse(parsed.messages[0]).success).toBe(true);
  return { message: parsed.messages[0], parsed };
}

describe('Twilio inbound messages', () => {
  it('when a text arrives with every parameter Twilio sends, then it is one message from the caregiver, keyed by its SID, at receipt time', () => {
    const params = twilioText('PA 12x8 FC 78', '+5511999990001');
    const { message, parsed } = only(params);
    expect(message).toEqual({
      provider: 'twilio',
      messageId: params.MessageSid,
      sessionId: '5511999990001',
      phone: '+5511999990001',
      text: 'PA 12x8 FC 78',
      type: 'text',
      timestamp: AT,
    });
    expect(parsed).toMatchObject({ statuses: [], ignored: [], rejected: [] });
  });

  it('when From is an old-form Brazilian mobile (no 9th digit), then it shares the session of the 9-digit number', () => {
    expect(only(twilioText('oi', '+551199990001')).message.sessionId).toBe('5511999990001');
  });

  it('when parameters Twilio added later arrive (unknown names, referral, channel metadata), then nothing is refused', () => {
    const params = twilioText('oi', undefined, { ChannelMetadata: '{"type":"whatsapp"}', ReferralCtwaClid: 'x', SomethingNew: 'y', Forwarded: 'true' });
    expect(only(params).message.text).toBe('oi');
  });

  it('when a voice note arrives, then it is an audio media reference by URL with its type, for the transcription', () => {
    const { message } = only(twilioMedia({ url: MEDIA_URL, contentType: 'audio/ogg', type: 'audio' }));
    expect(message).toMatchObject({ type: 'audio', text: '', media: { kind: 'audio', url: MEDIA_URL, mimeType: 'audio/ogg' } });
  });

  it.each([
    ['image/jpeg', 'image', 'image'],
    ['video/mp4', 'video', 'video'],
    ['application/pdf', 'document', 'document'],
    ['image/webp', 'sticker', 'sticker'],
  ])('when a %s file arrives (MessageType %s), then it is a %s with the Body as its caption', (contentType, type, kind) => {
    const { message } = only(twilioMedia({ url: MEDIA_URL, contentType, type, caption: 'ferida no calcanhar' }));
    expect(message).toMatchObject({
      type,
      text: 'ferida no calcanhar',
      media: { kind, url: MEDIA_URL, mimeType: contentType, caption: 'ferida no calcanhar' },
    });
  });

  it('when a contact card (vCard) arrives, then it is recorded as shared contacts, not as a file', () => {
    const { message } = only(twilioMedia({ url: MEDIA_URL, contentType: 'text/vcard', type: 'contacts' }));
    expect(message).toMatchObject({ type: 'contacts', contacts: [{ name: '', phones: [] }] });
    expect(message.media).toBeUndefined();
  });

  it('when several files arrive in one message, then the first is read and the rest is noted at debug', () => {
    const { message, parsed } = only(
      twilioMedia({ url: MEDIA_URL, contentType: 'image/jpeg', type: 'image' }, undefined, {
        NumMedia: '2',
        MediaUrl1: `${MEDIA_URL}1`,
        MediaContentType1: 'image/png',
      }),
    );
    expect(message.media).toMatchObject({ url: MEDIA_URL });
    expect(parsed.ignored).toEqual([{ kind: 'media', detail: `sid=${message.messageId} files=2, only the first is read` }]);
  });

  it('when a location arrives, then its coordinates, label and address are kept, with no text', () => {
    const { message } = only(twilioLocation({ latitude: '-23.5613', longitude: '-46.6565', label: 'Casa do José', address: 'Av. Paulista, 1000' }));
    expect(message).toMatchObject({
      type: 'location',
      text: '',
      location: { latitude: -23.5613, longitude: -46.6565, name: 'Casa do José', address: 'Av. Paulista, 1000' },
    });
  });

  it('when a quick-reply button is tapped, then its text is the text and its payload the reply payload', () => {
    const { message } = only(twilioButton({ text: 'Sim', payload: 'yes' }));
    expect(message).toMatchObject({ type: 'button', text: 'Sim', replyPayload: 'yes' });
  });

  it('when a message type we do not read arrives, then it is recorded with what it carries and noted at debug', () => {
    const { message, parsed } = only(twilioText('', undefined, { MessageType: 'reaction' }));
    expect(message).toMatchObject({ type: 'reaction', text: '' });
    expect(parsed.ignored).toEqual([{ kind: 'message_type', detail: `type=reaction sid=${message.messageId}` }]);
  });

  it.each([
    ['a latitude out of range', { MessageType: 'location', Latitude: '123.0', Longitude: '-46.6' }],
    ['a latitude without longitude', { MessageType: 'location', Latitude: '-23.5' }],
    ['a media count that is not a number', { NumMedia: 'two' }],
    ['a media file without its URL', { NumMedia: '1', MediaContentType0: 'audio/ogg' }],
  ])('when a signed message carries %s, then it is still recorded, as unsupported with no text, and the reason is listed', (_, extra) => {
    const { message, parsed } = only(twilioText('texto que não deve ser lido', '+5511999990001', extra));
    expect(message).toMatchObject({ provider: 'twilio', sessionId: '5511999990001', type: 'unsupported', text: '', unreadable: { reason: 'message_invalid' } });
    expect(parsed.rejected).toEqual([expect.objectContaining({ reason: 'message_invalid', detail: `sid=${message.messageId}` })]);
    expect(JSON.stringify(parsed.rejected)).not.toContain('5511999990001');
  });

  it('when a delivery names no MessageSid, or no usable phone, then no message is made and the reason is listed', () => {
    const { MessageSid: _sid, ...noSid } = twilioText('oi');
    expect(parse(noSid)).toMatchObject({ messages: [], rejected: [{ reason: 'message_unattributable', detail: '(form)' }] });
    expect(parse(twilioText('oi', 'not-a-phone', { WaId: '' }))).toMatchObject({ messages: [], rejected: [{ reason: 'invalid_phone' }] });
  });
});

describe('Twilio status callbacks', () => {
  it.each([
    ['sent', 'sent'],
    ['delivered', 'delivered'],
    ['read', 'read'],
    ['failed', 'failed'],
    ['undelivered', 'failed'],
  ])('when MessageStatus is %s, then the status %s of that SID, for the recipient and our number', (twilio, ours) => {
    const parsed = parse(twilioStatus('SM1', twilio));
    expect(parsed.messages).toEqual([]);
    expect(parsed.statuses).toEqual([{ id: 'SM1', status: ours, timestamp: AT, recipientId: '5511999990001', phoneNumberId: TWILIO_FROM }]);
  });

  it('when a message failed with an ErrorCode, then the code and message travel with the status', () => {
    const parsed = parse(twilioStatus('SM2', 'undelivered', { errorCode: 63016, errorMessage: 'outside the window' }));
    expect(parsed.statuses[0]).toMatchObject({ status: 'failed', errors: [{ code: 63016, title: 'outside the window' }] });
  });

  it('when the callback URL named an outbox entry, then the status carries it, so it finds its entry before the send was recorded', () => {
    const parsed = parseTwilioWebhook(twilioStatus('SM6', 'delivered'), { receivedAt: AT, callbackData: '5511999990001/01JOUT' });
    expect(parsed.statuses).toMatchObject([{ id: 'SM6', status: 'delivered', bizOpaqueCallbackData: '5511999990001/01JOUT' }]);
  });

  it('when only the older SmsStatus is sent, then it is read the same', () => {
    const { MessageStatus: _s, ...older } = twilioStatus('SM3', 'delivered');
    expect(parse(older).statuses).toMatchObject([{ id: 'SM3', status: 'delivered' }]);
  });

  it.each(['queued', 'accepted', 'sending', 'scheduled', 'played'])(
    'when MessageStatus is %s, then it is ignored (noted at debug), never a message',
    (status) => {
      const parsed = parse(twilioStatus('SM4', status));
      expect(parsed).toMatchObject({ messages: [], statuses: [], rejected: [] });
      expect(parsed.ignored).toEqual([{ kind: 'status', detail: `status=${status} sid=SM4` }]);
    },
  );

  it('when a status names no SID or a non-numeric ErrorCode, then it is listed as unreadable', () => {
    const { MessageSid: _sid, ...noSid } = twilioStatus('SM5', 'read');
    expect(parse(noSid).rejected).toMatchObject([{ reason: 'status_invalid' }]);
    expect(parse({ ...twilioStatus('SM5', 'failed'), ErrorCode: 'x' }).rejected).toMatchObject([{ reason: 'status_invalid' }]);
  });
});
