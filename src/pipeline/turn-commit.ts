import type { Reply } from '../contracts/engine.js';
import { isWebhookProvider, type InboundMessage } from '../contracts/inbound.js';
import type { BufferEntry, BufferStore } from '../infra/stores/buffer-store.js';
import type { IdempotencyStore } from '../infra/stores/idempotency-store.js';
import type { LockLease, LockStore } from '../infra/stores/lock-store.js';
import type { PendingActionStore } from '../infra/stores/pending-action-store.js';
import type { SessionSave, SessionStore } from '../infra/stores/session-store.js';
import type { TxOp } from '../infra/stores/transaction.js';
import type { Channel, HeldClaim, OutboundEntry, PendingPlan, TurnInput, TurnResponse } from './turn-types.js';

/** The stores' pure op builders a commit is assembled from. */
interface CommitBuilders<S> {
  sessions: Pick<SessionStore<S>, 'saveOp'>;
  buffer: Pick<BufferStore, 'appendOps'>;
  pendingActions: Pick<PendingActionStore, 'turnOps'>;
  idempotency: Pick<IdempotencyStore, 'completeOp'>;
  locks: Pick<LockStore, 'releaseOp'>;
}

/** Everything a turn commits. */
export interface CommitInput<S> {
  sessionId: string;
  channel: Channel;
  input: TurnInput;
  /** The version the turn loaded (0: new); the save expects it. */
  version: number;
  state: S;
  replies: Reply[];
  pending: PendingPlan;
  claim: HeldClaim | null;
  lease: LockLease;
  /** When the turn's entries are recorded, epoch ms. */
  at: number;
}

interface Commit<S> {
  ops: TxOp[];
  response: TurnResponse;
  /** Replies queued in the outbox, to be sent once the commit succeeded. */
  outbound: OutboundEntry[];
  saved: SessionSave<S>;
}

/**
 * Pure: the turn's one transaction, in this order — the session save (OCC on the loaded
 * version), the inbound entry, one entry per reply (a provider's replies also queued in its outbox), the
 * pending-action changes, the claim's completion with the response, and the lock release (which
 * fences the whole commit: a holder that lost the lock commits nothing).
 */
export function assembleCommit<S>(builders: CommitBuilders<S>, turn: CommitInput<S>): Commit<S> {
  const { sessionId, channel, replies, at } = turn;
  const saved = builders.sessions.saveOp(sessionId, turn.state, turn.version);
  const ops: TxOp[] = [saved.op, ...builders.buffer.appendOps(sessionId, inboundEntry(turn.input, at)).ops];
  const outbound: OutboundEntry[] = [];
  for (const reply of replies) {
    const { sk, ops: appended } = builders.buffer.appendOps(sessionId, replyEntry(reply, turn));
    ops.push(...appended);
    if (isWebhookProvider(channel)) outbound.push({ sessionId, sk, reply, channel });
  }
  ops.push(...builders.pendingActions.turnOps(sessionId, turn.pending));
  const response: TurnResponse = { session_id: sessionId, version: saved.version, replies };
  if (turn.claim) ops.push(builders.idempotency.completeOp(turn.claim.key, turn.claim.owner, response, turn.claim.ttlMs));
  ops.push(builders.locks.releaseOp(turn.lease, saved.version));
  return { ops, response, outbound, saved };
}

/** Pure: what the turn records of what started it. */
function inboundEntry(input: TurnInput, at: number): BufferEntry {
  if (input.kind === 'template') {
    return {
      role: 'system',
      text: `Template '${input.template}' disparado`,
      at,
      meta: { origin: 'template_fired', template: input.template, metadata: input.metadata },
    };
  }
  const m = input.message;
  return {
    role: 'user',
    text: m.text,
    at,
    // No buffer dedup marker: the idempotency claim already lets this turn commit only once.
    meta: {
      origin: m.provider,
      messageId: m.messageId,
      type: m.type,
      sentAt: new Date(m.timestamp).toISOString(),
      ...(m.replyPayload ? { replyPayload: m.replyPayload } : {}),
      ...contentMeta(m),
    },
  };
}

/**
 * Pure: what the record keeps of a message beyond its text — the media reference, kind and
 * caption (so the record shows what was sent), whether a voice note was transcribed (the text is
 * then its transcript), a location, contacts, a reaction, and why an unsupported item could not
 * be read (with the provider's error codes).
 */
function contentMeta(m: InboundMessage): Record<string, unknown> {
  return {
    ...(m.media && { media: m.media }),
    ...(m.hearing && { transcribed: m.hearing.transcribed, ...(m.hearing.transcribed ? { transcript: m.text } : { notHeard: m.hearing.reason }) }),
    ...(m.location && { location: m.location }),
    ...(m.contacts && { contacts: m.contacts }),
    ...(m.reaction && { reaction: m.reaction }),
    ...(m.errors && { errors: m.errors }),
    ...(m.unreadable && { unreadable: m.unreadable }),
  };
}

/** Pure: one reply as recorded; a provider's replies carry the outbox record they are sent from (with the provider that sends it). */
function replyEntry(reply: Reply, turn: Pick<CommitInput<unknown>, 'sessionId' | 'channel' | 'input' | 'at'>): BufferEntry {
  const { channel } = turn;
  const viaOutbox = isWebhookProvider(channel);
  return {
    role: 'assistant',
    text: reply.text,
    at: turn.at,
    meta: {
      channel,
      ...(reply.buttons ? { buttons: reply.buttons } : {}),
      ...(turn.input.kind === 'message' ? { inReplyTo: turn.input.message.messageId } : {}),
      // Ingest callers deliver replies themselves: recorded as returned, not queued for sending.
      delivery: viaOutbox ? 'outbox' : 'returned',
    },
    ...(viaOutbox ? { outbox: { to: turn.sessionId, payload: { ...reply }, channel } } : {}),
  };
}
