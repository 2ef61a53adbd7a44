import { UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { epochSeconds } from '../../kernel/clock.js';
import { LockLostError, LockNotAcquiredError } from '../../kernel/errors.js';
import { backoffDelay, retryPolicySchema, sleep as realSleep } from '../../kernel/retry.js';
import { TABLE_DEFS } from '../tables.js';
import { expressionsFor, or, update } from './expression.js';
import { writeIf, type StoreDeps } from './store-deps.js';
import { sendOne, type TxOp } from './transaction.js';

/** Polling for a held lock: short first waits (a turn takes milliseconds), never above 200 ms. */
const WAIT_BACKOFF = retryPolicySchema.parse({ initialDelayMs: 5, maxDelayMs: 200 });

const DEF = TABLE_DEFS.locks;
const KEY = DEF.partitionKey.name;
const expression = expressionsFor(DEF);
/** The lock of one conversation: turns and the erasure of its subject take the same one. */
export const sessionLockResource = (sessionId: string) => `session:${sessionId}`;
/** A released or expired lock item is kept this long before TTL may delete it. */
const RETENTION_SECONDS = 86_400;

export interface LockLease {
  resource: string;
  owner: string;
  /** Strictly increasing for a resource, forever (also across release, expiry and TTL deletion). */
  fence: number;
  /** Epoch milliseconds. */
  expiresAt: number;
  /** At acquisition: the version the previous holder committed (see releaseOp), if any. */
  committedVersion?: number;
}

export type AcquireResult = ({ acquired: true } & LockLease) | { acquired: false; holder?: string; expiresAt?: number };

export interface LockStoreOptions extends StoreDeps {
  leaseMs: number;
  /** Waiting between attempts uses real time; tests may inject a faster sleep. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

// Conditions, joined from named parts:
/** The lock is free: never taken, released (no owner), or its lease is over. */
const FREE = `(${or(`attribute_not_exists(#${KEY})`, 'attribute_not_exists(#owner)', '#expiresAt < :now')})`;
/** The caller still holds it: same owner and fence, lease not over. */
const HELD_BY_CALLER = '#owner = :owner AND #fence = :fence AND #expiresAt >= :now';

/** What an acquisition sets (the fence: see acquireParams). */
const ACQUIRE = { update: 'SET #owner = :owner, #expiresAt = :exp, #ttl = :ttl, #fence = if_not_exists(#fence, :base) + :one', condition: FREE };
/** A release, without and with the version its holder committed. */
const RELEASE = update({ set: ['#expiresAt = :zero'], remove: ['#owner'] });
const RELEASE_COMMITTED = update({ set: ['#expiresAt = :zero', 'committedVersion = :cv'], remove: ['#owner'] });

/** The lease's item TTL: a day past the lease's end. */
const ttlAfter = (leaseEnd: number) => epochSeconds(leaseEnd) + RETENTION_SECONDS;

/**
 * Pure: one acquisition attempt. Fence: `if_not_exists(fence, now×1000) + 1`. Normally prev+1;
 * if TTL ever deleted the item (only long after the lease ended) the new base, now in µs-scale, is
 * above any earlier fence.
 */
export function acquireParams(tableName: string, resource: string, owner: string, leaseMs: number, now: number): UpdateCommandInput {
  return {
    TableName: tableName,
    Key: { [KEY]: resource },
    ...expression(ACQUIRE, { owner, exp: now + leaseMs, now, ttl: ttlAfter(now + leaseMs), base: now * 1000, one: 1 }),
    ReturnValues: 'ALL_NEW',
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  };
}

/** Pure: extends a held lease to `now + leaseMs`. */
export function renewOp(tableName: string, lease: LockLease, leaseMs: number, now: number): TxOp {
  return heldOp(tableName, lease, 'lock.renew', 'SET #expiresAt = :exp, #ttl = :ttl', { exp: now + leaseMs, ttl: ttlAfter(now + leaseMs) }, now);
}

/**
 * Pure: the conditional release, usable inside the turn's transaction (where it also fences the
 * commit). `committedVersion` records the session version this holder committed, so the next
 * holder, which loads the session in parallel with acquiring, can tell whether its read is stale.
 */
function releaseOp(tableName: string, lease: LockLease, now: number, committedVersion?: number): TxOp {
  const text = committedVersion === undefined ? RELEASE : RELEASE_COMMITTED;
  return heldOp(tableName, lease, 'lock.release', text, { zero: 0, cv: committedVersion }, now);
}

function heldOp(tableName: string, lease: LockLease, label: string, updateExpression: string, values: Record<string, unknown>, now: number): TxOp {
  return {
    label,
    item: {
      Update: {
        TableName: tableName,
        Key: { [KEY]: lease.resource },
        ...expression({ update: updateExpression, condition: HELD_BY_CALLER }, { ...values, owner: lease.owner, fence: lease.fence, now }),
      },
    },
    onConditionFailed: () => new LockLostError(lease.resource, lease.fence),
  };
}

/**
 * Leases with fencing on the Locks table.
 *
 *   acquire ──▶ held (fence f, lease L) ──renew──▶ held (f, L') ──release──▶ free
 *                     └── lease passes: anyone may acquire (fence f+1); the old holder's
 *                         renew/release/commit fail with LockLostError.
 */
export interface LockStore {
  /** One attempt: `{acquired:true, fence, expiresAt}` when the lock was free or expired. */
  acquire(resource: string, owner: string, leaseMs?: number): Promise<AcquireResult>;
  /** Retries `acquire` with exponential backoff and full jitter until `timeoutMs`; LockNotAcquiredError after. */
  acquireWithWait(resource: string, owner: string, options: { timeoutMs: number; leaseMs?: number }): Promise<LockLease & { waitedMs: number }>;
  /** Extends the lease; LockLostError when the caller no longer holds it (other owner, new fence, or expired). */
  renew(lease: LockLease, leaseMs?: number): Promise<LockLease>;
  /** Pure: the release inside the turn's transaction (see `releaseOp`). */
  releaseOp(lease: LockLease, committedVersion?: number): TxOp;
  /** Releases; LockLostError when the caller no longer holds it. The fence is kept on the item. */
  release(lease: LockLease): Promise<void>;
}

/** Builds the lock store over the Locks table. */
export function createLockStore(options: LockStoreOptions): LockStore {
  const { doc, tableName, clock } = options;

  async function acquire(resource: string, owner: string, leaseMs = options.leaseMs): Promise<AcquireResult> {
    const now = clock.now();
    const result = await writeIf(() => doc.send(new UpdateCommand(acquireParams(tableName, resource, owner, leaseMs, now))));
    if (!result.written)
      return { acquired: false, holder: result.current?.owner as string | undefined, expiresAt: result.current?.expiresAt as number | undefined };
    const stored = result.output.Attributes!;
    // committedVersion: what the previous holder committed (see releaseOp), to detect a stale parallel read.
    return {
      acquired: true,
      resource,
      owner,
      fence: stored.fence as number,
      expiresAt: now + leaseMs,
      committedVersion: stored.committedVersion as number | undefined,
    };
  }

  return {
    acquire,

    async acquireWithWait(resource, owner, wait) {
      const sleep = options.sleep ?? realSleep;
      const random = options.random ?? Math.random;
      const started = performance.now();
      for (let attempt = 0; ; attempt++) {
        const result = await acquire(resource, owner, wait.leaseMs);
        const waitedMs = performance.now() - started;
        if (result.acquired) return { ...result, waitedMs };
        if (waitedMs >= wait.timeoutMs) throw new LockNotAcquiredError(resource, Math.round(waitedMs));
        await sleep(Math.min(backoffDelay(WAIT_BACKOFF, attempt + 1, random) + 1, Math.max(1, wait.timeoutMs - waitedMs)));
      }
    },

    async renew(lease, leaseMs = options.leaseMs) {
      const now = clock.now();
      await sendOne(doc, renewOp(tableName, lease, leaseMs, now));
      return { ...lease, expiresAt: now + leaseMs };
    },

    releaseOp: (lease, committedVersion) => releaseOp(tableName, lease, clock.now(), committedVersion),

    async release(lease) {
      await sendOne(doc, releaseOp(tableName, lease, clock.now()));
    },
  };
}
