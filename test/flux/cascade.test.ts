import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createFakeClock } from '../../src/kernel/clock.js';
import type { WorkflowListener } from '../../src/workflows/registry.js';
import { createTestDynamo, type TestDynamo } from '../support/dynamo.js';
import { MONTH_PARTITION, USER, month, stampWorkflow, startFlux, startTarget, type FluxInstance, type Target } from '../support/flux.js';

/** The `workflow` executor and the completion cascade: origins → a workflow run → its table's execution → the next table. */
describe('flux cascade through a workflow executor', () => {
  let dynamo: TestDynamo;
  let f: FluxInstance;
  let peer: Target;
  const clock = createFakeClock(Date.now());
  const runs = new Map<string, number>();
  let n = 0;

  beforeAll(async () => {
    dynamo = await createTestDynamo();
    peer = await startTarget();
    f = startFlux(dynamo, { clock, types: [stampWorkflow(runs)], workflowWorkers: 2 });
    await f.service.registerExecutors(
      [
        { alias: 'stamp', method: 'workflow', identification: 'stamp' },
        { alias: 'notify', method: 'http', identification: peer.url },
      ],
      USER,
    );
  });
  afterAll(async () => {
    await f?.stop();
    await peer?.close();
    dynamo?.destroy();
  });

  /** Origins A and B → C (a `stamp` workflow for the month) → D (an http call). */
  async function cascade(params: Record<string, unknown> = { month: '{{ partitions.ano_mes_referencia }}' }) {
    const id = ++n;
    const t = { a: `A${id}`, b: `B${id}`, c: `C${id}`, d: `D${id}` };
    await f.service.registerTables(
      [
        { name: t.a, partitions: [MONTH_PARTITION] },
        { name: t.b, partitions: [MONTH_PARTITION] },
        {
          name: t.c,
          partitions: [MONTH_PARTITION],
          dependencies: [
            { table: t.a, is_required: true },
            { table: t.b, is_required: true },
          ],
          tasks: [{ alias: 'consolidate', executor: 'stamp', params, debounce_seconds: 1 }],
        },
        {
          name: t.d,
          partitions: [MONTH_PARTITION],
          dependencies: [{ table: t.c, is_required: true }],
          tasks: [{ alias: 'publish', executor: 'notify', params: '{"from": "{{ execution.source }}"}', debounce_seconds: 1 }],
        },
      ],
      USER,
    );
    return t;
  }
  const land = (table: string, value: string) => f.service.registerExecutions([{ table_name: table, partitions: month(value), source: 'glue' }]);
  const scheduleOf = async (table: string) => (await f.service.schedules(undefined, 1_000)).find((s) => s.table === table);

  it('when both origins land, then the workflow runs once, its completion registers the consolidated table and the downstream table fires', async () => {
    const t = await cascade();
    await land(t.a, '202403');
    await land(t.b, '202403');
    clock.advance(1_000);
    expect(await f.sweepOnce()).toBe(1);
    await vi.waitFor(async () => expect((await scheduleOf(t.c))?.status).toBe('completed'), { timeout: 20_000, interval: 20 });
    const c = (await scheduleOf(t.c))!;
    const [execution] = await f.service.executions(t.c, undefined, 10);
    expect(execution).toMatchObject({
      execution_id: c.result_execution_id,
      partitions: { ano_mes_referencia: '202403' },
      source: 'workflow:stamp',
      task_schedule_id: c.id,
    });
    expect(c.workflow_id).toBe(`flux:${c.id}`);
    expect(runs.get('202403')).toBe(1);
    expect(await scheduleOf(t.d)).toMatchObject({ status: 'pending', trigger: { table: t.c, execution_id: execution.execution_id } });
    clock.advance(1_000);
    await f.sweepOnce();
    expect(peer.received.filter((r) => r.body.table === t.d)).toEqual([
      expect.objectContaining({ body: expect.objectContaining({ payload: { from: 'workflow:stamp' } }) }),
    ]);
  });

  it('when the workflow fails, then the schedule is failed with its error and nothing cascades', async () => {
    const t = await cascade({ month: '{{ partitions.ano_mes_referencia }}', fail: true });
    await land(t.a, '202404');
    await land(t.b, '202404');
    clock.advance(1_000);
    await f.sweepOnce();
    await vi.waitFor(async () => expect((await scheduleOf(t.c))?.status).toBe('failed'), { timeout: 20_000, interval: 20 });
    expect((await scheduleOf(t.c))?.error).toMatch(/FAILED: step Stamp: no data for 202404/);
    expect(await f.service.executions(t.c, undefined, 10)).toEqual([]);
    expect(await scheduleOf(t.d)).toBeUndefined();
  });

  it('when the outcome is delivered twice (a redelivery after a crash), then the table has one execution and the downstream one schedule', async () => {
    const t = await cascade();
    await land(t.a, '202405');
    await land(t.b, '202405');
    clock.advance(1_000);
    await f.sweepOnce();
    await vi.waitFor(async () => expect((await scheduleOf(t.c))?.status).toBe('completed'), { timeout: 20_000, interval: 20 });
    const c = (await scheduleOf(t.c))!;
    const listener = f.workflows.listeners.get('flux') as WorkflowListener;
    await listener(
      {
        workflowId: c.workflow_id!,
        runId: 'r',
        type: 'stamp',
        status: 'COMPLETED',
        data: { scheduleId: c.id, table: t.c, partitions: { ano_mes_referencia: '202405' } },
      },
      { idempotencyKey: 'r' },
    );
    expect(await f.service.executions(t.c, undefined, 10)).toHaveLength(1);
    expect((await f.service.schedules(undefined, 1_000)).filter((s) => s.table === t.d)).toHaveLength(1);
  });
});
