import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../../kernel/errors.js';
import { indexNamed } from '../tables.js';
import { expressionsFor } from './expression.js';
import { DEF, EVENT_PREFIX, HEADER_SK, PK, SK, STEP_PREFIX, TTL, toEvent, toRecord, toStep } from './journey-items.js';
import type { JourneyEvent, JourneyLease, JourneyRecord, JourneyStatus, StepCheckpoint, StepRecord } from './journey-items.js';
import { journeyRequests } from './journey-requests.js';
import { guard, isExpired, queryAll, type StoreDeps } from './store-deps.js';
import { transactWrite } from './transaction.js';

export { assertStorable } from './journey-items.js';
export type { JourneyEvent, JourneyLease, JourneyRecord, JourneyStatus, StepCheckpoint, StepRecord } from './journey-items.js';

const BY_STATUS = indexNamed(DEF, 'status-index');
const expression = expressionsFor(DEF);

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
  /** Back to PENDING (lease, result and error cleared), deleting the checkpoints named in `dropSteps`; `fromStep` is only recorded in the history. */
  rearm(seen: JourneyRecord, dropSteps: string[], fromStep?: string): Promise<void>;
}

export interface JourneyStoreDeps extends StoreDeps {
  /** Items expire this long after their last write (DynamoDB TTL). */
  ttlDays: number;
}

/** Builds the journey store over the JourneyControl table. */
export function createJourneyStore(deps: JourneyStoreDeps): JourneyStore {
  const { doc, tableName, clock } = deps;
  const build = journeyRequests(deps);
  const send = (ops: Parameters<typeof transactWrite>[1]) => transactWrite(doc, ops);

  const queryPrefix = (journeyId: string, prefix: string) =>
    queryAll(doc, {
      TableName: tableName,
      ...expression({ keyCondition: '#pk = :pk AND begins_with(#sk, :prefix)' }, { pk: journeyId, prefix }),
      ConsistentRead: true,
    });

  const store: JourneyStore = {
    async create({ journeyId, metadata = {} }) {
      const { item, ops } = build.createOps(journeyId, metadata);
      try {
        await send(ops);
        return { created: true, journey: toRecord(item) };
      } catch (error) {
        if (!(error instanceof ConflictError) || error.code !== 'journey.conflict') throw error;
        const existing = await store.get(journeyId);
        if (!existing) throw error;
        return { created: false, journey: existing };
      }
    },

    async get(journeyId) {
      const out = await guard(() => doc.send(new GetCommand({ TableName: tableName, Key: { [PK]: journeyId, [SK]: HEADER_SK }, ConsistentRead: true })));
      return out.Item && !isExpired(out.Item, clock.now(), TTL) ? toRecord(out.Item) : null;
    },

    async steps({ journeyId, runId }) {
      const items = await queryPrefix(journeyId, STEP_PREFIX);
      return items
        .filter((i) => i.runId === runId)
        .map(toStep)
        .sort((a, b) => a.index - b.index);
    },

    async history(journeyId) {
      return (await queryPrefix(journeyId, EVENT_PREFIX)).map(toEvent);
    },

    // One page per call: the caller pages on with the cursor.
    async list({ status, limit = 50, cursor }) {
      const out = await guard(() =>
        doc.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: BY_STATUS.name,
            ...expression({ keyCondition: '#status = :status' }, { status }),
            ScanIndexForward: false,
            Limit: limit,
            ExclusiveStartKey: cursor ? (JSON.parse(Buffer.from(cursor, 'base64url').toString()) as Record<string, unknown>) : undefined,
          }),
        ),
      );
      return {
        journeys: (out.Items ?? []).map(toRecord),
        cursor: out.LastEvaluatedKey ? Buffer.from(JSON.stringify(out.LastEvaluatedKey)).toString('base64url') : undefined,
      };
    },

    async acquire(seen, owner, leaseMs) {
      const { expiresAt, ops } = build.acquireOps(seen, owner, leaseMs);
      await send(ops);
      return { journeyId: seen.journeyId, runId: seen.runId, owner, expiresAt };
    },

    async heartbeat(lease, leaseMs) {
      const { expiresAt, ops } = build.heartbeatOps(lease, leaseMs);
      await send(ops);
      return expiresAt;
    },

    checkpoint: async (lease, step, leaseMs) => send(build.checkpointOps(lease, step, leaseMs)),
    recordRetry: async (lease, data) => send(build.recordRetryOps(lease, data)),
    complete: async (lease, result, lastStep) => send(build.completeOps(lease, result, lastStep)),
    fail: async (lease, data) => send(build.failOps(lease, data)),
    markCompensated: async (lease, step) => send(build.markCompensatedOps(lease, step)),
    recordEvent: async (lease, type, data) => send(build.recordEventOps(lease, type, data)),
    finishFailure: async (lease, outcome) => send(build.finishFailureOps(lease, outcome)),
    terminate: async (seen, reason) => send(build.terminateOps(seen, reason)),
    rearm: async (seen, dropSteps, fromStep) => send(build.rearmOps(seen, dropSteps, fromStep)),
  };

  return store;
}
