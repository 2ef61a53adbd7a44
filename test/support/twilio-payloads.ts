import { randomBytes } from 'node:crypto';
import { computeTwilioSignature } from '../../src/channels/twilio/signature.js';

/**
 * Builders of Twilio WhatsApp webhook parameters as Twilio posts them (form encoded; the full set
 * of a real "A message comes in" request, including the parameters we never read), and their
 * signatures, for channel, route and end-to-end tests.
 */

export const TWILIO_ACCOUNT_SID = `AC${'0123456789abcdef'.repeat(2)}`;
export const TWILIO_AUTH_TOKEN = 'test-twilio-auth-token';
/** Our WhatsApp sender (TWILIO_WHATSAPP_FROM). */
export const TWILIO_FROM = '+14155238886';

export type TwilioParams = Record<string, string>;

/** A fresh message SID ("SM" + 32 hex digits). */
export const newMessageSid = (prefix = 'SM') => `${prefix}${randomBytes(16).toString('hex')}`;

/** A text message from `phone` ("+55…"); `extra` adds or replaces parameters. */
export function twilioText(body: string, phone = '+5511999990001', extra: TwilioParams = {}): TwilioParams {
  const sid = extra.MessageSid ?? newMessageSid();
  return {
    SmsMessageSid: sid,
    NumMedia: '0',
    ProfileName: 'Ana',
    MessageType: 'text',
    SmsSid: sid,
    WaId: phone.replace(/^\+/, ''),
    SmsStatus: 'received',
    Body: body,
    To: `whatsapp:${TWILIO_FROM}`,
    NumSegments: '1',
    ReferralNumMedia: '0',
    MessageSid: sid,
    AccountSid: TWILIO_ACCOUNT_SID,
    From: `whatsapp:${phone}`,
    ApiVersion: '2010-04-01',
    ...extra,
  };
}

/** A message with one file (a voice note is `audio/ogg`): `MediaUrl0` is the Media resource URL, the caption is the Body. */
export const twilioMedia = (
  media: { url: string; contentType: string; type: string; caption?: string },
  phone?: string,
  extra: TwilioParams = {},
): TwilioParams =>
  twilioText(media.caption ?? '', phone, { NumMedia: '1', MessageType: media.type, MediaUrl0: media.url, MediaContentType0: media.contentType, ...extra });

/** A shared location pin. */
export const twilioLocation = (at: { latitude: string; longitude: string; address?: string; label?: string }, phone?: string): TwilioParams =>
  twilioText('', phone, {
    MessageType: 'location',
    Latitude: at.latitude,
    Longitude: at.longitude,
    ...(at.address && { Address: at.address }),
    ...(at.label && { Label: at.label }),
  });

/** A tapped quick-reply (template) button. */
export const twilioButton = (button: { text: string; payload: string }, phone?: string): TwilioParams =>
  twilioText(button.text, phone, { MessageType: 'button', ButtonText: button.text, ButtonPayload: button.payload, OriginalRepliedMessageSid: newMessageSid() });

/** A status callback of a message we sent. */
export function twilioStatus(sid: string, status: string, options: { to?: string; errorCode?: number; errorMessage?: string } = {}): TwilioParams {
  return {
    SmsSid: sid,
    SmsStatus: status,
    MessageStatus: status,
    ChannelToAddress: (options.to ?? '+5511999990001').replace(/\d{4}$/, 'XXXX'),
    To: `whatsapp:${options.to ?? '+5511999990001'}`,
    ChannelPrefix: 'whatsapp',
    MessageSid: sid,
    AccountSid: TWILIO_ACCOUNT_SID,
    From: `whatsapp:${TWILIO_FROM}`,
    ApiVersion: '2010-04-01',
    ...(options.errorCode !== undefined && { ErrorCode: String(options.errorCode) }),
    ...(options.errorMessage !== undefined && { ErrorMessage: options.errorMessage }),
  };
}

/** The form body Twilio posts. */
export const twilioForm = (params: TwilioParams) => new URLSearchParams(params).toString();

/** The `X-Twilio-Signature` Twilio sends for these parameters posted to `url` (the URL as Twilio called it). */
export const signTwilio = (url: string, params: TwilioParams, authToken = TWILIO_AUTH_TOKEN) => computeTwilioSignature(authToken, url, Object.entries(params));
