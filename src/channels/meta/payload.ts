import type { Reply, ReplyButton } from '../../contracts/engine.js';
import { charLength as length, truncateChars } from '../text.js';

/** Cloud API limits (whatsapp-providers.md §2.2, anchor A9). Lengths are in characters (code points). */
const META_LIMITS = {
  textBody: 4096,
  interactiveBody: 1024,
  buttons: 3,
  buttonTitle: 20,
  buttonId: 256,
} as const;

export interface MetaMessageBuild {
  /** The JSON body for `POST /{phone-number-id}/messages`. */
  body: Record<string, unknown>;
  /** What had to be changed to fit the limits (logged by the sender; empty when nothing). */
  adjustments: string[];
}

/** Pure: the buttons Meta will accept, or null (send text only) when they cannot be fixed by trimming. */
function fitButtons(buttons: ReplyButton[], adjustments: string[]): ReplyButton[] | null {
  let fitted = buttons;
  if (fitted.length > META_LIMITS.buttons) {
    adjustments.push(`buttons_truncated:${fitted.length}->${META_LIMITS.buttons}`);
    fitted = fitted.slice(0, META_LIMITS.buttons);
  }
  fitted = fitted.map((b) => {
    if (length(b.title) <= META_LIMITS.buttonTitle) return b;
    adjustments.push(`button_title_truncated:${b.id}`);
    return { id: b.id, title: truncateChars(b.title, META_LIMITS.buttonTitle) };
  });
  const invalid = fitted.some((b) => b.id.length === 0 || length(b.id) > META_LIMITS.buttonId || b.title.trim().length === 0);
  const titles = new Set(fitted.map((b) => b.title));
  const ids = new Set(fitted.map((b) => b.id));
  // Meta rejects the whole message for a bad id or duplicate titles; plain text still reaches the user.
  if (invalid || titles.size !== fitted.length || ids.size !== fitted.length) {
    adjustments.push('buttons_dropped_invalid');
    return null;
  }
  return fitted;
}

/**
 * Pure: the Cloud API body for one reply — `type:"text"`, or `type:"interactive"` reply buttons
 * (≤ 3, titles ≤ 20 chars) when the reply has buttons. `biz_opaque_callback_data` = outbox id, so
 * status webhooks can be matched even before the send call returns the wamid.
 */
export function buildMetaMessageBody(message: { to: string; reply: Reply; outboxId: string }): MetaMessageBuild {
  const adjustments: string[] = [];
  const { to, reply, outboxId } = message;
  const common = { messaging_product: 'whatsapp', recipient_type: 'individual', to, biz_opaque_callback_data: outboxId };

  let buttons = reply.buttons && reply.buttons.length > 0 ? fitButtons(reply.buttons, adjustments) : null;
  if (buttons && length(reply.text) > META_LIMITS.interactiveBody) {
    adjustments.push('buttons_dropped_body_too_long');
    buttons = null;
  }
  if (buttons) {
    return {
      adjustments,
      body: {
        ...common,
        type: 'interactive',
        interactive: {
          type: 'button',
          body: { text: reply.text },
          action: { buttons: buttons.map((b) => ({ type: 'reply', reply: { id: b.id, title: b.title } })) },
        },
      },
    };
  }
  if (length(reply.text) > META_LIMITS.textBody) adjustments.push('text_truncated');
  return {
    adjustments,
    body: { ...common, type: 'text', text: { body: truncateChars(reply.text, META_LIMITS.textBody), preview_url: false } },
  };
}
