/** How the workflow CLI prints events and workflows: pure, one line per event. */

export interface EventLike {
  eventId: number;
  eventType: string;
  eventTimestamp: string;
  attributes: Record<string, any>;
}

export interface ViewLike {
  workflowId: string;
  type: string;
  version: string;
  status: string;
  runId: string;
  runNumber: number;
  failedStep?: string;
  error?: string;
  terminateReason?: string;
  waiting?: { signal: string; step: string; until?: string };
  pendingSignals: string[];
  dueAt?: string;
  result?: unknown;
  runs: { runId: string; number: number; fromStep?: string; closedStatus?: string }[];
  steps: { name: string; status: string; attempts: number; seededFrom?: string; result?: unknown; error?: string }[];
}

const CLOSING = ['WorkflowExecutionCompleted', 'WorkflowExecutionFailed', 'WorkflowExecutionTerminated'];
export const isClosing = (event: EventLike) => CLOSING.includes(event.eventType);

/** Pure: JSON cut to `max` characters. */
export function brief(value: unknown, max = 110): string {
  const text = JSON.stringify(value) ?? 'null';
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Pure: `2026-01-15 10:30:00.123` from an ISO timestamp. */
const when = (iso: string) => iso.replace('T', ' ').replace('Z', '');

function activity(a: Record<string, any>): string {
  return `${a.compensation ? 'undo ' : ''}${String(a.activityType)} (attempt ${String(a.attempt)})`;
}

/** Pure: what an event says, after its type. */
export function eventDetail(event: EventLike): string {
  const a = event.attributes;
  switch (event.eventType) {
    case 'WorkflowExecutionStarted':
      return `${String(a.workflowType)} v${String(a.version)}, run ${String(a.runNumber)}${a.fromStep ? `, from ${String(a.fromStep)} (reusing ${(a.seededSteps as string[]).join(', ')})` : ''}  input ${brief(a.input, 80)}`;
    case 'ActivityTaskScheduled':
      return activity(a);
    case 'ActivityTaskStarted':
      return `${activity(a)}${a.reentry ? ` again after the ${a.reentry === 'signal' ? 'signal' : 'timeout'}` : ''}`;
    case 'ActivityTaskCompleted':
      return a.compensation ? activity(a) : `${activity(a)} → ${brief(a.result, 80)}`;
    case 'ActivityTaskFailed':
      return `${activity(a)}: ${String(a.reason)}`;
    case 'ActivityTaskTimedOut':
      return `${activity(a)}: ${String(a.timeoutType)}`;
    case 'MarkerRecorded':
      return `${String(a.markerName)} ${brief(a.details, 120)}`;
    case 'WorkflowExecutionSignaled':
      return `${String(a.signalName)} ${brief(a.input ?? null, 80)}`;
    case 'TimerStarted':
      return `${String(a.timerId)} fires in ${(Number(a.startToFireTimeoutMs) / 1000).toFixed(1)} s`;
    case 'TimerFired':
      return String(a.timerId);
    case 'WorkflowExecutionCompleted':
      return brief(a.result, 100);
    case 'WorkflowExecutionFailed':
      return `${String(a.reason)} ${brief(a.details, 80)}`;
    case 'WorkflowExecutionTerminated':
      return String(a.reason);
    default:
      return brief(a);
  }
}

/** Pure: one printed line per event: `[time] EventType  detail`. */
export const formatEvent = (event: EventLike) => `[${when(event.eventTimestamp)}] ${event.eventType.padEnd(28)} ${eventDetail(event)}`;

/** Pure: the `status` verb's lines. */
export function formatStatus(view: ViewLike): string[] {
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
