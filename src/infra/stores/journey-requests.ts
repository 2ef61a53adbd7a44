import { epochSeconds, type Clock } from '../../kernel/clock.js';
import { ConflictError } from '../../kernel/errors.js';
import { absentOrExpired, and, expressionsFor, isOneOf, nowValues, update } from './expression.js';
import { appendPlan, changeParts, resultKey, type AppendPlan, type RunChange } from './journey-changes.js';
import {
  ACTIVE_STATUSES,
  DEF,
  DUE_AT,
  DUE_SHARD,
  FINISHED_STATUSES,
  HEADER_SK,
  MAX_EVENTS_PER_ITEM,
  PK,
  SK,
  TTL,
  historySk,
  serialise,
  storedCheckpoint,
  type JourneyRecord,
  type NewEvent,
  type StoredCheckpoint,
  type StoredEvent,
} from './journey-items.js';
import type { Item } from './store-deps.js';
import type { TxOp } from './transaction.js';

const expression = expressionsFor(DEF);
const DAY_MS = 86_400_000;

// Conditions, joined from named parts:
/** The caller holds the run's lease (the token is new at every claim, so it also fences a stale holder). */
const HELD = '#leaseToken = :token';
/** No event was written since the caller read the header (the event count is the header's version). */
const AT_EVENT = '#eventCount = :seenEvents';
/** The header is still on the run the caller read. */
const SAME_RUN = '#runId = :seenRunId';
/** The run is still where the due index listed it: not claimed, renewed or moved since. */
const DUE_AS_SEEN = `attribute_exists(#${DUE_SHARD}) AND #${DUE_AT} = :seenDueAt`;
const active = isOneOf('#status', 'active', ACTIVE_STATUSES);
const finished = isOneOf('#status', 'finished', FINISHED_STATUSES);

/** Proof of holding a run: every holder-only write is conditioned on its token. */
export interface JourneyLease {
  journeyId: string;
  runId: string;
  owner: string;
  token: string;
}

/** A new run of a workflow: its first header and its first events. */
export interface NewRun extends Pick<
  JourneyRecord,
  'journeyId' | 'workflowType' | 'typeVersion' | 'input' | 'inputHash' | 'runId' | 'runNumber' | 'runs' | 'stepIndex' | 'notify'
> {
  shard: string;
  createdAt?: string;
  /** Taken at once by a local worker (it runs the first attempt without a claim). */
  claim?: { owner: string; token: string; leaseMs: number };
  events: NewEvent[];
  /** Results carried over from the run it replaces (a resume). */
  seed?: StoredCheckpoint[];
}

export { appendPlan, applyChange, changeParts, type AppendPlan, type RunChange } from './journey-changes.js';

export interface JourneyRequestDeps {
  tableName: string;
  clock: Clock;
  /** Items expire this long after their last write (DynamoDB TTL). */
  ttlDays: number;
}

/** Pure: `#a.#b` for the attribute path `a.b`. */
const pathOf = (attribute: string) =>
  attribute
    .split('.')
    .map((part) => `#${part}`)
    .join('.');

/** Pure builders of every JourneyControl write; the journey store sends what they return. */
export function journeyRequests({ tableName, clock, ttlDays }: JourneyRequestDeps) {
  const iso = () => new Date(clock.now()).toISOString();
  const ttl = () => epochSeconds(clock.now() + ttlDays * DAY_MS);
  const headerKey = (journeyId: string) => ({ [PK]: journeyId, [SK]: HEADER_SK });

  /** A history item holding `events` (and the checkpoints whose results leave the header), written once. */
  function historyOp(journeyId: string, runId: string, events: StoredEvent[], checkpoints: StoredCheckpoint[]): TxOp {
    if (events.length > MAX_EVENTS_PER_ITEM) throw new Error(`a history item holds at most ${MAX_EVENTS_PER_ITEM} events (got ${events.length})`);
    const item: Item = {
      [PK]: journeyId,
      [SK]: historySk(runId, events[0].id),
      runId,
      eventsJson: serialise(events, `the events of ${journeyId}`),
      [TTL]: ttl(),
    };
    if (checkpoints.length) item.checkpointsJson = serialise(checkpoints, `the checkpoints of ${journeyId}`);
    return {
      label: 'journey.history',
      item: { Put: { TableName: tableName, Item: item, ...expression({ condition: 'attribute_not_exists(#sk)' }) } },
      onConditionFailed: () => conflict(journeyId, `history item ${String(item[SK])} already written`),
    };
  }

  /** Pure: the header attributes an append sets, and the history item it writes when it moves the tail. */
  function appendParts(seen: JourneyRecord, plan: AppendPlan): { set: Record<string, unknown>; item?: TxOp } {
    if (!plan.events.length && !plan.checkpoint) return { set: {} };
    const set: Record<string, unknown> = { eventCount: plan.events.at(-1)?.id ?? seen.eventCount };
    const cp = plan.checkpoint;
    if (cp) set[`results.${resultKey(cp.stored.index)}`] = storedCheckpoint(cp.stored, cp.inline);
    if (!plan.flush) return { set: { ...set, tail: { append: plan.events.map((e) => JSON.stringify(e)) } } };
    const moved = [...seen.tail, ...plan.events];
    return { set: { ...set, tail: [], flushed: set.eventCount }, item: historyOp(seen.journeyId, seen.runId, moved, cp && !cp.inline ? [cp.stored] : []) };
  }

  /**
   * An update of the header: `condition` over named parts, `change` applied with `extra` attributes
   * set (`{append: [...]}` appends to a list). A status change also stamps `updatedAt` and refreshes
   * the TTL (the list indexes copy both, so a step's checkpoint, which changes neither, rewrites no index).
   */
  function headerUpdateOp(journeyId: string, label: string, condition: string, values: Item, change: RunChange, extra: Record<string, unknown> = {}): TxOp {
    const parts = changeParts(journeyId, change);
    const set: string[] = [];
    const all: Item = { ...values };
    if (change.status) {
      set.push('#status = :status', '#updatedAt = :updatedAt', '#ttl = :ttl');
      Object.assign(all, { status: change.status, updatedAt: iso(), ttl: ttl() });
    }
    Object.entries({ ...parts.set, ...extra }).forEach(([attribute, value], i) => {
      const appended = value && typeof value === 'object' && 'append' in value ? (value as { append: unknown[] }).append : undefined;
      set.push(appended ? `${pathOf(attribute)} = list_append(${pathOf(attribute)}, :v${i})` : `${pathOf(attribute)} = :v${i}`);
      all[`v${i}`] = appended ?? value;
    });
    return {
      label,
      item: {
        Update: {
          TableName: tableName,
          Key: headerKey(journeyId),
          ...expression({ update: update({ set, remove: parts.remove.map(pathOf) }), condition }, all),
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
      onConditionFailed: (current) => conflict(journeyId, `the header changed (${label})`, current),
    };
  }

  /** The header update and, when the tail moves, its history item. */
  function withAppend(seen: JourneyRecord, plan: AppendPlan, update: (extra: Record<string, unknown>) => TxOp): TxOp[] {
    const { set, item } = appendParts(seen, plan);
    return item ? [update(set), item] : [update(set)];
  }

  /** The whole header of a new run (a Put: a first start, or a resume/rerun replacing a finished run). */
  function headerItem(run: NewRun): Item {
    const now = iso();
    const events = run.events.map((event, i) => JSON.stringify({ id: i + 1, ...event }));
    const item: Item = {
      ...headerKey(run.journeyId),
      workflowType: run.workflowType,
      typeVersion: run.typeVersion,
      inputJson: serialise(run.input, 'the workflow input'),
      inputHash: run.inputHash,
      runId: run.runId,
      runNumber: run.runNumber,
      runs: run.runs,
      status: 'RUNNING',
      stepIndex: run.stepIndex,
      attempt: run.claim ? 1 : 0,
      eventCount: events.length,
      flushed: 0,
      tail: events,
      results: Object.fromEntries((run.seed ?? []).map((cp) => [resultKey(cp.index), storedCheckpoint(cp, true)])),
      compensateAttempt: 0,
      signals: {},
      notifyAttempts: 0,
      [DUE_SHARD]: run.shard,
      [DUE_AT]: run.claim ? clock.now() + run.claim.leaseMs : clock.now(),
      createdAt: run.createdAt ?? now,
      updatedAt: now,
      [TTL]: ttl(),
    };
    if (run.notify) item.notifyJson = serialise(run.notify, 'the notify target');
    if (run.claim) Object.assign(item, { leaseOwner: run.claim.owner, leaseToken: run.claim.token, leaseExpiresAt: item[DUE_AT] });
    return item;
  }

  return {
    /** A first start: the header (with the run's first events) unless a live one exists (ALL_OLD on conflict). */
    startOp(run: NewRun): TxOp {
      return {
        label: 'journey.start',
        item: {
          Put: {
            TableName: tableName,
            Item: headerItem(run),
            ...expression({ condition: absentOrExpired('pk') }, nowValues(clock.now())),
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
        onConditionFailed: (current) => conflict(run.journeyId, 'already exists', current),
      };
    },

    /** A resume or rerun: replaces the finished run the caller read; that run's tail, `closing` and its results move to a history item. */
    newRunOps(seen: JourneyRecord, run: NewRun, closing: NewEvent[]): TxOp[] {
      const put: TxOp = {
        label: 'journey.newRun',
        item: {
          Put: {
            TableName: tableName,
            Item: headerItem(run),
            ...expression({ condition: and(SAME_RUN, AT_EVENT, finished.text) }, { ...finished.values, seenRunId: seen.runId, seenEvents: seen.eventCount }),
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
        onConditionFailed: (current) => conflict(run.journeyId, 'its run changed concurrently', current),
      };
      const closed = [...seen.tail, ...appendPlan(seen, closing).events];
      return [
        put,
        historyOp(
          seen.journeyId,
          seen.runId,
          closed,
          seen.checkpoints.filter((c) => !c.inItem),
        ),
      ];
    },

    /**
     * Takes a run read from its header for `lease` until now + leaseMs (the due time moves with the
     * lease, so a dead holder's run becomes due when its lease ends), if it is still as read and of a
     * type this worker knows; `change` and `plan` are the entry the worker decided for it.
     */
    claimOps(seen: JourneyRecord, lease: JourneyLease, leaseMs: number, types: readonly string[], change: RunChange, plan: AppendPlan): TxOp[] {
      const known = isOneOf('#workflowType', 'type', types);
      const expiresAt = clock.now() + leaseMs;
      return withAppend(seen, plan, (extra) =>
        headerUpdateOp(
          seen.journeyId,
          'journey.claim',
          and(DUE_AS_SEEN, AT_EVENT, known.text),
          { ...known.values, seenDueAt: seen.dueAt ?? -1, seenEvents: seen.eventCount },
          change,
          { leaseOwner: lease.owner, leaseToken: lease.token, leaseExpiresAt: expiresAt, [DUE_AT]: expiresAt, ...extra },
        ),
      );
    },

    /** The holder moves its lease (and so the run's due time) to now + leaseMs. */
    heartbeatOp(lease: JourneyLease, leaseMs: number): TxOp {
      return headerUpdateOp(lease.journeyId, 'journey.heartbeat', HELD, { token: lease.token }, { leaseUntil: clock.now() + leaseMs });
    },

    /** A step of the run, by its holder: one update of the header (events, checkpoint, change), if no event was written since it read it. */
    transitionOps(lease: JourneyLease, seen: JourneyRecord, change: RunChange, plan: AppendPlan): TxOp[] {
      return withAppend(seen, plan, (extra) =>
        headerUpdateOp(lease.journeyId, 'journey.transition', and(HELD, AT_EVENT), { token: lease.token, seenEvents: seen.eventCount }, change, extra),
      );
    },

    /** A write by someone who does not hold the run (signal, terminate): the run must be active and unchanged since read. */
    externalOps(seen: JourneyRecord, label: string, change: RunChange, plan: AppendPlan): TxOp[] {
      return withAppend(seen, plan, (extra) =>
        headerUpdateOp(
          seen.journeyId,
          label,
          and(SAME_RUN, AT_EVENT, active.text),
          { ...active.values, seenRunId: seen.runId, seenEvents: seen.eventCount },
          change,
          extra,
        ),
      );
    },
  };
}

function conflict(journeyId: string, why: string, current?: Item) {
  return new ConflictError('journey.conflict', `journey ${journeyId}: ${why}`, { current: current ?? null });
}
