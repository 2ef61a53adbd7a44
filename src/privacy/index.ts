/**
 * The privacy use-cases (LGPD art. 18 and 37), one rule for every door (ops API, console): erase a
 * subject, export what the service holds about them, and the audit of who read or changed what.
 */
import type { BufferStore, StoredEntry } from '../infra/stores/buffer-store.js';
import type { PendingActionStore } from '../infra/stores/pending-action-store.js';
import type { SessionStore } from '../infra/stores/session-store.js';
import { keyOf, type SubjectStore } from '../infra/stores/subject-store.js';
import { TABLE_DEFS, type TableKey } from '../infra/tables.js';
import type { Clock } from '../kernel/clock.js';
import { AppError } from '../kernel/errors.js';
import { sleep } from '../kernel/retry.js';
import type { Actor, WorkflowService, WorkflowView } from '../workflows/index.js';
import type { AuditLog } from './audit.js';
import { ERASURE_TYPE, erasureWorkflowId, type KeptRecords } from './erasure.js';
import { carriesSubject } from './subject.js';

export { createAuditLog, type AuditLog, type AuditRecord } from './audit.js';
export { createErasureWorkflow } from './erasure.js';

/** What stays outside the service's reach, listed in every erasure's answer (docs/privacy.md). */
export const OUTSIDE_THE_SERVICE = [
  { holder: 'backend', what: "schedules, clinical reports, notes and summaries sent to the company's backend (its own records and retention)" },
  { holder: 'whatsapp', what: "Meta's (or Twilio's) copy of the messages, and the copy on the caregiver's and the company's phones" },
  { holder: 'openai', what: "message text sent for understanding when OPENAI_API_KEY is set, without phone or names (the provider's API retention)" },
  { holder: 'logs', what: 'application logs: masked session ids and request ids at info level; message text only at debug level' },
  { holder: 'backups', what: 'DynamoDB point-in-time recovery and backups, if enabled, until they age out' },
] as const;

/** How long DELETE waits for the erasure before answering 202 (the workflow goes on; the same DELETE later reports it). */
const POLL_MS = 50;

export interface PrivacyDeps {
  sessions: SessionStore<unknown>;
  pendingActions: PendingActionStore;
  buffer: BufferStore;
  subjects: SubjectStore;
  workflows: WorkflowService;
  audit: AuditLog;
  clock: Clock;
  /** How long an erase call waits for its workflow before answering "still running". */
  erasureWaitMs: number;
}

export type ErasureOutcome =
  | { status: 'erased'; workflowId: string; erased: Partial<Record<TableKey, number>>; kept: KeptRecords[]; outside: typeof OUTSIDE_THE_SERVICE }
  | { status: 'in_progress'; workflowId: string };

export function createPrivacy(deps: PrivacyDeps) {
  const { workflows, audit, subjects } = deps;

  /** Waits for a workflow to finish, up to `waitMs`; the last view. */
  async function settle(workflowId: string, waitMs: number): Promise<WorkflowView> {
    const deadline = performance.now() + waitMs;
    for (;;) {
      const view = await workflows.get(workflowId);
      if (!['RUNNING', 'RETRYING', 'WAITING', 'COMPENSATING'].includes(view.status) || performance.now() >= deadline) return view;
      await sleep(POLL_MS);
    }
  }

  /** The finished erasure's own items: they hold the phone (its input), so they go once its outcome is audited. */
  async function purge(workflowId: string) {
    const items = await subjects.partition('journeys', workflowId);
    await subjects.deleteKeys(
      'journeys',
      items.map((i) => keyOf('journeys', i)),
    );
  }

  /** Headers of the workflows (and journals) whose key, input or results name the subject. */
  async function workflowsNaming(sessionId: string): Promise<string[]> {
    const pk = TABLE_DEFS.journeys.partitionKey.name;
    const ids = new Set<string>();
    await subjects.scan('journeys', (items) => {
      for (const item of items) if (!String(item[pk]).startsWith(`${ERASURE_TYPE}:`) && carriesSubject(item, sessionId)) ids.add(item[pk] as string);
    });
    return [...ids];
  }

  return {
    /**
     * Erases everything tied to the subject (see erasure.ts). Idempotent: a second call re-runs the
     * erasure (a new run of the same workflow), which finds nothing left, or finishes an interrupted one.
     */
    async erase(sessionId: string, actor: Actor, requestId?: string): Promise<ErasureOutcome> {
      const subject = audit.subject(sessionId);
      const workflowId = erasureWorkflowId(subject.hash);
      const input = { sessionId, subjectHash: subject.hash };
      try {
        await workflows.start({ type: ERASURE_TYPE, input, rerun: true }, actor);
      } catch (error) {
        // Already running (another call, or a run a crashed instance left): wait for that one.
        if (!(error instanceof AppError && error.code === 'workflow.running')) throw error;
      }
      const view = await settle(workflowId, deps.erasureWaitMs);
      if (view.status === 'COMPLETED') {
        const { erased, kept } = view.result as { erased: Partial<Record<TableKey, number>>; kept: KeptRecords[] };
        await audit.record({
          actor,
          action: 'privacy.erase',
          sessionId,
          hashOnly: true,
          requestId,
          details: { erased, kept: kept.map(({ table, count }) => ({ table, count })) },
        });
        await purge(workflowId);
        return { status: 'erased', workflowId, erased, kept, outside: OUTSIDE_THE_SERVICE };
      }
      if (['FAILED', 'TERMINATED', 'COMPENSATION_FAILED'].includes(view.status)) {
        await audit.record({ actor, action: 'privacy.erase.incomplete', sessionId, hashOnly: true, requestId, details: { workflowId, status: view.status } });
        throw new AppError(
          'privacy.erasureFailed',
          `the erasure stopped (${view.status}${view.failedStep ? ` at ${view.failedStep}` : ''}); send the same request again`,
          {
            workflowId,
            status: view.status,
            failedStep: view.failedStep,
          },
        );
      }
      return { status: 'in_progress', workflowId };
    },

    /**
     * Everything the service holds about the subject: the head (state, pending actions with their
     * history, workflows naming them), then `stream` hands the conversation over a page at a time.
     */
    async exportSubject(sessionId: string) {
      const [session, pendingActions, workflowIds] = await Promise.all([
        deps.sessions.get(sessionId).catch((error: unknown) => {
          if (error instanceof AppError && error.code === 'session.invalidState') return null;
          throw error;
        }),
        deps.pendingActions.listBySession(sessionId),
        workflowsNaming(sessionId),
      ]);
      const views = await Promise.all(workflowIds.map((id) => workflows.get(id).catch(() => ({ workflowId: id, journal: true }))));
      return {
        head: { exportedAt: new Date(deps.clock.now()).toISOString(), session, pendingActions, workflows: views },
        stream: (onMessages: (entries: StoredEntry[]) => Promise<void> | void) => deps.buffer.eachPage(sessionId, onMessages),
      };
    },

    audit,
  };
}

export type Privacy = ReturnType<typeof createPrivacy>;
