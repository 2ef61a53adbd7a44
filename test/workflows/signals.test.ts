import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createFakeClock } from '../../src/kernel/clock.js';
import { createOrderWorkflow } from '../../src/workflows/types/order.js';
import { createTestDynamo, type TestDynamo } from '../support/dynamo.js';
import { ACTOR, allHistory, lines, skipUntil, startInstance, untilStatus, type Instance } from '../support/workflows.js';

/** waitForSignal parks a run durably: no worker held, woken by the signal or its timeout. */
describe('workflow signals', () => {
  let dynamo: TestDynamo;
  let instance: Instance;
  const clock = createFakeClock(Date.now());
  let n = 0;
  const start = (demo: Record<string, unknown>) => instance.service.start({ type: 'order', input: { order_id: `S-${++n}`, _demo: demo } }, ACTOR);

  beforeAll(async () => {
    dynamo = await createTestDynamo();
    instance = startInstance(dynamo, [createOrderWorkflow({ retryDelayMs: 1_000 })], { clock, settings: { workers: 2 } });
  });
  afterAll(async () => {
    await instance?.stop();
    dynamo?.destroy();
  });

  it('when a step waits for a signal, then the run parks with no worker held, and the signal wakes it with its payload', async () => {
    const ref = await start({ waitStep: 'SaveResults', signal: 'approve' });
    const parked = await untilStatus(instance, ref.workflowId, ['WAITING']);
    expect(parked.waiting).toEqual({ signal: 'approve', step: 'SaveResults' });
    expect(parked.dueAt).toBeUndefined();
    await vi.waitFor(() => expect(instance.busy()).toBe(0), { timeout: 5_000, interval: 10 });

    await instance.service.signal(ref.workflowId, { name: 'approve', payload: { by: 'ana' } }, ACTOR);
    const view = await untilStatus(instance, ref.workflowId, ['COMPLETED']);
    expect(view.steps[3]).toMatchObject({ name: 'SaveResults', attempts: 1, result: { status: 'saved', approval: { by: 'ana' } } });
    expect(view.pendingSignals).toEqual([]);
    const history = lines(await allHistory(instance, ref.workflowId));
    expect(history.slice(history.indexOf('ActivityTaskStarted SaveResults#1'), history.indexOf('ActivityTaskCompleted SaveResults#1') + 1)).toEqual([
      'ActivityTaskStarted SaveResults#1',
      'MarkerRecorded WAITING_FOR_SIGNAL',
      'WorkflowExecutionSignaled approve',
      'ActivityTaskStarted SaveResults#1',
      'ActivityTaskCompleted SaveResults#1',
    ]);
  });

  it('when the signal arrives before the step waits for it, then the step takes it without parking', async () => {
    const ref = await start({ waitStep: 'NotifyCompletion', signal: 'early', slowStep: 'ValidateInput', ms: 300 });
    await instance.service.signal(ref.workflowId, { name: 'early', payload: 42 }, ACTOR);
    const view = await untilStatus(instance, ref.workflowId, ['COMPLETED']);
    expect(view.steps[4].result).toMatchObject({ approval: 42 });
    expect(lines(await allHistory(instance, ref.workflowId))).not.toContain('MarkerRecorded WAITING_FOR_SIGNAL');
  });

  it('when no signal arrives before its timeout, then the timer fires and the step fails with workflow.signalTimeout, rolling back', async () => {
    const ref = await start({ waitStep: 'EnrichData', signal: 'approve', timeoutMs: 60_000 });
    const parked = await untilStatus(instance, ref.workflowId, ['WAITING']);
    expect(Date.parse(parked.waiting!.until!) - clock.now()).toBe(60_000);
    const view = await skipUntil(instance, clock, ref.workflowId, ['FAILED']);
    expect(view.steps[2]).toMatchObject({ status: 'failed', attempts: 1, error: expect.stringContaining('no signal approve arrived') });
    const history = lines(await allHistory(instance, ref.workflowId));
    expect(history).toEqual(expect.arrayContaining(['TimerStarted signal:approve', 'TimerFired signal:approve', 'MarkerRecorded ROLLBACK_INITIATED']));
    expect(history.at(-1)).toBe('WorkflowExecutionFailed');
  });

  it('when 100 runs are parked on waitForSignal with two workers, then a new run still completes, and a signalled one finishes', async () => {
    const parked: { workflowId: string }[] = [];
    for (let i = 0; i < 100; i++) parked.push(await start({ waitStep: 'ValidateInput', signal: 'go' }));
    await vi.waitFor(
      async () => {
        const page = await instance.service.list({ type: 'order', status: 'WAITING', limit: 200 });
        expect(page.workflows.filter((w) => parked.some((p) => p.workflowId === w.workflowId))).toHaveLength(100);
      },
      { timeout: 20_000, interval: 50 },
    );
    const fresh = await instance.service.start({ type: 'order', input: { order_id: `S-FRESH` } }, ACTOR);
    await untilStatus(instance, fresh.workflowId, ['COMPLETED']);
    await instance.service.signal(parked[37].workflowId, { name: 'go' }, ACTOR);
    await untilStatus(instance, parked[37].workflowId, ['COMPLETED']);
    expect((await instance.store.get(parked[38].workflowId))?.status).toBe('WAITING');
  }, 60_000);
});
