import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createFakeClock } from '../../src/kernel/clock.js';
import { createOrderWorkflow } from '../../src/workflows/types/order.js';
import { createTestDynamo, type TestDynamo } from '../support/dynamo.js';
import { ACTOR, allHistory, lines, retryLines, skipUntil, startInstance, untilStatus, type Instance } from '../support/workflows.js';

/** The seed's examples 1–7 on the order demo type (fake clock: retry delays are skipped, never slept). */
describe('the seed examples on the order workflow', () => {
  let dynamo: TestDynamo;
  let instance: Instance;
  const clock = createFakeClock(Date.now());
  let n = 0;
  const order = (extra: Record<string, unknown> = {}) => ({ order_id: `ORD-T-${++n}`, items: [{ sku: 'PROD-001', quantity: 2, price: 99.9 }], ...extra });
  const start = (input: Record<string, unknown>) => instance.service.start({ type: 'order', input }, ACTOR);
  /** The step-by-step lines of a run's history from the first event of `step`. */
  const historyFrom = async (workflowId: string, runId?: string) => lines(await allHistory(instance, workflowId, runId));

  beforeAll(async () => {
    dynamo = await createTestDynamo();
    instance = startInstance(dynamo, [createOrderWorkflow({ retryDelayMs: 1_000 })], { clock });
  });
  afterAll(async () => {
    await instance?.stop();
    dynamo?.destroy();
  });

  it('when an order is started (example 1), then its five steps complete in order and each is checkpointed once', async () => {
    const input = order();
    const ref = await start(input);
    expect(ref).toMatchObject({ created: true, workflowId: `order:${input.order_id}`, status: 'RUNNING' });
    const view = await untilStatus(instance, ref.workflowId, ['COMPLETED']);
    expect(view.steps.map((s) => [s.name, s.status, s.attempts])).toEqual([
      ['ValidateInput', 'completed', 1],
      ['ProcessData', 'completed', 1],
      ['EnrichData', 'completed', 1],
      ['SaveResults', 'completed', 1],
      ['NotifyCompletion', 'completed', 1],
    ]);
    expect(view.result).toMatchObject({
      status: 'completed',
      results: { ProcessData: { total: 199.8 }, SaveResults: { idempotency_key: `order:${input.order_id}:SaveResults` } },
    });
    const history = await historyFrom(ref.workflowId);
    expect(history.slice(0, 6)).toEqual([
      'WorkflowExecutionStarted',
      'ActivityTaskScheduled ValidateInput#1',
      'ActivityTaskStarted ValidateInput#1',
      'ActivityTaskCompleted ValidateInput#1',
      'ActivityTaskScheduled ProcessData#1',
      'ActivityTaskStarted ProcessData#1',
    ]);
    expect(history.filter((l) => l.startsWith('ActivityTaskCompleted'))).toHaveLength(5);
    expect(history.at(-1)).toBe('WorkflowExecutionCompleted');
  });

  it('when the same order is started again, then the existing run is answered (same input) or refused with 409 (other input)', async () => {
    const input = order();
    const first = await start(input);
    const again = await start(input);
    expect(again).toEqual({ created: false, workflowId: first.workflowId, runId: first.runId, status: expect.any(String) });
    await expect(start({ ...input, items: [] })).rejects.toMatchObject({ code: 'workflow.inputMismatch', status: 409 });
    await untilStatus(instance, first.workflowId, ['COMPLETED']);
    expect(await start(input)).toMatchObject({ created: false, runId: first.runId, status: 'COMPLETED' });
  });

  it('when a step fails twice then succeeds (example 2), then it is retried after 1 s then 2 s held in DynamoDB, and the run continues', async () => {
    const ref = await start(order({ _demo: { failStep: 'ProcessData', times: 2 } }));
    const retrying = await untilStatus(instance, ref.workflowId, ['RETRYING']);
    expect(Date.parse(retrying.dueAt!) - clock.now()).toBe(1_000);
    expect(retrying.steps[1]).toMatchObject({ name: 'ProcessData', status: 'retrying', attempts: 1, error: 'Connection timeout (demo fault, attempt 1)' });
    const view = await skipUntil(instance, clock, ref.workflowId, ['COMPLETED']);
    expect(view.steps[1]).toMatchObject({ status: 'completed', attempts: 3 });
    const history = await historyFrom(ref.workflowId);
    const from = history.indexOf('ActivityTaskStarted ProcessData#1');
    expect(history.slice(from, from + 12)).toEqual([
      ...retryLines('ProcessData', 1, 'ActivityTaskFailed'),
      ...retryLines('ProcessData', 2, 'ActivityTaskFailed'),
      'ActivityTaskStarted ProcessData#3',
      'ActivityTaskCompleted ProcessData#3',
    ]);
    const timers = (await allHistory(instance, ref.workflowId)).filter((e) => e.eventType === 'TimerStarted').map((e) => e.attributes.startToFireTimeoutMs);
    expect(timers).toEqual([1_000, 2_000]);
  });

  it('when a step fails three times (example 3), then ROLLBACK_INITIATED, the completed steps are compensated in reverse order, then FAILED', async () => {
    const ref = await start(order({ _demo: { failStep: 'SaveResults', times: 3 } }));
    const view = await skipUntil(instance, clock, ref.workflowId, ['FAILED']);
    expect(view).toMatchObject({ failedStep: 'SaveResults', error: 'Connection timeout (demo fault, attempt 3)' });
    expect(view.steps.map((s) => [s.name, s.status])).toEqual([
      ['ValidateInput', 'compensated'],
      ['ProcessData', 'compensated'],
      ['EnrichData', 'compensated'],
      ['SaveResults', 'failed'],
      ['NotifyCompletion', 'pending'],
    ]);
    const events = await allHistory(instance, ref.workflowId);
    const history = lines(events);
    expect(history.slice(history.indexOf('ActivityTaskFailed SaveResults#3'))).toEqual([
      'ActivityTaskFailed SaveResults#3',
      'MarkerRecorded ROLLBACK_INITIATED',
      'ActivityTaskScheduled undo EnrichData#1',
      'ActivityTaskStarted undo EnrichData#1',
      'ActivityTaskCompleted undo EnrichData#1',
      'ActivityTaskScheduled undo ProcessData#1',
      'ActivityTaskStarted undo ProcessData#1',
      'ActivityTaskCompleted undo ProcessData#1',
      'ActivityTaskScheduled undo ValidateInput#1',
      'ActivityTaskStarted undo ValidateInput#1',
      'ActivityTaskCompleted undo ValidateInput#1',
      'WorkflowExecutionFailed',
    ]);
    expect(events.find((e) => e.attributes.markerName === 'ROLLBACK_INITIATED')!.attributes.details).toMatchObject({
      failed_activity: 'SaveResults',
      reason: 'Max retries exceeded',
    });
    expect(events.at(-1)!.attributes).toMatchObject({ reason: 'Workflow failed and compensated', details: { failedStep: 'SaveResults' } });
  });

  it('when a compensation fails for good, then the run is COMPENSATION_FAILED and the earlier steps are left for an operator', async () => {
    const ref = await start(order({ _demo: { failStep: 'SaveResults', times: 3, failCompensation: 'ProcessData' } }));
    const view = await skipUntil(instance, clock, ref.workflowId, ['COMPENSATION_FAILED']);
    expect(view.steps.map((s) => s.status)).toEqual(['completed', 'compensation_failed', 'compensated', 'failed', 'pending']);
    const history = await historyFrom(ref.workflowId);
    expect(history.filter((l) => l.includes('undo ProcessData'))).toContain('ActivityTaskFailed undo ProcessData#3');
    expect(history.slice(-2)).toEqual(['MarkerRecorded COMPENSATION_FAILED', 'WorkflowExecutionFailed']);
    const listed = await instance.service.list({ status: 'COMPENSATION_FAILED' });
    expect(listed.workflows.map((w) => w.workflowId)).toContain(ref.workflowId);
  });

  it('when a step fails with a non-retryable error, then the remaining attempts are skipped (no order_id: ValidateInput fails once)', async () => {
    const ref = await start({ items: [] });
    expect(ref.workflowId).toMatch(/^order:[0-9A-Z]{26}$/);
    const view = await untilStatus(instance, ref.workflowId, ['FAILED']);
    expect(view.steps[0]).toMatchObject({ status: 'failed', attempts: 1, error: 'order_id is required' });
    const events = await allHistory(instance, ref.workflowId);
    expect(events.find((e) => e.attributes.markerName)!.attributes.details).toMatchObject({ reason: 'Non-retryable error' });
    expect(events.at(-1)!.attributes.reason).toBe('Workflow failed (nothing to compensate)');
  });

  it('when a failed order is resumed from EnrichData (example 4), then a new linked run reuses the earlier results and runs only the rest', async () => {
    const ref = await start(order({ _demo: { failStep: 'EnrichData', times: 3 } }));
    const failed = await skipUntil(instance, clock, ref.workflowId, ['FAILED']);
    const resumed = await instance.service.resume(ref.workflowId, { fromStep: 'EnrichData' }, ACTOR);
    expect(resumed).toMatchObject({ created: true, status: 'RUNNING' });
    expect(resumed.runId).not.toBe(failed.runId);
    const view = await untilStatus(instance, ref.workflowId, ['COMPLETED']);
    expect(view.runNumber).toBe(2);
    expect(view.runs.map((r) => [r.runId, r.closedStatus, r.fromStep])).toEqual([
      [failed.runId, 'FAILED', undefined],
      [resumed.runId, undefined, 'EnrichData'],
    ]);
    expect(view.steps.map((s) => [s.name, s.status, s.attempts, s.seededFrom])).toEqual([
      ['ValidateInput', 'completed', 0, failed.runId],
      ['ProcessData', 'completed', 0, failed.runId],
      ['EnrichData', 'completed', 1, undefined],
      ['SaveResults', 'completed', 1, undefined],
      ['NotifyCompletion', 'completed', 1, undefined],
    ]);
    expect(view.steps[1].result).toEqual(failed.steps[1].result);
    const second = await historyFrom(ref.workflowId, resumed.runId);
    expect(second.filter((l) => l.startsWith('ActivityTaskStarted'))).toEqual([
      'ActivityTaskStarted EnrichData#1',
      'ActivityTaskStarted SaveResults#1',
      'ActivityTaskStarted NotifyCompletion#1',
    ]);
    const started = (await allHistory(instance, ref.workflowId, resumed.runId))[0];
    expect(started.attributes).toMatchObject({
      continuedExecutionRunId: failed.runId,
      fromStep: 'EnrichData',
      seededSteps: ['ValidateInput', 'ProcessData'],
      actor: ACTOR,
    });
    expect((await historyFrom(ref.workflowId, failed.runId)).at(-1)).toBe('MarkerRecorded RESUMED_AS_NEW_RUN');
  });

  it('when a run is running or completed, or the step is unknown, then resume is refused and nothing is written', async () => {
    const ref = await start(order({ _demo: { slowStep: 'ValidateInput', ms: 60_000 } }));
    await expect(instance.service.resume(ref.workflowId, {}, ACTOR)).rejects.toMatchObject({ code: 'workflow.notResumable', status: 409 });
    await instance.service.terminate(ref.workflowId, { reason: 'test' }, ACTOR);
    await expect(instance.service.resume(ref.workflowId, { fromStep: 'Nope' }, ACTOR)).rejects.toMatchObject({ code: 'workflow.unknownStep', status: 400 });
    await expect(instance.service.resume(ref.workflowId, { fromStep: 'SaveResults' }, ACTOR)).rejects.toMatchObject({ code: 'workflow.notResumable' });
    expect((await instance.service.get(ref.workflowId)).runNumber).toBe(1);
  });

  it('when the history is read (example 5), then it pages with a cursor through every event, in order, with times and attempts', async () => {
    const ref = await start(order());
    await untilStatus(instance, ref.workflowId, ['COMPLETED']);
    const first = await instance.service.history(ref.workflowId, { limit: 5 });
    expect(first.events.map((e) => e.eventId)).toEqual([1, 2, 3, 4, 5, 6].slice(0, first.events.length));
    expect(first.events.length).toBeGreaterThanOrEqual(5);
    expect(first.nextCursor).toBe(String(first.events.length));
    const all = await allHistory(instance, ref.workflowId);
    expect(all.map((e) => e.eventId)).toEqual(all.map((_, i) => i + 1));
    expect(all[0]).toMatchObject({
      eventType: 'WorkflowExecutionStarted',
      attributes: { workflowType: 'order', input: expect.objectContaining({ order_id: expect.any(String) }) },
    });
    expect(all.find((e) => e.eventType === 'ActivityTaskCompleted')).toMatchObject({
      attributes: { activityType: 'ValidateInput', attempt: 1, result: { status: 'validated' } },
    });
    expect(all.every((e) => !Number.isNaN(Date.parse(e.eventTimestamp)))).toBe(true);
  });

  it('when a long step is terminated (example 6), then its abort signal fires, nothing after it runs, and the run is TERMINATED with the reason', async () => {
    const ref = await start(order({ _demo: { slowStep: 'EnrichData', ms: 60_000 } }));
    await vi.waitFor(async () => expect((await instance.service.get(ref.workflowId)).steps[2].status).toBe('running'), { timeout: 5_000, interval: 10 });
    const terminated = await instance.service.terminate(ref.workflowId, { reason: 'Pedido cancelado pelo cliente' }, ACTOR);
    expect(terminated.status).toBe('TERMINATED');
    await vi.waitFor(() => expect(instance.busy()).toBe(0), { timeout: 5_000, interval: 10 });
    const view = await instance.service.get(ref.workflowId);
    expect(view).toMatchObject({ status: 'TERMINATED', terminateReason: 'Pedido cancelado pelo cliente' });
    expect(view.steps.map((s) => s.status)).toEqual(['completed', 'completed', 'terminated', 'pending', 'pending']);
    const events = await allHistory(instance, ref.workflowId);
    expect(events.at(-1)).toMatchObject({ eventType: 'WorkflowExecutionTerminated', attributes: { reason: 'Pedido cancelado pelo cliente', actor: ACTOR } });
    await expect(instance.service.terminate(ref.workflowId, { reason: 'again' }, ACTOR)).rejects.toMatchObject({ code: 'workflow.finished', status: 409 });
  });

  it('when a running order is terminated with compensation, then its completed steps are undone in reverse order and it ends TERMINATED', async () => {
    const ref = await start(order({ _demo: { slowStep: 'SaveResults', ms: 60_000 } }));
    await vi.waitFor(async () => expect((await instance.service.get(ref.workflowId)).steps[3].status).toBe('running'), { timeout: 5_000, interval: 10 });
    await instance.service.terminate(ref.workflowId, { reason: 'cancelled', compensate: true }, ACTOR);
    const view = await untilStatus(instance, ref.workflowId, ['TERMINATED']);
    expect(view.steps.map((s) => s.status)).toEqual(['compensated', 'compensated', 'compensated', 'terminated', 'pending']);
    expect((await historyFrom(ref.workflowId)).slice(-3)).toEqual([
      'ActivityTaskStarted undo ValidateInput#1',
      'ActivityTaskCompleted undo ValidateInput#1',
      'WorkflowExecutionTerminated',
    ]);
  });

  it('when an order carries complex nested data (example 7), then it is kept as given and the steps compute from it', async () => {
    const input = order({
      customer: { id: 'CUST-67890', name: 'João Silva', tier: 'premium' },
      items: [
        { sku: 'PROD-001', name: 'Notebook', quantity: 1, unit_price: 3500, discount: 0.1 },
        { sku: 'PROD-002', name: 'Mouse', quantity: 2, unit_price: 50, discount: 0.05 },
      ],
      shipping: { method: 'express', address: { city: 'São Paulo', zip: '01234-567' }, cost: 25 },
      metadata: { source: 'mobile_app', campaign: 'BLACK_FRIDAY_2024' },
    });
    const ref = await start(input);
    const view = await untilStatus(instance, ref.workflowId, ['COMPLETED']);
    expect(view.input).toEqual(input);
    expect(view.steps[1].result).toEqual({ status: 'processed', subtotal: 3245, shipping: 25, total: 3270 });
    expect(view.steps[2].result).toEqual({ status: 'enriched', customer_tier: 'premium', loyalty_points: 3270 });
  });
});
