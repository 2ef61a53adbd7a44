import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { createDynamo } from '../../src/infra/dynamo/client.js';
import { createFakeClock, systemClock } from '../../src/kernel/clock.js';
import { defineWorkflow, StepFailure, type StepDefinition } from '../../src/workflows/define.js';
import { createOrderWorkflow } from '../../src/workflows/types/order.js';
import { createTestDynamo, LOCAL_CREDENTIALS, type TestDynamo } from '../support/dynamo.js';
import { deferred } from '../support/events.js';
import { ACTOR, allHistory, lines, skipUntil, startInstance, untilStatus, type Instance } from '../support/workflows.js';

/** Five steps that count how often each one runs, per workflow. */
function countingType(executions: Map<string, number>) {
  return defineWorkflow({
    type: 'counted',
    version: 1,
    input: z.object({ n: z.number() }),
    steps: ['A', 'B', 'C', 'D', 'E'].map((name): StepDefinition<{ n: number }> => ({
      name,
      run: (ctx) => {
        const key = `${ctx.workflowId}:${name}`;
        executions.set(key, (executions.get(key) ?? 0) + 1);
        return { step: name, n: ctx.input.n };
      },
    })),
  });
}

describe('workflow workers across instances', () => {
  let dynamo: TestDynamo;
  const instances: Instance[] = [];
  /** The same tables through another DynamoDB client: another "instance" of the service. */
  const anotherClient = (): TestDynamo => ({ ...dynamo, ...createDynamo({ region: 'sa-east-1', endpoint: dynamo.endpoint, credentials: LOCAL_CREDENTIALS }) });

  beforeAll(async () => {
    dynamo = await createTestDynamo();
  });
  afterAll(async () => {
    for (const i of instances) await i.stop(100);
    dynamo?.destroy();
  });

  it('when 2 instances with 4 workers race over 50 runs, then every step runs and is checkpointed once and every run completes once', async () => {
    const executions = new Map<string, number>();
    const type = countingType(executions);
    const delivered: string[] = [];
    ['w1', 'w2'].forEach((name) => {
      const instance = startInstance(anotherClient(), [type], { clock: systemClock, name, settings: { workers: 4, pollMaxMs: 20 } });
      instance.listeners.register('count', async (outcome) => void delivered.push(outcome.runId));
      instances.push(instance);
    });
    // Started where no worker runs, so every run is claimed through the due index by one of the two.
    const starter = startInstance(anotherClient(), [type], { clock: systemClock, name: 'starter', settings: { workers: 0 } });
    starter.listeners.register('count', async () => undefined);
    instances.push(starter);
    const refs = await Promise.all(
      Array.from({ length: 50 }, (_, n) => starter.service.start({ type: 'counted', input: { n }, notify: { listener: 'count', data: n } }, ACTOR)),
    );

    for (const ref of refs) await untilStatus(starter, ref.workflowId, ['COMPLETED'], 60_000);
    await vi.waitFor(() => expect(delivered).toHaveLength(50), { timeout: 10_000, interval: 20 });
    expect(new Set(delivered).size).toBe(50);
    expect(executions.size).toBe(250);
    expect([...executions.values()].every((count) => count === 1)).toBe(true);
    const histories = await Promise.all(refs.map((ref) => allHistory(starter, ref.workflowId)));
    for (const history of histories) {
      expect(lines(history).filter((l) => l.startsWith('ActivityTaskCompleted'))).toEqual(['A', 'B', 'C', 'D', 'E'].map((s) => `ActivityTaskCompleted ${s}#1`));
      expect(lines(history).filter((l) => l === 'WorkflowExecutionCompleted')).toHaveLength(1);
    }
    for (const ref of refs.slice(0, 5))
      expect((await starter.store.checkpoints((await starter.store.get(ref.workflowId))!)).steps.map((c) => c.step)).toEqual(['A', 'B', 'C', 'D', 'E']);
    const byWorker = histories
      .flat()
      .filter((e) => e.eventType === 'ActivityTaskStarted')
      .map((e) => e.attributes.worker);
    expect(new Set(byWorker)).toEqual(new Set(['w1', 'w2']));
  }, 90_000);

  it('when the instance that set a retry delay restarts, then the new one keeps the due time from DynamoDB and retries only when it comes', async () => {
    const clock = createFakeClock(Date.now());
    const failed = new Set<string>();
    const flaky = defineWorkflow({
      type: 'flaky',
      version: 1,
      input: z.object({}),
      steps: [
        {
          name: 'Once',
          retry: { initialDelayMs: 60_000, maxDelayMs: 60_000, jitter: 'none' },
          run: (ctx) => {
            if (failed.has(ctx.workflowId)) return 'ok';
            failed.add(ctx.workflowId);
            throw new StepFailure('first attempt fails');
          },
        },
      ],
    });
    const first = startInstance(anotherClient(), [flaky], { clock, name: 'before-restart' });
    instances.push(first);
    const ref = await first.service.start({ type: 'flaky', input: {} }, ACTOR);
    const waiting = await untilStatus(first, ref.workflowId, ['RETRYING']);
    await first.stop();

    const second = startInstance(anotherClient(), [flaky], { clock, name: 'after-restart' });
    instances.push(second);
    const kept = await second.store.get(ref.workflowId);
    expect(kept).toMatchObject({ status: 'RETRYING', dueAt: Date.parse(waiting.dueAt!), attempt: 1 });
    expect(kept!.dueAt! - clock.now()).toBe(60_000);
    clock.set(kept!.dueAt!);
    const view = await untilStatus(second, ref.workflowId, ['COMPLETED']);
    expect(view.steps[0]).toMatchObject({ attempts: 2, result: 'ok' });
    const started = (await allHistory(second, ref.workflowId)).filter((e) => e.eventType === 'ActivityTaskStarted').map((e) => e.attributes.worker);
    expect(started).toEqual(['before-restart', 'after-restart']);
  });

  it('when a long step heartbeats, then its lease outlives the first expiry and no other instance takes the run over', async () => {
    const order = createOrderWorkflow({ retryDelayMs: 100 });
    const settings = { workers: 2, leaseMs: 1_000, pollMaxMs: 20 };
    const holder = startInstance(anotherClient(), [order], { clock: systemClock, name: 'holder', settings });
    const rival = startInstance(anotherClient(), [order], { clock: systemClock, name: 'rival', settings });
    instances.push(holder, rival);
    const ref = await holder.service.start({ type: 'order', input: { order_id: 'HB-1', _demo: { slowStep: 'ValidateInput', ms: 2_500 } } }, ACTOR);
    const view = await untilStatus(holder, ref.workflowId, ['COMPLETED'], 20_000);
    expect(view.steps[0]).toMatchObject({ name: 'ValidateInput', attempts: 1 });
    const history = await allHistory(holder, ref.workflowId);
    expect(history.some((e) => e.eventType === 'ActivityTaskTimedOut')).toBe(false);
    expect(history.find((e) => e.eventType === 'ActivityTaskStarted')!.attributes.worker).toBe('holder');
  });

  it("when a holder hangs past its lease and another instance finishes the run, then the old holder's late result is refused and changes nothing", async () => {
    const clock = createFakeClock(Date.now());
    const hanging = deferred();
    const late = deferred<string>();
    const type = defineWorkflow({
      type: 'hung',
      version: 1,
      input: z.object({}),
      steps: [
        // The first attempt hangs, deaf to its abort signal, until the test lets it return.
        { name: 'Hang', retry: { initialDelayMs: 1_000, jitter: 'none' }, run: (ctx) => (ctx.attempt === 1 ? (hanging.resolve(), late.promise) : 'fresh') },
        { name: 'After', run: (ctx) => ({ saw: ctx.previousResults.Hang }) },
      ],
    });
    // A lease long in real time: the hung holder's renewal timer never fires during the test.
    const stale = startInstance(anotherClient(), [type], { clock, name: 'stale', settings: { workers: 1, leaseMs: 600_000 } });
    instances.push(stale);
    const ref = await stale.service.start({ type: 'hung', input: {} }, ACTOR);
    await hanging.promise;
    const rescuer = startInstance(anotherClient(), [type], { clock, name: 'rescuer' });
    instances.push(rescuer);
    clock.advance(600_001);
    const view = await skipUntil(rescuer, clock, ref.workflowId, ['COMPLETED']);
    expect(view.steps.map((s) => [s.name, s.attempts, s.result])).toEqual([
      ['Hang', 2, 'fresh'],
      ['After', 1, { saw: 'fresh' }],
    ]);
    const finished = await rescuer.store.get(ref.workflowId);

    late.resolve('late');
    await vi.waitFor(() => expect(stale.lines.some((l) => String(l.message).startsWith('workflow run lost'))).toBe(true), { timeout: 10_000, interval: 10 });
    expect(await rescuer.store.get(ref.workflowId)).toEqual(finished);
    const history = lines(await allHistory(rescuer, ref.workflowId));
    expect(history.filter((l) => l.startsWith('ActivityTaskCompleted Hang'))).toEqual(['ActivityTaskCompleted Hang#2']);
    expect(history.filter((l) => l.startsWith('ActivityTaskTimedOut'))).toEqual(['ActivityTaskTimedOut Hang#1']);
  });

  it('when the journey table does not exist, then a start fails with the DynamoDB error instead of falling back to memory', async () => {
    const missing = startInstance({ ...dynamo, tables: { ...dynamo.tables, journeys: `${dynamo.prefix}Missing` } }, [countingType(new Map())], {
      settings: { workers: 0 },
    });
    instances.push(missing);
    await expect(missing.service.start({ type: 'counted', input: { n: 1 } }, ACTOR)).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});
