import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Clock } from '../kernel/clock.js';

export interface TurnSchedulerOptions {
  /** Most turns at once (INBOX_CONCURRENCY); the limit adapts between 1 and this. */
  maxConcurrent: number;
  /** Event-loop delay (ms beyond the expected, p99 of the last window) above which fewer turns run at once. */
  targetDelayMs: number;
  /** How often the limit is reconsidered (default 100 ms). */
  adaptEveryMs?: number;
  /** Reads the event-loop delay of the window since its last call, in ms (see `createLoopDelayProbe`). */
  probe: () => number;
  /**
   * Acknowledgement latency (the inbox's durable write, ms) above which fewer turns run at once:
   * turns' requests queue in DynamoDB ahead of the acks' writes too, not only on our event loop.
   */
  ackTargetMs?: number;
  clock: Clock;
  /** Runs `fn` once pending I/O has had its turn (setImmediate; tests pass their own). */
  defer?: (fn: () => void) => void;
}

/**
 * Starts the inbox's turns so that acknowledgements never queue behind them: a turn is not started
 * where it was queued but from a drain that runs in `setImmediate` — after the poll phase, so the
 * deliveries and DynamoDB answers already waiting (the acks) are handled first — and only one per
 * drain, so each start yields again. How many run at once adapts: halved while the event loop lags
 * beyond `targetDelayMs` or an ack's write took longer than `ackTargetMs` (turn work is delaying
 * acks, here or in DynamoDB), raised by one while turns wait and neither does.
 */
export class TurnScheduler {
  private readonly waiting: (() => void)[] = [];
  private active = 0;
  private current: number;
  private drainQueued = false;
  private adaptedAt: number;
  private readonly defer: (fn: () => void) => void;
  /** The slowest ack seen in the current period. */
  private slowestAck = 0;

  constructor(private readonly options: TurnSchedulerOptions) {
    this.current = options.maxConcurrent;
    this.adaptedAt = options.clock.now();
    this.defer = options.defer ?? ((fn) => setImmediate(fn));
  }

  /** Runs `fn` once the drain starts it; resolves or rejects with its outcome. FIFO among waiting turns. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    await new Promise<void>((resolve) => {
      this.waiting.push(resolve);
      this.schedule();
    });
    try {
      return await fn();
    } finally {
      this.active--;
      this.schedule();
    }
  }

  /** Records how long an acknowledgement's durable write took (ms). */
  observeAck(ms: number): void {
    if (ms > this.slowestAck) this.slowestAck = ms;
  }

  /** Turns waiting to start. */
  get backlog(): number {
    return this.waiting.length;
  }

  /** Turns running now. */
  get running(): number {
    return this.active;
  }

  /** How many may run at once now. */
  get limit(): number {
    return this.current;
  }

  private schedule() {
    if (this.drainQueued || !this.waiting.length) return;
    this.drainQueued = true;
    this.defer(() => this.drain());
  }

  /** Starts at most one turn, then yields again while more may start. */
  private drain() {
    this.drainQueued = false;
    this.adapt();
    if (this.active >= this.current) return;
    const start = this.waiting.shift();
    if (!start) return;
    this.active++;
    start();
    this.schedule();
  }

  private adapt() {
    const now = this.options.clock.now();
    if (now - this.adaptedAt < (this.options.adaptEveryMs ?? 100)) return;
    this.adaptedAt = now;
    const delay = this.options.probe();
    const slowestAck = this.slowestAck;
    this.slowestAck = 0;
    const pressed = delay > this.options.targetDelayMs || slowestAck > (this.options.ackTargetMs ?? Infinity);
    if (pressed) this.current = Math.max(1, Math.floor(this.current / 2));
    else if (this.waiting.length) this.current = Math.min(this.options.maxConcurrent, this.current + 1);
  }
}

/**
 * The event loop's delay (p99 beyond the sampling interval, ms) since the last read, from
 * perf_hooks.monitorEventLoopDelay; `stop` disables the histogram.
 */
export function createLoopDelayProbe(resolutionMs = 10): { read: () => number; stop: () => void } {
  const histogram = monitorEventLoopDelay({ resolution: resolutionMs });
  histogram.enable();
  return {
    read() {
      const p99 = histogram.count ? histogram.percentile(99) / 1e6 - resolutionMs : 0;
      histogram.reset();
      return Math.max(0, p99);
    },
    stop: () => histogram.disable(),
  };
}
