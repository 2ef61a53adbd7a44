import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestBody, startTestService, type TestService } from '../support/service.js';

/** Fails the test (instead of hanging it) when an answer that must come at once waits behind the first request. */
function promptly<T>(answer: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  // A guard timer: it only runs out when the behaviour under test is broken.
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} waited behind the request in flight`)), 5_000);
  });
  return Promise.race([answer, guard]).finally(() => clearTimeout(timer));
}

describe('a duplicate while the first request is in flight', () => {
  let a: TestService;
  let b: TestService;
  beforeAll(async () => {
    a = await startTestService();
    b = await startTestService({ prefix: a.prefix });
    b.clock.set(a.clock.now());
  });
  afterAll(() => Promise.all([a.stop(), b.stop()]));

  it.each([
    ['the same instance', 'fly-same', () => a],
    ['another instance', 'fly-other', () => b],
  ])('when %s receives the duplicate, then it answers 409 with Retry-After at once, and the first completes', async (_, key, receiver) => {
    const text = `em voo ${key}`;
    const body = ingestBody(text, '+5511955550001');
    const hold = a.understanding.hold(text);
    const first = a.post('/webhook/ingest', body, { 'X-Idempotency-Key': key });
    await hold.reached;
    const duplicate = await promptly(receiver().post('/webhook/ingest', body, { 'X-Idempotency-Key': key }), 'the duplicate');
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.error.code).toBe('idempotency.inProgress');
    expect(Number(duplicate.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    hold.release();
    expect((await first).status).toBe(200);
    const replay = await receiver().post('/webhook/ingest', body, { 'X-Idempotency-Key': key });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(a.test.seen.filter((t) => t === text)).toHaveLength(1);
  });

  it('when the same instance receives the key with another body while the first is in flight, then 422 at once', async () => {
    const hold = a.understanding.hold('corpo um');
    const first = a.post('/webhook/ingest', ingestBody('corpo um', '+5511955550003', 'id-1'), { 'X-Idempotency-Key': 'fly-mismatch' });
    await hold.reached;
    const other = await promptly(
      a.post('/webhook/ingest', ingestBody('corpo dois', '+5511955550003', 'id-2'), { 'X-Idempotency-Key': 'fly-mismatch' }),
      'the other body',
    );
    expect(other.status).toBe(422);
    hold.release();
    expect((await first).status).toBe(200);
  });

  it('when a template hook with a key is repeated while the first is in flight on the same instance, then 409 at once', async () => {
    // The template turn does not go through understanding: hold a message of the same session so the hook queues behind it.
    const hold = a.understanding.hold('segura a sessão');
    const message = a.post('/webhook/ingest', ingestBody('segura a sessão', '+5511955550004'), { 'X-Idempotency-Key': 'fly-msg' });
    await hold.reached;
    const hook = { phoneNumber: '+5511955550004', template: 'pedir_sinais_vitais' };
    const twice = [0, 1].map(() => a.post('/hooks/template-fired', hook, { 'X-Template-Idempotency-Key': 'fly-tpl' }));
    // Both queue behind the held message; whichever arrived second must not wait.
    const early = await promptly(Promise.race(twice), 'the duplicate hook');
    expect(early.status).toBe(409);
    hold.release();
    expect((await message).status).toBe(200);
    expect((await Promise.all(twice)).map((r) => r.status).sort()).toEqual([200, 409]);
  });
});
