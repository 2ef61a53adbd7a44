import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStoreFixture, type StoreFixture } from '../support/stores.js';

describe('ConversationBufferStore', () => {
  let f: StoreFixture;
  beforeAll(async () => {
    f = await createStoreFixture();
  });
  afterAll(() => f.dynamo.destroy());

  it('B1: when a user message is appended, then listLast returns it with role, text and meta', async () => {
    await f.stores.buffer.append('b1', { role: 'user', text: 'Olá, como está?', meta: { origin: 'test' }, at: f.clock.now() });
    const entries = await f.stores.buffer.listLast('b1', 10);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ role: 'user', text: 'Olá, como está?', meta: { origin: 'test' } });
  });

  it('B2/B3: when 5 messages share one millisecond, then none collides and listLast(3) gives the last 3 in order', async () => {
    const at = f.clock.now();
    for (let i = 1; i <= 5; i++) await f.stores.buffer.append('b3', { role: 'user', text: `Mensagem ${i}`, at });
    expect((await f.stores.buffer.listLast('b3', 10)).map((e) => e.text)).toEqual(['Mensagem 1', 'Mensagem 2', 'Mensagem 3', 'Mensagem 4', 'Mensagem 5']);
    expect((await f.stores.buffer.listLast('b3', 3)).map((e) => e.text)).toEqual(['Mensagem 3', 'Mensagem 4', 'Mensagem 5']);
  });

  it('when 30 appends race in the same millisecond, then all 30 are stored', async () => {
    const at = f.clock.now();
    await Promise.all(Array.from({ length: 30 }, (_, i) => f.stores.buffer.append('race', { role: 'user', text: `m${i}`, at })));
    expect(await f.stores.buffer.listLast('race', 100)).toHaveLength(30);
  });

  it('when the same dedup key is appended twice (even concurrently), then it is stored once', async () => {
    const entry = { role: 'user' as const, text: 'oi', at: f.clock.now(), dedupKey: 'wamid.1' };
    const results = await Promise.all([f.stores.buffer.append('dd', entry), f.stores.buffer.append('dd', entry), f.stores.buffer.append('dd', entry)]);
    expect(results.filter((r) => r.stored)).toHaveLength(1);
    expect(await f.stores.buffer.listLast('dd', 10)).toHaveLength(1);
  });

  it('when listing a range, then only entries between since and until come back, chronologically', async () => {
    const t0 = f.clock.now();
    for (let i = 0; i < 5; i++) await f.stores.buffer.append('range', { role: 'assistant', text: `r${i}`, at: t0 + i * 1000 });
    const entries = await f.stores.buffer.listRange('range', t0 + 1000, t0 + 3000);
    expect(entries.map((e) => e.text)).toEqual(['r1', 'r2', 'r3']);
  });

  it('when entries are past their TTL, then they are invisible', async () => {
    await f.stores.buffer.append('old', { role: 'user', text: 'old', at: f.clock.now() });
    f.clock.advance(8 * 86_400_000);
    try {
      await f.stores.buffer.append('old', { role: 'user', text: 'new', at: f.clock.now() });
      expect((await f.stores.buffer.listLast('old', 10)).map((e) => e.text)).toEqual(['new']);
    } finally {
      f.clock.advance(-8 * 86_400_000);
    }
  });
});
