// Over 300 lines on purpose: the decider is one state machine, every transition of a run (entry, success, failure, compensation, park, terminate, signal, notify, a new run) beside the others; decisions.test.ts checks them.
/**
 * The decider: given a run's header and what just happened (a claim, a step's outcome, a
 * termination, a signal), the header change, the events to append and what the worker does next.
 * Pure: no I/O, time and randomness come in as arguments; the executor writes what it returns.
 */
import {
  dueShardOf,
  isFinished,
  type Checkpoint,
  type JourneyRecord,
  type NewEvent,
  type NewRun,
  type NotifyTarget,
  type RunChange,
  type RunSummary,
  type StoredCheckpoint,
} from '../infra/stores/journey-store.js';
import { backoffDelay } from '../kernel/retry.js';
import { errorMessage, errorType, isRetryable, type WorkflowType } from './define.js';
import { MARKER, eventsAt, retryTimer, signalTimer, type Activity, type Actor } from './events.js';

/** What the worker does after a write. */
export type Next = { kind: 'run' } | { kind: 'compensate' } | { kind: 'notify' } | { kind: 'stop' } | { kind: 'fail'; error: unknown; timedOut: true };

export interface Decision {
  change: RunChange;
  events: NewEvent[];
  checkpoint?: Checkpoint;
  next: Next;
}

/** The moment and the actor a decision is made for. */
export interface Now {
  now: number;
  worker: string;
  random: () => number;
}

const STOP: Next = { kind: 'stop' };

/** Pure: the step (or compensation) the run is at. */
function activityOf(h: JourneyRecord, def: WorkflowType): Activity {
  return h.status === 'COMPENSATING' ? { step: def.steps[h.compensateIndex!].name, compensation: true } : { step: def.steps[h.stepIndex].name };
}

/** Pure: the highest step index at or below `from` that has a compensation, or -1. */
function lastCompensable(def: WorkflowType, from: number): number {
  for (let j = Math.min(from, def.steps.length - 1); j >= 0; j--) if (def.steps[j].compensate) return j;
  return -1;
}

/** Pure: how a finished run lets go. A run with a listener keeps its lease and stays due, so its holder (or, after a crash, anyone) delivers the outcome. */
function finish(h: JourneyRecord, held: boolean, now: number): { change: RunChange; next: Next } {
  if (h.notify)
    return held ? { change: { notifyPending: true }, next: { kind: 'notify' } } : { change: { notifyPending: true, release: true, due: now }, next: STOP };
  return { change: { release: true, due: null }, next: STOP };
}

/** Pure: what a worker that claims the run writes with its claim, and does next. */
export function entry(h: JourneyRecord, def: WorkflowType, at: Now): Decision {
  const ev = eventsAt(new Date(at.now).toISOString());
  if (isFinished(h.status)) return { change: {}, events: [], next: h.notifyPending ? { kind: 'notify' } : STOP };
  const activity = activityOf(h, def);
  const attempt = activity.compensation ? h.compensateAttempt : h.attempt;
  if (h.leaseOwner) {
    // The holder's lease ran out mid-attempt (it died or hung): the attempt timed out.
    return {
      change: {},
      events: [ev.taskTimedOut(activity, attempt, 'LEASE_EXPIRED', h.leaseOwner)],
      next: { kind: 'fail', error: new Error(`the worker ${h.leaseOwner} stopped answering (lease expired)`), timedOut: true },
    };
  }
  const fired = h.timer && at.now >= h.timer.fireAt ? [ev.timerFired(h.timer.id)] : [];
  const change: RunChange = { timer: h.timer ? null : undefined };
  if (!activity.compensation && h.waiting) {
    // Back into the step that waits for a signal: the same attempt, run again from its start.
    return {
      change: { ...change, status: 'RUNNING' },
      events: [...fired, ev.taskStarted(activity, attempt, at.worker, fired.length ? 'timeout' : 'signal')],
      next: { kind: 'run' },
    };
  }
  // A step's first attempt was scheduled by the write that moved the run to it; every other attempt is scheduled here.
  const scheduled = activity.compensation || attempt > 0 ? [ev.scheduled(activity, attempt + 1)] : [];
  const started = [...fired, ...scheduled, ev.taskStarted(activity, attempt + 1, at.worker)];
  if (activity.compensation) return { change: { ...change, compensateAttempt: attempt + 1 }, events: started, next: { kind: 'compensate' } };
  return { change: { ...change, status: 'RUNNING', attempt: attempt + 1 }, events: started, next: { kind: 'run' } };
}

/** Pure: a step completed with `value`; checkpoint it and start the next one, or complete the run. */
export function afterSuccess(h: JourneyRecord, def: WorkflowType, value: unknown, results: Record<string, unknown>, consumed: string[], at: Now): Decision {
  const ev = eventsAt(new Date(at.now).toISOString());
  const index = h.stepIndex;
  const activity = { step: def.steps[index].name };
  const checkpoint: Checkpoint = { step: activity.step, index, result: value, attempts: h.attempt };
  const base: RunChange = { consumed: consumed.length ? consumed : undefined, waiting: h.waiting ? null : undefined };
  if (index + 1 < def.steps.length) {
    const next = { step: def.steps[index + 1].name };
    return {
      change: { ...base, stepIndex: index + 1, attempt: 1 },
      events: [ev.taskCompleted(activity, h.attempt), ev.scheduled(next, 1), ev.taskStarted(next, 1, at.worker)],
      checkpoint,
      next: { kind: 'run' },
    };
  }
  const result = def.result({ ...results, [activity.step]: value }, h.input);
  const done = finish(h, true, at.now);
  return {
    change: { ...base, ...done.change, status: 'COMPLETED', result },
    events: [ev.taskCompleted(activity, h.attempt), ev.completed(result)],
    checkpoint,
    next: done.next,
  };
}

/** Pure: the run ends FAILED (after compensating, or with nothing to compensate) or TERMINATED (compensated on request). */
function closeFailure(h: JourneyRecord, at: Now, compensated: boolean, prior: NewEvent[], failure?: { step: string; message: string }): Decision {
  const ev = eventsAt(new Date(at.now).toISOString());
  const done = finish(h, true, at.now);
  if (h.terminateReason !== undefined && !failure) {
    return { change: { ...done.change, status: 'TERMINATED' }, events: [...prior, ev.terminated(h.terminateReason)], next: done.next };
  }
  const failedStep = failure?.step ?? h.failedStep;
  const error = failure?.message ?? h.errorMessage;
  const reason = compensated ? 'Workflow failed and compensated' : 'Workflow failed (nothing to compensate)';
  return { change: { ...done.change, status: 'FAILED', failure }, events: [...prior, ev.failed(reason, { failedStep, error })], next: done.next };
}

/** Pure: an attempt failed; retry after a backoff held in DynamoDB, or roll back (compensate), or give up. */
export function afterFailure(
  h: JourneyRecord,
  def: WorkflowType,
  error: unknown,
  at: Now,
  timedOut?: 'START_TO_CLOSE' | 'HEARTBEAT' | 'LEASE_EXPIRED',
): Decision {
  const ev = eventsAt(new Date(at.now).toISOString());
  const activity = activityOf(h, def);
  const index = activity.compensation ? h.compensateIndex! : h.stepIndex;
  const attempt = activity.compensation ? h.compensateAttempt : h.attempt;
  const policy = def.retryOf(def.steps[index], h.input);
  const message = errorMessage(error);
  // A lease expiry was recorded with the claim; any other failure is recorded here.
  const failed =
    timedOut === 'LEASE_EXPIRED' ? [] : [timedOut ? ev.taskTimedOut(activity, attempt, timedOut) : ev.taskFailed(activity, attempt, message, errorType(error))];
  const retryable = isRetryable(error, policy);
  if (retryable && attempt < policy.maxAttempts) {
    const delayMs = backoffDelay(policy, attempt, at.random);
    const timer = { id: retryTimer(activity, attempt + 1), fireAt: at.now + delayMs };
    return {
      change: { status: activity.compensation ? undefined : 'RETRYING', release: true, due: timer.fireAt, timer },
      events: [...failed, ev.timerStarted(timer.id, delayMs)],
      next: STOP,
    };
  }
  if (activity.compensation) {
    const done = finish(h, true, at.now);
    return {
      change: { ...done.change, status: 'COMPENSATION_FAILED' },
      events: [
        ...failed,
        ev.marker(MARKER.compensationFailed, { step: activity.step, reason: message }),
        ev.failed(`Compensation of ${activity.step} failed: ${message}`, { failedStep: h.failedStep ?? null, compensationFailedStep: activity.step }),
      ],
      next: done.next,
    };
  }
  const failure = { step: activity.step, message };
  const rollback = ev.marker(MARKER.rollback, {
    failed_activity: activity.step,
    reason: retryable ? 'Max retries exceeded' : 'Non-retryable error',
    error: message,
    attempts: attempt,
  });
  const first = lastCompensable(def, index - 1);
  if (first < 0) return closeFailure(h, at, false, [...failed, rollback], failure);
  const undo = { step: def.steps[first].name, compensation: true };
  return {
    change: { status: 'COMPENSATING', failure, compensateIndex: first, compensateAttempt: 1 },
    events: [...failed, rollback, ev.scheduled(undo, 1), ev.taskStarted(undo, 1, at.worker)],
    next: { kind: 'compensate' },
  };
}

/** Pure: a compensation completed; undo the next completed step down, or close the run. */
export function afterCompensation(h: JourneyRecord, def: WorkflowType, at: Now): Decision {
  const ev = eventsAt(new Date(at.now).toISOString());
  const activity = activityOf(h, def);
  const done = ev.taskCompleted(activity, h.compensateAttempt);
  const next = lastCompensable(def, h.compensateIndex! - 1);
  if (next < 0) return closeFailure(h, at, true, [done]);
  const undo = { step: def.steps[next].name, compensation: true };
  return {
    change: { compensateIndex: next, compensateAttempt: 1 },
    events: [done, ev.scheduled(undo, 1), ev.taskStarted(undo, 1, at.worker)],
    next: { kind: 'compensate' },
  };
}

/** Pure: a step waits for a signal that has not arrived: park the run (no worker held) until it does, or until the deadline. */
export function afterPark(h: JourneyRecord, def: WorkflowType, signal: string, deadline: number | undefined, at: Now): Decision {
  const ev = eventsAt(new Date(at.now).toISOString());
  const step = def.steps[h.stepIndex].name;
  const sameWait = h.waiting?.signal === signal && h.waiting.step === step;
  const timer = deadline === undefined ? null : { id: signalTimer(signal), fireAt: deadline };
  return {
    change: { status: 'WAITING', waiting: { signal, step, ...(deadline === undefined ? {} : { deadline }) }, release: true, due: deadline ?? null, timer },
    events: sameWait ? [] : [ev.marker(MARKER.waiting, { signal, step }), ...(timer ? [ev.timerStarted(timer.id, timer.fireAt - at.now)] : [])],
    next: STOP,
  };
}

/** Pure: an operator stops the run; with `compensate`, its completed steps are undone first (by a worker). */
export function termination(
  h: JourneyRecord,
  def: WorkflowType | undefined,
  reason: string,
  compensate: boolean,
  actor: Actor,
  now: number,
): Pick<Decision, 'change' | 'events'> {
  const ev = eventsAt(new Date(now).toISOString());
  const quiet: RunChange = { terminateReason: reason, waiting: h.waiting ? null : undefined, timer: h.timer ? null : undefined };
  if (compensate && h.status === 'COMPENSATING')
    return { change: { terminateReason: reason }, events: [ev.marker(MARKER.terminationRequested, { reason, compensate, actor })] };
  const first = compensate && def ? lastCompensable(def, h.stepIndex - 1) : -1;
  if (first >= 0) {
    return {
      change: { ...quiet, status: 'COMPENSATING', compensateIndex: first, compensateAttempt: 0, release: true, due: now },
      events: [ev.marker(MARKER.terminationRequested, { reason, compensate, actor })],
    };
  }
  return { change: { ...quiet, ...finish(h, false, now).change, status: 'TERMINATED' }, events: [ev.terminated(reason, actor)] };
}

/** Pure: a signal is recorded; a run parked for it becomes due now. */
export function signalled(h: JourneyRecord, name: string, payload: unknown, actor: Actor, now: number): Pick<Decision, 'change' | 'events'> {
  const at = new Date(now).toISOString();
  const wakes = h.status === 'WAITING' && h.waiting?.signal === name;
  return {
    change: { received: { name, signal: { payload, at, eventId: h.eventCount + 1 } }, ...(wakes ? { status: 'RUNNING' as const, due: now } : {}) },
    events: [eventsAt(at).signaled(name, payload, actor)],
  };
}

/** Pure: the listener took the outcome (done), or failed (try again after a backoff). */
export function afterNotify(h: JourneyRecord, delivered: boolean, at: Now): Decision {
  if (delivered) return { change: { notifyPending: false, release: true, due: null }, events: [], next: STOP };
  const delayMs = backoffDelay(
    { maxAttempts: 100, initialDelayMs: 1_000, backoffCoefficient: 2, maxDelayMs: 300_000, jitter: 'equal' },
    h.notifyAttempts + 1,
    at.random,
  );
  return { change: { notifyAttempts: h.notifyAttempts + 1, release: true, due: at.now + delayMs }, events: [], next: STOP };
}

/** What a new run (a start, a resume, a rerun) is made of. */
export interface NewRunParams {
  workflowId: string;
  input: unknown;
  inputHash: string;
  runNumber: number;
  runs: RunSummary[];
  stepIndex: number;
  notify?: NotifyTarget;
  createdAt?: string;
  actor: Actor;
  /** A worker of this instance takes it at once. */
  held: boolean;
  /** The run it continues (a resume or rerun) and the results it carries over. */
  continued?: { runId: string; fromStep: string; seed: StoredCheckpoint[] };
}

/** Pure: a new run of `def` with its first events (started, scheduled, and started by `claim`'s worker when it is held). */
export function firstRun(def: WorkflowType, p: NewRunParams, at: { now: number; runId: string; claim?: NewRun['claim'] }): NewRun {
  const startedAt = new Date(at.now).toISOString();
  const ev = eventsAt(startedAt);
  const step = { step: def.steps[p.stepIndex].name };
  const continued = p.continued
    ? { continuedExecutionRunId: p.continued.runId, fromStep: p.continued.fromStep, seededSteps: p.continued.seed.map((c) => c.step) }
    : {};
  return {
    journeyId: p.workflowId,
    workflowType: def.type,
    typeVersion: def.version,
    input: p.input,
    inputHash: p.inputHash,
    runId: at.runId,
    runNumber: p.runNumber,
    runs: [...p.runs, { runId: at.runId, number: p.runNumber, startedAt, ...(p.continued ? { fromStep: p.continued.fromStep } : {}) }],
    stepIndex: p.stepIndex,
    shard: dueShardOf(p.workflowId),
    notify: p.notify,
    createdAt: p.createdAt,
    claim: at.claim,
    events: [
      ev.started({ workflowType: def.type, version: def.version, input: p.input, runNumber: p.runNumber, actor: p.actor, ...continued }),
      ev.scheduled(step, 1),
      ...(at.claim ? [ev.taskStarted(step, 1, at.claim.owner)] : []),
    ],
    seed: p.continued?.seed,
  };
}
