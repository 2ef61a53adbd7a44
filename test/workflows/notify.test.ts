import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createFakeClock } from '../../src/kernel/clock.js';
import type { RunOutcome } from '../../src/workflows/index.js';
import { createOrderWorkflow } from '../../src/workflows/types/order.js';
import { createTestDynamo, type TestDynamo } from '../support/dynamo.js';
import { ACTOR, startInstance, untilStatus, type Instance } from '../support/workflows.js';

/** The completion cascade's hook: a listener named at start is told the run's outcome, at least once. */
describe('workflow outcome listeners', () => {
  let dynamo: TestDynamo;
  const clock = createFakeClock(Date.now());
  const instances: Instance[] = [];
  let n = 0;
  const order = (extra: Record<string, unknown> = {}) => ({ order_id: `N-${++n}`, ...extra });

  /** An instance whose listener `flux` records every delivery (and may fail or hang on demand). */
  function instanceWith(behaviour: (outcome: RunOutcome) => Promise<void> = async () => undefined) {
    const delivered: { outcome: RunOutcome; key: string }[] = [];
    const instance = startInstance(dynamo, [createOrderWorkflow({ retryDelayMs: 1_000 })], { clock, settings: { leaseMs: 10_000 } });
    instance.listeners.register('flux', async (outcome, meta) => {
      delivered.push({ outcome, key: meta.idempotencyKey });
      await behaviour(outcome);
    });
    instances.push(instance);
    return { instance, delivered };
  }

  beforeAll(async () => {
    dynamo = await createTestDynamo();
  });
  // Each test's instances stop with it, so no other test's listener can take its runs.
  afterEach(async () => {
    for (const i of instances.splice(0)) await i.stop(100);
  });
  afterAll(() => dynamo?.destroy());

  it('when a run started with notify completes, then the listener gets its outcome once, keyed by the run id, and the run leaves the due index', async () => {
    const { instance, delivered } = instanceWith();
    const ref = await instance.service.start({ type: 'order', input: order(), notify: { listener: 'flux', data: { schedule: 's-1' } } }, ACTOR);
    await vi.waitFor(() => expect(delivered).toHaveLength(1), { timeout: 10_000, interval: 10 });
    expect(delivered[0]).toEqual({
      key: ref.runId,
      outcome: {
        workflowId: ref.workflowId,
        runId: ref.runId,
        type: 'order',
        status: 'COMPLETED',
        result: expect.objectContaining({ status: 'completed' }),
        data: { schedule: 's-1' },
      },
    });
    await vi.waitFor(async () => expect((await instance.store.get(ref.workflowId))?.dueShard).toBeUndefined(), { timeout: 10_000, interval: 10 });
    expect((await instance.store.get(ref.workflowId))?.notifyPending).toBe(false);
  });

  it('when a listener that is not registered is named, then the start is refused', async () => {
    const { instance } = instanceWith();
    await expect(instance.service.start({ type: 'order', input: order(), notify: { listener: 'nobody', data: null } }, ACTOR)).rejects.toMatchObject({
      code: 'request.invalid',
    });
  });

  it('when the listener fails, then the outcome is delivered again after a backoff held in DynamoDB', async () => {
    let failures = 1;
    const { instance, delivered } = instanceWith(async () => {
      if (failures-- > 0) throw new Error('flux is down');
    });
    const ref = await instance.service.start({ type: 'order', input: order(), notify: { listener: 'flux', data: 1 } }, ACTOR);
    await vi.waitFor(() => expect(delivered).toHaveLength(1), { timeout: 10_000, interval: 10 });
    await vi.waitFor(async () => expect((await instance.store.get(ref.workflowId))?.notifyAttempts).toBe(1), { timeout: 10_000, interval: 10 });
    clock.advance(2_000);
    await vi.waitFor(async () => expect((await instance.store.get(ref.workflowId))?.notifyPending).toBe(false), { timeout: 10_000, interval: 10 });
    expect(delivered.map((d) => d.key)).toEqual([ref.runId, ref.runId]);
  });

  it('when the worker dies while telling the listener, then another instance delivers it after the lease (the same idempotency key)', async () => {
    const hung = instanceWith(() => new Promise<void>(() => undefined));
    // No order_id: ValidateInput fails at once (non-retryable), so the run ends FAILED right away.
    const ref = await hung.instance.service.start({ type: 'order', input: { items: [] }, notify: { listener: 'flux', data: 'x' } }, ACTOR);
    await vi.waitFor(() => expect(hung.delivered).toHaveLength(1), { timeout: 10_000, interval: 10 });
    // The hung worker takes no more work (as if dead): only another instance can deliver.
    await hung.instance.stop(10);
    const rescuer = instanceWith();
    clock.advance(10_001);
    await vi.waitFor(() => expect(rescuer.delivered).toHaveLength(1), { timeout: 10_000, interval: 10 });
    expect(rescuer.delivered[0]).toMatchObject({ key: ref.runId, outcome: { status: 'FAILED', error: { failedStep: 'ValidateInput' } } });
    await untilStatus(rescuer.instance, ref.workflowId, ['FAILED']);
    await vi.waitFor(async () => expect((await rescuer.instance.store.get(ref.workflowId))?.notifyPending).toBe(false), { timeout: 10_000, interval: 10 });
  });
});
