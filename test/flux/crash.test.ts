import type { ChildProcess } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../src/kernel/clock.js';
import { createTestDynamo, type TestDynamo } from '../support/dynamo.js';
import { MONTH_PARTITION, month, startTarget, type Target } from '../support/flux.js';
import { startServerProcess } from '../support/server-process.js';
import { OPS_TOKEN, startTestService, type TestService } from '../support/service.js';

/** Real processes: a server SIGKILLed with a schedule open, or in the middle of firing it; another instance fires it once. */
describe('flux schedules across a crashed process', () => {
  let dynamo: TestDynamo;
  let server: ChildProcess | undefined;
  let rescuer: TestService | undefined;
  let peer: Target | undefined;

  beforeEach(async () => {
    dynamo = await createTestDynamo();
  });
  afterEach(async () => {
    server?.kill('SIGKILL');
    await rescuer?.stop();
    await peer?.close();
    dynamo?.destroy();
  });

  const call = async (url: string, path: string, body: unknown) => {
    const res = await fetch(`${url}/flux${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${OPS_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(201);
    return (await res.json()) as { details: { schedules: { id: string }[] }[] };
  };

  /** A server process with origin S → T (http executor to the peer, `debounce` seconds); a landed S; the schedule id. */
  async function openSchedule(debounce: number, env: Record<string, string> = {}) {
    const first = await startServerProcess(dynamo, { FLUX_SWEEP_INTERVAL_MS: '50', FLUX_LEASE_MS: '1000', FLUX_HTTP_MAX_ATTEMPTS: '1', ...env });
    server = first.child;
    await call(first.url, '/task_executor', { data: [{ alias: 'peer', method: 'http', identification: peer!.url }], user: 'ana' });
    await call(first.url, '/tables', {
      data: [
        { name: 'S', partitions: [MONTH_PARTITION] },
        {
          name: 'T',
          partitions: [MONTH_PARTITION],
          dependencies: [{ table: 'S', is_required: true }],
          tasks: [{ alias: 'go', executor: 'peer', debounce_seconds: debounce }],
        },
      ],
      user: 'ana',
    });
    const landed = await call(first.url, '/register_execution', { data: [{ table_name: 'S', partitions: month('202402'), source: 'glue' }], user: 'ana' });
    return landed.details[0].schedules[0].id;
  }

  const kill = async () => {
    server!.kill('SIGKILL');
    await new Promise((resolve) => server!.once('exit', resolve));
  };
  const rescue = async () => {
    rescuer = await startTestService({ prefix: dynamo.prefix, overrides: { clock: systemClock, fluxSweepIntervalMs: 50 } });
    return rescuer;
  };

  it('when the process that opened a schedule is killed before its due time, then another instance fires it once', async () => {
    peer = await startTarget();
    const id = await openSchedule(4);
    await kill();
    expect(peer.received).toEqual([]);
    const other = await rescue();
    await vi.waitFor(() => expect(peer!.received).toHaveLength(1), { timeout: 30_000, interval: 20 });
    expect(peer.received[0].key).toBe(id);
    await vi.waitFor(async () => expect((await other.service.flux.service.getSchedule(id)).stage).toBe('started'), { timeout: 10_000, interval: 20 });
    // Nothing left to fire: another sweep finds nothing.
    expect(await other.service.flux.sweepOnce()).toBe(0);
    expect(peer.received).toHaveLength(1);
  }, 120_000);

  it('when the process is killed while its executor call is in flight, then another instance fires it again after the lease, same Idempotency-Key, one effect', async () => {
    // The first call never answers (the process dies waiting); later ones succeed.
    peer = await startTarget((_r, n) => (n === 1 ? new Promise<number>(() => undefined) : 202));
    const id = await openSchedule(0);
    await vi.waitFor(() => expect(peer!.received).toHaveLength(1), { timeout: 30_000, interval: 20 });
    await kill();
    const other = await rescue();
    await vi.waitFor(() => expect(peer!.received).toHaveLength(2), { timeout: 30_000, interval: 20 });
    expect(peer.received.map((r) => r.key)).toEqual([id, id]);
    expect([...peer.effects.keys()]).toEqual([id]);
    await vi.waitFor(async () => expect(await other.service.flux.service.getSchedule(id)).toMatchObject({ stage: 'started', attempts: 2 }), {
      timeout: 10_000,
      interval: 20,
    });
  }, 120_000);
});
