import type { Clock } from '../kernel/clock.js';
import { quantiles, total, type Metrics } from './metrics.js';

const MINUTE = 60_000;

/** Cumulative figures of the metrics at one minute (the last sample taken in it). */
interface Snapshot {
  minute: number;
  turns: number;
  latencySumMs: number;
  failed: number;
  p95: number | null;
}

/** One minute of the last hour: what happened between the previous sample and this minute's. */
export interface MinutePoint {
  /** Start of the minute, epoch ms. */
  at: number;
  /** Committed turns. */
  turns: number;
  /** Mean turn latency of those turns (null: none committed). */
  meanLatencyMs: number | null;
  /** p95 of the summary's sliding window (10 min) when sampled. */
  p95LatencyMs: number | null;
  /** Turns that failed before commit. */
  failed: number;
}

/**
 * The last `minutes` of turn latency and errors, minute by minute, for the console's charts: an
 * in-process ring of cumulative snapshots of the metrics (taken every minute and on every read),
 * so a minute's point is the difference between two snapshots. Per instance, like the metrics it
 * reads; nothing is stored. A minute without a sample is a gap (the process was down or busy).
 */
export function createTurnHistory(deps: { metrics: Pick<Metrics, 'turnLatency' | 'turnsFailed'>; clock: Clock; minutes?: number }) {
  const minutes = deps.minutes ?? 60;
  // One more slot than the window: the snapshot just before it is the first point's baseline.
  const ring: (Snapshot | undefined)[] = new Array<Snapshot | undefined>(minutes + 1);
  let timer: ReturnType<typeof setInterval> | undefined;
  /** The minute of the first sample: the counters started from zero just before it. */
  let firstMinute: number | undefined;

  async function sample(): Promise<void> {
    const minute = Math.floor(deps.clock.now() / MINUTE);
    const failed = await total(deps.metrics.turnsFailed);
    // One read: the window is sorted once.
    const latency = deps.metrics.turnLatency.read();
    const q = quantiles(latency);
    firstMinute ??= minute;
    ring[minute % ring.length] = { minute, turns: latency.count, latencySumMs: latency.sum, failed, p95: q.p95 };
  }

  return {
    sample,

    /** The window's minutes, oldest first; null where no sample was taken. */
    async points(): Promise<(MinutePoint | null)[]> {
      await sample();
      const current = Math.floor(deps.clock.now() / MINUTE);
      const at = (m: number) => {
        const s = ring[m % ring.length];
        return s?.minute === m ? s : undefined;
      };
      let previous = at(current - minutes);
      const out: (MinutePoint | null)[] = [];
      for (let m = current - minutes + 1; m <= current; m++) {
        const s = at(m);
        if (!s) {
          out.push(null);
          continue;
        }
        // No earlier sample in the ring: zero is the baseline only for the very first sample.
        if (!previous && m !== firstMinute) {
          out.push(null);
          previous = s;
          continue;
        }
        const base = previous ?? { turns: 0, latencySumMs: 0, failed: 0 };
        const turns = s.turns - base.turns;
        out.push({
          at: m * MINUTE,
          turns,
          meanLatencyMs: turns > 0 ? Math.round(((s.latencySumMs - base.latencySumMs) / turns) * 10) / 10 : null,
          p95LatencyMs: s.p95,
          failed: s.failed - base.failed,
        });
        previous = s;
      }
      return out;
    },

    /** Samples now and every minute (unref'd: it never keeps the process alive). */
    start() {
      if (timer) return;
      // A failed read of the in-process metrics only leaves a gap in the chart.
      const tick = () => void sample().catch(() => undefined);
      tick();
      timer = setInterval(tick, MINUTE);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}

export type TurnHistory = ReturnType<typeof createTurnHistory>;
