import type { Logger } from '../kernel/logger.js';

export interface RecoveryDeps {
  inbox: { sweep(): Promise<number> };
  outbox: { sweep(): Promise<number> };
  logger: Logger;
  /** Period of the sweeps (RECOVERY_SWEEP_INTERVAL_MS); null: never on a timer (tests sweep by hand). */
  intervalMs: number | null;
}

/**
 * The recovery sweeps: inbox messages stored but never completed (their process died) and
 * replies still unsent are taken over, at start and then every `intervalMs`. Each item is claimed
 * by a conditional write first, so sweeps of several processes never handle one item twice.
 */
export function createRecovery(deps: RecoveryDeps) {
  const { logger } = deps;
  let timer: ReturnType<typeof setInterval> | undefined;

  async function sweepOnce(): Promise<{ inboxTaken: number; outboxSent: number }> {
    const [inboxTaken, outboxSent] = await Promise.all([deps.inbox.sweep(), deps.outbox.sweep()]);
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
