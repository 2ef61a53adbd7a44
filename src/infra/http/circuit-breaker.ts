import type { Clock } from '../../kernel/clock.js';

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. */
  failureThreshold: number;
  /** How long the circuit stays open before one trial call is let through. */
  coolDownMs: number;
  clock: Clock;
}

export const DEFAULT_BREAKER = { failureThreshold: 5, coolDownMs: 30_000 } as const;

/** Permission to make one call; report its outcome exactly once. */
export interface CircuitPermit {
  /** True when this call is the half-open trial that decides whether the circuit closes. */
  readonly trial: boolean;
  success(): void;
  failure(): void;
}

export interface CircuitBreaker {
  /** A permit, or `undefined` when the call must fail fast (open, or a trial is already running). */
  tryAcquire(): CircuitPermit | undefined;
  state(): CircuitState;
  /** Milliseconds until the circuit lets a trial through (0 unless open). */
  retryInMs(): number;
}

/**
 * A consecutive-failure circuit breaker. It is plain bookkeeping around calls and holds no lock
 * across a call, so concurrent calls in the closed state run in parallel (docs/decisions.md,
 * Backends). Half-open admits a single trial.
 */
export function createCircuitBreaker(options: CircuitBreakerOptions): CircuitBreaker {
  let failures = 0;
  let openedAt: number | undefined;
  let trialRunning = false;

  const state = (): CircuitState => {
    if (openedAt === undefined) return 'closed';
    return options.clock.now() - openedAt >= options.coolDownMs ? 'half-open' : 'open';
  };

  const open = () => {
    openedAt = options.clock.now();
    failures = 0;
  };

  return {
    state,
    retryInMs: () => (state() === 'open' ? options.coolDownMs - (options.clock.now() - (openedAt ?? 0)) : 0),
    tryAcquire() {
      const current = state();
      if (current === 'open') return undefined;
      if (current === 'half-open') {
        if (trialRunning) return undefined;
        trialRunning = true;
      }
      const trial = current === 'half-open';
      let settled = false;
      const settle = (ok: boolean) => {
        if (settled) return;
        settled = true;
        if (trial) {
          trialRunning = false;
          if (ok) {
            openedAt = undefined;
            failures = 0;
          } else open();
          return;
        }
        // A call admitted while closed may finish after the circuit opened; it must not reset it.
        if (openedAt !== undefined) return;
        if (ok) failures = 0;
        else if (++failures >= options.failureThreshold) open();
      };
      return { trial, success: () => settle(true), failure: () => settle(false) };
    },
  };
}
