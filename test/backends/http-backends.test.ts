import { afterEach, describe, expect, it } from 'vitest';
import { BACKEND_CONTRACTS, type BackendOperation } from '../../src/contracts/backends.js';
import { createBackends, type BackendsOptions } from '../../src/infra/backends/index.js';
import { createFakeClock } from '../../src/kernel/clock.js';
import { createLogger } from '../../src/kernel/logger.js';
import { noAnswer, startScriptedServer, type ScriptedAnswer, type ReceivedRequest } from './scripted-server.js';
import { failure } from '../support/backend-errors.js';
import { deferred, manualTimeouts } from '../support/events.js';

const logger = createLogger({ silent: true });
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

const urlsFor = (base: string) => Object.fromEntries(Object.keys(BACKEND_CONTRACTS).map((op) => [op, `${base}/${op}`])) as Record<BackendOperation, string>;

async function setup(answer: (request: ReceivedRequest, index: number) => ScriptedAnswer | Promise<ScriptedAnswer>, overrides: Partial<BackendsOptions> = {}) {
  const server = await startScriptedServer(answer);
  closers.push(server.close);
  const sleeps: number[] = [];
  const clock = createFakeClock();
  const backends = createBackends({
    urls: urlsFor(server.url),
    timeoutMs: 2_000,
    maxRetries: 2,
    logger,
    clock,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    retry: { initialDelayMs: 100, maxDelayMs: 1_000 },
    breaker: { failureThreshold: 3, coolDownMs: 10_000 },
    ...overrides,
  });
  return { server, backends, sleeps, clock };
}

const confirm = { scheduleID: 'sch-1', responseValue: 'confirmado' } as const;

describe('createBackends', () => {
  it('when a call succeeds, then it POSTs the validated JSON with the Idempotency-Key header and returns the parsed body', async () => {
    const { server, backends } = await setup(() => ({ body: { notes: [{ noteDescAI: 'ok', timestamp: 't' }], extra: 1 } }));
    const result = await backends.call(
      'getNoteReport',
      // An unknown field is stripped by the request schema before sending.
      { reportID: 'r1', reportDate: '2026-11-23T09:00:00', junk: true } as never,
      { idempotencyKey: 'key-1' },
    );
    expect(result.notes).toEqual([{ noteDescAI: 'ok', timestamp: 't' }]);
    expect((result as Record<string, unknown>).extra).toBe(1);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0].path).toBe('/getNoteReport');
    expect(server.requests[0].headers['idempotency-key']).toBe('key-1');
    expect(server.requests[0].headers['content-type']).toBe('application/json');
    expect(server.requests[0].body).toEqual({ reportID: 'r1', reportDate: '2026-11-23T09:00:00' });
  });

  it('when the backend answers 503 twice and then 200, then the call is retried with the same key and succeeds after full-jitter sleeps', async () => {
    const { server, backends, sleeps } = await setup((_r, i) => (i < 2 ? { status: 503, body: { error: 'busy' } } : { body: { message: 'ok' } }));
    await expect(backends.call('updateWorkScheduleResponse', confirm, { idempotencyKey: 'k' })).resolves.toEqual({ message: 'ok' });
    expect(server.requests).toHaveLength(3);
    expect(new Set(server.requests.map((r) => r.headers['idempotency-key']))).toEqual(new Set(['k']));
    // random 0.5 × min(1000, 100·2^n): 50 then 100.
    expect(sleeps).toEqual([50, 100]);
  });

  it('when the backend keeps answering 500, then it gives up after maxRetries with a retryable backend.http error', async () => {
    const { server, backends } = await setup(() => ({ status: 500 }));
    const error = await failure(backends.call('updateWorkScheduleResponse', confirm, { idempotencyKey: 'k' }));
    expect(error.code).toBe('backend.http');
    expect(error.details).toMatchObject({ operation: 'updateWorkScheduleResponse', status: 500, attempts: 3 });
    expect(error.retryable).toBe(true);
    expect(server.requests).toHaveLength(3);
  });

  it('when the backend answers 400, then the call is not retried and the error is not retryable', async () => {
    const { server, backends, sleeps } = await setup(() => ({ status: 400, body: { error: 'Schedule not found' } }));
    const error = await failure(backends.call('updateWorkScheduleResponse', confirm, { idempotencyKey: 'k' }));
    expect(error.code).toBe('backend.http');
    expect(error.details?.status).toBe(400);
    expect(error.retryable).toBe(false);
    expect(server.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('when the first attempt times out, then it is retried and the second answer is returned', async () => {
    const timeouts = manualTimeouts();
    // The first request is never answered; its timeout runs out once the server holds it.
    const { server, backends } = await setup((_r, i) => (i === 0 ? (timeouts.expire(), noAnswer()) : { body: { message: 'ok' } }), {
      timeoutMs: 100,
      timeoutSignal: timeouts.signal,
    });
    await expect(backends.call('updateWorkScheduleResponse', confirm, { idempotencyKey: 'k' })).resolves.toEqual({ message: 'ok' });
    expect(server.requests).toHaveLength(2);
  });

  it('when every attempt times out, then a retryable backend.timeout error is thrown', async () => {
    const timeouts = manualTimeouts();
    const { server, backends } = await setup(() => (timeouts.expire(), noAnswer()), { timeoutMs: 80, maxRetries: 1, timeoutSignal: timeouts.signal });
    const error = await failure(backends.call('updateWorkScheduleResponse', confirm, { idempotencyKey: 'k' }));
    expect(error.code).toBe('backend.timeout');
    expect(error.retryable).toBe(true);
    expect(server.requests).toHaveLength(2);
  });

  it('when the backend cannot be reached, then the call is retried and fails with backend.unreachable', async () => {
    const { backends, sleeps, server } = await setup(() => ({}));
    await server.close();
    const error = await failure(backends.call('updateWorkScheduleResponse', confirm, { idempotencyKey: 'k' }));
    expect(error.code).toBe('backend.unreachable');
    expect(error.details?.attempts).toBe(3);
    expect(sleeps).toHaveLength(2);
  });

  it('when the body breaks the response schema or is not JSON, then backend.invalidResponse is thrown without retrying', async () => {
    const { server, backends } = await setup((_r, i) => (i === 0 ? { body: { notes: 'not a list' } } : { body: '<html>' }));
    const schema = await failure(backends.call('getNoteReport', { reportID: 'r', reportDate: 'd' }, { idempotencyKey: 'k' }));
    expect(schema.code).toBe('backend.invalidResponse');
    expect(schema.details?.issues?.[0].path).toBe('notes');
    const html = await failure(backends.call('getNoteReport', { reportID: 'r', reportDate: 'd' }, { idempotencyKey: 'k2' }));
    expect(html.code).toBe('backend.invalidResponse');
    expect(server.requests).toHaveLength(2);
  });

  it('when the request breaks its contract, then backend.invalidRequest is thrown and nothing is sent', async () => {
    const { server, backends } = await setup(() => ({}));
    const error = await failure(backends.call('updateWorkScheduleResponse', { scheduleID: '', responseValue: 'talvez' } as never, { idempotencyKey: 'k' }));
    expect(error.code).toBe('backend.invalidRequest');
    expect(server.requests).toHaveLength(0);
  });

  it('when the body is empty on a 200, then it is read as an empty object', async () => {
    const { backends } = await setup(() => ({ body: '' }));
    await expect(backends.call('createNewSchedule', { scheduleIdentifier: 's', newCaregiverID: 'c' }, { idempotencyKey: 'k' })).resolves.toEqual({});
  });
});

describe('createBackends circuit breaker', () => {
  it('when failures reach the threshold, then the circuit opens and later calls fail fast without reaching the backend', async () => {
    const { server, backends } = await setup(() => ({ status: 500 }), { maxRetries: 0 });
    for (let i = 0; i < 3; i++) {
      expect((await failure(backends.call('updateWorkScheduleResponse', confirm, { idempotencyKey: `k${i}` }))).code).toBe('backend.http');
    }
    expect(backends.circuitState('updateWorkScheduleResponse')).toBe('open');
    const fast = await failure(backends.call('updateWorkScheduleResponse', confirm, { idempotencyKey: 'k9' }));
    expect(fast.code).toBe('backend.circuitOpen');
    expect(fast.retryable).toBe(true);
    expect(server.requests).toHaveLength(3);
    // Breakers are per backend: another operation still goes through.
    expect(backends.circuitState('getNoteReport')).toBe('closed');
  });

  it('when retries of one call hit the threshold, then the remaining attempts fail fast with backend.circuitOpen', async () => {
    const { server, backends } = await setup(() => ({ status: 502 }), { maxRetries: 5 });
    const error = await failure(backends.call('updateWorkScheduleResponse', confirm, { idempotencyKey: 'k' }));
    expect(error.code).toBe('backend.circuitOpen');
    expect(server.requests).toHaveLength(3);
  });

  it('when the cool-down has passed and the trial call succeeds, then the circuit closes again', async () => {
    let healthy = false;
    const { server, backends, clock } = await setup(() => (healthy ? { body: { message: 'ok' } } : { status: 500 }), { maxRetries: 0 });
    for (let i = 0; i < 3; i++) await failure(backends.call('updateWorkScheduleResponse', confirm, { idempotencyKey: `k${i}` }));
    clock.advance(9_999);
    expect(backends.circuitState('updateWorkScheduleResponse')).toBe('open');
    clock.advance(1);
    expect(backends.circuitState('updateWorkScheduleResponse')).toBe('half-open');
    healthy = true;
    await expect(backends.call('updateWorkScheduleResponse', confirm, { idempotencyKey: 'trial' })).resolves.toEqual({ message: 'ok' });
    expect(backends.circuitState('updateWorkScheduleResponse')).toBe('closed');
    expect(server.requests).toHaveLength(4);
  });

  it('when the half-open trial fails, then the circuit opens for another cool-down', async () => {
    const { server, backends, clock } = await setup(() => ({ status: 500 }), { maxRetries: 0 });
    for (let i = 0; i < 3; i++) await failure(backends.call('updateWorkScheduleResponse', confirm, { idempotencyKey: `k${i}` }));
    clock.advance(10_000);
    expect((await failure(backends.call('updateWorkScheduleResponse', confirm, { idempotencyKey: 'trial' }))).code).toBe('backend.http');
    expect(backends.circuitState('updateWorkScheduleResponse')).toBe('open');
    expect((await failure(backends.call('updateWorkScheduleResponse', confirm, { idempotencyKey: 'k' }))).code).toBe('backend.circuitOpen');
    expect(server.requests).toHaveLength(4);
  });

  it('when half-open, then only one trial call is admitted and a concurrent one fails fast', async () => {
    let healthy = false;
    // The trial (request 3) is answered only once the concurrent call has settled: it is in flight meanwhile.
    const secondSettled = deferred();
    const { server, backends, clock } = await setup(
      (_r, i) => (healthy ? (i === 3 ? secondSettled.promise : Promise.resolve()).then(() => ({ body: { message: 'ok' } })) : { status: 500 }),
      { maxRetries: 0 },
    );
    for (let i = 0; i < 3; i++) await failure(backends.call('updateWorkScheduleResponse', confirm, { idempotencyKey: `k${i}` }));
    clock.advance(10_000);
    healthy = true;
    const trial = backends.call('updateWorkScheduleResponse', confirm, { idempotencyKey: 'trial' });
    const second = await failure(backends.call('updateWorkScheduleResponse', confirm, { idempotencyKey: 'second' }).finally(() => secondSettled.resolve()));
    expect(second.code).toBe('backend.circuitOpen');
    await expect(trial).resolves.toEqual({ message: 'ok' });
    expect(server.requests).toHaveLength(4);
  });

  it('when two slow calls run concurrently, then the breaker lets them overlap instead of serialising them', async () => {
    // The server answers only once both requests are in flight; a serialising breaker would never get there.
    const bothArrived = deferred();
    // Real time only on failure: it turns that deadlock into a clear 400 instead of a test timeout.
    const serialised = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(true), 1_500);
      void bothArrived.promise.then(() => clearTimeout(timer));
    });
    const { server, backends } = await setup(
      async (_r, index) => {
        if (index === 1) bothArrived.resolve();
        const timedOut = await Promise.race([bothArrived.promise.then(() => false), serialised]);
        return timedOut ? { status: 400, body: { error: 'calls were serialised' } } : { body: { message: 'ok' } };
      },
      { maxRetries: 0, timeoutMs: 5_000 },
    );
    const results = await Promise.all([
      backends.call('updateWorkScheduleResponse', confirm, { idempotencyKey: 'a' }),
      backends.call('updateWorkScheduleResponse', confirm, { idempotencyKey: 'b' }),
    ]);
    expect(results).toEqual([{ message: 'ok' }, { message: 'ok' }]);
    expect(server.requests).toHaveLength(2);
    expect(server.maxInFlight()).toBe(2);
  });
});
