/**
 * The executors a fired schedule starts. `http` POSTs the seed's envelope with a timeout, retries
 * with backoff and the schedule id as its Idempotency-Key (a re-fire after a crash is the same
 * request to the callee), and the callee reports completion through register_execution.
 * `workflow` starts a workflow run whose outcome comes back through the `flux` listener.
 */
import { AppError } from '../kernel/errors.js';
import { backoffDelay, retryPolicySchema, sleep, type RetryPolicyInput } from '../kernel/retry.js';
import type { WorkflowService } from '../workflows/index.js';

/** The body an `http` executor receives (the seed's metadata envelope, tables by name). */
export interface Envelope {
  execution_id: string | null;
  table: string;
  source: string;
  date_time: string;
  task_schedule_id: string;
  payload: unknown;
}

export interface HttpSettings {
  timeoutMs: number;
  maxAttempts: number;
  /** Backoff between attempts (default: from 500 ms, doubling, full jitter). */
  retry?: RetryPolicyInput;
  random?: () => number;
}

export type Started = { ok: true; workflowId?: string; finished?: FinishedRun } | { ok: false; error: string };
/** A workflow that had already finished when the schedule asked for it (same id and input). */
export interface FinishedRun {
  status: string;
  error?: string;
}

/** Whether an HTTP status is worth another attempt (the callee may recover). */
const retryable = (status: number) => status === 408 || status === 429 || status >= 500;

/** POSTs `envelope` to `url` until a 2xx, a final refusal or the last attempt; real time. */
export async function postEnvelope(url: string, envelope: Envelope, settings: HttpSettings): Promise<Started> {
  const policy = retryPolicySchema.parse({ initialDelayMs: 500, maxDelayMs: 5_000, ...settings.retry, maxAttempts: settings.maxAttempts });
  let last = '';
  for (let attempt = 1; attempt <= policy.maxAttempts; attempt++) {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': envelope.task_schedule_id },
        body: JSON.stringify(envelope),
        signal: AbortSignal.timeout(settings.timeoutMs),
      });
      const text = await res.text().catch(() => '');
      if (res.ok) return { ok: true };
      last = `HTTP ${res.status} from ${url}: ${text.slice(0, 300)}`;
      if (!retryable(res.status)) break;
    } catch (error) {
      const e = error as { name?: string; message?: string; cause?: { code?: string } };
      last = e.name === 'TimeoutError' ? `${url} did not answer within ${settings.timeoutMs} ms` : `${url} unreachable (${e.cause?.code ?? e.message})`;
    }
    if (attempt < policy.maxAttempts) await sleep(backoffDelay(policy, attempt, settings.random ?? Math.random));
  }
  return { ok: false, error: `${last} (after ${policy.maxAttempts} attempts)` };
}

/** The listener the workflow engine tells of a flux-started run's outcome. */
export const FLUX_LISTENER = 'flux';

/** What a flux-started run carries back to the listener. */
export interface NotifyData {
  scheduleId: string;
  table: string;
  partitions: Record<string, string>;
}

/**
 * Starts workflow `type` with `input` for a schedule. A type keyed by its input (consolidation)
 * keeps its own key: asking twice for the same date is the same run, and an already finished run
 * is answered as such (its listener was told before, maybe of another starter).
 */
export async function startWorkflow(workflows: WorkflowService, p: { type: string; input: unknown; keyed: boolean; notify: NotifyData }): Promise<Started> {
  try {
    const ref = await workflows.start(
      {
        type: p.type,
        input: p.input,
        ...(p.keyed ? {} : { workflowId: `flux:${p.notify.scheduleId}` }),
        notify: { listener: FLUX_LISTENER, data: p.notify },
      },
      { id: 'flux', name: `schedule ${p.notify.scheduleId}` },
    );
    if (ref.created || !['COMPLETED', 'FAILED', 'COMPENSATION_FAILED', 'TERMINATED'].includes(ref.status)) return { ok: true, workflowId: ref.workflowId };
    const view = await workflows.get(ref.workflowId);
    return { ok: true, workflowId: ref.workflowId, finished: { status: view.status, error: view.error } };
  } catch (error) {
    // A refused start (bad input, another input under the same key) fails the schedule; an outage is retried at the lease's end.
    if (!(error instanceof AppError) || error.status >= 500) throw error;
    const e = error as { message?: string; details?: unknown };
    const details = Array.isArray(e.details) ? `: ${(e.details as { path: string; message: string }[]).map((d) => `${d.path} ${d.message}`).join('; ')}` : '';
    return { ok: false, error: `workflow ${p.type}: ${e.message ?? String(error)}${details}` };
  }
}
