import type { Metric, Registry } from 'prom-client';

/** The quantiles every summary reports. */
const QUANTILES = [0.5, 0.95, 0.99] as const;

export interface WindowSummaryOptions {
  /** Observations older than this leave the quantiles. */
  maxAgeMs: number;
  /** At most this many of the latest observations are kept (at a high rate the window is shorter). */
  capacity: number;
  now?: () => number;
  registers?: Registry[];
}

export interface WindowQuantiles {
  p50: number | null;
  p95: number | null;
  p99: number | null;
  /** Observations since start (not only the window's), as a summary's `_count`. */
  count: number;
  sum: number;
}

/** Pure: the q-quantile of sorted values, interpolated between the two nearest ranks. */
export function quantileOf(sorted: ArrayLike<number>, q: number): number | null {
  if (sorted.length === 0) return null;
  const at = q * (sorted.length - 1);
  const below = Math.floor(at);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below] + (sorted[above] - sorted[below]) * (at - below);
}

/**
 * A Prometheus summary (the exposition of prom-client's: quantiles, `_sum`, `_count`) whose
 * quantiles are exact over the last `maxAgeMs`, or the last `capacity` observations when there
 * are more. Observing writes two numbers into a ring, where prom-client's Summary inserts into a
 * t-digest per age bucket on every turn; the sorting happens when the quantiles are read.
 */
export class WindowSummary {
  readonly type = 'summary';
  readonly aggregator = 'sum';
  private readonly values: Float64Array;
  private readonly times: Float64Array;
  private readonly now: () => number;
  private observed = 0;
  private sum = 0;

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly options: WindowSummaryOptions,
  ) {
    this.values = new Float64Array(options.capacity);
    this.times = new Float64Array(options.capacity);
    this.now = options.now ?? Date.now;
    // prom-client's registry takes any object with its metric shape (name, help, get, reset).
    for (const registry of options.registers ?? []) registry.registerMetric(this as unknown as Metric);
  }

  observe(value: number): void {
    const slot = this.observed % this.options.capacity;
    this.values[slot] = value;
    this.times[slot] = this.now();
    this.observed += 1;
    this.sum += value;
  }

  /** The window's quantiles (null when it is empty) and the totals since start. */
  read(): WindowQuantiles {
    const since = this.now() - this.options.maxAgeMs;
    const kept = Math.min(this.observed, this.options.capacity);
    const window: number[] = [];
    for (let i = 0; i < kept; i++) if (this.times[i] >= since) window.push(this.values[i]);
    window.sort((a, b) => a - b);
    const [p50, p95, p99] = QUANTILES.map((q) => quantileOf(window, q));
    return { p50, p95, p99, count: this.observed, sum: this.sum };
  }

  /** prom-client's metric object, for the registry's exposition and JSON. */
  get() {
    const read = this.read();
    const byQuantile = { 0.5: read.p50, 0.95: read.p95, 0.99: read.p99 };
    return Promise.resolve({
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values: [
        ...QUANTILES.map((quantile) => ({ labels: { quantile }, value: byQuantile[quantile] ?? Number.NaN })),
        { metricName: `${this.name}_sum`, labels: {}, value: read.sum },
        { metricName: `${this.name}_count`, labels: {}, value: read.count },
      ],
    });
  }

  reset(): void {
    this.observed = 0;
    this.sum = 0;
  }
}
