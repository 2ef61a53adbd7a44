/**
 * How a run's header changes, as data: a `RunChange` in the run's terms, where a write's events and
 * checkpoint go (`appendPlan`), the SET/REMOVE clauses a change becomes (`changeParts`), and the
 * header after it (`applyChange`, so a worker need not read back what it wrote). Pure.
 */
import {
  DUE_AT,
  DUE_SHARD,
  INLINE_RESULTS_TOTAL,
  INLINE_RESULT_BYTES,
  TAIL_MAX,
  dueShardOf,
  serialise,
  type Checkpoint,
  type JourneyRecord,
  type JourneyStatus,
  type NewEvent,
  type ReceivedSignal,
  type StoredCheckpoint,
  type StoredEvent,
  type Timer,
  type Waiting,
} from './journey-items.js';

/**
 * A change of a run's header, in the run's terms; the builder turns it into SET/REMOVE clauses.
 * `null` removes. Setting `status` also stamps `updatedAt` and refreshes the TTL.
 */
export interface RunChange {
  status?: JourneyStatus;
  stepIndex?: number;
  attempt?: number;
  failure?: { step: string; message: string } | null;
  compensateIndex?: number;
  compensateAttempt?: number;
  terminateReason?: string;
  waiting?: Waiting | null;
  /** The timer the run waits on (a retry delay, a signal's timeout); it fires when the run is next claimed. */
  timer?: Timer | null;
  /** Signals a completed step consumed (removed). */
  consumed?: string[];
  /** A signal received (added, replacing an unconsumed one of the same name). */
  received?: { name: string; signal: ReceivedSignal };
  /** When a worker may claim the run (epoch ms); null takes it out of the due index. */
  due?: number | null;
  /** Drops the lease: the run is parked, finished or let go. */
  release?: boolean;
  /** Moves the holder's lease, and so the run's due time, to this epoch ms. */
  leaseUntil?: number;
  result?: unknown;
  notifyPending?: boolean;
  notifyAttempts?: number;
}

/** Pure: a signal's key in the header's `signals` map (a prefix keeps any name clear of the expression aliases). */
const signalKey = (name: string) => `s_${name}`;
/** Pure: a checkpoint's key in the header's `results` map. */
export const resultKey = (index: number) => `r${index}`;

/** Where a write's events (and its checkpoint) go: appended to the header's tail, or moved with the tail to a history item. */
export interface AppendPlan {
  events: StoredEvent[];
  /** The tail and these events move to a history item (the tail would grow too long, or the result is large). */
  flush: boolean;
  checkpoint?: { stored: StoredCheckpoint; inline: boolean };
}

/** Pure: numbers `events` after the header's and decides where they and the checkpoint go. */
export function appendPlan(seen: Pick<JourneyRecord, 'eventCount' | 'tail' | 'checkpoints'>, events: NewEvent[], checkpoint?: Checkpoint): AppendPlan {
  const numbered = events.map((event, i) => ({ id: seen.eventCount + 1 + i, ...event }));
  let planned: AppendPlan['checkpoint'];
  if (checkpoint) {
    // The completion is the write's first event.
    const stored: StoredCheckpoint = { ...checkpoint, eventId: numbered[0].id };
    const bytes = Buffer.byteLength(serialise(checkpoint.result, `the result of step ${checkpoint.step}`));
    const inlineTotal = seen.checkpoints.reduce((sum, c) => sum + (c.inItem ? 0 : Buffer.byteLength(JSON.stringify(c.result ?? null))), 0);
    planned = { stored, inline: bytes <= INLINE_RESULT_BYTES && inlineTotal + bytes <= INLINE_RESULTS_TOTAL };
  }
  const flush = seen.tail.length + numbered.length > TAIL_MAX || planned?.inline === false;
  return { events: numbered, flush, checkpoint: planned };
}

/** Pure: the SET/REMOVE clauses and values of a change of the header of `journeyId`. */
export function changeParts(journeyId: string, change: RunChange): { set: Record<string, unknown>; remove: string[] } {
  if (change.due !== undefined && change.leaseUntil !== undefined) throw new Error('a change sets the due time or the lease, not both');
  const set: Record<string, unknown> = {};
  const remove: string[] = [];
  const put = (attribute: string, value: unknown) => (value === null ? remove.push(attribute) : (set[attribute] = value));
  for (const key of ['stepIndex', 'attempt', 'compensateIndex', 'compensateAttempt', 'terminateReason', 'notifyAttempts'] as const) {
    if (change[key] !== undefined) set[key] = change[key];
  }
  if (change.failure !== undefined) {
    put('failedStep', change.failure?.step ?? null);
    put('errorMessage', change.failure?.message ?? null);
  }
  if (change.waiting !== undefined) put('waiting', change.waiting);
  if (change.timer !== undefined) put('timer', change.timer);
  for (const name of change.consumed ?? []) remove.push(`signals.${signalKey(name)}`);
  if (change.received) {
    const { payload, at, eventId } = change.received.signal;
    set[`signals.${signalKey(change.received.name)}`] = { payloadJson: serialise(payload, `signal ${change.received.name}`), at, eventId };
  }
  if (change.due === null) remove.push(DUE_SHARD, DUE_AT);
  else if (change.due !== undefined) Object.assign(set, { [DUE_SHARD]: dueShardOf(journeyId), [DUE_AT]: change.due });
  if (change.release) remove.push('leaseOwner', 'leaseToken', 'leaseExpiresAt');
  if (change.leaseUntil !== undefined) Object.assign(set, { leaseExpiresAt: change.leaseUntil, [DUE_AT]: change.leaseUntil });
  if (change.result !== undefined) set.resultJson = serialise(change.result, 'the workflow result');
  if (change.notifyPending !== undefined) put('notifyPending', change.notifyPending || null);
  return { set, remove };
}

/** Pure: the header as it is after its holder wrote `change` with `plan` (so a worker need not read it back). */
export function applyChange(record: JourneyRecord, change: RunChange, plan: AppendPlan, now: string): JourneyRecord {
  const next: JourneyRecord = { ...record, signals: { ...record.signals } };
  if (plan.events.length) {
    next.eventCount = plan.events.at(-1)!.id;
    next.tail = plan.flush ? [] : [...record.tail, ...plan.events];
    if (plan.flush) next.flushed = next.eventCount;
  }
  if (plan.checkpoint) {
    const { stored, inline } = plan.checkpoint;
    next.checkpoints = [...record.checkpoints.filter((c) => c.index !== stored.index), inline ? stored : { ...stored, result: undefined, inItem: true }].sort(
      (a, b) => a.index - b.index,
    );
  }
  if (change.status) Object.assign(next, { status: change.status, updatedAt: now });
  for (const key of ['stepIndex', 'attempt', 'compensateIndex', 'compensateAttempt', 'terminateReason', 'notifyAttempts'] as const) {
    if (change[key] !== undefined) Object.assign(next, { [key]: change[key] });
  }
  if (change.failure !== undefined) Object.assign(next, { failedStep: change.failure?.step, errorMessage: change.failure?.message });
  if (change.waiting !== undefined) next.waiting = change.waiting ?? undefined;
  if (change.timer !== undefined) next.timer = change.timer ?? undefined;
  for (const name of change.consumed ?? []) delete next.signals[name];
  if (change.received) next.signals[change.received.name] = change.received.signal;
  if (change.due === null) Object.assign(next, { dueShard: undefined, dueAt: undefined });
  else if (change.due !== undefined) Object.assign(next, { dueShard: dueShardOf(record.journeyId), dueAt: change.due });
  if (change.release) Object.assign(next, { leaseOwner: undefined, leaseToken: undefined, leaseExpiresAt: undefined });
  if (change.leaseUntil !== undefined) Object.assign(next, { leaseExpiresAt: change.leaseUntil, dueAt: change.leaseUntil });
  if (change.result !== undefined) Object.assign(next, { result: change.result, hasResult: true });
  if (change.notifyPending !== undefined) next.notifyPending = change.notifyPending;
  return next;
}
