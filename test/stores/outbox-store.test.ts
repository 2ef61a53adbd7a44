import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStoreFixture, type StoreFixture } from '../support/stores.js';

describe('OutboxStore', () => {
  let f: StoreFixture;
  beforeAll(async () => {
    f = await createStoreFixture();
  });
  afterAll(() => f.dynamo.destroy());

  it('when outbox statuses arrive out of order, then the status only moves forward and failed is final', async () => {
    const { sk } = await f.stores.buffer.append('ob', { role: 'assistant', text: 'oi', at: f.clock.now(), outbox: { to: 'x', payload: {} } });
    expect((await f.stores.outbox.listUnsent(f.clock.now())).some((e) => e.sk === sk)).toBe(true);
    await f.stores.outbox.markSent('ob', sk, 'wamid.out.1');
    expect((await f.stores.outbox.listUnsent(f.clock.now())).some((e) => e.sk === sk)).toBe(false);
    expect(await f.stores.outbox.applyStatus('wamid.out.1', 'read')).toBe(true);
    expect(await f.stores.outbox.applyStatus('wamid.out.1', 'delivered')).toBe(false);
    expect((await f.stores.buffer.listLast('ob', 1))[0].outboxStatus).toBe('read');
    expect(await f.stores.outbox.applyStatus('wamid.out.1', 'failed', { code: 131047 })).toBe(true);
    expect(await f.stores.outbox.applyStatus('wamid.out.1', 'read')).toBe(false);
    expect((await f.stores.buffer.listLast('ob', 1))[0]).toMatchObject({ outboxStatus: 'failed', outboxError: { code: 131047 } });
    expect(await f.stores.outbox.applyStatus('wamid.unknown', 'sent')).toBe(false);
  });
});

describe('OutboxStore statuses by outbox key', () => {
  it('when a status overtakes markSent, then it lands by key and markSent no longer moves it back', async () => {
    const f = await createStoreFixture();
    try {
      const { sk } = await f.stores.buffer.append('k', { role: 'assistant', text: 'oi', at: f.clock.now(), outbox: { to: 'x', payload: {} } });
      expect(await f.stores.outbox.applyStatus('wamid.k', 'delivered', undefined, { sessionId: 'k', sk })).toBe(true);
      await f.stores.outbox.markSent('k', sk, 'wamid.k');
      expect((await f.stores.buffer.listLast('k', 1))[0]).toMatchObject({ outboxStatus: 'delivered', providerMessageId: 'wamid.k' });
      expect(await f.stores.outbox.applyStatus('wamid.k', 'read')).toBe(true);
    } finally {
      f.dynamo.destroy();
    }
  });
});
