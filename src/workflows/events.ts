/** History events, named as SWF names them, and the markers this engine records. Pure. */
import type { NewEvent } from '../infra/stores/journey-store.js';

export const EVENT = {
  started: 'WorkflowExecutionStarted',
  scheduled: 'ActivityTaskScheduled',
  taskStarted: 'ActivityTaskStarted',
  taskCompleted: 'ActivityTaskCompleted',
  taskFailed: 'ActivityTaskFailed',
  taskTimedOut: 'ActivityTaskTimedOut',
  marker: 'MarkerRecorded',
  signaled: 'WorkflowExecutionSignaled',
  timerStarted: 'TimerStarted',
  timerFired: 'TimerFired',
  completed: 'WorkflowExecutionCompleted',
  failed: 'WorkflowExecutionFailed',
  terminated: 'WorkflowExecutionTerminated',
} as const;
export type EventType = (typeof EVENT)[keyof typeof EVENT];

/** The events that end a run. */
export const CLOSING_EVENTS: readonly string[] = [EVENT.completed, EVENT.failed, EVENT.terminated];

export const MARKER = {
  rollback: 'ROLLBACK_INITIATED',
  compensationFailed: 'COMPENSATION_FAILED',
  waiting: 'WAITING_FOR_SIGNAL',
  terminationRequested: 'TERMINATION_REQUESTED',
  resumed: 'RESUMED_AS_NEW_RUN',
} as const;

/** Who asked for an action (the ops token's id, a console session …), recorded with it. */
export interface Actor {
  id: string;
  name?: string;
}

/** An activity: a step, or the compensation of one. */
export interface Activity {
  step: string;
  compensation?: boolean;
}

/** Every attribute an event may carry (each builder below sets its own few): how readers see a stored event's `attrs`. */
export type EventAttributes = {
  workflowType?: string;
  version?: string;
  input?: unknown;
  runNumber?: number;
  actor?: Actor;
  continuedExecutionRunId?: string;
  fromStep?: string;
  seededSteps?: string[];
  activityType?: string;
  compensation?: boolean;
  attempt?: number;
  worker?: string;
  reentry?: 'signal' | 'timeout';
  reason?: string;
  details?: unknown;
  timeoutType?: 'START_TO_CLOSE' | 'HEARTBEAT' | 'LEASE_EXPIRED';
  markerName?: string;
  signalName?: string;
  timerId?: string;
  startToFireTimeoutMs?: number;
  /** A completion's checkpointed result (put back by the views), or the run's. */
  result?: unknown;
};

/** Pure builders of every event, stamped `at` (ISO-8601). */
export function eventsAt(at: string) {
  const event = (type: EventType, attrs: EventAttributes): NewEvent => ({ type, at, attrs });
  const activity = (a: Activity, attempt: number) => ({ activityType: a.step, ...(a.compensation ? { compensation: true } : {}), attempt });
  return {
    started: (attrs: {
      workflowType: string;
      version: string;
      input: unknown;
      runNumber: number;
      actor?: Actor;
      continuedExecutionRunId?: string;
      fromStep?: string;
      seededSteps?: string[];
    }) => event(EVENT.started, attrs),
    scheduled: (a: Activity, attempt: number) => event(EVENT.scheduled, activity(a, attempt)),
    taskStarted: (a: Activity, attempt: number, worker: string, reentry?: 'signal' | 'timeout') =>
      event(EVENT.taskStarted, { ...activity(a, attempt), worker, ...(reentry ? { reentry } : {}) }),
    /** The result itself is the history item's checkpoint; views put it back here. */
    taskCompleted: (a: Activity, attempt: number) => event(EVENT.taskCompleted, activity(a, attempt)),
    taskFailed: (a: Activity, attempt: number, reason: string, errorType: string) =>
      event(EVENT.taskFailed, { ...activity(a, attempt), reason, details: errorType }),
    taskTimedOut: (a: Activity, attempt: number, timeoutType: 'START_TO_CLOSE' | 'HEARTBEAT' | 'LEASE_EXPIRED', worker?: string) =>
      event(EVENT.taskTimedOut, { ...activity(a, attempt), timeoutType, ...(worker ? { worker } : {}) }),
    marker: (markerName: string, details: Record<string, unknown>) => event(EVENT.marker, { markerName, details }),
    signaled: (signalName: string, input: unknown, actor?: Actor) => event(EVENT.signaled, { signalName, input, ...(actor ? { actor } : {}) }),
    timerStarted: (timerId: string, startToFireTimeoutMs: number) => event(EVENT.timerStarted, { timerId, startToFireTimeoutMs }),
    timerFired: (timerId: string) => event(EVENT.timerFired, { timerId }),
    completed: (result: unknown) => event(EVENT.completed, { result }),
    failed: (reason: string, details: Record<string, unknown>) => event(EVENT.failed, { reason, details }),
    terminated: (reason: string, actor?: Actor) => event(EVENT.terminated, { reason, ...(actor ? { actor } : {}) }),
  };
}

/** Pure: the timer id of a retry delay, and of a signal's timeout. */
export const retryTimer = (a: Activity, attempt: number) => `retry:${a.compensation ? 'undo:' : ''}${a.step}:${attempt}`;
export const signalTimer = (signal: string) => `signal:${signal}`;
