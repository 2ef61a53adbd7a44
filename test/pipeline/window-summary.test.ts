import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createFakeClock } from '../../src/kernel/clock.js';
import { quantileOf, WindowSummary } from '../../src/pipeline/window-summary.js';

describe('window summary (quantiles of the last minutes, prom-client exposition)', () => {
  it('when values are observed, then the quantiles are exact over them and the totals count every observation', () => {
    const clock = createFakeClock(0);
    const summary = new WindowSummary('t', 'h', { maxAgeMs: 60_000, capacity: 1000, now: clock.now });
    for (let v = 1; v <= 101; v++) summary.observe(v);
    expect(summary.read()).toEqual({ p50: 51, p95: 96, p99: 100, count: 101, sum: 5151 });
  });

  it('when observations grow older than the window, then they leave the quantiles but not the totals', () => {
    const clock = createFakeClock(0);
    const summary = new WindowSummary('t', 'h', { maxAgeMs: 60_000, capacity: 1000, now: clock.now });
    summary.observe(1000);
    clock.advance(61_000);
    summary.observe(10);
    expect(summary.read()).toMatchObject({ p50: 10, p99: 10, count: 2, sum: 1010 });
    clock.advance(61_000);
    expect(summary.read()).toMatchObject({ p50: null, p95: null, p99: null, count: 2 });
  });

  it('when more than the capacity is observed, then only the latest observations count', () => {
    const summary = new WindowSummary('t', 'h', { maxAgeMs: 60_000, capacity: 4, now: () => 0 });
    for (const v of [100, 100, 100, 1, 2, 3, 4]) summary.observe(v);
    const read = summary.read();
    expect(read).toMatchObject({ p50: 2.5, count: 7 });
    expect(read.p99).toBeCloseTo(3.97);
  });

  it('when a registry exposes it, then it reads as a Prometheus summary', async () => {
    const registry = new Registry();
    const summary = new WindowSummary('orchestrator_x_ms', 'X, ms', { maxAgeMs: 60_000, capacity: 16, registers: [registry] });
    summary.observe(2);
    summary.observe(4);
    const text = await registry.metrics();
    expect(text).toContain('# TYPE orchestrator_x_ms summary');
    expect(text).toContain('orchestrator_x_ms{quantile="0.5"} 3');
    expect(text).toContain('orchestrator_x_ms_sum 6');
    expect(text).toContain('orchestrator_x_ms_count 2');
    registry.resetMetrics();
    expect(summary.read()).toMatchObject({ count: 0, p50: null });
  });

  it('quantileOf interpolates between ranks and has none for no values', () => {
    expect(quantileOf([], 0.5)).toBeNull();
    expect(quantileOf([10], 0.99)).toBe(10);
    expect(quantileOf([0, 10], 0.5)).toBe(5);
  });
});
