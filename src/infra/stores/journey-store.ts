import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { monotonicFactory } from '../../kernel/ids.js';
import { epochSeconds, type Clock } from '../../kernel/clock.js';
import { AppError, ConflictError } from '../../kernel/errors.js';
import { TABLE_DEFS } from '../tables.js';
import { guard } from './store-deps.js';
import { transactWrite, type TxOp } from './transaction.js';

const PK = TABLE_DEFS.journeys.partitionKey.name;
const SK = TABLE_DEFS.journeys.sortKey.name;
const STATUS_INDEX = TABLE_DEFS.journeys.indexes[0].name;
const TTL = TABLE_DEFS.journeys.ttlAttribute;

const HEADER_SK = 'journey';
const STEP_PREFIX = 'step#';
const EVENT_PREFIX = 'event#';
/** DynamoDB items stop at 400 KB; results above this budget are refused instead of failing the write. */
export const MAX_RESULT_BYTES = 350_000;

export const JOURNEY_STATUSES = ['PENDING', 'IN_PROGRESS', 'COMPLETED', 'FAILED', 'TERMINATED', 'COMPENSATED'] as const;
export type JourneyStatus = (typeof JOURNEY_STATUSES)[number];

/** The journey's header item, as callers see it. */
export interface JourneyRecord {
  journeyId: string;
  idempotencyKey: string;
  /** Identity of this incarnation of the key; checkpoints of an expired earlier one are ignored. */
  runId: string;
  status: JourneyStatus;
  metadata: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
  /** Bumped by every status transition (optimistic concurrency). */
  version: number;
  /** Runs acquired so far (first run = 1). */
  attempt: number;
  /** Failed step attempts that were retried, over the journey's life. */
  retryCount: number;
  leaseOwner?: string;
  /** Epoch ms. */
  leaseExpiresAt?: number;
  hasResult: boolean;
  result?: unknown;
  errorMessage?: string;
  failedStep?: string;
  reason?: string;
}

export interface StepRecord {
  name: string;
  index: number;
  status: 'COMPLETED' | 'COMPENSATED';
  result: unknown;
  completedAt: string;
  attempts: number;
}

export interface JourneyEvent {
  id: string;
  at: string;
  type: string;
  data?: Record<string, unknown>;
}

export interface StepCheckpoint {
  name: string;
  index: number;
  result: unknown;
  attempts: number;
}

/** Proof of ownership of a running journey; every owner-only write is conditioned on it. */
export interface JourneyLease {
  journeyId: string;
  runId: string;
  owner: string;
}

export interface JourneyStoreDeps {
  doc: DynamoDBDocumentClient;
  tableName: string;
  clock: Clock;
  /** Items expire this long after their last write (DynamoDB TTL). */
  ttlDays?: number;
}

// Attribute names used in expressions; expressions reference them as "#name".
const ATTR: Record<string, string> = {
  '#pk': PK,
  '#sk': SK,
  '#status': 'status',
  '#updatedAt': 'updatedAt',
  '#version': 'version',
  '#attempt': 'attempt',
  '#retryCount': 'retryCount',
  '#leaseOwner': 'leaseOwner',
  '#leaseExpiresAt': 'leaseExpiresAt',
  '#runId': 'runId',
  '#resultJson': 'resultJson',
  '#errorMessage': 'errorMessage',
  '#failedStep': 'failedStep',
  '#reason': 'reason',
  '#ttl': TTL,
  '#stepStatus': 'stepStatus',
};

// Conditions, joined from named parts:
/** No header yet, or the previous incarnation of the key has expired. */
const HEADER_ABSENT = '(attribute_not_exists(#pk) OR #ttl < :nowSec)';
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

/** Pure: names and values actually referenced by the expressions (DynamoDB rejects unused ones). */
function expressionParts(expressions: (string | undefined)[], values: Record<string, unknown>) {
  const text = expressions.filter(Boolean).join(' ');
  const names = Object.fromEntries(Object.entries(ATTR).filter(([token]) => new RegExp(`${token}\\b`).test(text)));
  const usedValues = Object.fromEntries(Object.entries(values).filter(([token]) => new RegExp(`${token}\\b`).test(text)));
  return {
    ExpressionAttributeNames: names,
    ...(Object.keys(usedValues).length ? { ExpressionAttributeValues: usedValues } : {}),
  };
}

interface UpdateParts {
  set?: string[];
  add?: string[];
  remove?: string[];
}

/** Pure: an UpdateExpression that always stamps updatedAt and refreshes the TTL. */
function updateExpression({ set = [], add = [], remove = [] }: UpdateParts): string {
  const parts = [`SET ${['#updatedAt = :updatedAt', '#ttl = :ttl', ...set].join(', ')}`];
  if (add.length) parts.push(`ADD ${add.join(', ')}`);
  if (remove.length) parts.push(`REMOVE ${remove.join(', ')}`);
  return parts.join(' ');
}

/** Throws a non-retryable journey.failed when `value` is not storable as a step or journey result. */
export function assertStorable(value: unknown, what: string): void {
  serialise(value, what);
}

function serialise(value: unknown, what: string): string {
  const json = JSON.stringify(value ?? null);
  if (Buffer.byteLength(json) > MAX_RESULT_BYTES) {
    throw new AppError('journey.failed', `${what} is ${Buffer.byteLength(json)} bytes; the limit is ${MAX_RESULT_BYTES}`);
  }
  return json;
}

const parse = (json: unknown) => (typeof json === 'string' ? JSON.parse(json) : undefined);

function toRecord(item: Record<string, unknown>): JourneyRecord {
  return {
    journeyId: item[PK] as string,
    idempotencyKey: item.idempotencyKey as string,
    runId: item.runId as string,
    status: item.status as JourneyStatus,
    metadata: (item.metadata as Record<string, unknown>) ?? {},
    createdAt: item.createdAt as string,
    updatedAt: item.updatedAt as string,
    version: item.version as number,
    attempt: (item.attempt as number) ?? 0,
    retryCount: (item.retryCount as number) ?? 0,
    leaseOwner: item.leaseOwner as string | undefined,
    leaseExpiresAt: item.leaseExpiresAt as number | undefined,
    hasResult: typeof item.resultJson === 'string',
    result: parse(item.resultJson),
    errorMessage: item.errorMessage as string | undefined,
    failedStep: item.failedStep as string | undefined,
    reason: item.reason as string | undefined,
  };
}

/** Journey store: one header item, one item per checkpointed step and one per history event. */
export interface JourneyStore {
  /** Creates the PENDING header unless one exists; returns the header either way. */
  create(input: { journeyId: string; metadata?: Record<string, unknown> }): Promise<{ created: boolean; journey: JourneyRecord }>;
  get(journeyId: string): Promise<JourneyRecord | null>;
  steps(journey: Pick<JourneyRecord, 'journeyId' | 'runId'>): Promise<StepRecord[]>;
  history(journeyId: string): Promise<JourneyEvent[]>;
  list(query: { status: JourneyStatus; limit?: number; cursor?: string }): Promise<{ journeys: JourneyRecord[]; cursor?: string }>;
  /** PENDING/FAILED/lease-expired IN_PROGRESS → IN_PROGRESS owned by `owner`, if the header is still `seen`. */
  acquire(seen: JourneyRecord, owner: string, leaseMs: number): Promise<JourneyLease & { expiresAt: number }>;
  heartbeat(lease: JourneyLease, leaseMs: number): Promise<number>;
  checkpoint(lease: JourneyLease, step: StepCheckpoint, leaseMs: number): Promise<void>;
  recordRetry(lease: JourneyLease, data: { step: string; attempt: number; error: string; delayMs: number }): Promise<void>;
  /** IN_PROGRESS → COMPLETED with the result; `lastStep` is checkpointed in the same transaction. */
  complete(lease: JourneyLease, result: unknown, lastStep?: StepCheckpoint): Promise<void>;
  /** IN_PROGRESS → FAILED; the lease is kept so compensation runs under it. */
  fail(lease: JourneyLease, data: { step: string; error: string }): Promise<void>;
  markCompensated(lease: JourneyLease, step: string): Promise<void>;
  recordEvent(lease: JourneyLease, type: string, data: Record<string, unknown>): Promise<void>;
  /** FAILED (owned) → COMPENSATED or stays FAILED; releases the lease. */
  finishFailure(lease: JourneyLease, outcome: 'COMPENSATED' | 'FAILED'): Promise<void>;
  terminate(seen: JourneyRecord, reason: string): Promise<void>;
  /** Back to PENDING (lease and result cleared), dropping the checkpoints of `fromIndex` and later. */
  rearm(seen: JourneyRecord, dropSteps: string[], fromStep?: string): Promise<void>;
}

/** Builds the journey store over the JourneyControl table. */
export function createJourneyStore(deps: JourneyStoreDeps): JourneyStore {
  const { doc, tableName, clock } = deps;
  const ttlSeconds = (deps.ttlDays ?? 30) * 86_400;
  const nextId = monotonicFactory();
  const iso = () => new Date(clock.now()).toISOString();
  const ttl = () => epochSeconds(clock.now()) + ttlSeconds;
  const headerKey = (journeyId: string) => ({ [PK]: journeyId, [SK]: HEADER_SK });

  const conflict = (journeyId: string, why: string, current?: Record<string, unknown>) =>
    new ConflictError('journey.conflict', `journey ${journeyId}: ${why}`, { current: current ?? null });

  function eventOp(journeyId: string, runId: string, type: string, data: Record<string, unknown> = {}): TxOp {
    const at = iso();
    return {
      label: `journey.event.${type}`,
      item: { Put: { TableName: tableName, Item: { [PK]: journeyId, [SK]: `${EVENT_PREFIX}${nextId(clock.now())}`, runId, type, at, data, [TTL]: ttl() } } },
      onConditionFailed: () => conflict(journeyId, 'event id collision'),
    };
  }

  /** An update of the header that only the lease holder may make (`expected` null: any status). */
  function heldOp(lease: JourneyLease, label: string, expected: JourneyStatus | null, update: UpdateParts, values: Record<string, unknown>): TxOp {
    const condition = expected ? `${HELD} AND ${STATUS_IS}` : HELD;
    const expression = updateExpression(update);
    const all = { ':owner': lease.owner, ':runId': lease.runId, ':expected': expected, ':updatedAt': iso(), ':ttl': ttl(), ':one': 1, ...values };
    return {
      label,
      item: {
        Update: {
          TableName: tableName,
          Key: headerKey(lease.journeyId),
          UpdateExpression: expression,
          ConditionExpression: condition,
          ...expressionParts([expression, condition], all),
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
      onConditionFailed: (current) => conflict(lease.journeyId, `the lease of ${lease.owner} was lost (taken over, terminated or finished)`, current),
    };
  }

  /** A transition guarded by the version the caller read; bumps the version. */
  function versionedOp(seen: JourneyRecord, label: string, extraCondition: string | null, update: UpdateParts, values: Record<string, unknown>): TxOp {
    const condition = extraCondition ? `${UNCHANGED} AND ${extraCondition}` : UNCHANGED;
    const expression = updateExpression({ ...update, set: ['#version = #version + :one', ...(update.set ?? [])] });
    const all = { ':version': seen.version, ':one': 1, ':updatedAt': iso(), ':ttl': ttl(), ...values };
    return {
      label,
      item: {
        Update: {
          TableName: tableName,
          Key: headerKey(seen.journeyId),
          UpdateExpression: expression,
          ConditionExpression: condition,
          ...expressionParts([expression, condition], all),
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
      onConditionFailed: (current) => conflict(seen.journeyId, `its status changed concurrently (expected version ${seen.version})`, current),
    };
  }

  const send = (ops: TxOp[]) => transactWrite(doc, ops);

  /** The checkpoint of a completed step (never overwriting a completed one) and its event. */
  function stepOps(lease: JourneyLease, step: StepCheckpoint): TxOp[] {
    const resultJson = serialise(step.result, `the result of step ${step.name}`);
    const values = { ':runId': lease.runId, ':completed': 'COMPLETED' };
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
            stepStatus: 'COMPLETED',
            resultJson,
            completedAt: iso(),
            attempts: step.attempts,
            [TTL]: ttl(),
          },
          ConditionExpression: STEP_OPEN,
          ...expressionParts([STEP_OPEN], values),
        },
      },
      onConditionFailed: () => conflict(lease.journeyId, `step ${step.name} was already checkpointed`),
    };
    return [put, eventOp(lease.journeyId, lease.runId, 'step.completed', { step: step.name, attempts: step.attempts })];
  }

  async function queryPrefix(journeyId: string, prefix: string): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await guard(() =>
        doc.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
            ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
            ExpressionAttributeValues: { ':pk': journeyId, ':prefix': prefix },
            ConsistentRead: true,
            ExclusiveStartKey: start,
          }),
        ),
      );
      items.push(...((out.Items as Record<string, unknown>[]) ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  const store: JourneyStore = {
    async create({ journeyId, metadata = {} }) {
      const now = iso();
      const item = {
        ...headerKey(journeyId),
        idempotencyKey: journeyId,
        runId: nextId(clock.now()),
        status: 'PENDING',
        metadata,
        createdAt: now,
        updatedAt: now,
        version: 1,
        attempt: 0,
        retryCount: 0,
        [TTL]: ttl(),
      };
      const values = { ':nowSec': epochSeconds(clock.now()) };
      const put: TxOp = {
        label: 'journey.create',
        item: {
          Put: {
            TableName: tableName,
            Item: item,
            ConditionExpression: HEADER_ABSENT,
            ...expressionParts([HEADER_ABSENT], values),
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
        onConditionFailed: (current) => conflict(journeyId, 'already exists', current),
      };
      try {
        await send([put, eventOp(journeyId, item.runId, 'journey.created', { metadata })]);
        return { created: true, journey: toRecord(item) };
      } catch (error) {
        if (!(error instanceof ConflictError) || error.code !== 'journey.conflict') throw error;
        const existing = await store.get(journeyId);
        if (!existing) throw error;
        return { created: false, journey: existing };
      }
    },

    async get(journeyId) {
      const out = await guard(() => doc.send(new GetCommand({ TableName: tableName, Key: headerKey(journeyId), ConsistentRead: true })));
      const item = out.Item as Record<string, unknown> | undefined;
      // DynamoDB Local never deletes by TTL, and the real service lags: expired means absent.
      if (!item || (typeof item[TTL] === 'number' && (item[TTL] as number) < epochSeconds(clock.now()))) return null;
      return toRecord(item);
    },

    async steps({ journeyId, runId }) {
      const items = await queryPrefix(journeyId, STEP_PREFIX);
      return items
        .filter((i) => i.runId === runId)
        .map((i) => ({
          name: i.stepName as string,
          index: i.stepIndex as number,
          status: i.stepStatus as StepRecord['status'],
          result: parse(i.resultJson),
          completedAt: i.completedAt as string,
          attempts: i.attempts as number,
        }))
        .sort((a, b) => a.index - b.index);
    },

    async history(journeyId) {
      const items = await queryPrefix(journeyId, EVENT_PREFIX);
      return items.map((i) => ({ id: (i[SK] as string).slice(EVENT_PREFIX.length), at: i.at as string, type: i.type as string, data: i.data as Record<string, unknown> }));
    },

    async list({ status, limit = 50, cursor }) {
      const out = await guard(() =>
        doc.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: STATUS_INDEX,
            KeyConditionExpression: '#status = :status',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':status': status },
            ScanIndexForward: false,
            Limit: limit,
            ExclusiveStartKey: cursor ? JSON.parse(Buffer.from(cursor, 'base64url').toString()) : undefined,
          }),
        ),
      );
      return {
        journeys: ((out.Items as Record<string, unknown>[]) ?? []).map(toRecord),
        cursor: out.LastEvaluatedKey ? Buffer.from(JSON.stringify(out.LastEvaluatedKey)).toString('base64url') : undefined,
      };
    },

    async acquire(seen, owner, leaseMs) {
      const now = clock.now();
      const expiresAt = now + leaseMs;
      const condition = `${RUNNABLE_STATUS} AND ${LEASE_FREE}`;
      const op = versionedOp(
        seen,
        'journey.acquire',
        condition,
        { set: ['#status = :inProgress', '#leaseOwner = :owner', '#leaseExpiresAt = :expiresAt', '#attempt = #attempt + :one'], remove: ['#errorMessage', '#failedStep'] },
        { ':pending': 'PENDING', ':inProgress': 'IN_PROGRESS', ':failed': 'FAILED', ':now': now, ':owner': owner, ':expiresAt': expiresAt },
      );
      const takeover = seen.status === 'IN_PROGRESS' ? { previousOwner: seen.leaseOwner } : {};
      await send([op, eventOp(seen.journeyId, seen.runId, 'run.started', { owner, attempt: seen.attempt + 1, from: seen.status, ...takeover })]);
      return { journeyId: seen.journeyId, runId: seen.runId, owner, expiresAt };
    },

    async heartbeat(lease, leaseMs) {
      const expiresAt = clock.now() + leaseMs;
      const op = heldOp(lease, 'journey.heartbeat', null, { set: ['#leaseExpiresAt = :expiresAt'] }, { ':expiresAt': expiresAt });
      await send([op]);
      return expiresAt;
    },

    async checkpoint(lease, step, leaseMs) {
      await send([
        heldOp(lease, 'journey.renew', 'IN_PROGRESS', { set: ['#leaseExpiresAt = :expiresAt'] }, { ':expiresAt': clock.now() + leaseMs }),
        ...stepOps(lease, step),
      ]);
    },

    async recordRetry(lease, data) {
      await send([
        heldOp(lease, 'journey.retry', 'IN_PROGRESS', { set: ['#errorMessage = :error'], add: ['#retryCount :one'] }, { ':error': data.error }),
        eventOp(lease.journeyId, lease.runId, 'step.retrying', data),
      ]);
    },

    async complete(lease, result, lastStep) {
      const resultJson = serialise(result, 'the journey result');
      await send([
        ...(lastStep ? stepOps(lease, lastStep) : []),
        heldOp(
          lease,
          'journey.complete',
          'IN_PROGRESS',
          { set: ['#status = :completed', '#resultJson = :result', '#version = #version + :one'], remove: ['#leaseOwner', '#leaseExpiresAt', '#errorMessage', '#failedStep'] },
          { ':completed': 'COMPLETED', ':result': resultJson },
        ),
        eventOp(lease.journeyId, lease.runId, 'journey.completed'),
      ]);
    },

    async fail(lease, data) {
      await send([
        heldOp(
          lease,
          'journey.fail',
          'IN_PROGRESS',
          { set: ['#status = :failed', '#errorMessage = :error', '#failedStep = :step', '#version = #version + :one'] },
          { ':failed': 'FAILED', ':error': data.error, ':step': data.step },
        ),
        eventOp(lease.journeyId, lease.runId, 'journey.failed', data),
      ]);
    },

    async markCompensated(lease, step) {
      const values = { ':runId': lease.runId, ':compensated': 'COMPENSATED' };
      const update = 'SET #stepStatus = :compensated';
      const condition = 'attribute_exists(#sk) AND #runId = :runId';
      await send([
        heldOp(lease, 'journey.compensating', 'FAILED', {}, {}),
        {
          label: 'journey.stepCompensated',
          item: {
            Update: {
              TableName: tableName,
              Key: { [PK]: lease.journeyId, [SK]: `${STEP_PREFIX}${step}` },
              UpdateExpression: update,
              ConditionExpression: condition,
              ...expressionParts([update, condition], values),
            },
          },
          onConditionFailed: () => conflict(lease.journeyId, `step ${step} has no checkpoint to compensate`),
        },
        eventOp(lease.journeyId, lease.runId, 'step.compensated', { step }),
      ]);
    },

    async recordEvent(lease, type, data) {
      await send([eventOp(lease.journeyId, lease.runId, type, data)]);
    },

    async finishFailure(lease, outcome) {
      await send([
        heldOp(lease, 'journey.finishFailure', 'FAILED', { set: ['#status = :outcome', '#version = #version + :one'], remove: ['#leaseOwner', '#leaseExpiresAt'] }, { ':outcome': outcome }),
        ...(outcome === 'COMPENSATED' ? [eventOp(lease.journeyId, lease.runId, 'journey.compensated')] : []),
      ]);
    },

    async terminate(seen, reason) {
      const op = versionedOp(seen, 'journey.terminate', RUNNABLE_STATUS, { set: ['#status = :terminated', '#reason = :reason'], remove: ['#leaseOwner', '#leaseExpiresAt'] }, {
        ':pending': 'PENDING',
        ':inProgress': 'IN_PROGRESS',
        ':failed': 'FAILED',
        ':terminated': 'TERMINATED',
        ':reason': reason,
      });
      await send([op, eventOp(seen.journeyId, seen.runId, 'journey.terminated', { reason, from: seen.status })]);
    },

    async rearm(seen, dropSteps, fromStep) {
      const op = versionedOp(seen, 'journey.rearm', null, { set: ['#status = :pending'], remove: ['#leaseOwner', '#leaseExpiresAt', '#resultJson', '#errorMessage', '#failedStep'] }, { ':pending': 'PENDING' });
      const deletes: TxOp[] = dropSteps.map((name) => ({
        label: 'journey.dropStep',
        item: { Delete: { TableName: tableName, Key: { [PK]: seen.journeyId, [SK]: `${STEP_PREFIX}${name}` } } },
        onConditionFailed: () => conflict(seen.journeyId, `step ${name} changed`),
      }));
      // TransactWriteItems takes 100 parts: the header, the event and up to 98 step deletions.
      if (deletes.length > 98) throw new AppError('journey.conflict', `cannot resume over ${deletes.length} steps at once`);
      await send([op, eventOp(seen.journeyId, seen.runId, 'journey.resumed', { from: seen.status, fromStep: fromStep ?? null, droppedSteps: dropSteps }), ...deletes]);
    },
  };

  return store;
}
