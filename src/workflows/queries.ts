/**
 * The read side of the workflow use-cases: a workflow as the API shows it, the list by status or
 * type (an index, never a Scan), a run's history in pages, the registered types.
 */
import type { JourneyRecord, JourneyStatus, JourneyStore } from '../infra/stores/journey-store.js';
import { AppError, ValidationError } from '../kernel/errors.js';
import type { WorkflowRegistry } from './registry.js';
import { summaryOf, toHistoryEvent, viewOf, type HistoryEvent, type WorkflowSummary, type WorkflowView } from './views.js';

export interface HistoryRequest {
  runId?: string;
  /** The event id to continue after (from `nextCursor`). */
  cursor?: string;
  limit?: number;
}

export interface ListRequest {
  status?: JourneyStatus;
  type?: string;
  cursor?: string;
  limit?: number;
}

/** The header of `workflowId`; `workflow.notFound` when there is none (or it is a journey of no workflow type). */
export async function getWorkflow(store: JourneyStore, workflowId: string): Promise<JourneyRecord> {
  const header = await store.get(workflowId);
  if (!header || !header.workflowType) throw new AppError('workflow.notFound', `no workflow ${workflowId}`, { workflowId });
  return header;
}

export function createWorkflowQueries({ store, registry }: { store: JourneyStore; registry: WorkflowRegistry }) {
  const mustGet = (workflowId: string) => getWorkflow(store, workflowId);

  async function allEvents(h: JourneyRecord) {
    const events = [];
    for (let after = 0; ;) {
      const page = await store.history(h, h.runId, after, 1_000);
      events.push(...page.events);
      if (!page.nextAfter) return events;
      after = page.nextAfter;
    }
  }

  return {
    /** The workflow: status, current run, each step with attempts, result and error. */
    async get(workflowId: string): Promise<WorkflowView> {
      const h = await mustGet(workflowId);
      const names = registry.get(h.workflowType)?.steps.map((s) => s.name) ?? [];
      const [checkpoints, events] = await Promise.all([store.checkpoints(h), allEvents(h)]);
      return viewOf(h, names, checkpoints, events);
    },

    /** One page of workflows by status and/or type (an index, never a Scan), newest status change first. */
    async list(request: ListRequest): Promise<{ workflows: WorkflowSummary[]; nextCursor?: string }> {
      const next = request.cursor ? decodeCursor(request.cursor) : undefined;
      const page = await store.list({ status: request.status, type: request.type, limit: request.limit ?? 50, next });
      return { workflows: page.journeys.map(summaryOf), ...(page.next ? { nextCursor: Buffer.from(JSON.stringify(page.next)).toString('base64url') } : {}) };
    },

    /** A page of a run's events (default: the current run), oldest first. */
    async history(
      workflowId: string,
      request: HistoryRequest = {},
    ): Promise<{ workflowId: string; runId: string; events: HistoryEvent[]; nextCursor?: string }> {
      const h = await mustGet(workflowId);
      const runId = request.runId ?? h.runId;
      if (!h.runs.some((r) => r.runId === runId)) throw new AppError('workflow.notFound', `workflow ${workflowId} has no run ${runId}`, { workflowId, runId });
      const after = request.cursor === undefined ? 0 : Number(request.cursor);
      if (!Number.isInteger(after) || after < 0) throw new ValidationError('invalid cursor', [{ path: 'cursor', message: 'an event id from nextCursor' }]);
      const page = await store.history(h, runId, after, request.limit ?? 100);
      return {
        workflowId,
        runId,
        events: page.events.map((e) => toHistoryEvent(e, page.results)),
        ...(page.nextAfter ? { nextCursor: String(page.nextAfter) } : {}),
      };
    },

    /** Registered workflow types and their steps. */
    types: () => registry.names().map((name) => ({ type: name, version: registry.get(name)!.version, steps: registry.get(name)!.steps.map((s) => s.name) })),
  };
}

function decodeCursor(cursor: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new ValidationError('invalid cursor', [{ path: 'cursor', message: 'pass nextCursor from the previous page unchanged' }]);
}
