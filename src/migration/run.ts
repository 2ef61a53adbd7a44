/**
 * The import: family by family, one SCAN batch at a time (the next batch is read from Redis while
 * the current one is written), each key mapped and written with at most `concurrency` writes in
 * flight, progress checkpointed after every batch. Bad keys are counted and reported, never fatal.
 */
import type { Clock } from '../kernel/clock.js';
import { mapWithConcurrency } from '../kernel/concurrency.js';
import { ulid } from '../kernel/ids.js';
import { idempotencyKey } from '../infra/stores/idempotency-store.js';
import { normalisePhone } from '../contracts/phone.js';
import { decodeJsonCheckpoint, decodePickleCheckpoint, type Decoded } from './decode.js';
import { FAMILIES, FAMILY_ORDER, MSG_PROCESSING, checkpointDigits, messageIdOf, type Family } from './legacy.js';
import { mapCheckpoint } from './map-state.js';
import { tally, type KeyResult, type Outcome, type ReportEntry } from './outcomes.js';
import type { OpenedJournal, Position } from './progress.js';
import { startOfPass } from './progress.js';
import type { Batch, FetchedKey, RedisSource, StoredValue } from './redis-source.js';
import type { ImportTarget, SessionImport, WriteResult } from './target.js';

/** Sessions written per TransactWriteItems (each is 2–5 items; the limit is 100). */
const SESSIONS_PER_TRANSACTION = 10;

export interface RunOptions {
  /** Writes in flight at once. */
  concurrency: number;
  /** SCAN COUNT per batch (also the checkpoint granularity). */
  batchSize: number;
  /** Stop once this many keys were read (at the end of the batch that reaches it). */
  limit?: number;
}

export interface RunDeps {
  source: RedisSource;
  target: ImportTarget;
  clock: Clock;
  /** Absent for a dry run: nothing is checkpointed. */
  journal?: OpenedJournal;
  onBatch?: (position: Position, batchKeys: number) => void;
}

export interface RunResult {
  position: Position;
  resumed: boolean;
  /** Every skipped or invalid key of the pass (a resumed pass includes the interrupted run's). */
  entries: ReportEntry[];
}

/** Runs (or continues) one pass over the legacy keyspace. */
export async function runImport(deps: RunDeps, options: RunOptions): Promise<RunResult> {
  const { source, journal } = deps;
  const position: Position = structuredClone(journal?.start ?? startOfPass(1));
  const entries: ReportEntry[] = [];
  let read = 0;
  const remaining = () => (options.limit === undefined ? Infinity : options.limit - read);

  const next = (family: Family, cursor: string): Promise<Batch> | null =>
    remaining() > 0 ? source.batch(family, cursor, Math.min(options.batchSize, remaining())) : null;
  let familyIndex = FAMILY_ORDER.indexOf(position.family);
  let ahead = position.finished ? null : next(position.family, position.cursor);
  while (ahead) {
    const batch = await ahead;
    read += batch.keys.length;
    // Read the next batch while this one is written.
    const familyDone = batch.cursor === '0';
    const nextFamily = familyDone ? FAMILY_ORDER[familyIndex + 1] : batch.family;
    ahead = nextFamily ? next(nextFamily, familyDone ? '0' : batch.cursor) : null;
    // A read failure of the prefetched batch surfaces when it is awaited, not as an unhandled rejection.
    ahead?.catch(() => undefined);

    const results = await writeBatch(batch.keys, deps, options.concurrency);
    const batchEntries = results.flatMap((result) => tally(position.counts, result));
    // With a journal the entries live in its steps (a resumed pass has the interrupted run's too).
    if (!journal) entries.push(...batchEntries);
    if (familyDone && nextFamily) familyIndex++;
    Object.assign(position, {
      family: nextFamily ?? batch.family,
      cursor: familyDone ? '0' : batch.cursor,
      finished: familyDone && !nextFamily,
    });
    await journal?.save(position, batchEntries, ahead === null);
    deps.onBatch?.(position, batch.keys.length);
  }
  return { position, resumed: journal?.resumed ?? false, entries: journal ? await journal.entries(position.pass) : entries };
}

/** A key read and mapped: its result, or the write that decides it. */
type Prepared =
  | { done: KeyResult }
  | { session: SessionImport; finish: (write: WriteResult) => KeyResult }
  | { delivery: { idempotencyKey: string; key: string; expiresAt: number }; finish: (write: WriteResult) => KeyResult };

/**
 * Writes one batch: sessions in transactions of up to SESSIONS_PER_TRANSACTION (one round trip for
 * several conversations; a refused one is classified and the rest written again, see the target),
 * deliveries one by one, at most `concurrency` requests in flight. Results in key order.
 */
async function writeBatch(keys: FetchedKey[], deps: Pick<RunDeps, 'target' | 'clock'>, concurrency: number): Promise<KeyResult[]> {
  const now = deps.clock.now();
  const prepared = keys.map((key) => prepareKey(key, now));
  const results: KeyResult[] = prepared.map((p) => ('done' in p ? p.done : (undefined as never)));
  const units: (() => Promise<void>)[] = [];
  let group: number[] = [];
  const flush = () => {
    if (!group.length) return;
    const members = group;
    units.push(async () => {
      const writes = await deps.target.sessions(members.map((i) => (prepared[i] as Extract<Prepared, { session: unknown }>).session));
      writes.forEach((write, j) => (results[members[j]] = (prepared[members[j]] as Extract<Prepared, { session: unknown }>).finish(write)));
    });
    group = [];
  };
  prepared.forEach((p, i) => {
    if ('delivery' in p) {
      const { idempotencyKey, key, expiresAt } = p.delivery;
      units.push(async () => void (results[i] = p.finish(await deps.target.delivery(idempotencyKey, key, expiresAt))));
    } else if ('session' in p) {
      // A transaction may not name one item twice: a session id already in the group starts a new one.
      if (group.some((g) => (prepared[g] as Extract<Prepared, { session: unknown }>).session.session.sessionId === p.session.session.sessionId)) flush();
      group.push(i);
      if (group.length === SESSIONS_PER_TRANSACTION) flush();
    }
  });
  flush();
  await mapWithConcurrency(units, concurrency, (unit) => unit());
  return results;
}

/** Reads and maps one key; every expected problem is an outcome, not an exception. */
function prepareKey(item: FetchedKey, now: number): Prepared {
  const result = (outcome: Outcome, extra: Partial<KeyResult> = {}): KeyResult => ({ key: item.key, family: item.family, outcome, ...extra });
  const done = (outcome: Outcome): Prepared => ({ done: result(outcome) });
  if (item.error) return done({ kind: 'invalid', reason: 'wrong_type', detail: item.error });
  if (item.value === null || item.pttl === -2) return done({ kind: 'skipped', reason: 'gone' });
  const expiresAt = now + (item.pttl > 0 ? item.pttl : FAMILIES[item.family].defaultTtlMs);

  if (item.family === 'msg') {
    const messageId = messageIdOf(item.key);
    if (!messageId) return done({ kind: 'invalid', reason: 'bad_key', detail: 'no message id' });
    if (item.value.toString('utf8') === MSG_PROCESSING) return done({ kind: 'skipped', reason: 'msg_in_flight' });
    return {
      delivery: { idempotencyKey: idempotencyKey.wamid(messageId), key: item.key, expiresAt },
      finish: (write) => result(written(write, { kind: 'imported', what: 'delivery' })),
    };
  }

  const digits = checkpointDigits(item.key);
  const sessionId = digits ? normalisePhone(digits) : null;
  if (!sessionId) return done({ kind: 'invalid', reason: 'bad_key', detail: 'the key names no phone' });
  const own = decode(item.family, item.value);
  if (!own.ok) return done({ kind: 'invalid', reason: own.reason, detail: own.detail });
  if (item.partner?.value && item.partner.pttl !== -2 && newer(item.partner, item.family, own.checkpoint.writtenAt))
    return done({ kind: 'skipped', reason: 'superseded' });
  const mapped = mapCheckpoint(sessionId, own.checkpoint, { now, newActionId: (at) => ulid(at) });
  if (!mapped.ok) return done({ kind: 'invalid', reason: mapped.reason, detail: mapped.detail });
  const { session } = mapped;
  const action = session.action ? (session.action.reconfirm ? 'reconfirm' : 'staged') : 'none';
  return {
    session: { session, format: own.checkpoint.format, key: item.key, expiresAt },
    finish: (write) =>
      result(written(write, { kind: 'imported', what: 'session', action }), session.actionSkipped ? { actionSkipped: session.actionSkipped } : {}),
  };
}

const written = (write: WriteResult, imported: Outcome): Outcome => (write.written ? imported : { kind: 'skipped', reason: write.reason });

function decode(family: Family, value: Buffer): Decoded {
  return family === 'pickle' ? decodePickleCheckpoint(value) : decodeJsonCheckpoint(value.toString('utf8'));
}

/**
 * Whether the other family's checkpoint of the phone wins. The newer timestamp wins; on a tie the
 * pickle (the primary checkpointer) does. An unreadable partner never wins.
 */
function newer(partner: StoredValue, family: Family, writtenAt: number): boolean {
  const other = decode(family === 'pickle' ? 'json' : 'pickle', partner.value!);
  if (!other.ok) return false;
  return family === 'pickle' ? other.checkpoint.writtenAt > writtenAt : other.checkpoint.writtenAt >= writtenAt;
}
