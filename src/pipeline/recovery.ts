import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/logger.js';
import type { Metrics } from './metrics.js';

export interface RecoveryDeps {
  inbox: { sweep(): Promise<number> };
  outbox: { sweep(): Promise<number> };
  logger: Logger;
  /** Period of the sweeps (RECOVERY_SWEEP_INTERVAL_MS); null: never on a timer (tests sweep by hand). */
  intervalMs: number | null;
  /** Where the sweeps' figures go (runs, items taken over, last run) for /metrics and the console's Health page. */
  figures?: { metrics: Pick<Metrics, 'recoverySweeps' | 'recoveredItems' | 'recoveryLastSweep'>; clock: Clock };
}

/**
 * The recovery sweeps: inbox messages stored but never completed (their process died) and
 * replies still unsent are taken over, at start and then every `intervalMs`. Each item is claimed
 * by a conditional write first, so sweeps of several processes never handle one item twice.
 */
export function createRecovery(deps: RecoveryDeps) {
  const { logger } = deps;
  let timer: ReturnType<typeof setInterval> | undefined;

  /** Counts a finished sweep (ok or failed) and when it finished. */
  function count(result: 'ok' | 'failed', taken = { inbox: 0, outbox: 0 }) {
    const figures = deps.figures;
    if (!figures) return;
    figures.metrics.recoverySweeps.inc({ result });
    if (taken.inbox) figures.metrics.recoveredItems.inc({ kind: 'inbox' }, taken.inbox);
    if (taken.outbox) figures.metrics.recoveredItems.inc({ kind: 'outbox' }, taken.outbox);
    figures.metrics.recoveryLastSweep.set(figures.clock.now() / 1000);
  }

  async function sweepOnce(): Promise<{ inboxTaken: number; outboxSent: number }> {
    let inboxTaken: number, outboxSent: number;
    try {
      [inboxTaken, outboxSent] = await Promise.all([deps.inbox.sweep(), deps.outbox.sweep()]);
    } catch (error) {
      count('failed');
      throw error;
    }
    count('ok', { inbox: inboxTaken, outbox: outboxSent });
    if (inboxTaken || outboxSent) logger.info('recovery sweep', { inboxTaken, outboxSent });
    return { inboxTaken, outboxSent };
  }

  // A failed sweep (DynamoDB unreachable) is retried by the next tick; it must not crash the process.
  const tick = () => void sweepOnce().catch((error) => logger.warn('sweep failed', { error: (error as Error).message }));

  return {
    sweepOnce,
    /** Sweeps now and then every `intervalMs`; does nothing when the interval is null or already started. */
    start() {
      if (deps.intervalMs === null || timer) return;
      tick();
      timer = setInterval(tick, deps.intervalMs);
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}
