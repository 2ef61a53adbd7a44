// Over 300 lines on purpose: every write of a journey's life as a pure builder over one set of named conditions; journey-params.test.ts checks each.
import { epochSeconds, type Clock } from '../../kernel/clock.js';
import { AppError, ConflictError } from '../../kernel/errors.js';
import { monotonicFactory } from '../../kernel/ids.js';
import { absentOrExpired, and, expressionsFor, nowValues, update } from './expression.js';
import {
  DEF,
  EVENT_PREFIX,
  HEADER_SK,
  PK,
  SK,
  STEP_PREFIX,
  TTL,
  serialise,
  type JourneyLease,
  type JourneyRecord,
  type JourneyStatus,
  type StepCheckpoint,
} from './journey-items.js';
import type { Item } from './store-deps.js';
import type { TxOp } from './transaction.js';

const expression = expressionsFor(DEF);
const DAY_MS = 86_400_000;
/** TransactWriteItems takes 100 parts: a rearm's header and event, and up to 98 step deletions. */
const MAX_DROPPED_STEPS = 98;

// Conditions, joined from named parts:
/** A status from which a run may be taken. */
const RUNNABLE_STATUS = '#status IN (:pending, :inProgress, :failed)';
/** Nobody holds a live lease (a crashed owner's lease has passed). */
const LEASE_FREE = '(attribute_not_exists(#leaseExpiresAt) OR #leaseExpiresAt < :now)';
/** The header is exactly the one the caller read (no transition happened in between). */
const UNCHANGED = '#version = :version';
/** The caller still owns the run: same owner, same incarnation. */
const HELD = '#leaseOwner = :owner AND #runId = :runId';
/** The header is in the status the caller expects. */
const STATUS_IS = '#status = :expected';
/** The step has no completed checkpoint in this incarnation (never overwrite a completed one). */
const STEP_OPEN = '(attribute_not_exists(#sk) OR #runId <> :runId OR #stepStatus <> :completed)';

/** The status values the conditions and updates name. */
const STATUS_VALUES = {
  pending: 'PENDING',
  inProgress: 'IN_PROGRESS',
  completed: 'COMPLETED',
  failed: 'FAILED',
  terminated: 'TERMINATED',
  compensated: 'COMPENSATED',
} satisfies Record<string, JourneyStatus>;

interface UpdateParts {
  set?: string[];
  add?: string[];
  remove?: string[];
}

export interface JourneyRequestDeps {
  tableName: string;
  clock: Clock;
  /** Items expire this long after their last write (DynamoDB TTL). */
  ttlDays: number;
}

/** Pure builders of every JourneyControl write; the journey store sends what they return. */
export function journeyRequests({ tableName, clock, ttlDays }: JourneyRequestDeps) {
  const nextId = monotonicFactory();
  const iso = () => new Date(clock.now()).toISOString();
  const ttl = () => epochSeconds(clock.now() + ttlDays * DAY_MS);
  const headerKey = (journeyId: string) => ({ [PK]: journeyId, [SK]: HEADER_SK });
  /** Every header update stamps updatedAt and refreshes the TTL. */
  const headerUpdate = ({ set = [], add, remove }: UpdateParts) => update({ set: ['#updatedAt = :updatedAt', '#ttl = :ttl', ...set], add, remove });

  function eventOp(journeyId: string, runId: string, type: string, data: Record<string, unknown> = {}): TxOp {
    return {
      label: `journey.event.${type}`,
      item: {
        Put: { TableName: tableName, Item: { [PK]: journeyId, [SK]: `${EVENT_PREFIX}${nextId(clock.now())}`, runId, type, at: iso(), data, [TTL]: ttl() } },
      },
      onConditionFailed: () => conflict(journeyId, 'event id collision'),
    };
  }

  /** An update of the header that only the lease holder may make (`expected` null: any status). */
  function heldOp(lease: JourneyLease, label: string, expected: JourneyStatus | null, parts: UpdateParts, values: Item = {}): TxOp {
    return {
      label,
      item: {
        Update: {
          TableName: tableName,
          Key: headerKey(lease.journeyId),
          ...expression(
            { update: headerUpdate(parts), condition: and(HELD, expected && STATUS_IS) },
            { ...STATUS_VALUES, ...values, owner: lease.owner, runId: lease.runId, expected, updatedAt: iso(), ttl: ttl(), one: 1 },
          ),
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
      onConditionFailed: (current) => conflict(lease.journeyId, `the lease of ${lease.owner} was lost (taken over, terminated or finished)`, current),
    };
  }

  /** A transition guarded by the version the caller read; bumps the version. */
  function versionedOp(seen: JourneyRecord, label: string, extraCondition: string | undefined, parts: UpdateParts, values: Item = {}): TxOp {
    return {
      label,
      item: {
        Update: {
          TableName: tableName,
          Key: headerKey(seen.journeyId),
          ...expression(
            { update: headerUpdate({ ...parts, set: ['#version = #version + :one', ...(parts.set ?? [])] }), condition: and(UNCHANGED, extraCondition) },
            { ...STATUS_VALUES, ...values, version: seen.version, one: 1, updatedAt: iso(), ttl: ttl() },
          ),
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
      onConditionFailed: (current) => conflict(seen.journeyId, `its status changed concurrently (expected version ${seen.version})`, current),
    };
  }

  /** The checkpoint of a completed step (never overwriting a completed one) and its event. */
  function stepOps(lease: JourneyLease, step: StepCheckpoint): TxOp[] {
    const put: TxOp = {
      label: 'journey.checkpoint',
      item: {
        Put: {
          TableName: tableName,
          Item: {
            [PK]: lease.journeyId,
            [SK]: `${STEP_PREFIX}${step.name}`,
            runId: lease.runId,
            stepName: step.name,
            stepIndex: step.index,
            stepStatus: STATUS_VALUES.completed,
            resultJson: serialise(step.result, `the result of step ${step.name}`),
            completedAt: iso(),
            attempts: step.attempts,
            [TTL]: ttl(),
          },
          ...expression({ condition: STEP_OPEN }, { runId: lease.runId, completed: STATUS_VALUES.completed }),
        },
      },
      onConditionFailed: () => conflict(lease.journeyId, `step ${step.name} was already checkpointed`),
    };
    return [put, eventOp(lease.journeyId, lease.runId, 'step.completed', { step: step.name, attempts: step.attempts })];
  }

  return {
    /** The PENDING header unless a live one exists, and its `journey.created` event. */
    createOps(journeyId: string, metadata: Record<string, unknown>): { item: Item; ops: TxOp[] } {
      const now = iso();
      const item = {
        ...headerKey(journeyId),
        idempotencyKey: journeyId,
        runId: nextId(clock.now()),
        status: STATUS_VALUES.pending,
        metadata,
        createdAt: now,
        updatedAt: now,
        version: 1,
        attempt: 0,
        retryCount: 0,
        [TTL]: ttl(),
      };
      const put: TxOp = {
        label: 'journey.create',
        item: {
          Put: {
            TableName: tableName,
            Item: item,
            ...expression({ condition: absentOrExpired('pk') }, nowValues(clock.now())),
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
        onConditionFailed: (current) => conflict(journeyId, 'already exists', current),
      };
      return { item, ops: [put, eventOp(journeyId, item.runId, 'journey.created', { metadata })] };
    },

    /** PENDING/FAILED/lease-expired IN_PROGRESS → IN_PROGRESS owned by `owner`, if the header is still `seen`. */
    acquireOps(seen: JourneyRecord, owner: string, leaseMs: number): { expiresAt: number; ops: TxOp[] } {
      const now = clock.now();
      const expiresAt = now + leaseMs;
      const op = versionedOp(
        seen,
        'journey.acquire',
        and(RUNNABLE_STATUS, LEASE_FREE),
        {
          set: ['#status = :inProgress', '#leaseOwner = :owner', '#leaseExpiresAt = :expiresAt', '#attempt = #attempt + :one'],
          remove: ['#errorMessage', '#failedStep'],
        },
        { now, owner, expiresAt },
      );
      const takeover = seen.status === 'IN_PROGRESS' ? { previousOwner: seen.leaseOwner } : {};
      return { expiresAt, ops: [op, eventOp(seen.journeyId, seen.runId, 'run.started', { owner, attempt: seen.attempt + 1, from: seen.status, ...takeover })] };
    },

    heartbeatOps(lease: JourneyLease, leaseMs: number): { expiresAt: number; ops: TxOp[] } {
      const expiresAt = clock.now() + leaseMs;
      return { expiresAt, ops: [heldOp(lease, 'journey.heartbeat', null, { set: ['#leaseExpiresAt = :expiresAt'] }, { expiresAt })] };
    },

    checkpointOps(lease: JourneyLease, step: StepCheckpoint, leaseMs: number): TxOp[] {
      return [
        heldOp(lease, 'journey.renew', 'IN_PROGRESS', { set: ['#leaseExpiresAt = :expiresAt'] }, { expiresAt: clock.now() + leaseMs }),
        ...stepOps(lease, step),
      ];
    },

    recordRetryOps(lease: JourneyLease, data: { step: string; attempt: number; error: string; delayMs: number }): TxOp[] {
      return [
        heldOp(lease, 'journey.retry', 'IN_PROGRESS', { set: ['#errorMessage = :error'], add: ['#retryCount :one'] }, { error: data.error }),
        eventOp(lease.journeyId, lease.runId, 'step.retrying', data),
      ];
    },

    /** IN_PROGRESS → COMPLETED with the result; `lastStep` is checkpointed in the same transaction. */
    completeOps(lease: JourneyLease, result: unknown, lastStep?: StepCheckpoint): TxOp[] {
      const resultJson = serialise(result, 'the journey result');
      return [
        ...(lastStep ? stepOps(lease, lastStep) : []),
        heldOp(
          lease,
          'journey.complete',
          'IN_PROGRESS',
          {
            set: ['#status = :completed', '#resultJson = :result', '#version = #version + :one'],
            remove: ['#leaseOwner', '#leaseExpiresAt', '#errorMessage', '#failedStep'],
          },
          { result: resultJson },
        ),
        eventOp(lease.journeyId, lease.runId, 'journey.completed'),
      ];
    },

    /** IN_PROGRESS → FAILED; the lease is kept so compensation runs under it. */
    failOps(lease: JourneyLease, data: { step: string; error: string }): TxOp[] {
      return [
        heldOp(
          lease,
          'journey.fail',
          'IN_PROGRESS',
          { set: ['#status = :failed', '#errorMessage = :error', '#failedStep = :step', '#version = #version + :one'] },
          data,
        ),
        eventOp(lease.journeyId, lease.runId, 'journey.failed', data),
      ];
    },

    markCompensatedOps(lease: JourneyLease, step: string): TxOp[] {
      const compensated: TxOp = {
        label: 'journey.stepCompensated',
        item: {
          Update: {
            TableName: tableName,
            Key: { [PK]: lease.journeyId, [SK]: `${STEP_PREFIX}${step}` },
            ...expression(
              { update: 'SET #stepStatus = :compensated', condition: 'attribute_exists(#sk) AND #runId = :runId' },
              { runId: lease.runId, compensated: STATUS_VALUES.compensated },
            ),
          },
        },
        onConditionFailed: () => conflict(lease.journeyId, `step ${step} has no checkpoint to compensate`),
      };
      return [heldOp(lease, 'journey.compensating', 'FAILED', {}), compensated, eventOp(lease.journeyId, lease.runId, 'step.compensated', { step })];
    },

    recordEventOps(lease: JourneyLease, type: string, data: Record<string, unknown>): TxOp[] {
      return [eventOp(lease.journeyId, lease.runId, type, data)];
    },

    /** FAILED (owned) → COMPENSATED or stays FAILED; releases the lease. */
    finishFailureOps(lease: JourneyLease, outcome: 'COMPENSATED' | 'FAILED'): TxOp[] {
      return [
        heldOp(
          lease,
          'journey.finishFailure',
          'FAILED',
          { set: ['#status = :outcome', '#version = #version + :one'], remove: ['#leaseOwner', '#leaseExpiresAt'] },
          { outcome },
        ),
        ...(outcome === 'COMPENSATED' ? [eventOp(lease.journeyId, lease.runId, 'journey.compensated')] : []),
      ];
    },

    terminateOps(seen: JourneyRecord, reason: string): TxOp[] {
      const op = versionedOp(
        seen,
        'journey.terminate',
        RUNNABLE_STATUS,
        { set: ['#status = :terminated', '#reason = :reason'], remove: ['#leaseOwner', '#leaseExpiresAt'] },
        { reason },
      );
      return [op, eventOp(seen.journeyId, seen.runId, 'journey.terminated', { reason, from: seen.status })];
    },

    /**
     * Back to PENDING from any status (the caller decides whether it may), with the lease, result
     * and error cleared, deleting the checkpoints named in `dropSteps`; `fromStep` is only recorded
     * in the `journey.resumed` event.
     */
    rearmOps(seen: JourneyRecord, dropSteps: string[], fromStep?: string): TxOp[] {
      if (dropSteps.length > MAX_DROPPED_STEPS) throw new AppError('journey.conflict', `cannot resume over ${dropSteps.length} steps at once`);
      const op = versionedOp(seen, 'journey.rearm', undefined, {
        set: ['#status = :pending'],
        remove: ['#leaseOwner', '#leaseExpiresAt', '#resultJson', '#errorMessage', '#failedStep'],
      });
      const deletes: TxOp[] = dropSteps.map((name) => ({
        label: 'journey.dropStep',
        item: { Delete: { TableName: tableName, Key: { [PK]: seen.journeyId, [SK]: `${STEP_PREFIX}${name}` } } },
        onConditionFailed: () => conflict(seen.journeyId, `step ${name} changed`),
      }));
      return [
        op,
        eventOp(seen.journeyId, seen.runId, 'journey.resumed', { from: seen.status, fromStep: fromStep ?? null, droppedSteps: dropSteps }),
        ...deletes,
      ];
    },
  };
}

function conflict(journeyId: string, why: string, current?: Item) {
  return new ConflictError('journey.conflict', `journey ${journeyId}: ${why}`, { current: current ?? null });
}
