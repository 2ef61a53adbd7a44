import type { ReplyButton } from '../../contracts/engine.js';
import type { OutboundMessage } from '../../contracts/sender.js';
import { charLength, truncateChars } from '../text.js';

/** The Messages API refuses a longer `Body` (error 21617). Characters. */
const TWILIO_BODY_LIMIT = 1600;

/** The query parameter of a StatusCallback URL that names the outbox entry the message was sent from. */
export const OUTBOX_PARAM = 'outbox';

export interface TwilioSenderIdentity {
  /** Our WhatsApp number in E.164, e.g. "+14155238886" (TWILIO_WHATSAPP_FROM). */
  from: string;
  /**
   * Where Twilio posts this message's statuses (PUBLIC_BASE_URL + /webhook/twilio/status); none
   * without a public URL. Each message's callback names its outbox entry (`?outbox=`).
   */
  statusCallback?: string;
}

/**
 * Pure: a reply's options written out, "Responda *sim* ou *não*." — interactive buttons on
 * Twilio's WhatsApp need pre-approved Content Templates, so a question's options are sent as
 * text, and typing the option is the answer.
 */
export function optionsAsText(buttons: ReplyButton[]): string {
  const options = buttons.map((b) => `*${b.title.toLocaleLowerCase('pt-BR')}*`);
  const list = options.length <= 1 ? options.join('') : `${options.slice(0, -1).join(', ')} ou ${options[options.length - 1]}`;
  return `Responda ${list}.`;
}

/**
 * Pure: the form of `POST /2010-04-01/Accounts/{sid}/Messages.json` for one reply: `From` and
 * `To` as WhatsApp addresses, the text (with its options written out) as `Body`, and the
 * `StatusCallback` carrying the outbox id — Twilio's counterpart of Meta's
 * biz_opaque_callback_data, so a status that arrives before the send's answer is recorded still
 * finds its entry. A text over Twilio's limit is cut, keeping the options line.
 */
export function buildTwilioMessageForm(message: OutboundMessage, identity: TwilioSenderIdentity): { form: URLSearchParams; adjustments: string[] } {
  const adjustments: string[] = [];
  const options = message.reply.buttons?.length ? `\n${optionsAsText(message.reply.buttons)}` : '';
  let text = message.reply.text;
  const room = TWILIO_BODY_LIMIT - charLength(options);
  if (charLength(text) > room) {
    adjustments.push('text_truncated');
    text = truncateChars(text, room);
  }
  const form = new URLSearchParams({ From: `whatsapp:${identity.from}`, To: `whatsapp:+${message.to}`, Body: text + options });
  if (identity.statusCallback) {
    const callback = new URL(identity.statusCallback);
    callback.searchParams.set(OUTBOX_PARAM, message.outboxId);
    form.set('StatusCallback', callback.href);
  }
  return { form, adjustments };
}
