/** What the API shows of a workflow: pure shapes built from the header, the checkpoints and the history. */
import type { JourneyRecord, JourneyStatus, RunCheckpoints, RunSummary, StoredEvent } from '../infra/stores/journey-store.js';
import { EVENT, type EventAttributes } from './events.js';

/** One history event as the API shows it (SWF's names). */
export interface HistoryEvent {
  eventId: number;
  eventType: string;
  /** ISO-8601. */
  eventTimestamp: string;
  attributes: EventAttributes;
}

export type StepStatus =
  'pending' | 'running' | 'retrying' | 'waiting' | 'completed' | 'failed' | 'compensating' | 'compensated' | 'compensation_failed' | 'terminated';

export interface StepView {
  name: string;
  status: StepStatus;
  /** Attempts started in this run (a re-entry after a signal is not a new attempt). */
  attempts: number;
  /** Set when the result came from an earlier run (a resume). */
  seededFrom?: string;
  result?: unknown;
  error?: string;
}

export interface WorkflowSummary {
  workflowId: string;
  type: string;
  status: JourneyStatus;
  runId: string;
  runNumber: number;
  createdAt: string;
  updatedAt: string;
  failedStep?: string;
  error?: string;
}

export interface WorkflowView extends WorkflowSummary {
  version: string;
  input: unknown;
  result?: unknown;
  terminateReason?: string;
  waiting?: { signal: string; step: string; until?: string };
  /** Signals received and not yet consumed by a step. */
  pendingSignals: string[];
  /** When a worker may next take the run (a retry delay, a signal timeout, a lease's end). */
  dueAt?: string;
  lease?: { owner: string; expiresAt: string };
  runs: RunSummary[];
  steps: StepView[];
}

/** A stored event's attributes, as `eventsAt` wrote them (nothing else writes the history). */
const attributesOf = (event: StoredEvent) => event.attrs as EventAttributes;

const isoOf = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** Pure: a stored event as the API shows it; a completion carries its checkpoint's result. */
export function toHistoryEvent(event: StoredEvent, results: Record<number, unknown>): HistoryEvent {
  const attrs = attributesOf(event);
  const attributes = event.id in results ? { ...attrs, result: results[event.id] } : attrs;
  return { eventId: event.id, eventType: event.type, eventTimestamp: event.at, attributes };
}

/** Pure: the list entry of a header. */
export function summaryOf(h: JourneyRecord): WorkflowSummary {
  return {
    workflowId: h.journeyId,
    type: h.workflowType,
    status: h.status,
    runId: h.runId,
    runNumber: h.runNumber,
    createdAt: h.createdAt,
    updatedAt: h.updatedAt,
    ...(h.failedStep ? { failedStep: h.failedStep } : {}),
    ...(h.errorMessage ? { error: h.errorMessage } : {}),
  };
}

/** Pure: status of the step the run is at, from the run's status. */
const CURRENT: Partial<Record<JourneyStatus, StepStatus>> = { RUNNING: 'running', RETRYING: 'retrying', WAITING: 'waiting', TERMINATED: 'terminated' };

/** Pure: the workflow as GET /workflows/:id shows it: header, and each step of the current run from its events and checkpoints. */
export function viewOf(h: JourneyRecord, stepNames: string[], checkpoints: RunCheckpoints, events: StoredEvent[]): WorkflowView {
  const previousRun = h.runs.length > 1 ? h.runs[h.runs.length - 2].runId : undefined;
  const steps: StepView[] = stepNames.map((name) => ({ name, status: 'pending', attempts: 0 }));
  const byName = new Map(steps.map((s) => [s.name, s]));
  for (const event of events) {
    const attrs = attributesOf(event);
    const step = attrs.activityType === undefined ? undefined : byName.get(attrs.activityType);
    if (!step) continue;
    const undo = attrs.compensation === true;
    if (event.type === EVENT.taskStarted && !undo && !attrs.reentry) step.attempts++;
    else if (event.type === EVENT.taskFailed || event.type === EVENT.taskTimedOut) {
      step.error = attrs.reason ?? `timed out (${attrs.timeoutType ?? 'unknown'})`;
      if (undo) step.status = 'compensation_failed';
    } else if (event.type === EVENT.taskCompleted) step.status = undo ? 'compensated' : 'completed';
    else if (event.type === EVENT.taskStarted && undo) step.status = 'compensating';
  }
  for (const name of checkpoints.seeded) Object.assign(byName.get(name) ?? {}, { status: 'completed', seededFrom: previousRun });
  for (const step of steps) if (step.name in checkpoints.results) step.result = checkpoints.results[step.name];
  const current = steps[h.stepIndex];
  // The step the run is at; a terminated run's step only if it had started.
  if (current && CURRENT[h.status] && current.status === 'pending' && (h.status !== 'TERMINATED' || current.attempts > 0)) current.status = CURRENT[h.status]!;
  if (h.failedStep && byName.get(h.failedStep)) byName.get(h.failedStep)!.status = 'failed';
  if (h.status === 'COMPENSATION_FAILED' && h.compensateIndex !== undefined) steps[h.compensateIndex].status = 'compensation_failed';
  return {
    ...summaryOf(h),
    version: h.typeVersion,
    input: h.input,
    ...(h.hasResult ? { result: h.result } : {}),
    ...(h.terminateReason !== undefined ? { terminateReason: h.terminateReason } : {}),
    ...(h.waiting ? { waiting: { signal: h.waiting.signal, step: h.waiting.step, ...(h.waiting.deadline ? { until: isoOf(h.waiting.deadline) } : {}) } } : {}),
    pendingSignals: Object.keys(h.signals),
    ...(h.dueAt !== undefined ? { dueAt: isoOf(h.dueAt) } : {}),
    ...(h.leaseOwner ? { lease: { owner: h.leaseOwner, expiresAt: isoOf(h.leaseExpiresAt)! } } : {}),
    runs: h.runs,
    steps,
  };
}
