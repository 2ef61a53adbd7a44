import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createFluxScheduleStore } from '../../src/infra/stores/flux-schedule-store.js';
import { createFakeClock, systemClock } from '../../src/kernel/clock.js';
import { createDynamo } from '../../src/infra/dynamo/client.js';
import { createTestDynamo, LOCAL_CREDENTIALS, type TestDynamo } from '../support/dynamo.js';
import { MONTH_PARTITION, USER, month, startFlux, startTarget, type FluxInstance, type Target } from '../support/flux.js';

/**
 * Due times fire once: sub-minute, across instances, after a restart or a claimer's crash; the http
 * executor's retries; definitions cached per registry version (src/flux/definitions.ts) and seen
 * changed by the next firing or report on any instance; a wake-up at each local due time.
 */
describe('flux firing: due times and the http executor', () => {
  let dynamo: TestDynamo;
  const clock = createFakeClock(Date.now());
  const instances: FluxInstance[] = [];
  const targets: Target[] = [];
  let n = 0;
  /** The same tables through another DynamoDB client: another instance of the service. */
  const anotherClient = (): TestDynamo => ({ ...dynamo, ...createDynamo({ region: 'sa-east-1', endpoint: dynamo.endpoint, credentials: LOCAL_CREDENTIALS }) });

  // Fresh tables for each test: what one test leaves due must not fire in the next.
  beforeEach(async () => {
    dynamo = await createTestDynamo();
  });
  afterEach(async () => {
    for (const i of instances.splice(0)) await i.stop();
    for (const t of targets.splice(0)) await t.close();
    dynamo?.destroy();
  });

  const instance = (options: Parameters<typeof startFlux>[1] = {}, on = dynamo) => {
    const f = startFlux(on, { clock, ...options });
    instances.push(f);
    return f;
  };
  const target = async (...args: Parameters<typeof startTarget>) => {
    const t = await startTarget(...args);
    targets.push(t);
    return t;
  };

  /** An origin table S and a dependent T whose task posts to `url`; the names are this test's. */
  async function pipeline(
    f: FluxInstance,
    url: string,
    params: string | Record<string, unknown> = { mes: '{{ partitions.ano_mes_referencia | int - 1 }}' },
    debounce = 5,
  ) {
    const id = ++n;
    const names = { s: `S${id}`, t: `T${id}`, executor: `hook${id}` };
    await f.service.registerExecutors([{ alias: names.executor, method: 'http', identification: url }], USER);
    await f.service.registerTables(
      [
        { name: names.s, partitions: [MONTH_PARTITION] },
        {
          name: names.t,
          partitions: [MONTH_PARTITION],
          dependencies: [{ table: names.s, is_required: true }],
          tasks: [{ alias: 'load', executor: names.executor, params, debounce_seconds: debounce }],
        },
      ],
      USER,
    );
    return names;
  }
  const land = async (f: FluxInstance, table: string, value = '202402') =>
    (await f.service.registerExecutions([{ table_name: table, partitions: month(value), source: 'glue' }])).details[0];

  it('when a 5-second debounce elapses, then the schedule fires at its due time, not before, with the envelope and the schedule id as Idempotency-Key', async () => {
    const f = instance();
    const peer = await target();
    const t = await pipeline(f, peer.url);
    const landed = await land(f, t.s);
    const id = landed.schedules[0].id;
    clock.advance(4_999);
    expect(await f.sweepOnce()).toBe(0);
    clock.advance(1);
    expect(await f.sweepOnce()).toBe(1);
    expect(peer.received).toEqual([
      {
        key: id,
        body: {
          execution_id: landed.execution_id,
          table: t.t,
          source: 'glue',
          date_time: expect.any(String),
          task_schedule_id: id,
          payload: { mes: '202401' },
        },
      },
    ]);
    expect(await f.service.getSchedule(id)).toMatchObject({ status: 'in_progress', stage: 'started', payload: { mes: '202401' }, attempts: 1 });
  });

  it('when the callee reports completion with task_schedule_id, then the schedule is completed with that execution, and never fires again', async () => {
    const f = instance();
    const peer = await target();
    const t = await pipeline(f, peer.url);
    const id = (await land(f, t.s)).schedules[0].id;
    clock.advance(5_000);
    await f.sweepOnce();
    const done = await f.service.registerExecutions([{ table_name: t.t, partitions: month('202402'), source: 'callee', task_schedule_id: id }]);
    expect(await f.service.getSchedule(id)).toMatchObject({ status: 'completed', result_execution_id: done.details[0].execution_id });
    clock.advance(366 * 86_400_000);
    expect(await f.sweepOnce()).toBe(0);
    expect(peer.received).toHaveLength(1);
    await expect(
      f.service.registerExecutions([{ table_name: t.t, partitions: month('202402'), source: 'callee', task_schedule_id: id }]),
    ).rejects.toMatchObject({
      code: 'flux.conflict',
    });
  });

  it('when the target fails twice and then succeeds, then it is called three times with one Idempotency-Key and its effect happens once', async () => {
    const f = instance();
    const peer = await target((_r, k) => (k <= 2 ? 503 : 202));
    const t = await pipeline(f, peer.url);
    const id = (await land(f, t.s)).schedules[0].id;
    clock.advance(5_000);
    await f.sweepOnce();
    expect(peer.received.map((r) => r.key)).toEqual([id, id, id]);
    expect([...peer.effects.keys()]).toEqual([id]);
    expect((await f.service.getSchedule(id)).status).toBe('in_progress');
  });

  it('when the target refuses the call, then the schedule is failed with the error (not left in progress)', async () => {
    const f = instance();
    const peer = await target(() => 422);
    const t = await pipeline(f, peer.url);
    const id = (await land(f, t.s)).schedules[0].id;
    clock.advance(5_000);
    await f.sweepOnce();
    expect(peer.received).toHaveLength(1);
    expect(await f.service.getSchedule(id)).toMatchObject({ status: 'failed', error: expect.stringContaining('HTTP 422') });
  });

  it('when a template uses an undefined variable, then the schedule fails with the message and nothing is called', async () => {
    const f = instance();
    const peer = await target();
    const t = await pipeline(f, peer.url, '{"x": "{{ partitions.nope }}"}');
    const id = (await land(f, t.s)).schedules[0].id;
    clock.advance(5_000);
    await f.sweepOnce();
    expect(peer.received).toEqual([]);
    expect(await f.service.getSchedule(id)).toMatchObject({ status: 'failed', error: expect.stringMatching(/^template: .*undefined/) });
  });

  it('when two instances sweep 200 due schedules at once, then each schedule fires exactly once', async () => {
    const peer = await target();
    const a = instance();
    const b = instance({}, anotherClient());
    const t = await pipeline(a, peer.url, {}, 1);
    const months = Array.from({ length: 200 }, (_, i) => String(100_000 + i));
    for (let i = 0; i < months.length; i += 20)
      await a.service.registerExecutions(months.slice(i, i + 20).map((m) => ({ table_name: t.s, partitions: month(m), source: 'glue' })));
    clock.advance(1_000);
    const [firedA, firedB] = await Promise.all([a.sweepOnce(), b.sweepOnce()]);
    expect(firedA + firedB).toBe(200);
    // Each schedule was claimed once; a slow answer may be retried, under the same key: one effect each.
    const fired = await a.service.schedules('in_progress', 1_000);
    expect(fired.map((s) => s.attempts)).toEqual(Array.from({ length: 200 }, () => 1));
    expect(peer.effects.size).toBe(200);
    expect(new Set(peer.received.map((r) => r.key)).size).toBe(200);
  }, 120_000);

  it('when the instance that opened a schedule stops before its due time, then a restarted instance fires it once', async () => {
    const peer = await target();
    const first = instance();
    const t = await pipeline(first, peer.url);
    const id = (await land(first, t.s)).schedules[0].id;
    await first.stop();
    clock.advance(5_000);
    const restarted = instance({}, anotherClient());
    expect(await restarted.sweepOnce()).toBe(1);
    expect(await restarted.sweepOnce()).toBe(0);
    expect(peer.received.map((r) => r.key)).toEqual([id]);
  });

  it('when a claimer dies before starting the executor, then the schedule fires again after the lease, with the same Idempotency-Key', async () => {
    const peer = await target();
    const f = instance({ leaseMs: 5_000 });
    const t = await pipeline(f, peer.url);
    const id = (await land(f, t.s)).schedules[0].id;
    clock.advance(5_000);
    // The dead instance's claim: the conditional write happened, nothing after it.
    const store = createFluxScheduleStore({ doc: dynamo.doc, tableName: dynamo.tables.flux, clock });
    expect(await store.claim(id, clock.now(), 5_000, 'dead-instance')).toMatchObject({ status: 'in_progress', stage: 'starting' });
    expect(await f.sweepOnce()).toBe(0);
    clock.advance(5_000);
    expect(await f.sweepOnce()).toBe(1);
    expect(peer.received.map((r) => r.key)).toEqual([id]);
    expect(await f.service.getSchedule(id)).toMatchObject({ status: 'in_progress', stage: 'started', attempts: 2 });
  });

  describe('definitions cached per registry version, and due-time wake-ups', () => {
    const dependent = (names: { s: string; executor: string }, name: string, params: Record<string, unknown>, debounce: number) => ({
      name,
      partitions: [MONTH_PARTITION],
      dependencies: [{ table: names.s, is_required: true }],
      tasks: [{ alias: 'load', executor: names.executor, params, debounce_seconds: debounce }],
    });

    /** Lands a partition of `table` in `f`, lets its debounce pass, and sees exactly one firing. */
    const landAndFire = async (f: FluxInstance, table: string, value: string) => {
      await land(f, table, value);
      clock.advance(5_000);
      expect(await f.sweepOnce()).toBe(1);
    };

    it("when another instance changes a task's params with PUT /tables after a firing cached them, then the next firing renders the new params", async () => {
      const peer = await target();
      const a = instance();
      const b = instance({}, anotherClient());
      const t = await pipeline(a, peer.url, { v: 'first {{ partitions.ano_mes_referencia }}' });
      await landAndFire(a, t.s, '202401');
      await b.service.updateTable(t.t, dependent(t, t.t, { v: 'second {{ partitions.ano_mes_referencia }}' }, 5), USER);
      await landAndFire(a, t.s, '202402');
      expect(peer.received.map((r) => r.body.payload)).toEqual([{ v: 'first 202401' }, { v: 'second 202402' }]);
    });

    it('when another instance points an executor at another URL after a firing cached it, then the next firing posts to the new URL', async () => {
      const [before, after] = [await target(), await target()];
      const a = instance();
      const b = instance({}, anotherClient());
      const t = await pipeline(a, before.url, { v: '{{ partitions.ano_mes_referencia }}' });
      await landAndFire(a, t.s, '202401');
      await b.service.registerExecutors([{ alias: t.executor, method: 'http', identification: after.url }], USER);
      await landAndFire(a, t.s, '202402');
      expect([before.received.length, after.received.map((r) => r.body.payload)]).toEqual([1, [{ v: '202402' }]]);
    });

    it('when another instance registers a new dependent after a report cached the dependents, then the next report triggers it', async () => {
      const peer = await target();
      const a = instance();
      const b = instance({}, anotherClient());
      const t = await pipeline(a, peer.url);
      expect((await land(a, t.s, '202401')).schedules.map((s) => s.table)).toEqual([t.t]);
      await b.service.registerTables([dependent(t, `U${t.t}`, {}, 5)], USER);
      expect((await land(a, t.s, '202402')).schedules.map((s) => s.table)).toEqual([t.t, `U${t.t}`]);
    });

    it('when two due times are set in one instance, then each fires at its due time, not at the next sweep interval', async () => {
      const peer = await target();
      // Real time, and an interval far longer than the test: only the wake-ups at due times can fire them.
      const f = instance({ clock: systemClock, sweepIntervalMs: 600_000 });
      const t = await pipeline(f, peer.url, {}, 1);
      await f.service.registerTables([dependent(t, `U${t.t}`, {}, 2)], USER);
      const ids = (await land(f, t.s, '202401')).schedules.map((s) => s.id);
      expect(ids).toHaveLength(2);
      await vi.waitFor(() => expect(peer.received.map((r) => r.key).sort()).toEqual([...ids].sort()), { timeout: 15_000, interval: 20 });
      for (const id of ids) {
        const s = await f.service.getSchedule(id);
        expect(Date.parse(s.updated_at)).toBeGreaterThanOrEqual(Date.parse(s.due_time!));
      }
    }, 30_000);
  });
});
