import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { LockLostError, LockNotAcquiredError } from '../../src/kernel/errors.js';
import { watchCalls } from '../support/events.js';
import { createStoreFixture, type StoreFixture } from '../support/stores.js';

describe('LockStore', () => {
  let f: StoreFixture;
  beforeAll(async () => {
    f = await createStoreFixture();
  });
  afterAll(() => f.dynamo.destroy());

  it('L1/L2: when the lock is free, then the first owner gets it and a second does not', async () => {
    const first = await f.stores.locks.acquire('session:l1', 'owner1', 10_000);
    expect(first.acquired).toBe(true);
    expect(await f.stores.locks.acquire('session:l1', 'owner2', 10_000)).toMatchObject({ acquired: false, holder: 'owner1' });
  });

  it('L3/L4: when another owner releases, then it fails; when the holder releases, then another owner can acquire', async () => {
    const lease = await f.stores.locks.acquire('session:l3', 'owner1', 10_000);
    if (!lease.acquired) throw new Error('expected the lock');
    await expect(f.stores.locks.release({ ...lease, owner: 'owner2' })).rejects.toBeInstanceOf(LockLostError);
    await f.stores.locks.release(lease);
    const next = await f.stores.locks.acquire('session:l3', 'owner2', 10_000);
    expect(next).toMatchObject({ acquired: true });
    expect(next.acquired && next.fence).toBeGreaterThan(lease.fence);
  });

  it('when the lease expires, then a new owner acquires with a higher fence and the old holder cannot renew or release', async () => {
    const old = await f.stores.locks.acquire('session:exp', 'old', 1_000);
    if (!old.acquired) throw new Error('expected the lock');
    f.clock.advance(1_001);
    const next = await f.stores.locks.acquire('session:exp', 'new', 1_000);
    if (!next.acquired) throw new Error('expected takeover');
    expect(next.fence).toBeGreaterThan(old.fence);
    await expect(f.stores.locks.renew(old)).rejects.toBeInstanceOf(LockLostError);
    await expect(f.stores.locks.release(old)).rejects.toBeInstanceOf(LockLostError);
    await f.stores.locks.renew(next);
    await f.stores.locks.release(next);
  });

  it('when a holder lets its own lease lapse, then it can no longer renew it even though nobody took it', async () => {
    const lease = await f.stores.locks.acquire('session:lapse', 'me', 500);
    if (!lease.acquired) throw new Error('expected the lock');
    f.clock.advance(501);
    await expect(f.stores.locks.renew(lease)).rejects.toBeInstanceOf(LockLostError);
  });

  it('when the item is deleted (as TTL would), then the next fence is still higher than every earlier one', async () => {
    const a = await f.stores.locks.acquire('session:ttl', 'a', 1_000);
    if (!a.acquired) throw new Error('expected the lock');
    const { DeleteCommand } = await import('@aws-sdk/lib-dynamodb');
    await f.dynamo.doc.send(new DeleteCommand({ TableName: f.dynamo.tables.locks, Key: { resource: 'session:ttl' } }));
    f.clock.advance(2 * 86_400_000);
    const b = await f.stores.locks.acquire('session:ttl', 'b', 1_000);
    expect(b.acquired && b.fence).toBeGreaterThan(a.fence);
  });

  it('when 20 acquirers race, then there are never two holders at once and fences strictly increase', async () => {
    const intervals: { fence: number; start: number; end: number }[] = [];
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        f.stores.locks.withLock(
          'session:race',
          `w${i}`,
          async (lease) => {
            const start = performance.now();
            // Hold the lock across a real DynamoDB round trip so overlaps would show.
            await f.stores.sessions.get('nothing');
            intervals.push({ fence: lease.fence, start, end: performance.now() });
          },
          { timeoutMs: 20_000, leaseMs: 10_000 },
        ),
      ),
    );
    expect(intervals).toHaveLength(20);
    const byStart = [...intervals].sort((a, b) => a.start - b.start);
    for (let i = 1; i < byStart.length; i++) {
      expect(byStart[i].start).toBeGreaterThanOrEqual(byStart[i - 1].end);
      expect(byStart[i].fence).toBeGreaterThan(byStart[i - 1].fence);
    }
  });

  it('when the lock stays held past the wait timeout, then acquireWithWait throws LockNotAcquiredError', async () => {
    await f.stores.locks.acquire('session:busy', 'holder', 60_000);
    // Real time, 50 ms: acquireWithWait measures its wait on the monotonic clock (a fake clock may stand still).
    await expect(f.stores.locks.acquireWithWait('session:busy', 'waiter', { timeoutMs: 50 })).rejects.toBeInstanceOf(LockNotAcquiredError);
  });

  it('when withLock runs longer than a lease, then the lease is renewed and the lock stays with the holder', async () => {
    // The renewal timer is fake: it fires when the test says, and the lease lives on the fake clock.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    onTestFinished(() => void vi.useRealTimers());
    const renewals = watchCalls(f.stores.locks, 'renew');
    let renewedFence = 0;
    await f.stores.locks.withLock(
      'session:renew',
      'long',
      async (lease, signal) => {
        // 30 ms lease: renewed at 25 ms, so at 50 ms (past the first lease) it is still held.
        f.clock.advance(25);
        vi.advanceTimersToNextTimer();
        await renewals.settled();
        f.clock.advance(25);
        expect(signal.aborted).toBe(false);
        const other = await f.stores.locks.acquire('session:renew', 'intruder', 30);
        expect(other.acquired).toBe(false);
        renewedFence = lease.fence;
      },
      { timeoutMs: 1_000, leaseMs: 30 },
    );
    expect(renewedFence).toBeGreaterThan(0);
  });
});
