import { describe, expect, it } from 'vitest';
import { createFakeClock } from '../../src/kernel/clock.js';
import { createMetrics } from '../../src/pipeline/metrics.js';
import { createTurnHistory } from '../../src/pipeline/turn-history.js';

const T0 = Date.UTC(2026, 10, 30, 12, 0, 10);

describe('turn history (the last hour, minute by minute)', () => {
  it('when turns are observed over several minutes, then each minute shows its own turns, mean latency and failures', async () => {
    const metrics = createMetrics();
    const clock = createFakeClock(T0);
    const history = createTurnHistory({ metrics, clock, minutes: 5 });
    metrics.turnLatency.observe(10);
    metrics.turnLatency.observe(30);
    await history.sample();
    clock.advance(60_000);
    metrics.turnLatency.observe(100);
    metrics.turnsFailed.inc({ code: 'x' });
    const points = await history.points();
    expect(points).toHaveLength(5);
    expect(points.slice(0, 3)).toEqual([null, null, null]);
    expect(points[3]).toMatchObject({ at: Date.UTC(2026, 10, 30, 12, 0), turns: 2, meanLatencyMs: 20, failed: 0 });
    expect(points[4]).toMatchObject({ at: Date.UTC(2026, 10, 30, 12, 1), turns: 1, meanLatencyMs: 100, failed: 1 });
  });

  it('when minutes pass without a sample, then they are gaps and the next sample covers them', async () => {
    const metrics = createMetrics();
    const clock = createFakeClock(T0);
    const history = createTurnHistory({ metrics, clock, minutes: 5 });
    await history.sample();
    clock.advance(3 * 60_000);
    metrics.turnLatency.observe(50);
    const points = await history.points();
    expect(points.map((p) => p && p.turns)).toEqual([null, 0, null, null, 1]);
  });

  it('when older samples left the window, then the oldest kept minute has no baseline and is a gap, not everything since start', async () => {
    const metrics = createMetrics();
    const clock = createFakeClock(T0);
    const history = createTurnHistory({ metrics, clock, minutes: 3 });
    metrics.turnLatency.observe(1);
    await history.sample();
    clock.advance(3 * 60_000);
    metrics.turnLatency.observe(1);
    await history.sample();
    clock.advance(60_000);
    metrics.turnLatency.observe(1);
    const points = await history.points();
    expect(points.map((p) => p && p.turns)).toEqual([null, null, 1]);
  });
});
