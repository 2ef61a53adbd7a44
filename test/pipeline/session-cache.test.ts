import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeClock } from '../../src/kernel/clock.js';
import { SessionCache } from '../../src/pipeline/session-cache.js';
import { ingestBody, startTestService, type TestService } from '../support/service.js';

describe('SessionCache', () => {
  it('when entries pass the size, then the least recently used goes first', () => {
    const cache = new SessionCache<string>({ maxEntries: 2, maxAgeMs: 60_000, clock: createFakeClock() });
    cache.set('a', 'A', 1);
    cache.set('b', 'B', 1);
    cache.get('a');
    cache.set('c', 'C', 1);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toEqual({ state: 'A', version: 1 });
    expect(cache.get('c')).toEqual({ state: 'C', version: 1 });
    expect(cache.size).toBe(2);
  });

  it('when an entry is older than the age limit, or the size is 0, then nothing is returned', () => {
    const clock = createFakeClock();
    const cache = new SessionCache<string>({ maxEntries: 10, maxAgeMs: 1000, clock });
    cache.set('a', 'A', 3);
    clock.advance(1000);
    expect(cache.get('a')).toEqual({ state: 'A', version: 3 });
    clock.advance(1);
    expect(cache.get('a')).toBeUndefined();
    const off = new SessionCache<string>({ maxEntries: 0, maxAgeMs: 1000, clock });
    off.set('a', 'A', 1);
    expect(off.get('a')).toBeUndefined();
  });
});

describe('turns with the session cache (DynamoDB Local)', () => {
  let a: TestService;
  let b: TestService;
  beforeAll(async () => {
    a = await startTestService();
    // A second instance on the same tables, as in a deployment with two processes.
    b = await startTestService({ prefix: a.prefix });
  });
  afterAll(async () => {
    await b.stop();
    await a.stop();
  });

  const send = (t: TestService, text: string, phone: string) =>
    t.post('/webhook/ingest', ingestBody(text, phone, `m-${Buffer.from(text).toString('hex')}`), {
      'X-Idempotency-Key': `k-${Buffer.from(text).toString('hex')}-${phone.slice(-4)}`,
    });
  const reads = async (t: TestService) => {
    const { cache, read, reread } = (await t.get('/metrics/sessions')).body.session_reads as Record<string, number>;
    return { cache, read, reread, gets: t.service.dynamo.counter.total('GetItem') };
  };
  /** How the turn sent by `act` got its session (cache, read, reread) and how many GetItems it made. */
  const readsOf = async <T>(t: TestService, act: () => Promise<T>) => {
    const before = await reads(t);
    const result = await act();
    const after = await reads(t);
    return { result, cache: after.cache - before.cache, reread: after.reread - before.reread, gets: after.gets - before.gets };
  };
  const texts = async (t: TestService, sessionId: string) =>
    (await t.get(`/sessions/${sessionId}/state`)).body as { version: number; state: { texts: string[] } };

  it('when a session writes again to the same instance, then its state is not read back: one request fewer, same result', async () => {
    await send(a, 'primeira', '+5511955550001');
    const second = await readsOf(a, () => send(a, 'segunda', '+5511955550001'));
    expect(second.result.status).toBe(200);
    expect(second.cache).toBe(1);
    expect(second.gets).toBe(0);
    const stored = await texts(a, '5511955550001');
    expect(stored.version).toBe(2);
    expect(stored.state.texts).toEqual(['primeira', 'segunda']);
  });

  it('when another instance committed in between, then the cached copy is not used and nothing is lost', async () => {
    await send(a, 'um', '+5511955550002');
    await send(b, 'dois', '+5511955550002');
    const third = await readsOf(a, () => send(a, 'três', '+5511955550002'));
    expect(third.result.status).toBe(200);
    expect(third.cache).toBe(0);
    expect(third.reread).toBe(1);
    const stored = await texts(a, '5511955550002');
    expect(stored.version).toBe(3);
    expect(stored.state.texts).toEqual(['um', 'dois', 'três']);
  });

  it('when the lock item is gone (as after its TTL), then the cache is not trusted and the state is read', async () => {
    await send(a, 'antes', '+5511955550003');
    await a.service.dynamo.doc.send(new DeleteCommand({ TableName: `${a.prefix}Locks`, Key: { resource: 'session:5511955550003' } }));
    const next = await readsOf(a, () => send(a, 'depois', '+5511955550003'));
    expect(next.cache).toBe(0);
    expect(next.reread).toBe(1);
    expect((await texts(a, '5511955550003')).state.texts).toEqual(['antes', 'depois']);
  });

  it('when the engine throws, then the entry is dropped and the retry reads the store', async () => {
    await send(a, 'ok', '+5511955550004');
    a.test.control.throwNext = 1;
    expect((await send(a, 'falha', '+5511955550004')).status).toBe(500);
    const retry = await readsOf(a, () => send(a, 'falha', '+5511955550004'));
    expect(retry.result.status).toBe(200);
    expect(retry.cache).toBe(0);
    expect(retry.gets).toBe(1);
    expect((await texts(a, '5511955550004')).state.texts).toEqual(['ok', 'falha']);
  });
});

describe('turns with the session cache off', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService({ env: { SESSION_CACHE_SIZE: '0' } });
  });
  afterAll(() => t.stop());

  it('when SESSION_CACHE_SIZE is 0, then every turn reads its session', async () => {
    await t.post('/webhook/ingest', ingestBody('a', '+5511955550009'), { 'X-Idempotency-Key': 'off-1' });
    const before = t.service.dynamo.counter.total('GetItem');
    await t.post('/webhook/ingest', ingestBody('b', '+5511955550009'), { 'X-Idempotency-Key': 'off-2' });
    expect(t.service.dynamo.counter.total('GetItem') - before).toBe(1);
  });
});
