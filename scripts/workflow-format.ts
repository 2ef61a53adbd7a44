/** How the workflow CLI prints events and workflows: pure, one line per event. */
import { CLOSING_EVENTS, type EventAttributes } from '../src/workflows/events.js';
import type { HistoryEvent, WorkflowView } from '../src/workflows/index.js';

export const isClosing = (event: HistoryEvent) => CLOSING_EVENTS.includes(event.eventType);

/** Pure: JSON cut to `max` characters. */
export function brief(value: unknown, max = 110): string {
  const text = JSON.stringify(value) ?? 'null';
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Pure: `2026-01-15 10:30:00.123` from an ISO timestamp. */
const when = (iso: string) => iso.replace('T', ' ').replace('Z', '');

function activity(a: EventAttributes): string {
  return `${a.compensation ? 'undo ' : ''}${a.activityType} (attempt ${a.attempt})`;
}

/** Pure: what an event says, after its type. */
export function eventDetail(event: HistoryEvent): string {
  const a = event.attributes;
  switch (event.eventType) {
    case 'WorkflowExecutionStarted':
      return `${a.workflowType} v${a.version}, run ${a.runNumber}${a.fromStep ? `, from ${a.fromStep} (reusing ${(a.seededSteps ?? []).join(', ')})` : ''}  input ${brief(a.input, 80)}`;
    case 'ActivityTaskScheduled':
      return activity(a);
    case 'ActivityTaskStarted':
      return `${activity(a)}${a.reentry ? ` again after the ${a.reentry === 'signal' ? 'signal' : 'timeout'}` : ''}`;
    case 'ActivityTaskCompleted':
      return a.compensation ? activity(a) : `${activity(a)} → ${brief(a.result, 80)}`;
    case 'ActivityTaskFailed':
      return `${activity(a)}: ${a.reason}`;
    case 'ActivityTaskTimedOut':
      return `${activity(a)}: ${a.timeoutType}`;
    case 'MarkerRecorded':
      return `${a.markerName} ${brief(a.details, 120)}`;
    case 'WorkflowExecutionSignaled':
      return `${a.signalName} ${brief(a.input ?? null, 80)}`;
    case 'TimerStarted':
      return `${a.timerId} fires in ${(Number(a.startToFireTimeoutMs) / 1000).toFixed(1)} s`;
    case 'TimerFired':
      return a.timerId ?? '';
    case 'WorkflowExecutionCompleted':
      return brief(a.result, 100);
    case 'WorkflowExecutionFailed':
      return `${a.reason} ${brief(a.details, 80)}`;
    case 'WorkflowExecutionTerminated':
      return a.reason ?? '';
    default:
      return brief(a);
  }
}

/** Pure: one printed line per event: `[time] EventType  detail`. */
export const formatEvent = (event: HistoryEvent) => `[${when(event.eventTimestamp)}] ${event.eventType.padEnd(28)} ${eventDetail(event)}`;

/** Pure: the `status` verb's lines. */
export function formatStatus(view: WorkflowView): string[] {
  const out = [`${view.workflowId}  ${view.type} v${view.version}  ${view.status}  (run ${view.runNumber}: ${view.runId})`];
  if (view.failedStep) out.push(`  failed at ${view.failedStep}: ${view.error ?? ''}`);
  if (view.terminateReason) out.push(`  terminated: ${view.terminateReason}`);
  if (view.waiting)
    out.push(`  waiting for signal ${view.waiting.signal} in ${view.waiting.step}${view.waiting.until ? ` until ${when(view.waiting.until)}` : ''}`);
  if (view.status === 'RETRYING' && view.dueAt) out.push(`  next attempt at ${when(view.dueAt)}`);
  out.push(`  ${'step'.padEnd(18)} ${'status'.padEnd(23)} attempts  result / error`);
  for (const s of view.steps) {
    const status = s.seededFrom ? `${s.status} (earlier run)` : s.status;
    const tail = s.error && s.status !== 'completed' && s.status !== 'compensated' ? s.error : s.result === undefined ? '' : brief(s.result, 70);
    out.push(`  ${s.name.padEnd(18)} ${status.padEnd(23)} ${String(s.attempts).padEnd(9)} ${tail}`.trimEnd());
  }
  if (view.runs.length > 1)
    out.push(
      `  runs: ${view.runs.map((r) => `${r.number} ${r.runId}${r.fromStep ? ` from ${r.fromStep}` : ''}${r.closedStatus ? ` (${r.closedStatus})` : ''}`).join('; ')}`,
    );
  return out;
}

/** Pure: the batch progress line. */
export function progressLine(done: number, total: number, counts: Record<string, number>): string {
  const width = 24;
  const filled = Math.round((done / Math.max(1, total)) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}  ${Object.entries(counts)
    .map(([k, v]) => `${k} ${v}`)
    .join('  ')}`;
}
