import { DeleteCommand, GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { loadConfig } from '../../src/config.js';
import { createFakeClock, type Clock, type FakeClock } from '../../src/kernel/clock.js';
import { createStores, type Stores } from '../../src/infra/stores/index.js';
import { DuplicateEntryError, type BufferEntry, type BufferStore } from '../../src/infra/stores/buffer-store.js';
import type { IdempotencyStore } from '../../src/infra/stores/idempotency-store.js';
import type { LockLease, LockStore } from '../../src/infra/stores/lock-store.js';
import type { SessionStore } from '../../src/infra/stores/session-store.js';
import { isExpired } from '../../src/infra/stores/store-deps.js';
import { sendOne, transactWrite } from '../../src/infra/stores/transaction.js';
import { TABLE_DEFS } from '../../src/infra/tables.js';
import { createTestDynamo, type TestDynamo } from './dynamo.js';
import { pendingActionTestApi } from './pending-actions.js';

/** The config's defaults, read rather than repeated. */
const defaults = loadConfig({});

/** The store settings compose.ts passes, at the config's defaults. */
export const storeSettings = {
  sessionTtlDays: defaults.SESSION_TTL_DAYS,
  bufferTtlDays: defaults.BUFFER_TTL_DAYS,
  lockLeaseMs: defaults.LOCK_LEASE_MS,
};

/** The journey store's item lifetime at the config's default. */
export const journeyTtlDays = defaults.JOURNEY_TTL_DAYS;

interface TableDeps {
  doc: DynamoDBDocumentClient;
  tableName: string;
  clock: Clock;
}

/** Session operations only the tests use: the turn saves through `saveOp` in its transaction. */
export function sessionTestApi<S>(store: SessionStore<S>, { doc, tableName }: Omit<TableDeps, 'clock'>) {
  return {
    ...store,
    /** Saves with OCC and returns the new version; ConflictError (`session.versionConflict`) when stale. */
    async save(sessionId: string, state: S, expectedVersion: number): Promise<number> {
      const { op, version } = store.saveOp(sessionId, state, expectedVersion);
      await sendOne(doc, op);
      return version;
    },
    async delete(sessionId: string): Promise<void> {
      await doc.send(new DeleteCommand({ TableName: tableName, Key: { [TABLE_DEFS.sessions.partitionKey.name]: sessionId } }));
    },
  };
}

/** Buffer operations only the tests use: the turn appends through `appendOps` in its transaction. */
function bufferTestApi(store: BufferStore, doc: DynamoDBDocumentClient) {
  return {
    ...store,
    /** Appends one entry; `stored: false` when its dedup key was already stored. */
    async append(sessionId: string, entry: BufferEntry): Promise<{ sk: string; stored: boolean }> {
      const { sk, ops } = store.appendOps(sessionId, entry);
      try {
        await transactWrite(doc, ops);
        return { sk, stored: true };
      } catch (error) {
        if (error instanceof DuplicateEntryError) return { sk, stored: false };
        throw error;
      }
    },
  };
}

/** Idempotency operations only the tests use: the turn completes through `completeOp` in its transaction. */
function idempotencyTestApi(store: IdempotencyStore, { doc, tableName, clock }: TableDeps) {
  const { partitionKey, ttlAttribute } = TABLE_DEFS.idempotency;
  return {
    ...store,
    complete: (key: string, owner: string, response: unknown, ttlMs: number) => sendOne(doc, store.completeOp(key, owner, response, ttlMs)),
    /** The live record for a key, or null. */
    async get(key: string): Promise<Record<string, unknown> | null> {
      const out = await doc.send(new GetCommand({ TableName: tableName, Key: { [partitionKey.name]: key }, ConsistentRead: true }));
      return out.Item && !isExpired(out.Item, clock.now(), ttlAttribute) ? out.Item : null;
    },
  };
}

/** Lock operations only the tests use. */
function lockTestApi(store: LockStore) {
  // withLock goes through `api`, so a test that watches `stores.locks.renew` sees its renewals.
  const api = {
    ...store,
    /**
     * Runs fn under the lock, renewing the lease every third of it while fn runs. If a renewal
     * fails, `signal` aborts so fn can stop; the release then fails with LockLostError too.
     */
    async withLock<T>(
      resource: string,
      owner: string,
      fn: (lease: LockLease, signal: AbortSignal) => Promise<T>,
      options: { timeoutMs: number; leaseMs: number },
    ): Promise<T> {
      const { leaseMs } = options;
      let lease: LockLease = await api.acquireWithWait(resource, owner, options);
      const lost = new AbortController();
      const timer = setInterval(
        () => {
          api.renew(lease, leaseMs).then(
            (renewed) => (lease = renewed),
            (error) => lost.abort(error),
          );
        },
        Math.max(1, Math.floor(leaseMs / 3)),
      );
      try {
        return await fn(lease, lost.signal);
      } finally {
        clearInterval(timer);
        if (!lost.signal.aborted) await api.release(lease);
      }
    },
  };
  return api;
}

/** The conversation stores with the operations only the tests use. */
function withTestApi(stores: Stores, dynamo: Pick<TestDynamo, 'doc' | 'tables'>, clock: Clock) {
  const { doc, tables } = dynamo;
  return {
    ...stores,
    sessions: sessionTestApi(stores.sessions, { doc, tableName: tables.sessions }),
    buffer: bufferTestApi(stores.buffer, doc),
    idempotency: idempotencyTestApi(stores.idempotency, { doc, tableName: tables.idempotency, clock }),
    locks: lockTestApi(stores.locks),
    pendingActions: pendingActionTestApi(stores.pendingActions, { doc, tableName: tables.pendingActions, clock }),
  };
}

export type TestStores = ReturnType<typeof withTestApi>;

export interface StoreFixture {
  dynamo: TestDynamo;
  clock: FakeClock;
  stores: TestStores;
}

/** Fresh tables on DynamoDB Local, the conversation stores over them (with the test-only operations), and a fake clock. */
export async function createStoreFixture(): Promise<StoreFixture> {
  const dynamo = await createTestDynamo();
  // From real now: DynamoDB Local's TTL sweeper deletes items whose ttl is past on the wall clock.
  const clock = createFakeClock(Date.now());
  const stores = createStores({ doc: dynamo.doc, tables: dynamo.tables, clock, ...storeSettings });
  return { dynamo, clock, stores: withTestApi(stores, dynamo, clock) };
}
