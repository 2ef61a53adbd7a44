import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDynamo } from '../../src/infra/dynamo/client.js';
import { createFakeClock, systemClock } from '../../src/kernel/clock.js';
import { createTestDynamo, LOCAL_CREDENTIALS, type TestDynamo } from '../support/dynamo.js';
import { MONTH_PARTITION, USER, month, startFlux, startTarget, type FluxInstance, type Target } from '../support/flux.js';

/**
 * Definitions are cached per registry version (src/flux/definitions.ts): a change answered before a
 * sweep or a report starts is seen by it, on any instance. And a due time set in an instance wakes
 * its sweeper at that time, each one, not at the next interval.
 */
describe('flux definitions cache and due-time wake-ups', () => {
  let dynamo: TestDynamo;
  const instances: FluxInstance[] = [];
  const targets: Target[] = [];
  /** The same tables through another DynamoDB client: another instance of the service. */
  const anotherClient = (): TestDynamo => ({ ...dynamo, ...createDynamo({ region: 'sa-east-1', endpoint: dynamo.endpoint, credentials: LOCAL_CREDENTIALS }) });

  beforeEach(async () => {
    dynamo = await createTestDynamo();
  });
  afterEach(async () => {
    for (const i of instances.splice(0)) await i.stop();
    for (const t of targets.splice(0)) await t.close();
    dynamo?.destroy();
  });

  const instance = (options: Parameters<typeof startFlux>[1] = {}, on = dynamo) => {
    const f = startFlux(on, options);
    instances.push(f);
    return f;
  };
  const target = async () => {
    const t = await startTarget();
    targets.push(t);
    return t;
  };
  const table = (params: Record<string, unknown>, debounce: number, executor = 'hook') => ({
    name: 'T',
    partitions: [MONTH_PARTITION],
    dependencies: [{ table: 'S', is_required: true }],
    tasks: [{ alias: 'load', executor, params, debounce_seconds: debounce }],
  });
  async function pipeline(f: FluxInstance, url: string, debounce = 5) {
    await f.service.registerExecutors([{ alias: 'hook', method: 'http', identification: url }], USER);
    await f.service.registerTables([{ name: 'S', partitions: [MONTH_PARTITION] }, table({ v: 'first {{ partitions.ano_mes_referencia }}' }, debounce)], USER);
  }
  const land = async (f: FluxInstance, value: string) =>
    (await f.service.registerExecutions([{ table_name: 'S', partitions: month(value), source: 'glue' }])).details[0];

  it("when another instance changes a task's params with PUT /tables after a firing cached them, then the next firing renders the new params", async () => {
    const clock = createFakeClock(Date.now());
    const peer = await target();
    const a = instance({ clock });
    const b = instance({ clock }, anotherClient());
    await pipeline(a, peer.url);
    await land(a, '202401');
    clock.advance(5_000);
    expect(await a.sweepOnce()).toBe(1);
    await b.service.updateTable('T', table({ v: 'second {{ partitions.ano_mes_referencia }}' }, 5), USER);
    await land(a, '202402');
    clock.advance(5_000);
    expect(await a.sweepOnce()).toBe(1);
    expect(peer.received.map((r) => r.body.payload)).toEqual([{ v: 'first 202401' }, { v: 'second 202402' }]);
  });

  it('when another instance points an executor at another URL after a firing cached it, then the next firing posts to the new URL', async () => {
    const clock = createFakeClock(Date.now());
    const [before, after] = [await target(), await target()];
    const a = instance({ clock });
    const b = instance({ clock }, anotherClient());
    await pipeline(a, before.url);
    await land(a, '202401');
    clock.advance(5_000);
    expect(await a.sweepOnce()).toBe(1);
    await b.service.registerExecutors([{ alias: 'hook', method: 'http', identification: after.url }], USER);
    await land(a, '202402');
    clock.advance(5_000);
    expect(await a.sweepOnce()).toBe(1);
    expect([before.received.length, after.received.map((r) => r.body.payload)]).toEqual([1, [{ v: 'first 202402' }]]);
  });

  it('when another instance registers a new dependent after a report cached the dependents, then the next report triggers it', async () => {
    const clock = createFakeClock(Date.now());
    const peer = await target();
    const a = instance({ clock });
    const b = instance({ clock }, anotherClient());
    await pipeline(a, peer.url);
    expect((await land(a, '202401')).schedules.map((s) => s.table)).toEqual(['T']);
    await b.service.registerTables([{ ...table({}, 5), name: 'U' }], USER);
    expect((await land(a, '202402')).schedules.map((s) => s.table)).toEqual(['T', 'U']);
  });

  it('when two due times are set in one instance, then each fires at its due time, not at the next sweep interval', async () => {
    const peer = await target();
    // An interval far longer than the test: only the wake-ups at due times can fire them.
    const f = instance({ clock: systemClock, sweepIntervalMs: 600_000 });
    await pipeline(f, peer.url, 1);
    await f.service.registerTables([{ ...table({}, 2), name: 'U' }], USER);
    const ids = (await land(f, '202401')).schedules.map((s) => s.id);
    expect(ids).toHaveLength(2);
    await vi.waitFor(() => expect(peer.received.map((r) => r.key).sort()).toEqual([...ids].sort()), { timeout: 15_000, interval: 20 });
    for (const id of ids) {
      const s = await f.service.getSchedule(id);
      expect(Date.parse(s.updated_at)).toBeGreaterThanOrEqual(Date.parse(s.due_time!));
    }
  }, 30_000);
});
