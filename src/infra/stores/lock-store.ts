import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { epochSeconds } from '../../kernel/clock.js';
import { LockLostError, LockNotAcquiredError } from '../../kernel/errors.js';
import { sleep as realSleep } from '../../kernel/retry.js';
import { TABLE_DEFS } from '../tables.js';
import { guard, wrap, type StoreDeps } from './store-deps.js';
import { conditionFailedItem, isConditionFailed, type TxOp } from './transaction.js';

const KEY = TABLE_DEFS.locks.partitionKey.name;
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

export type AcquireResult =
  | ({ acquired: true } & LockLease)
  | { acquired: false; holder?: string; expiresAt?: number };

export interface LockStoreOptions extends StoreDeps {
  leaseMs: number;
  /** Waiting between attempts uses real time; tests may inject a faster sleep. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

// Conditions, joined from named parts:
/** The lock is free: never taken, released (no owner), or its lease is over. */
const FREE = '(attribute_not_exists(#resource) OR attribute_not_exists(#owner) OR #expiresAt < :now)';
/** The caller still holds it: same owner and fence, lease not over. */
const HELD_BY_CALLER = '#owner = :owner AND #fence = :fence AND #expiresAt >= :now';

/**
 * Leases with fencing on the Locks table.
 *
 * Fence: `if_not_exists(fence, now×1000) + 1`. Normally prev+1; if TTL ever deleted the item
 * (only long after the lease ended) the new base, now in µs-scale, is above any earlier fence.
 *
 *   acquire ──▶ held (fence f, lease L) ──renew──▶ held (f, L') ──release──▶ free
 *                     └── lease passes: anyone may acquire (fence f+1); the old holder's
 *                         renew/release/commit fail with LockLostError.
 */
export class LockStore {
  constructor(private readonly options: LockStoreOptions) {}

  /** One attempt: `{acquired:true, fence, expiresAt}` when the lock was free or expired. */
  async acquire(resource: string, owner: string, leaseMs = this.options.leaseMs): Promise<AcquireResult> {
    const { doc, tableName, clock } = this.options;
    const now = clock.now();
    try {
      const out = await doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { [KEY]: resource },
          UpdateExpression: 'SET #owner = :owner, #expiresAt = :exp, #ttl = :ttl, #fence = if_not_exists(#fence, :base) + :one',
          ConditionExpression: FREE,
          ExpressionAttributeNames: { '#resource': KEY, '#owner': 'owner', '#expiresAt': 'expiresAt', '#ttl': 'ttl', '#fence': 'fence' },
          ExpressionAttributeValues: {
            ':owner': owner,
            ':exp': now + leaseMs,
            ':now': now,
            ':ttl': epochSeconds(now + leaseMs) + RETENTION_SECONDS,
            ':base': now * 1000,
            ':one': 1,
          },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      // committedVersion: what the previous holder committed (see releaseOp), to detect a stale parallel read.
      const committedVersion = out.Attributes!.committedVersion as number | undefined;
      return { acquired: true, resource, owner, fence: out.Attributes!.fence as number, expiresAt: now + leaseMs, committedVersion };
    } catch (error) {
      if (!isConditionFailed(error)) throw wrap(error);
      const current = conditionFailedItem(error);
      return { acquired: false, holder: current?.owner as string | undefined, expiresAt: current?.expiresAt as number | undefined };
    }
  }

  /** Retries `acquire` with exponential backoff and full jitter until `timeoutMs`; LockNotAcquiredError after. */
  async acquireWithWait(resource: string, owner: string, options: { timeoutMs: number; leaseMs?: number }): Promise<LockLease & { waitedMs: number }> {
    const sleep = this.options.sleep ?? realSleep;
    const random = this.options.random ?? Math.random;
    const started = performance.now();
    for (let attempt = 0; ; attempt++) {
      const result = await this.acquire(resource, owner, options.leaseMs);
      const waitedMs = performance.now() - started;
      if (result.acquired) return { ...result, waitedMs };
      if (waitedMs >= options.timeoutMs) throw new LockNotAcquiredError(resource, Math.round(waitedMs));
      const cap = Math.min(200, 5 * 2 ** attempt);
      await sleep(Math.min(cap * random() + 1, Math.max(1, options.timeoutMs - waitedMs)));
    }
  }

  /** Extends the lease; LockLostError when the caller no longer holds it (other owner, new fence, or expired). */
  async renew(lease: LockLease, leaseMs = this.options.leaseMs): Promise<LockLease> {
    const now = this.options.clock.now();
    const op = this.heldOp(lease, 'lock.renew', 'SET #expiresAt = :exp, #ttl = :ttl', {
      ':exp': now + leaseMs,
      ':ttl': epochSeconds(now + leaseMs) + RETENTION_SECONDS,
    });
    await this.sendUpdate(op);
    return { ...lease, expiresAt: now + leaseMs };
  }

  /**
   * Pure: the conditional release, usable inside the turn's transaction (where it also fences the
   * commit). `committedVersion` records the session version this holder committed, so the next
   * holder, which loads the session in parallel with acquiring, can tell whether its read is stale.
   */
  releaseOp(lease: LockLease, committedVersion?: number): TxOp {
    return committedVersion === undefined
      ? this.heldOp(lease, 'lock.release', 'SET #expiresAt = :zero REMOVE #owner', { ':zero': 0 })
      : this.heldOp(lease, 'lock.release', 'SET #expiresAt = :zero, committedVersion = :cv REMOVE #owner', { ':zero': 0, ':cv': committedVersion });
  }

  /** Releases; LockLostError when the caller no longer holds it. The fence is kept on the item. */
  async release(lease: LockLease): Promise<void> {
    await this.sendUpdate(this.releaseOp(lease));
  }

  /**
   * Runs fn under the lock, renewing the lease every third of it while fn runs. If a renewal
   * fails, `signal` aborts so fn can stop; the release then fails with LockLostError too.
   */
  async withLock<T>(
    resource: string,
    owner: string,
    fn: (lease: LockLease, signal: AbortSignal) => Promise<T>,
    options: { timeoutMs: number; leaseMs?: number },
  ): Promise<T> {
    const leaseMs = options.leaseMs ?? this.options.leaseMs;
    let lease: LockLease = await this.acquireWithWait(resource, owner, { ...options, leaseMs });
    const lost = new AbortController();
    const timer = setInterval(() => {
      this.renew(lease, leaseMs).then(
        (renewed) => (lease = renewed),
        (error) => lost.abort(error),
      );
    }, Math.max(1, Math.floor(leaseMs / 3)));
    try {
      return await fn(lease, lost.signal);
    } finally {
      clearInterval(timer);
      if (!lost.signal.aborted) await this.release(lease);
    }
  }

  private heldOp(lease: LockLease, label: string, update: string, values: Record<string, unknown>): TxOp {
    const now = this.options.clock.now();
    const names: Record<string, string> = { '#owner': 'owner', '#fence': 'fence', '#expiresAt': 'expiresAt' };
    if (update.includes('#ttl')) names['#ttl'] = 'ttl';
    return {
      label,
      item: {
        Update: {
          TableName: this.options.tableName,
          Key: { [KEY]: lease.resource },
          UpdateExpression: update,
          ConditionExpression: HELD_BY_CALLER,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ':owner': lease.owner, ':fence': lease.fence, ':now': now, ...values },
        },
      },
      onConditionFailed: () => new LockLostError(lease.resource, lease.fence),
    };
  }

  private async sendUpdate(op: TxOp) {
    try {
      await guard(() => this.options.doc.send(new UpdateCommand(op.item.Update!)));
    } catch (error) {
      if (isConditionFailed(error)) throw op.onConditionFailed(undefined);
      throw error;
    }
  }
}
