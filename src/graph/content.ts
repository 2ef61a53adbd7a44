import type { InboundMessage } from '../contracts/inbound.js';
import type { MessageContent } from './state.js';
import { emitCode, reask, scratchOf, type TurnContext } from './turn-context.js';

/** Provider types that need no answer: a system notice (number changed), a deleted message. */
const SILENT_TYPES = new Set(['system', 'revoke']);

/** Pure: what a message carries, for the router (see CONTENT_KINDS). */
export function contentOf(message: InboundMessage): MessageContent {
  const { media } = message;
  if (message.reaction || media?.kind === 'sticker' || SILENT_TYPES.has(message.type)) return { kind: 'silent', detail: null };
  if (media?.kind === 'audio' || media?.kind === 'voice') {
    return message.hearing?.transcribed ? { kind: 'heard', detail: null } : { kind: 'unheard', detail: message.hearing?.reason ?? 'no_transcriber' };
  }
  if (media) return { kind: message.text.trim() ? 'captioned' : 'media', detail: media.kind };
  if (message.location) return { kind: 'location', detail: null };
  if (message.contacts) return { kind: 'contacts', detail: String(message.contacts.length) };
  if (message.type === 'request_welcome') return { kind: 'welcome', detail: null };
  if (message.type === 'unsupported' || (!message.text.trim() && message.replyPayload === undefined && message.type !== 'text'))
    return { kind: 'unsupported', detail: null };
  return { kind: 'text', detail: null };
}

/** Ends the turn here: what remains in the queue is not run. */
function stop(turn: TurnContext): void {
  scratchOf(turn).queue = [];
}

/**
 * Ends a turn that cannot go on (nothing to read) with its answer, and, when a confirmation is
 * still open, its question again, so the caregiver can answer it by text.
 */
function stopAndAskAgain(turn: TurnContext): void {
  stop(turn);
  const pending = turn.state.pending;
  if (pending && pending.expiresAt > turn.env.now) reask(turn, { plain: true });
}

/**
 * Router step (0), before the operational note: what is not text is answered for what it is.
 * A reaction, a sticker or a system notice gets no reply and is never an answer to an open
 * confirmation; a location or contacts get a short acknowledgement; a voice note that could not
 * be heard, a file without a caption and an unreadable message say so (never the help menu); a
 * file's caption and a voice note's transcript go on as text.
 */
export function contentStep(turn: TurnContext): void {
  const { kind, detail } = scratchOf(turn).content;
  switch (kind) {
    case 'silent':
      return stop(turn);
    case 'location':
      emitCode(turn, 'LOCATION_RECEIVED');
      return stop(turn);
    case 'contacts':
      emitCode(turn, 'CONTACTS_RECEIVED', { count: Number(detail ?? 1) });
      return stop(turn);
    case 'unheard':
      emitCode(turn, 'AUDIO_NOT_HEARD', { reason: detail ?? '' });
      return stopAndAskAgain(turn);
    case 'media':
      emitCode(turn, 'MEDIA_NOT_READ', { kind: detail ?? '' });
      return stopAndAskAgain(turn);
    case 'unsupported':
      emitCode(turn, 'MESSAGE_NOT_READABLE');
      return stopAndAskAgain(turn);
    case 'captioned':
      emitCode(turn, 'MEDIA_CAPTION_READ', { kind: detail ?? '' });
      return;
    case 'text':
    case 'welcome':
    case 'heard':
      return;
  }
}
