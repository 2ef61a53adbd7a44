import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { JourneyRecord } from '../../src/infra/stores/journey-store.js';
import { AppError } from '../../src/kernel/errors.js';
import { afterFailure, afterPark, afterSuccess, entry, signalled, termination } from '../../src/workflows/decisions.js';
import { defineWorkflow, isRetryable, StepFailure, stepRetrySchema } from '../../src/workflows/define.js';

/** The pure parts: a type's definition and its retry policy as data, and the decider. */
describe('workflow definitions', () => {
  const step = (name: string, extra = {}) => ({ name, run: () => null, ...extra });

  it('when a definition has no steps, a duplicate or badly named step, or an impossible retry policy, then every problem is listed', () => {
    expect(() => defineWorkflow({ type: 'Bad Type', version: 1, input: z.object({}), steps: [] })).toThrow(/lower-case.*at least one step/);
    const error = (() => {
      try {
        defineWorkflow({
          type: 't',
          version: 1,
          input: z.object({}),
          steps: [step('A'), step('A'), step('b c'), step('D', { retry: { initialDelayMs: 5_000, maxDelayMs: 10 } }), step('E', { timeoutMs: 0 })],
        });
      } catch (e) {
        return e as AppError<{ problems: string[] }>;
      }
    })();
    expect(error?.code).toBe('workflow.invalidDefinition');
    expect(error?.details?.problems).toEqual([
      'step "A" is defined twice',
      'step "b c": letters, digits, _ and - only',
      'step "D" retry.maxDelayMs: maxDelayMs must be ≥ initialDelayMs',
      'step "E" timeoutMs: a positive whole number of milliseconds',
    ]);
  });

  it('when a step gives no retry policy, then it gets 3 attempts (the seed), 1 s doubling up to 30 s, full jitter', () => {
    expect(stepRetrySchema.parse({})).toEqual({
      maxAttempts: 3,
      initialDelayMs: 1_000,
      backoffCoefficient: 2,
      maxDelayMs: 30_000,
      jitter: 'full',
      nonRetryable: [],
    });
  });

  it('when an error is a non-retryable StepFailure, a non-retryable AppError, or named in the policy, then it is not retried', () => {
    const policy = stepRetrySchema.parse({ nonRetryable: ['TypeError', 'PaymentDeclined'] });
    expect(isRetryable(new Error('flaky'), policy)).toBe(true);
    expect(isRetryable(StepFailure.nonRetryable('no'), policy)).toBe(false);
    expect(isRetryable(new StepFailure('declined', { type: 'PaymentDeclined' }), policy)).toBe(false);
    expect(isRetryable(new TypeError('bug'), policy)).toBe(false);
    expect(isRetryable(new AppError('job.configInvalid', 'bad'), policy)).toBe(false);
    expect(isRetryable(new AppError('store.unavailable', 'down'), policy)).toBe(true);
  });
});

describe('the workflow decider', () => {
  const def = defineWorkflow({
    type: 't',
    version: 1,
    input: z.object({}),
    steps: [
      { name: 'A', run: () => 1, compensate: () => undefined },
      { name: 'B', run: () => 2 },
      { name: 'C', run: () => 3, retry: { maxAttempts: 2, initialDelayMs: 100, jitter: 'none' } },
    ],
  });
  const at = { now: Date.UTC(2026, 0, 1), worker: 'w1', random: () => 0.5 };
  const header = (over: Partial<JourneyRecord>) =>
    ({
      journeyId: 'j',
      runId: 'r',
      status: 'RUNNING',
      stepIndex: 0,
      attempt: 1,
      compensateAttempt: 0,
      eventCount: 3,
      signals: {},
      runs: [],
      checkpoints: [],
      tail: [],
      input: {},
      ...over,
    }) as JourneyRecord;
  const types = (d: { events: { type: string }[] }) => d.events.map((e) => e.type);

  it('when a worker takes a run whose holder let its lease expire, then the attempt is recorded as timed out and handled as a failure', () => {
    const decision = entry(header({ stepIndex: 2, attempt: 1, leaseOwner: 'dead' }), def, at);
    expect(types(decision)).toEqual(['ActivityTaskTimedOut']);
    expect(decision.next).toMatchObject({ kind: 'fail', timedOut: true });
  });

  it('when a retry timer is due, then the claim fires it and schedules and starts the next attempt', () => {
    const decision = entry(header({ status: 'RETRYING', stepIndex: 2, attempt: 1, timer: { id: 'retry:C:2', fireAt: at.now } }), def, at);
    expect(types(decision)).toEqual(['TimerFired', 'ActivityTaskScheduled', 'ActivityTaskStarted']);
    expect(decision.change).toMatchObject({ status: 'RUNNING', attempt: 2, timer: null });
  });

  it('when a step fails with attempts left, then the run is let go until now + the backoff delay', () => {
    const decision = afterFailure(header({ stepIndex: 2, attempt: 1 }), def, new Error('x'), at);
    expect(decision.change).toMatchObject({ status: 'RETRYING', release: true, due: at.now + 100, timer: { id: 'retry:C:2', fireAt: at.now + 100 } });
    expect(types(decision)).toEqual(['ActivityTaskFailed', 'TimerStarted']);
  });

  it('when the last attempt fails, then ROLLBACK_INITIATED and the compensation of the nearest completed step with one (B has none) starts', () => {
    const decision = afterFailure(header({ stepIndex: 2, attempt: 2 }), def, new Error('x'), at);
    expect(types(decision)).toEqual(['ActivityTaskFailed', 'MarkerRecorded', 'ActivityTaskScheduled', 'ActivityTaskStarted']);
    expect(decision.events[3].attrs).toMatchObject({ activityType: 'A', compensation: true });
    expect(decision.change).toMatchObject({ status: 'COMPENSATING', compensateIndex: 0, failure: { step: 'C', message: 'x' } });
  });

  it('when the last step completes, then the run completes with the type result and lets go of its lease and the due index', () => {
    const decision = afterSuccess(header({ stepIndex: 2, attempt: 1 }), def, 3, { A: 1, B: 2 }, [], at);
    expect(decision.change).toMatchObject({ status: 'COMPLETED', result: { A: 1, B: 2, C: 3 }, release: true, due: null });
    expect(decision.checkpoint).toEqual({ step: 'C', index: 2, result: 3, attempts: 1 });
  });

  it('when a run with a listener completes, then its holder keeps the lease to tell the listener', () => {
    const decision = afterSuccess(header({ stepIndex: 2, notify: { listener: 'flux', data: 1 } }), def, 3, {}, [], at);
    expect(decision.change).toMatchObject({ notifyPending: true });
    expect(decision.change.release).toBeUndefined();
    expect(decision.next).toEqual({ kind: 'notify' });
  });

  it('when a step parks on a signal with a timeout, then the run waits (no lease) until the deadline, and a signal of that name makes it due now', () => {
    const parked = afterPark(header({ stepIndex: 1 }), def, 'approve', at.now + 60_000, at);
    expect(parked.change).toMatchObject({
      status: 'WAITING',
      waiting: { signal: 'approve', step: 'B', deadline: at.now + 60_000 },
      release: true,
      due: at.now + 60_000,
    });
    const woken = signalled(header({ status: 'WAITING', waiting: { signal: 'approve', step: 'B' } }), 'approve', { ok: 1 }, { id: 'ops' }, at.now);
    expect(woken.change).toMatchObject({ status: 'RUNNING', due: at.now, received: { name: 'approve', signal: { payload: { ok: 1 }, eventId: 4 } } });
    expect(signalled(header({}), 'approve', null, { id: 'ops' }, at.now).change.status).toBeUndefined();
  });

  it('when a run is terminated with compensation, then it becomes due for a worker to undo its completed steps; without, it ends at once', () => {
    expect(termination(header({ stepIndex: 2 }), def, 'stop', true, { id: 'ops' }, at.now).change).toMatchObject({
      status: 'COMPENSATING',
      compensateIndex: 0,
      compensateAttempt: 0,
      due: at.now,
    });
    expect(termination(header({ stepIndex: 2 }), def, 'stop', false, { id: 'ops' }, at.now).change).toMatchObject({
      status: 'TERMINATED',
      release: true,
      due: null,
    });
  });
});
