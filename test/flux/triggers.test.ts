import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeClock } from '../../src/kernel/clock.js';
import { createTestDynamo, type TestDynamo } from '../support/dynamo.js';
import { MONTH_PARTITION, USER, month, startFlux, startTarget, type FluxInstance, type Target } from '../support/flux.js';

/** The seed's trigger scenarios (reference §4.4–4.6) with its defects fixed, on DynamoDB Local. */
describe('flux triggers: readiness, debounce, approval', () => {
  let dynamo: TestDynamo;
  let f: FluxInstance;
  let target: Target;
  const clock = createFakeClock(Date.now());
  let n = 0;

  beforeAll(async () => {
    dynamo = await createTestDynamo();
    target = await startTarget();
    f = startFlux(dynamo, { clock });
    await f.service.registerExecutors([{ alias: 'hook', method: 'http', identification: target.url }], USER);
  });
  afterAll(async () => {
    await f?.stop();
    await target?.close();
    dynamo?.destroy();
  });

  /** Fresh tables A, B (origins), O (optional origin) and D (needs A and B, optionally O), named for this test. */
  async function graph(options: { approval?: boolean; debounce?: number } = {}) {
    const id = ++n;
    const names = { a: `A${id}`, b: `B${id}`, o: `O${id}`, d: `D${id}` };
    await f.service.registerTables(
      [
        { name: names.a, partitions: [MONTH_PARTITION] },
        { name: names.b, partitions: [MONTH_PARTITION, { name: 'regiao', type: 'string' }] },
        { name: names.o, partitions: [MONTH_PARTITION] },
        {
          name: names.d,
          requires_approval: options.approval ?? false,
          partitions: [MONTH_PARTITION],
          dependencies: [
            { table: names.a, is_required: true },
            { dependency_name: names.b, is_required: true },
            { table: names.o, is_required: false },
          ],
          tasks: [{ alias: 'load', task_executor: 'hook', params: { mes: '{{ partitions.ano_mes_referencia }}' }, debounce_seconds: options.debounce ?? 30 }],
        },
      ],
      USER,
    );
    return names;
  }

  const report = (table: string, value: string, extra: Record<string, unknown> = {}) =>
    f.service.registerExecutions([{ table_name: table, partitions: month(value), source: 'glue', ...extra }]);
  const schedulesOf = async (table: string) => (await f.service.schedules(undefined, 1_000)).filter((s) => s.table === table);

  it('when only one of two required dependencies lands, then no schedule is opened', async () => {
    const t = await graph();
    await report(t.a, '202401');
    expect(await schedulesOf(t.d)).toEqual([]);
  });

  it('when both required dependencies land for the same month, then exactly one pending schedule opens, due after the debounce', async () => {
    const t = await graph();
    await report(t.a, '202401');
    const answer = await report(t.b, '202401');
    const [schedule, ...more] = await schedulesOf(t.d);
    expect(more).toEqual([]);
    expect(answer.details[0].schedules).toEqual([{ id: schedule.id, table: t.d, task: 'load', action: 'opened' }]);
    expect(schedule).toMatchObject({
      status: 'pending',
      partitions: { ano_mes_referencia: '202401' },
      due_time: new Date(clock.now() + 30_000).toISOString(),
      trigger: { table: t.b, execution_id: answer.details[0].execution_id },
    });
  });

  it('when a dependent is registered after its dependencies reported, then nothing opens until one of them reports again, which finds the others', async () => {
    const id = ++n;
    const [a, b, d] = [`LA${id}`, `LB${id}`, `LD${id}`];
    await f.service.registerTables(
      [a, b].map((name) => ({ name, partitions: [MONTH_PARTITION] })),
      USER,
    );
    await report(a, '202401');
    await report(b, '202401');
    await f.service.registerTables(
      [
        {
          name: d,
          partitions: [MONTH_PARTITION],
          dependencies: [a, b].map((table) => ({ table, is_required: true })),
          tasks: [{ alias: 'load', executor: 'hook', debounce_seconds: 30 }],
        },
      ],
      USER,
    );
    expect(await schedulesOf(d)).toEqual([]);
    const again = await report(b, '202401');
    const [schedule, ...more] = await schedulesOf(d);
    expect([more, again.details[0].schedules]).toEqual([[], [{ id: schedule.id, table: d, task: 'load', action: 'opened' }]]);
  });

  it('when the required dependencies landed for different months, then nothing is ready (an execution of another month does not count)', async () => {
    const t = await graph();
    await report(t.a, '202401');
    await report(t.b, '202402');
    expect(await schedulesOf(t.d)).toEqual([]);
  });

  it('when an optional dependency has no execution, then it does not block', async () => {
    const t = await graph();
    await report(t.a, '202403');
    await report(t.b, '202403');
    expect(await schedulesOf(t.d)).toHaveLength(1);
  });

  it('when the same batch is reported twice, then there is still one schedule', async () => {
    const t = await graph();
    for (let i = 0; i < 2; i++) {
      await report(t.a, '202404');
      await report(t.b, '202404');
    }
    expect(await schedulesOf(t.d)).toHaveLength(1);
  });

  it('when a trigger arrives inside the debounce window, then the due time moves to now + debounce and the newest trigger is recorded', async () => {
    const t = await graph({ debounce: 30 });
    await report(t.a, '202405');
    await report(t.b, '202405');
    clock.advance(20_000);
    const again = await report(t.a, '202405');
    const [schedule] = await schedulesOf(t.d);
    expect(again.details[0].schedules[0].action).toBe('extended');
    expect(schedule.due_time).toBe(new Date(clock.now() + 30_000).toISOString());
    expect(schedule.trigger?.execution_id).toBe(again.details[0].execution_id);
  });

  it('when the dependencies land for two months, then each month has its own schedule (values never merge)', async () => {
    const t = await graph();
    for (const m of ['202406', '202407']) {
      await report(t.a, m);
      await report(t.b, m);
    }
    const months = (await schedulesOf(t.d)).map((s) => s.partitions.ano_mes_referencia).sort();
    expect(months).toEqual(['202406', '202407']);
  });

  it('when a report is repeated with the same report_id, then it is one execution and the repeat answers the first', async () => {
    const t = await graph();
    const first = await report(t.a, '202408', { report_id: 'glue-run-1' });
    const repeat = await report(t.a, '202408', { report_id: 'glue-run-1' });
    expect(repeat.details[0]).toMatchObject({ execution_id: first.details[0].execution_id, duplicate: true });
    expect(await f.service.executions(t.a, undefined, 100)).toHaveLength(1);
  });

  it('when twenty reports for the same key race, then one schedule is opened and the others extend it', async () => {
    const t = await graph();
    await report(t.a, '202409');
    const answers = await Promise.all(Array.from({ length: 20 }, () => report(t.b, '202409')));
    const actions = answers.map((a) => a.details[0].schedules[0].action);
    expect(actions.filter((a) => a === 'opened')).toHaveLength(1);
    expect(await schedulesOf(t.d)).toHaveLength(1);
  });

  it('when a report misses a required partition or names an unknown one, then 400 lists both and nothing is recorded', async () => {
    const t = await graph();
    const refused = f.service.registerExecutions([
      { table_name: t.b, partitions: [{ partition_name: 'regiao', value: 'sp' }], source: 'glue' },
      { table_name: t.a, partitions: [...month('202410'), { partition_name: 'nope', value: 'x' }], source: 'glue' },
    ]);
    await expect(refused).rejects.toMatchObject({
      code: 'request.invalid',
      details: [
        { path: 'data.0.partitions', message: `the required partition ano_mes_referencia of ${t.b} is missing` },
        { path: 'data.1.partitions.1.partition_name', message: `table ${t.a} has no partition nope` },
      ],
    });
    expect(await f.service.executions(t.a, undefined, 100)).toEqual([]);
    expect(await f.service.executions(t.b, undefined, 100)).toEqual([]);
  });

  it('when a report names an unknown table, then 404 and the batch records nothing', async () => {
    const t = await graph();
    await expect(
      f.service.registerExecutions([
        { table_name: t.a, partitions: month('202411'), source: 'glue' },
        { table_name: 'Nowhere', partitions: [], source: 'glue' },
      ]),
    ).rejects.toMatchObject({ code: 'resource.notFound', details: { missing: ['Nowhere'] } });
    expect(await f.service.executions(t.a, undefined, 100)).toEqual([]);
  });

  describe('approval', () => {
    async function waiting() {
      const t = await graph({ approval: true, debounce: 10 });
      await report(t.a, '202501');
      await report(t.b, '202501');
      const [schedule] = await schedulesOf(t.d);
      const approval = (await f.service.approvals('pending', 1_000)).find((a) => a.task_schedule_id === schedule.id)!;
      return { t, schedule, approval };
    }

    it('when the dependent requires approval, then its schedule waits with a pending approval and nothing fires', async () => {
      const { schedule, approval } = await waiting();
      expect(schedule).toMatchObject({ status: 'waiting_approval', approval_id: approval.id });
      expect(schedule.due_time).toBeUndefined();
      clock.advance(3_600_000);
      await f.sweepOnce();
      expect((await f.service.getSchedule(schedule.id)).status).toBe('waiting_approval');
    });

    it('when it is approved, then the approver is recorded and the schedule is due after its debounce', async () => {
      const { schedule, approval } = await waiting();
      const answer = await f.service.approve(approval.id, 'bruno');
      expect(answer).toEqual({ message: 'Task approved successfully.', task_schedule_id: schedule.id, due_time: new Date(clock.now() + 10_000).toISOString() });
      expect(await f.service.approvals('approved', 1_000)).toContainEqual(expect.objectContaining({ id: approval.id, approver_name: 'bruno' }));
      expect((await f.service.getSchedule(schedule.id)).status).toBe('pending');
    });

    it('when it is rejected, then a later trigger for the same partitions opens nothing, and another month asks again', async () => {
      const { t, schedule, approval } = await waiting();
      await f.service.reject(approval.id, 'bruno');
      const later = await report(t.a, '202501');
      expect(later.details[0].schedules).toEqual([{ id: schedule.id, table: t.d, task: 'load', action: 'rejected' }]);
      expect((await f.service.getSchedule(schedule.id)).status).toBe('rejected');
      await report(t.a, '202502');
      await report(t.b, '202502');
      const statuses = (await schedulesOf(t.d)).map((s) => `${s.partitions.ano_mes_referencia}:${s.status}`).sort();
      expect(statuses).toEqual(['202501:rejected', '202502:waiting_approval']);
    });

    it('when a decided approval is approved or rejected again, then 409 and nothing changes', async () => {
      const { schedule, approval } = await waiting();
      await f.service.approve(approval.id, 'bruno');
      await expect(f.service.approve(approval.id, 'carla')).rejects.toMatchObject({ code: 'flux.conflict', status: 409 });
      await expect(f.service.reject(approval.id, 'carla')).rejects.toMatchObject({ code: 'flux.conflict' });
      expect((await f.service.getSchedule(schedule.id)).status).toBe('pending');
    });

    it('when two operators approve at once, then one wins and the other gets 409', async () => {
      const { approval } = await waiting();
      const outcomes = await Promise.allSettled([f.service.approve(approval.id, 'bruno'), f.service.approve(approval.id, 'carla')]);
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      expect(outcomes.find((o) => o.status === 'rejected')).toMatchObject({ reason: { code: 'flux.conflict' } });
    });
  });

  describe('registration', () => {
    it('when an update would close a dependency cycle, then 400 names the cycle and the table is unchanged', async () => {
      const id = ++n;
      await f.service.registerTables(
        [{ name: `X${id}` }, { name: `Y${id}`, dependencies: [{ table: `X${id}` }] }, { name: `Z${id}`, dependencies: [{ table: `Y${id}` }] }],
        USER,
      );
      await expect(f.service.updateTable(`X${id}`, { dependencies: [{ table: `Z${id}` }] }, USER)).rejects.toMatchObject({
        code: 'request.invalid',
        details: [{ path: 'data.dependencies', message: `dependency cycle: X${id} → Z${id} → Y${id} → X${id}` }],
      });
      expect((await f.service.getTable(`X${id}`)).dependencies).toEqual([]);
    });

    it('when a table depends on itself, then 400 names the cycle', async () => {
      await expect(f.service.registerTables([{ name: 'Self', dependencies: [{ table: 'Self' }] }], USER)).rejects.toMatchObject({
        details: [{ path: 'data.0.dependencies', message: 'dependency cycle: Self → Self' }],
      });
    });

    it('when a batch has several bad items, then 400 lists every problem and no item is written', async () => {
      const id = ++n;
      await expect(
        f.service.registerTables(
          [
            { name: `Good${id}` },
            { name: `Bad${id}`, dependencies: [{ table: 'Missing' }], tasks: [{ alias: 't', executor: 'nobody', params: '{{ x' }] },
            { name: 'bad name!', id: 7 },
          ],
          USER,
        ),
      ).rejects.toMatchObject({
        code: 'request.invalid',
        details: expect.arrayContaining([expect.objectContaining({ path: 'data.2.name' }), expect.objectContaining({ path: 'data.2' })]),
      });
      const second = f.service.registerTables(
        [{ name: `Good${id}` }, { name: `Bad${id}`, dependencies: [{ table: 'Missing' }], tasks: [{ alias: 't', executor: 'nobody', params: '{{ x' }] }],
        USER,
      );
      await expect(second).rejects.toMatchObject({
        details: [
          { path: 'data.1.dependencies.0.table', message: 'unknown table Missing (register it first, or earlier in the list)' },
          { path: 'data.1.tasks.0.executor', message: 'unknown executor nobody (POST /flux/task_executor first)' },
          { path: 'data.1.tasks.0.params', message: expect.stringContaining('template:') },
        ],
      });
      await expect(f.service.getTable(`Good${id}`)).rejects.toMatchObject({ code: 'resource.notFound' });
    });

    it('when a table is deleted, then it is kept with who deleted it, is no longer listed, and its reports are 404', async () => {
      const t = await graph();
      await f.service.deleteTable(t.a, 'bruno');
      const kept = await dynamo.doc.send(new GetCommand({ TableName: dynamo.tables.flux, Key: { pk: `table#${t.a}`, sk: 'def' } }));
      expect(kept.Item).toMatchObject({ name: t.a, deleted_by: 'bruno', deleted_at: expect.any(String) });
      expect((await f.service.listTables()).map((x) => x.name)).not.toContain(t.a);
      await expect(report(t.a, '202412')).rejects.toMatchObject({ code: 'resource.notFound' });
    });
  });
});
