import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeClock, type FakeClock } from '../../src/kernel/clock.js';
import { AppError, ConflictError } from '../../src/kernel/errors.js';
import { createJourneyStore } from '../../src/infra/stores/journey-store.js';
import { createJourneyController } from '../../src/jobs/journey/journey-controller.js';
import type { JourneyControllerOptions, JourneyStep, Scheduler } from '../../src/jobs/journey/journey-types.js';
import { JourneyFailedError } from '../../src/jobs/errors.js';
import { createTestDynamo, type TestDynamo } from '../support/dynamo.js';
import { journeyTtlDays } from '../support/stores.js';
import { deferred, watchCalls } from '../support/events.js';

/** A scheduler whose periodic tasks run only when the test calls tick(). */
function manualScheduler() {
  const tasks = new Set<() => void>();
  const scheduler: Scheduler = {
    every(_ms, fn) {
      tasks.add(fn);
      return () => tasks.delete(fn);
    },
  };
  return { scheduler, tick: () => [...tasks].forEach((fn) => fn()), size: () => tasks.size };
}

const noop = () => {};

describe('journey controller', () => {
  let dynamo: TestDynamo;
  let clock: FakeClock;
  let key = 0;
  const nextKey = () => `batch#test#job#db#table#2026012${key++}`;

  beforeAll(async () => {
    dynamo = await createTestDynamo();
    // From real now: DynamoDB Local's TTL sweeper deletes items whose ttl is past on the wall clock.
    clock = createFakeClock(Date.now());
  });
  afterAll(() => dynamo?.destroy());

  function controller(overrides: Partial<JourneyControllerOptions> = {}) {
    const store = createJourneyStore({ doc: dynamo.doc, tableName: dynamo.tables.journeys, clock, ttlDays: journeyTtlDays });
    const sleeps: number[] = [];
    const ticker = manualScheduler();
    const instance = createJourneyController({
      store,
      clock,
      leaseMs: 60_000,
      maxRetries: 2,
      retryDelayMs: 1_000,
      maxRetryDelayMs: 10_000,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: () => 0.5,
      scheduler: ticker.scheduler,
      ...overrides,
    });
    return { instance, sleeps, ticker, store };
  }

  it('when the same key is started twice, then both calls return the same journey, PENDING', async () => {
    const { instance } = controller();
    const idempotencyKey = nextKey();
    const first = await instance.startJourney({ idempotencyKey, metadata: { source: 'test' } });
    const second = await instance.startJourney({ idempotencyKey, metadata: { source: 'other' } });
    expect(second).toBe(first);
    const journey = await instance.getJourney(first);
    expect(journey).toMatchObject({ status: 'PENDING', metadata: { source: 'test' }, version: 1 });
    expect((await instance.getHistory(first)).map((e) => e.type)).toEqual(['journey.created']);
  });

  it('when a journey completed, then a second execute replays the stored result without running the work', async () => {
    const { instance } = controller();
    const idempotencyKey = nextKey();
    let runs = 0;
    const work = async () => ({ rows: ++runs });
    const first = await instance.execute(work, { idempotencyKey });
    const second = await instance.execute(work, { idempotencyKey });
    expect(first).toEqual({ journeyId: idempotencyKey, result: { rows: 1 }, replayed: false });
    expect(second).toEqual({ journeyId: idempotencyKey, result: { rows: 1 }, replayed: true });
    expect(runs).toBe(1);
    const journey = await instance.getJourney(idempotencyKey);
    expect(journey).toMatchObject({ status: 'COMPLETED', attempt: 1, result: { rows: 1 } });
    expect(journey?.leaseOwner).toBeUndefined();
    expect(journey?.steps.map((s) => [s.name, s.status])).toEqual([['main', 'COMPLETED']]);
    const listed = await instance.listJourneys({ status: 'COMPLETED' });
    expect(listed.journeys.map((j) => j.journeyId)).toContain(idempotencyKey);
  });

  it('when two owners start the same journey concurrently, then the work runs once and the other gets journey.conflict', async () => {
    const a = controller({ owner: 'owner-a' }).instance;
    const b = controller({ owner: 'owner-b' }).instance;
    const idempotencyKey = nextKey();
    let runs = 0;
    const gate = deferred();
    const running = deferred();
    const work = async () => {
      runs++;
      running.resolve();
      await gate.promise;
      return 'done';
    };
    const both = [a.execute(work, { idempotencyKey }), b.execute(work, { idempotencyKey })];
    const results = Promise.allSettled(both);
    await running.promise;
    // The other owner settles while the work is held: it can only have been refused.
    await Promise.race(both.map((p) => p.then(noop, noop)));
    expect((await a.getJourney(idempotencyKey))?.status).toBe('IN_PROGRESS');
    gate.resolve();
    const [ra, rb] = await results;
    const outcomes = [ra, rb];
    expect(runs).toBe(1);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const rejected = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason).toBeInstanceOf(ConflictError);
    expect(rejected.reason.code).toBe('journey.conflict');
  });

  it('when the owner crashes mid-step and its lease expires, then resume continues after the last completed step and the stale owner cannot commit', async () => {
    const a = controller({ owner: 'crashing' }).instance;
    const b = controller({ owner: 'rescuer' }).instance;
    const idempotencyKey = nextKey();
    const calls: string[] = [];
    const hang = deferred<string>();
    const hanging = deferred();
    const steps = (who: string, hangOnSecond: boolean): JourneyStep[] => [
      { name: 'extract', run: () => (calls.push(`${who}:extract`), { files: 2 }) },
      {
        name: 'transform',
        run: (ctx) => (calls.push(`${who}:transform`), hangOnSecond ? (hanging.resolve(), hang.promise) : `t(${JSON.stringify(ctx.results.extract)})`),
      },
      { name: 'load', run: (ctx) => (calls.push(`${who}:load`), `loaded ${String(ctx.results.transform)}`) },
    ];
    const crashed = a.execute(steps('a', true), { idempotencyKey });
    await hanging.promise;

    // While the lease is live, nobody may take over or resume.
    await expect(b.execute(steps('b', false), { idempotencyKey })).rejects.toMatchObject({ code: 'journey.conflict' });
    await expect(b.resume(idempotencyKey)).rejects.toMatchObject({ code: 'journey.conflict' });

    clock.advance(60_001);
    const resumed = await b.resume(idempotencyKey);
    expect(resumed.status).toBe('PENDING');
    const outcome = await b.execute(steps('b', false), { idempotencyKey });
    expect(outcome.result).toBe('loaded t({"files":2})');
    expect(calls).toEqual(['a:extract', 'a:transform', 'b:transform', 'b:load']);

    hang.resolve('late');
    await expect(crashed).rejects.toMatchObject({ code: 'journey.conflict' });
    const journey = await b.getJourney(idempotencyKey);
    expect(journey).toMatchObject({ status: 'COMPLETED', attempt: 2, result: 'loaded t({"files":2})' });
    const types = (await b.getHistory(idempotencyKey)).map((e) => e.type);
    expect(types).toEqual([
      'journey.created',
      'run.started',
      'step.completed',
      'journey.resumed',
      'run.started',
      'step.completed',
      'step.completed',
      'journey.completed',
    ]);
  });

  it('when the owner heartbeats, then its lease outlives the original expiry and a takeover is refused', async () => {
    const a = controller({ owner: 'beating' });
    const b = controller({ owner: 'intruder' }).instance;
    const idempotencyKey = nextKey();
    const gate = deferred();
    const started = deferred();
    const running = a.instance.execute(async () => (started.resolve(), await gate.promise, 'ok'), { idempotencyKey });
    await started.promise;
    clock.advance(40_000);
    const heartbeats = watchCalls(a.store, 'heartbeat');
    a.ticker.tick();
    await heartbeats.settled();
    expect((await b.getJourney(idempotencyKey))?.leaseExpiresAt ?? 0).toBeGreaterThan(clock.now() + 50_000);
    clock.advance(40_000);
    await expect(b.execute(async () => 'stolen', { idempotencyKey })).rejects.toMatchObject({ code: 'journey.conflict' });
    gate.resolve();
    await expect(running).resolves.toMatchObject({ result: 'ok' });
    expect(a.ticker.size()).toBe(0);
  });

  it('when a step fails twice then succeeds, then it is retried with exponential backoff and full jitter and completes', async () => {
    const { instance, sleeps } = controller();
    const idempotencyKey = nextKey();
    let attempts = 0;
    const result = await instance.executeWithJourney(
      [
        {
          name: 'flaky',
          run: (ctx) => {
            attempts++;
            if (ctx.attempt < 3) throw new Error(`boom ${ctx.attempt}`);
            return 'finally';
          },
        },
      ],
      { idempotencyKey },
    );
    expect(result).toBe('finally');
    expect(attempts).toBe(3);
    // random() = 0.5 → half of 1000×2^0 and 1000×2^1.
    expect(sleeps).toEqual([500, 1_000]);
    const journey = await instance.getJourney(idempotencyKey);
    expect(journey).toMatchObject({ status: 'COMPLETED', retryCount: 2 });
    expect(journey?.errorMessage).toBeUndefined();
    expect(journey?.steps[0]).toMatchObject({ name: 'flaky', attempts: 3 });
    const retries = (await instance.getHistory(idempotencyKey)).filter((e) => e.type === 'step.retrying');
    expect(retries.map((e) => e.data)).toEqual([
      { step: 'flaky', attempt: 1, error: 'boom 1', delayMs: 500 },
      { step: 'flaky', attempt: 2, error: 'boom 2', delayMs: 1_000 },
    ]);
  });

  it('when retries are exhausted, then the journey is FAILED and completed steps are compensated in reverse order', async () => {
    const { instance, sleeps } = controller();
    const idempotencyKey = nextKey();
    const log: string[] = [];
    const steps: JourneyStep[] = [
      { name: 'reserve', run: () => (log.push('reserve'), 'r1'), compensate: (ctx) => void log.push(`undo reserve(${String(ctx.result)})`) },
      { name: 'audit', run: () => (log.push('audit'), 'a1') },
      { name: 'charge', run: () => (log.push('charge'), 'c1'), compensate: (ctx) => void log.push(`undo charge(${String(ctx.result)})`) },
      { name: 'ship', run: () => (log.push('ship'), Promise.reject(new Error('carrier down'))) },
    ];
    const error = await instance.execute(steps, { idempotencyKey }).catch((e) => e);
    expect(error).toBeInstanceOf(JourneyFailedError);
    expect(error).toMatchObject({ code: 'journey.failed', details: { step: 'ship', attempts: 3, status: 'COMPENSATED' } });
    expect((error as Error).cause).toMatchObject({ message: 'carrier down' });
    expect(log).toEqual(['reserve', 'audit', 'charge', 'ship', 'ship', 'ship', 'undo charge(c1)', 'undo reserve(r1)']);
    expect(sleeps).toHaveLength(2);
    const journey = await instance.getJourney(idempotencyKey);
    expect(journey).toMatchObject({ status: 'COMPENSATED', failedStep: 'ship', errorMessage: 'carrier down' });
    expect(journey?.steps.map((s) => [s.name, s.status])).toEqual([
      ['reserve', 'COMPENSATED'],
      ['audit', 'COMPLETED'],
      ['charge', 'COMPENSATED'],
    ]);
    const history = (await instance.getHistory(idempotencyKey)).map((e) => (e.data?.step ? `${e.type}:${e.data.step as string}` : e.type));
    expect(history.slice(-5)).toEqual([
      'step.retrying:ship',
      'journey.failed:ship',
      'step.compensated:charge',
      'step.compensated:reserve',
      'journey.compensated',
    ]);
    // A compensated journey does not run again by accident.
    await expect(instance.execute(steps, { idempotencyKey })).rejects.toMatchObject({ code: 'journey.conflict' });
  });

  it('when a step throws a non-retryable error, then it fails at once and stays FAILED without compensators; a later run resumes it', async () => {
    const { instance, sleeps } = controller();
    const idempotencyKey = nextKey();
    let fixed = false;
    let firstRuns = 0;
    const steps: JourneyStep[] = [
      { name: 'first', run: () => ++firstRuns },
      {
        name: 'second',
        run: () => {
          if (!fixed) throw new AppError('job.configInvalid', 'bad column');
          return 'ok';
        },
      },
    ];
    await expect(instance.execute(steps, { idempotencyKey })).rejects.toMatchObject({ code: 'journey.failed', details: { attempts: 1, status: 'FAILED' } });
    expect(sleeps).toEqual([]);
    expect(await instance.getJourney(idempotencyKey)).toMatchObject({ status: 'FAILED', failedStep: 'second' });
    fixed = true;
    await expect(instance.executeWithJourney(steps, { idempotencyKey })).resolves.toBe('ok');
    expect(firstRuns).toBe(1);
  });

  it('when a journey is terminated, then it cannot run again and a running owner loses its lease', async () => {
    const a = controller({ owner: 'victim' });
    const idempotencyKey = nextKey();
    const gate = deferred();
    const started = deferred();
    const running = a.instance.execute(
      [
        { name: 'one', run: async () => (started.resolve(), await gate.promise, 1) },
        { name: 'two', run: () => 2 },
      ],
      { idempotencyKey },
    );
    await started.promise;
    const terminated = await controller().instance.terminate(idempotencyKey, 'operator stopped the rerun');
    expect(terminated).toMatchObject({ status: 'TERMINATED', reason: 'operator stopped the rerun' });
    gate.resolve();
    await expect(running).rejects.toMatchObject({ code: 'journey.conflict' });
    await expect(a.instance.execute(async () => 3, { idempotencyKey })).rejects.toMatchObject({ code: 'journey.conflict' });
    await expect(a.instance.terminate(idempotencyKey, 'again')).rejects.toMatchObject({ code: 'journey.conflict' });
    expect((await a.instance.getHistory(idempotencyKey)).map((e) => e.type)).toContain('journey.terminated');
  });

  it('when a completed journey is resumed from a step, then only that step and the later ones run again', async () => {
    const { instance } = controller();
    const idempotencyKey = nextKey();
    const runs: string[] = [];
    const steps: JourneyStep[] = ['a', 'b', 'c'].map((name) => ({ name, run: () => (runs.push(name), `${name}${runs.length}`) }));
    await instance.execute(steps, { idempotencyKey });
    await expect(instance.resume(idempotencyKey)).rejects.toMatchObject({ code: 'journey.conflict' });
    const rearmed = await instance.resume(idempotencyKey, 'b');
    expect(rearmed.status).toBe('PENDING');
    expect(rearmed.steps.map((s) => s.name)).toEqual(['a']);
    const outcome = await instance.execute(steps, { idempotencyKey });
    expect(outcome).toMatchObject({ result: 'c5', replayed: false });
    expect(runs).toEqual(['a', 'b', 'c', 'b', 'c']);
  });

  it('when the journey table does not exist, then execute fails instead of falling back to memory', async () => {
    const store = createJourneyStore({ doc: dynamo.doc, tableName: `${dynamo.prefix}Missing`, clock, ttlDays: journeyTtlDays });
    const instance = createJourneyController({ store, clock, scheduler: manualScheduler().scheduler });
    await expect(instance.execute(async () => 1, { idempotencyKey: nextKey() })).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('when an unknown journey is terminated or resumed, then journey.notFound', async () => {
    const { instance } = controller();
    await expect(instance.terminate('nope', 'x')).rejects.toMatchObject({ code: 'journey.notFound' });
    await expect(instance.resume('nope')).rejects.toMatchObject({ code: 'journey.notFound' });
    expect(await instance.getJourney('nope')).toBeNull();
  });
});
