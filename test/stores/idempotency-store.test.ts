import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError } from '../../src/kernel/errors.js';
import { canonicalJson } from '../../src/kernel/canonical-json.js';
import { payloadHash } from '../../src/infra/stores/idempotency-store.js';
import { createStoreFixture, type StoreFixture } from '../support/stores.js';

const opts = { inProgressMs: 5_000, ttlMs: 600_000 };

describe('IdempotencyStore', () => {
  let f: StoreFixture;
  beforeAll(async () => {
    f = await createStoreFixture();
  });
  afterAll(() => f.dynamo.destroy());

  it('I1/I2: when a key is claimed twice, then the first is new and the second is in progress', async () => {
    const first = await f.stores.idempotency.claim('ingest:i1', 'h', opts);
    expect(first).toMatchObject({ outcome: 'new', attempt: 1 });
    expect(await f.stores.idempotency.claim('ingest:i1', 'h', opts)).toMatchObject({ outcome: 'in_progress' });
  });

  it('I3: when completed with a response, then a later claim replays exactly that response', async () => {
    const claim = await f.stores.idempotency.claim('ingest:i3', 'h', opts);
    if (claim.outcome !== 'new') throw new Error('expected new');
    const response = { reply: 'Olá', replies: [{ text: 'Olá' }], n: 1 };
    await f.stores.idempotency.complete('ingest:i3', claim.owner, response, 600_000);
    expect(await f.stores.idempotency.claim('ingest:i3', 'h', opts)).toEqual({ outcome: 'completed', response });
  });

  it('I4: when the handler failed and released the claim, then there is no stored response and a retry is new', async () => {
    const claim = await f.stores.idempotency.claim('ingest:i4', 'h', opts);
    if (claim.outcome !== 'new') throw new Error('expected new');
    await f.stores.idempotency.release('ingest:i4', claim.owner);
    expect(await f.stores.idempotency.get('ingest:i4')).toBeNull();
    expect(await f.stores.idempotency.claim('ingest:i4', 'h', opts)).toMatchObject({ outcome: 'new' });
  });

  it('I5: when a key is unknown, then get returns null', async () => {
    expect(await f.stores.idempotency.get('ingest:unknown')).toBeNull();
  });

  it('when the same key comes with a different payload, then the claim is a mismatch', async () => {
    await f.stores.idempotency.claim('ingest:mm', 'h1', opts);
    expect(await f.stores.idempotency.claim('ingest:mm', 'h2', opts)).toEqual({ outcome: 'mismatch' });
  });

  it('when the owner renews its claim, then the lease moves on from now; anyone else gets notOwner', async () => {
    const claim = await f.stores.idempotency.claim('ingest:renew', 'h', opts);
    if (claim.outcome !== 'new') throw new Error('expected new');
    f.clock.advance(4_000);
    await f.stores.idempotency.renew('ingest:renew', claim.owner, opts.inProgressMs);
    f.clock.advance(4_000);
    // 8 s after the claim, 4 s after the renewal: still in progress for a retry.
    expect(await f.stores.idempotency.claim('ingest:renew', 'h', opts)).toMatchObject({ outcome: 'in_progress', retryAfterMs: 1_000 });
    await expect(f.stores.idempotency.renew('ingest:renew', 'someone-else', opts.inProgressMs)).rejects.toMatchObject({ code: 'idempotency.notOwner' });
  });

  it('when an in-progress lease expires, then a retry takes over and the stale owner can neither complete nor release', async () => {
    const stale = await f.stores.idempotency.claim('ingest:zombie', 'h', opts);
    if (stale.outcome !== 'new') throw new Error('expected new');
    f.clock.advance(5_001);
    const retry = await f.stores.idempotency.claim('ingest:zombie', 'h', opts);
    expect(retry).toMatchObject({ outcome: 'new', attempt: 2 });
    const completeError = await f.stores.idempotency.complete('ingest:zombie', stale.owner, { stale: true }, 600_000).catch((e) => e);
    expect(completeError).toBeInstanceOf(ConflictError);
    expect(completeError.code).toBe('idempotency.notOwner');
    await expect(f.stores.idempotency.release('ingest:zombie', stale.owner)).rejects.toMatchObject({ code: 'idempotency.notOwner' });
    if (retry.outcome !== 'new') throw new Error('expected new');
    await f.stores.idempotency.complete('ingest:zombie', retry.owner, { fresh: true }, 600_000);
    expect(await f.stores.idempotency.claim('ingest:zombie', 'h', opts)).toEqual({ outcome: 'completed', response: { fresh: true } });
  });

  it('when a completed record is past its TTL, then it is absent and the key can be claimed anew', async () => {
    const claim = await f.stores.idempotency.claim('ingest:old', 'h', opts);
    if (claim.outcome !== 'new') throw new Error('expected new');
    await f.stores.idempotency.complete('ingest:old', claim.owner, { a: 1 }, 1_000);
    f.clock.advance(2_000);
    expect(await f.stores.idempotency.get('ingest:old')).toBeNull();
    expect(await f.stores.idempotency.claim('ingest:old', 'other', opts)).toMatchObject({ outcome: 'new' });
  });

  it('when 50 claims of one key race, then exactly one is new', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, () => f.stores.idempotency.claim('ingest:race', 'h', opts)));
    expect(results.filter((r) => r.outcome === 'new')).toHaveLength(1);
    expect(results.filter((r) => r.outcome === 'in_progress')).toHaveLength(49);
  });

  it('when payloads differ only in key order, then their hashes are equal', () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: [1, { f: 1, e: 2 }] } })).toBe('{"a":{"c":[1,{"e":2,"f":1}],"d":2},"b":1}');
    expect(payloadHash({ a: 1, b: 2 })).toBe(payloadHash({ b: 2, a: 1 }));
    expect(payloadHash({ a: 1 })).not.toBe(payloadHash({ a: 2 }));
  });
});
