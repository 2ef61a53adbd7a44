import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../../kernel/errors.js';
import { expressionsFor } from './expression.js';
import {
  BY_STATUS,
  BY_TYPE,
  DEF,
  DUE,
  HEADER_SK,
  PK,
  SK,
  TTL,
  historyPrefix,
  historySk,
  toCheckpoint,
  toEvents,
  toRecord,
  toSeed,
  type Checkpoint,
  type JourneyRecord,
  type JourneyStatus,
  type NewEvent,
  type StoredEvent,
} from './journey-items.js';
import { MAX_EVENTS_PER_ITEM, journeyRequests, type HistoryExtras, type JourneyLease, type NewRun, type RunChange } from './journey-requests.js';
import { guard, isExpired, queryAll, queryPages, type Item, type StoreDeps } from './store-deps.js';
import { sendOne, transactWrite, type TxOp } from './transaction.js';

export { ACTIVE_STATUSES, DUE_SHARDS, FINISHED_STATUSES, JOURNEY_STATUSES, dueShardOf, isFinished, serialise } from './journey-items.js';
export type { Checkpoint, JourneyRecord, JourneyStatus, NewEvent, NotifyTarget, ReceivedSignal, RunSummary, StoredEvent, Timer, Waiting } from './journey-items.js';
export { applyChange } from './journey-requests.js';
export type { JourneyLease, NewRun, RunChange } from './journey-requests.js';

const expression = expressionsFor(DEF);
/** A conditional write's outcome: done, or refused with the header as it now is (null: gone). */
export type Outcome = { ok: true } | { ok: false; current: JourneyRecord | null };

/** What a run's checkpoints say: each completed step's result and attempts, seeded ones included. */
export interface RunCheckpoints {
  results: Record<string, unknown>;
  steps: Checkpoint[];
  seeded: string[];
}

export interface HistoryPage {
  events: StoredEvent[];
  /** Results of the checkpoints among these events, by the id of the event that completed the step. */
  results: Record<number, unknown>;
  /** The id of the last event returned, when more may follow. */
  nextAfter?: number;
}

/** A page of headers from an index, with the key to continue from (opaque to callers). */
export interface ListPage {
  journeys: JourneyRecord[];
  next?: Record<string, unknown>;
}

/** Journey store: one header per workflow, one history item per write of a run. */
export interface JourneyStore {
  /** A first start; `created: false` with the live header that was already there. */
  start(run: NewRun): Promise<{ created: true; journey: JourneyRecord } | { created: false; existing: JourneyRecord }>;
  /** A resume or rerun of the finished run `seen`, closing its history with `closing`. */
  newRun(seen: JourneyRecord, run: NewRun, closing: NewEvent[]): Promise<{ ok: true; journey: JourneyRecord } | { ok: false; current: JourneyRecord | null }>;
  get(journeyId: string): Promise<JourneyRecord | null>;
  /** Runs of one due-index shard whose due time has come, oldest first (eventually consistent). */
  due(shard: string, now: number, limit: number): Promise<JourneyRecord[]>;
  /** Takes `seen` for `lease` with the entry `change` and `events`, if it is still as listed. */
  claim(seen: JourneyRecord, lease: JourneyLease, leaseMs: number, types: readonly string[], change: RunChange, events: NewEvent[]): Promise<Outcome>;
  heartbeat(lease: JourneyLease, leaseMs: number): Promise<Outcome>;
  transition(lease: JourneyLease, seenEvents: number, change: RunChange, events: NewEvent[], extras?: HistoryExtras): Promise<Outcome>;
  /** A signal or a termination, by someone who does not hold the run. */
  external(seen: JourneyRecord, label: string, change: RunChange, events: NewEvent[]): Promise<Outcome>;
  checkpoints(journeyId: string, runId: string): Promise<RunCheckpoints>;
  /** At most `limit` events of a run after event id `after`; `nextAfter` when more may follow. */
  history(journeyId: string, runId: string, after: number, limit: number): Promise<HistoryPage>;
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

  /** Sends ops all-or-nothing; a failed condition is an outcome carrying the header as it is. */
  async function attempt(ops: TxOp[]): Promise<Outcome> {
    try {
      // A lone write needs no transaction (half the cost on AWS).
      await (ops.length === 1 ? sendOne(doc, ops[0]) : transactWrite(doc, ops));
      return { ok: true };
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

  return {
    async start(run) {
      const ops = build.startOps(run);
      const outcome = await attempt(ops);
      if (outcome.ok) return { created: true, journey: toRecord(ops[0].item.Put!.Item!) };
      const existing = outcome.current ?? (await this.get(run.journeyId));
      if (!existing) throw new ConflictError('journey.conflict', `journey ${run.journeyId}: start raced with its expiry; retry`);
      return { created: false, existing };
    },

    async newRun(seen, run, closing) {
      const ops = build.newRunOps(seen, run, closing);
      const outcome = await attempt(ops);
      return outcome.ok ? { ok: true, journey: toRecord(ops[0].item.Put!.Item!) } : outcome;
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
      return (out.Items ?? []).map(live).filter((r): r is JourneyRecord => r !== null);
    },

    claim: (seen, lease, leaseMs, types, change, events) => attempt(build.claimOps(seen, lease, leaseMs, types, change, events)),
    heartbeat: (lease, leaseMs) => attempt([build.heartbeatOp(lease, leaseMs)]),
    transition: (lease, seenEvents, change, events, extras) => attempt(build.transitionOps(lease, seenEvents, change, events, extras)),
    external: (seen, label, change, events) => attempt(build.externalOps(seen, label, change, events)),

    async checkpoints(journeyId, runId) {
      const items = await queryAll(
        doc,
        runQuery(journeyId, runId, historyPrefix(runId), {
          filter: 'attribute_exists(#cpStep) OR attribute_exists(#seedJson)',
          projection: '#cpStep, #cpIndex, #cpResultJson, #cpAttempts, #seedJson',
        }),
      );
      const run: RunCheckpoints = { results: {}, steps: [], seeded: [] };
      for (const item of items) {
        const seed = toSeed(item);
        if (seed) {
          Object.assign(run.results, seed);
          run.seeded.push(...Object.keys(seed));
        }
        const checkpoint = toCheckpoint(item);
        if (checkpoint) {
          run.results[checkpoint.step] = checkpoint.result;
          run.steps.push(checkpoint);
        }
      }
      return run;
    },

    async history(journeyId, runId, after, limit) {
      // An item holds a few events: start at the first one that may hold event `after + 1`.
      const from = historySk(runId, Math.max(1, after + 1 - MAX_EVENTS_PER_ITEM));
      const page: HistoryPage = { events: [], results: {} };
      await queryPages(doc, { ...runQuery(journeyId, runId, from), Limit: Math.min(limit, 1_000) }, (out) => {
        for (const item of out.Items ?? []) {
          const all = toEvents(item);
          const checkpoint = toCheckpoint(item);
          for (const event of all) {
            if (event.id <= after) continue;
            if (page.events.length >= limit) {
              page.nextAfter = page.events.at(-1)!.id;
              return false;
            }
            page.events.push(event);
            // A checkpoint is written with the event that completed its step: the item's first.
            if (checkpoint && event.id === all[0].id) page.results[event.id] = checkpoint.result;
          }
        }
        if (page.events.length >= limit && out.LastEvaluatedKey) {
          page.nextAfter = page.events.at(-1)!.id;
          return false;
        }
      });
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

