import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFakeClock } from '../../src/kernel/clock.js';
import { byLabel, createMetrics } from '../../src/pipeline/metrics.js';
import { createRecovery } from '../../src/pipeline/recovery.js';
import { captureLogger } from '../support/logs.js';

/** Sweepers that count their calls; `fail` makes the next inbox sweep reject. */
function sweepers() {
  const calls = { inbox: 0, outbox: 0 };
  let fail = false;
  return {
    calls,
    failNext: () => void (fail = true),
    inbox: {
      sweep: async () => {
        calls.inbox++;
        if (fail) {
          fail = false;
          throw new Error('DynamoDB is unavailable');
        }
        return 1;
      },
    },
    outbox: { sweep: async () => (calls.outbox++, 0) },
  };
}

describe('createRecovery', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('when swept once, then both sweeps run and the counts are returned and logged', async () => {
    const s = sweepers();
    const { logger, lines } = captureLogger('info');
    const recovery = createRecovery({ inbox: s.inbox, outbox: s.outbox, logger, intervalMs: null });
    expect(await recovery.sweepOnce()).toEqual({ inboxTaken: 1, outboxSent: 0 });
    expect(lines.map((l) => [l.message, l.inboxTaken, l.outboxSent])).toEqual([['recovery sweep', 1, 0]]);
  });

  it('when started, then it sweeps at once and every interval until stopped', async () => {
    vi.useFakeTimers();
    const s = sweepers();
    const recovery = createRecovery({ inbox: s.inbox, outbox: s.outbox, logger: captureLogger().logger, intervalMs: 30_000 });
    recovery.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(s.calls).toEqual({ inbox: 1, outbox: 1 });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(s.calls).toEqual({ inbox: 3, outbox: 3 });
    recovery.stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(s.calls).toEqual({ inbox: 3, outbox: 3 });
  });

  it('when a sweep fails, then the failure is logged and the next tick sweeps again', async () => {
    vi.useFakeTimers();
    const s = sweepers();
    const { logger, lines } = captureLogger('warn');
    const recovery = createRecovery({ inbox: s.inbox, outbox: s.outbox, logger, intervalMs: 1_000 });
    s.failNext();
    recovery.start();
    await vi.advanceTimersByTimeAsync(1_000);
    recovery.stop();
    expect(lines.map((l) => [l.message, l.error])).toEqual([['sweep failed', 'DynamoDB is unavailable']]);
    expect(s.calls.inbox).toBe(2);
  });

  it('when sweeps succeed and fail, then the runs, the items taken over and the last run time are counted', async () => {
    const s = sweepers();
    const metrics = createMetrics();
    const clock = createFakeClock(Date.UTC(2026, 0, 1, 12));
    const recovery = createRecovery({ inbox: s.inbox, outbox: s.outbox, logger: captureLogger().logger, intervalMs: null, figures: { metrics, clock } });
    await recovery.sweepOnce();
    clock.advance(60_000);
    s.failNext();
    await expect(recovery.sweepOnce()).rejects.toThrow('DynamoDB is unavailable');
    expect(await byLabel(metrics.recoverySweeps, 'result')).toEqual({ ok: 1, failed: 1 });
    expect(await byLabel(metrics.recoveredItems, 'kind')).toEqual({ inbox: 1 });
    expect((await metrics.recoveryLastSweep.get()).values[0].value).toBe(Date.UTC(2026, 0, 1, 12, 1) / 1000);
  });

  it('when the interval is null, then start schedules nothing', async () => {
    vi.useFakeTimers();
    const s = sweepers();
    createRecovery({ inbox: s.inbox, outbox: s.outbox, logger: captureLogger().logger, intervalMs: null }).start();
    expect(vi.getTimerCount()).toBe(0);
    expect(s.calls).toEqual({ inbox: 0, outbox: 0 });
  });
});
