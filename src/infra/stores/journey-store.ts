import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../../kernel/errors.js';
import { expressionsFor } from './expression.js';
import {
  BY_STATUS,
  BY_TYPE,
  DEF,
  DUE,
  HEADER_SK,
  MAX_EVENTS_PER_ITEM,
  PK,
  SK,
  TTL,
  historyPrefix,
  historySk,
  toEvents,
  toItemCheckpoints,
  toRecord,
  type Checkpoint,
  type JourneyRecord,
  type JourneyStatus,
  type NewEvent,
  type StoredCheckpoint,
  type StoredEvent,
} from './journey-items.js';
import { appendPlan, applyChange, journeyRequests, type AppendPlan, type JourneyLease, type NewRun, type RunChange } from './journey-requests.js';
import { guard, isExpired, queryAll, queryPages, writeIf, type Item, type StoreDeps } from './store-deps.js';
import { sendOne, transactWrite, type TxOp } from './transaction.js';

export { DUE_SHARDS, JOURNEY_STATUSES, dueShardOf, isFinished, serialise } from './journey-items.js';
export type { Checkpoint, JourneyRecord, JourneyStatus, NewEvent, NotifyTarget, RunSummary, StoredCheckpoint, StoredEvent } from './journey-items.js';
export type { JourneyLease, NewRun, RunChange } from './journey-requests.js';

const expression = expressionsFor(DEF);

/** A conditional write's outcome: done (with the header as written), or refused with the header as it now is (null: gone). */
export type Outcome = { ok: true; journey: JourneyRecord } | { ok: false; current: JourneyRecord | null };

/** What a run's checkpoints say: each completed (or seeded) step's result, by step name. */
export interface RunCheckpoints {
  results: Record<string, unknown>;
  steps: StoredCheckpoint[];
  seeded: string[];
}

export interface HistoryPage {
  events: StoredEvent[];
  /** Results of the checkpoints among these events, by the id of the event that completed the step. */
  results: Record<number, unknown>;
  /** The id of the last event returned, when more may follow. */
  nextAfter?: number;
}

/** A page of headers from an index (summary attributes only), with the key to continue from. */
export interface ListPage {
  journeys: JourneyRecord[];
  next?: Record<string, unknown>;
}

/**
 * Journey store: one header per workflow holding its current run (with the run's newest events and
 * its checkpoints), and history items for the older events.
 */
export interface JourneyStore {
  /** A first start; `created: false` with the live header that was already there. */
  start(run: NewRun): Promise<{ created: true; journey: JourneyRecord } | { created: false; existing: JourneyRecord }>;
  /** A resume or rerun of the finished run `seen`, closing its history with `closing`. */
  newRun(seen: JourneyRecord, run: NewRun, closing: NewEvent[]): Promise<Outcome>;
  get(journeyId: string): Promise<JourneyRecord | null>;
  /** Ids of the runs of one due-index shard whose due time has come, oldest first (the index holds keys only; eventually consistent). */
  due(shard: string, now: number, limit: number): Promise<string[]>;
  /** Takes the run `seen` for `lease` with the entry `change` and `events`, if it is still as read. */
  claim(seen: JourneyRecord, lease: JourneyLease, leaseMs: number, types: readonly string[], change: RunChange, events: NewEvent[]): Promise<Outcome>;
  /** The holder moves its lease on; false when it no longer holds the run. */
  heartbeat(lease: JourneyLease, leaseMs: number): Promise<boolean>;
  /** A transition by the holder of `seen`: its change, events and the completed step's checkpoint, in one write. */
  transition(lease: JourneyLease, seen: JourneyRecord, change: RunChange, events: NewEvent[], checkpoint?: Checkpoint): Promise<Outcome>;
  /** A signal or a termination, by someone who does not hold the run. */
  external(seen: JourneyRecord, label: string, change: RunChange, events: NewEvent[]): Promise<Outcome>;
  /** The checkpoints of run `runId` (of `header`, the workflow's header when it was read). */
  checkpoints(header: JourneyRecord, runId?: string): Promise<RunCheckpoints>;
  /** At most `limit` events of a run after event id `after`; `nextAfter` when more may follow. */
  history(header: JourneyRecord, runId: string, after: number, limit: number): Promise<HistoryPage>;
  /** One page of headers by status, by type, or both, newest status change first. */
  list(query: { status?: JourneyStatus; type?: string; limit: number; next?: Record<string, unknown> }): Promise<ListPage>;
}

export interface JourneyStoreDeps extends StoreDeps {
  /** Items expire this long after their last write (DynamoDB TTL). */
  ttlDays: number;
}

/** Builds the journey store over the JourneyControl table. */
export function createJourneyStore(deps: JourneyStoreDeps): JourneyStore {
  const { doc, tableName, clock } = deps;
  const build = journeyRequests(deps);
  const live = (item: Item | undefined) => (item && !isExpired(item, clock.now(), TTL) ? toRecord(item) : null);
  const iso = () => new Date(clock.now()).toISOString();

  /** Sends ops all-or-nothing; a failed condition is an outcome carrying the header as it is. */
  async function attempt(ops: TxOp[], written: () => JourneyRecord): Promise<Outcome> {
    try {
      // A lone write needs no transaction (half the cost on AWS, and much cheaper on DynamoDB Local).
      await (ops.length === 1 ? sendOne(doc, ops[0]) : transactWrite(doc, ops));
      return { ok: true, journey: written() };
    } catch (error) {
      if (!(error instanceof ConflictError) || error.code !== 'journey.conflict') throw error;
      const current = (error.details as { current?: Item | null })?.current;
      return { ok: false, current: current ? live(current) : null };
    }
  }

  /** A Query over one run's history items from sort key `from` on, optionally filtered and projected. */
  const runQuery = (journeyId: string, runId: string, from: string, extra: { filter?: string; projection?: string } = {}) => ({
    TableName: tableName,
    ...expression({ keyCondition: '#pk = :pk AND #sk BETWEEN :from AND :to', ...extra }, { pk: journeyId, from, to: `${historyPrefix(runId)}~` }),
    ConsistentRead: true,
  });

  /** A holder's or an outsider's write: `plan` says where the events go; the written header is derived, not read back. */
  const write = (seen: JourneyRecord, change: RunChange, plan: AppendPlan, ops: TxOp[], lease?: Partial<JourneyRecord>) =>
    attempt(ops, () => ({ ...applyChange(seen, change, plan, iso()), ...lease }));

  return {
    async start(run) {
      const op = build.startOp(run);
      const outcome = await attempt([op], () => toRecord(op.item.Put!.Item!));
      if (outcome.ok) return { created: true, journey: outcome.journey };
      const existing = outcome.current ?? (await this.get(run.journeyId));
      if (!existing) throw new ConflictError('journey.conflict', `journey ${run.journeyId}: start raced with its expiry; retry`);
      return { created: false, existing };
    },

    async newRun(seen, run, closing) {
      const ops = build.newRunOps(seen, run, closing);
      return attempt(ops, () => toRecord(ops[0].item.Put!.Item!));
    },

    async get(journeyId) {
      const out = await guard(() => doc.send(new GetCommand({ TableName: tableName, Key: { [PK]: journeyId, [SK]: HEADER_SK }, ConsistentRead: true })));
      return live(out.Item);
    },

    async due(shard, now, limit) {
      const out = await guard(() =>
        doc.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: DUE.name,
            ...expression({ keyCondition: `#${DUE.partitionKey.name} = :shard AND #${DUE.sortKey.name} <= :now` }, { shard, now }),
            Limit: limit,
          }),
        ),
      );
      return (out.Items ?? []).map((item) => item[PK] as string);
    },

    claim(seen, lease, leaseMs, types, change, events) {
      const plan = appendPlan(seen, events);
      const expiresAt = clock.now() + leaseMs;
      const held = { leaseOwner: lease.owner, leaseToken: lease.token, leaseExpiresAt: expiresAt, dueAt: expiresAt };
      return write(seen, change, plan, build.claimOps(seen, lease, leaseMs, types, change, plan), held);
    },

    async heartbeat(lease, leaseMs) {
      return (await writeIf(() => doc.send(new UpdateCommand(build.heartbeatOp(lease, leaseMs).item.Update!)))).written;
    },

    transition(lease, seen, change, events, checkpoint) {
      const plan = appendPlan(seen, events, checkpoint);
      return write(seen, change, plan, build.transitionOps(lease, seen, change, plan));
    },

    external(seen, label, change, events) {
      const plan = appendPlan(seen, events);
      return write(seen, change, plan, build.externalOps(seen, label, change, plan));
    },

    async checkpoints(header, runId = header.runId) {
      const current = runId === header.runId;
      const steps = current ? header.checkpoints.filter((c) => !c.inItem) : [];
      // Results that left the header (large ones, or a replaced run's) are in history items.
      if (!current || header.checkpoints.some((c) => c.inItem)) {
        const items = await queryAll(
          doc,
          runQuery(header.journeyId, runId, historyPrefix(runId), { filter: 'attribute_exists(#checkpointsJson)', projection: '#checkpointsJson' }),
        );
        steps.push(...items.flatMap(toItemCheckpoints));
      }
      steps.sort((a, b) => a.index - b.index);
      return { results: Object.fromEntries(steps.map((c) => [c.step, c.result])), steps, seeded: steps.filter((c) => c.seeded).map((c) => c.step) };
    },

    async history(header, runId, after, limit) {
      const current = runId === header.runId;
      const page: HistoryPage = { events: [], results: {} };
      if (current) for (const c of header.checkpoints) if (c.result !== undefined) page.results[c.eventId] = c.result;
      const take = (events: StoredEvent[], checkpoints: StoredCheckpoint[]) => {
        for (const c of checkpoints) if (c.result !== undefined) page.results[c.eventId] = c.result;
        for (const event of events) {
          if (event.id <= after) continue;
          if (page.events.length >= limit) {
            page.nextAfter = page.events.at(-1)!.id;
            return false;
          }
          page.events.push(event);
        }
        return true;
      };
      // Events moved to history items first (an item holds a few dozen: start at the first that may hold event `after + 1`).
      if (!current || after < header.flushed) {
        const from = historySk(runId, Math.max(1, after + 1 - MAX_EVENTS_PER_ITEM));
        let more = true;
        await queryPages(doc, { ...runQuery(header.journeyId, runId, from), Limit: 20 }, (out) => {
          for (const item of out.Items ?? []) if (!(more = take(toEvents(item), toItemCheckpoints(item)))) return false;
        });
        if (!more) return page;
      }
      if (current) take(header.tail, []);
      return page;
    },

    async list({ status, type, limit, next }) {
      const byType = type !== undefined;
      const out = await guard(() =>
        doc.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: byType ? BY_TYPE.name : BY_STATUS.name,
            ...(byType
              ? expression({ keyCondition: '#workflowType = :type', ...(status ? { filter: '#status = :status' } : {}) }, status ? { type, status } : { type })
              : expression({ keyCondition: '#status = :status' }, { status })),
            ScanIndexForward: false,
            Limit: limit,
            ExclusiveStartKey: next,
          }),
        ),
      );
      return { journeys: (out.Items ?? []).map(live).filter((r): r is JourneyRecord => r !== null), next: out.LastEvaluatedKey };
    },
  };
}
