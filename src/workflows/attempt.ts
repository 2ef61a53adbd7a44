import { serialise, type JourneyLease, type JourneyRecord, type JourneyStore } from '../infra/stores/journey-store.js';
import type { Clock } from '../kernel/clock.js';
import { AppError } from '../kernel/errors.js';
import type { Logger } from '../kernel/logger.js';
import { SIGNAL_NAME, errorMessage, type CompensationContext, type StepContext, type WorkflowType } from './define.js';
import type { Next } from './decisions.js';

/** A run this worker holds, and its header as last written. */
export interface ClaimedRun {
  header: JourneyRecord;
  lease: JourneyLease;
  def: WorkflowType;
  next: Next;
  /** Epoch ms of the last lease renewal. */
  renewedAt: number;
}

/** Why an attempt was stopped from outside the step. */
export type StopReason = 'lost' | 'shutdown' | 'START_TO_CLOSE' | 'HEARTBEAT';

export type AttemptResult =
  | { kind: 'ok'; value: unknown; consumed: string[] }
  | { kind: 'park'; signal: string; deadline?: number }
  | { kind: 'fail'; error: unknown; timedOut?: 'START_TO_CLOSE' | 'HEARTBEAT' }
  | { kind: 'lost' }
  | { kind: 'shutdown' };

export interface AttemptDeps {
  store: Pick<JourneyStore, 'heartbeat'>;
  clock: Clock;
  logger: Logger;
  leaseMs: number;
  /** The lease is renewed when it is older than this. */
  renewEveryMs: number;
  /** Given the function that stops this attempt (termination, shutdown). */
  onStop(stop: (why: StopReason) => void): void;
}

/** A step asked for a signal that has not arrived: the run parks. Not an error of the step. */
class ParkRequest extends Error {
  constructor(readonly signalName: string) {
    super(`waiting for signal ${signalName}`);
    this.name = 'ParkRequest';
  }
}

/**
 * Runs one attempt of a step (or of its compensation) under the run's lease: renews the lease as it
 * needs (the step's heartbeat, a timer), enforces `timeoutMs` and `heartbeatTimeoutMs`, and turns a
 * `waitForSignal` without the signal into a park. Never throws: the result says what happened.
 */
export async function runAttempt(deps: AttemptDeps, run: ClaimedRun, results: Record<string, unknown>, compensation: boolean): Promise<AttemptResult> {
  const { store, clock, logger, leaseMs, renewEveryMs } = deps;
  const h = run.header;
  const index = compensation ? h.compensateIndex! : h.stepIndex;
  const step = run.def.steps[index];
  const control = new AbortController();
  let why: StopReason | undefined;
  const stop = (reason: StopReason) => {
    if (why) return;
    why = reason;
    control.abort(
      reason === 'lost'
        ? new AppError('workflow.leaseLost', `workflow ${h.journeyId}: the run was terminated or taken over`)
        : new Error(`step stopped: ${reason}`),
    );
  };
  deps.onStop(stop);
  let lastBeat = performance.now();
  const renew = async () => {
    if (why || clock.now() - run.renewedAt < renewEveryMs) return;
    run.renewedAt = clock.now();
    try {
      if (!(await store.heartbeat(run.lease, leaseMs))) stop('lost');
    } catch (error) {
      logger.warn('workflow lease renewal failed; trying again at the next beat', { workflowId: h.journeyId, error: errorMessage(error) });
    }
  };
  const tick = Math.max(1, Math.min(renewEveryMs, step.heartbeatTimeoutMs ? Math.floor(step.heartbeatTimeoutMs / 2) : renewEveryMs));
  const ticker = setInterval(() => {
    void renew();
    if (step.heartbeatTimeoutMs && performance.now() - lastBeat > step.heartbeatTimeoutMs) stop('HEARTBEAT');
  }, tick);
  const deadline = step.timeoutMs ? setTimeout(() => stop('START_TO_CLOSE'), step.timeoutMs) : undefined;
  const consumed: string[] = [];
  let park: { signal: string; deadline?: number } | undefined;

  const base: Omit<StepContext, 'waitForSignal'> = {
    input: h.input,
    previousResults: Object.freeze(Object.fromEntries(run.def.steps.slice(0, index).map((s) => [s.name, results[s.name]]))),
    attempt: compensation ? h.compensateAttempt : h.attempt,
    run: h.runNumber,
    workflowId: h.journeyId,
    runId: h.runId,
    step: step.name,
    idempotencyKey: `${h.journeyId}:${step.name}${compensation ? ':compensate' : ''}`,
    heartbeat: async () => {
      lastBeat = performance.now();
      await renew();
    },
    signal: control.signal,
    logger: logger.child({ workflowId: h.journeyId, step: step.name }),
  };
  const waitForSignal = <T>(name: string, options: { timeoutMs?: number } = {}): Promise<T> => {
    if (!SIGNAL_NAME.test(name))
      return Promise.reject(new AppError('workflow.invalidDefinition', `signal name "${name}": a letter, then letters, digits or _`));
    const received = h.signals[name];
    if (received) {
      consumed.push(name);
      return Promise.resolve(received.payload as T);
    }
    const waiting = h.waiting?.signal === name && h.waiting.step === step.name ? h.waiting : undefined;
    if (waiting?.deadline !== undefined && clock.now() >= waiting.deadline) {
      return Promise.reject(
        new AppError('workflow.signalTimeout', `no signal ${name} arrived before ${new Date(waiting.deadline).toISOString()}`, { signal: name }),
      );
    }
    park = { signal: name, deadline: waiting?.deadline ?? (options.timeoutMs ? clock.now() + options.timeoutMs : undefined) };
    control.abort(new ParkRequest(name));
    return Promise.reject(new ParkRequest(name));
  };
  const ctx = compensation
    ? ({
        ...base,
        result: results[step.name],
        reason: h.terminateReason !== undefined ? `terminated: ${h.terminateReason}` : (h.errorMessage ?? ''),
      } satisfies CompensationContext)
    : ({ ...base, waitForSignal } satisfies StepContext);

  const aborted = new Promise<{ aborted: true }>((resolve) => control.signal.addEventListener('abort', () => resolve({ aborted: true }), { once: true }));
  let settled: { value: unknown } | { error: unknown } | { aborted: true };
  try {
    const work = Promise.resolve()
      .then(() => (compensation ? step.compensate!(ctx as CompensationContext) : step.run(ctx as StepContext)))
      .then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      );
    settled = await Promise.race([work, aborted]);
  } finally {
    clearInterval(ticker);
    clearTimeout(deadline);
  }
  if (why === 'lost' || why === 'shutdown') return { kind: why };
  if (park) return { kind: 'park', ...park };
  if (why)
    return {
      kind: 'fail',
      error: new AppError(
        'workflow.stepTimeout',
        `step ${step.name} ${why === 'HEARTBEAT' ? `sent no heartbeat for ${step.heartbeatTimeoutMs} ms` : `ran past ${step.timeoutMs} ms`}`,
      ),
      timedOut: why,
    };
  if ('error' in settled) return { kind: 'fail', error: settled.error };
  const value = 'value' in settled ? (settled.value ?? null) : null;
  try {
    // A result DynamoDB cannot hold is a failure of the step, not of the bookkeeping.
    serialise(value, `the result of step ${step.name}`);
  } catch (error) {
    return { kind: 'fail', error };
  }
  return { kind: 'ok', value, consumed };
}
