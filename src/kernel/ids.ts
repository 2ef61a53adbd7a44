import { randomFillSync } from 'node:crypto';
import { monotonicFactory as ulidMonotonicFactory, ulid as ulidWith } from 'ulid';

/**
 * ULIDs over a pooled random source. The ulid package's own source asks the OS for one byte per
 * character (16 calls per id); at several ids per turn that was 2 % of the server's CPU.
 */
const pool = Buffer.alloc(4096);
let offset = pool.length;
function pooledRandom(): number {
  if (offset === pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  return pool[offset++] / 256;
}

/** A ULID (time-sortable unique id); `seedTime` in epoch ms, default now. */
export const ulid = (seedTime?: number): string => ulidWith(seedTime, pooledRandom);

/** ULIDs that stay strictly increasing within one millisecond (for sort keys). */
export const monotonicFactory = () => ulidMonotonicFactory(pooledRandom);
