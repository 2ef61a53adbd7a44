import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idempotencyKey, payloadHash } from '../../src/infra/stores/idempotency-store.js';
import { createStoreFixture, type StoreFixture } from '../support/stores.js';

const opts = { inProgressMs: 5_000, ttlMs: 600_000 };

describe('InboxStore', () => {
  let f: StoreFixture;
  beforeAll(async () => {
    f = await createStoreFixture();
  });
  afterAll(() => f.dynamo.destroy());

  it('when an inbox message is stored, then it is claimed by the storer, duplicates are refused, and the sweep sees it until completed', async () => {
    const key = idempotencyKey.wamid('wamid.A');
    const event = { messageId: 'wamid.A', text: 'oi' };
    const inbox = { ttlMs: 7 * 86_400_000, inProgressMs: 60_000, owner: 'instance-1' };
    expect(await f.stores.inbox.store(key, payloadHash(event), event, inbox)).toBe('stored');
    expect(await f.stores.inbox.store(key, payloadHash(event), event, inbox)).toBe('duplicate');
    expect(await f.stores.idempotency.claim(key, payloadHash(event), opts)).toMatchObject({ outcome: 'in_progress' });
    expect((await f.stores.inbox.listPending(f.clock.now())).map((p) => p.key)).toContain(key);
    // The storer gives it back after a failure: it returns to `received`, still pending.
    await f.stores.idempotency.release(key, 'instance-1');
    expect((await f.stores.idempotency.get(key))?.status).toBe('received');
    const again = await f.stores.idempotency.claim(key, payloadHash(event), opts);
    expect(again).toMatchObject({ outcome: 'new', event });
    if (again.outcome !== 'new') throw new Error('expected new');
    await f.stores.idempotency.complete(key, again.owner, { ok: true }, 7 * 86_400_000);
    expect((await f.stores.inbox.listPending(f.clock.now())).map((p) => p.key)).not.toContain(key);
    expect(await f.stores.inbox.store(key, payloadHash(event), event, inbox)).toBe('duplicate');
  });

  it('when the storing instance dies, then after its lease a sweep claim takes the inbox record over', async () => {
    const key = idempotencyKey.wamid('wamid.B');
    const event = { messageId: 'wamid.B' };
    await f.stores.inbox.store(key, payloadHash(event), event, { ttlMs: 7 * 86_400_000, inProgressMs: 60_000, owner: 'dead' });
    f.clock.advance(60_001);
    expect(await f.stores.idempotency.claim(key, payloadHash(event), opts)).toMatchObject({ outcome: 'new', attempt: 2, event });
  });
});
