import { describe, expect, it } from 'vitest';
import { createFakeClock } from '../../src/kernel/clock.js';
import { createCircuitBreaker } from '../../src/infra/http/circuit-breaker.js';

describe('createCircuitBreaker', () => {
  const make = () => {
    const clock = createFakeClock();
    return { clock, breaker: createCircuitBreaker({ failureThreshold: 2, coolDownMs: 1_000, clock }) };
  };

  it('when a success comes between failures, then the consecutive count restarts and the circuit stays closed', () => {
    const { breaker } = make();
    breaker.tryAcquire()!.failure();
    breaker.tryAcquire()!.success();
    breaker.tryAcquire()!.failure();
    expect(breaker.state()).toBe('closed');
    breaker.tryAcquire()!.failure();
    expect(breaker.state()).toBe('open');
    expect(breaker.tryAcquire()).toBeUndefined();
  });

  it('when many permits are taken while closed, then all are granted at once (no serialisation)', () => {
    const { breaker } = make();
    const permits = [breaker.tryAcquire(), breaker.tryAcquire(), breaker.tryAcquire()];
    expect(permits.every((p) => p && !p.trial)).toBe(true);
  });

  it('when a call admitted before opening succeeds late, then the open circuit stays open', () => {
    const { breaker } = make();
    const slow = breaker.tryAcquire()!;
    breaker.tryAcquire()!.failure();
    breaker.tryAcquire()!.failure();
    slow.success();
    expect(breaker.state()).toBe('open');
  });

  it('when open, then retryInMs counts down to the half-open trial', () => {
    const { breaker, clock } = make();
    breaker.tryAcquire()!.failure();
    breaker.tryAcquire()!.failure();
    clock.advance(400);
    expect(breaker.retryInMs()).toBe(600);
    clock.advance(600);
    const trial = breaker.tryAcquire()!;
    expect(trial.trial).toBe(true);
    expect(breaker.tryAcquire()).toBeUndefined();
    trial.success();
    trial.failure(); // a second report of the same permit is ignored
    expect(breaker.state()).toBe('closed');
  });
});
