/**
 * The ops use-cases behind both doors: the JSON ops API (ops.ts, workflows.ts) and the web console
 * (src/console). Each read or action is written once here (or in the WorkflowService it hands on),
 * so the two doors cannot drift apart.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describeTables } from '../infra/dynamo/ensure-tables.js';
import type { Stores } from '../infra/stores/index.js';
import type { CircuitState } from '../infra/http/circuit-breaker.js';
import type { RecentCursor } from '../infra/stores/session-store.js';
import { TABLE_DEFS, tableNames, type TableDef } from '../infra/tables.js';
import { byLabel, quantiles, total, type Metrics } from '../pipeline/metrics.js';
import type { TurnHistory } from '../pipeline/turn-history.js';
import type { FluxService } from '../flux/index.js';
import type { AuditLog, AuditRecord } from '../privacy/index.js';
import type { WorkflowService } from '../workflows/index.js';

export type { StoredEntry } from '../infra/stores/buffer-store.js';
export type { PendingAction } from '../infra/stores/pending-action-requests.js';
export type { Actor, HistoryEvent, WorkflowView } from '../workflows/index.js';
export type { MinutePoint } from '../pipeline/turn-history.js';
export type { StoredApproval, StoredSchedule } from '../infra/stores/flux-schedule-store.js';
export type { StoredTable } from '../infra/stores/flux-registry-store.js';
export { JOURNEY_STATUSES, isFinished } from '../infra/stores/journey-store.js';
export { SCHEDULE_STATUSES } from '../flux/index.js';
export { requestIdOf } from './actor.js';

export interface OpsViewsDeps {
  stores: Stores<unknown>;
  metrics: Metrics;
  client: DynamoDBClient;
  tablePrefix: string;
  workflows: WorkflowService;
  /** The flux use-cases the /flux routes call (approve, reject, schedules, tables). */
  flux: FluxService;
  /** The last hour of turn figures, minute by minute. */
  turnHistory: TurnHistory;
  /** The backends' circuit-breaker states by operation (absent: the backends have no breaker, e.g. a test double). */
  circuits?: () => Record<string, CircuitState>;
  /** DynamoDB requests per operation and table since start (from the client middleware). */
  dynamoRequests: () => { requests: number; byOperation: Record<string, number>; byTable: Record<string, number> };
  /** The privacy audit every door records its reads and actions in (absent: nothing recorded). */
  audit?: AuditLog;
}

/** How many waiting items a backlog figure counts at most (one page of the sparse index). */
const BACKLOG_CAP = 500;
/** Every due time: a backlog counts the waiting items whatever their due time. */
const ANY_TIME = Number.MAX_SAFE_INTEGER;

const encodeCursor = (cursor: RecentCursor) => Buffer.from(JSON.stringify(cursor)).toString('base64url');

/** Pure: a cursor from `recentSessions` back to its position; undefined when it is not one. */
function decodeCursor(text: string): RecentCursor | undefined {
  try {
    const value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Partial<RecentCursor>;
    return typeof value.sessionId === 'string' && typeof value.updatedAt === 'string' ? { sessionId: value.sessionId, updatedAt: value.updatedAt } : undefined;
  } catch {
    return undefined;
  }
}

export function createOpsViews(deps: OpsViewsDeps) {
  const { stores, metrics } = deps;
  return {
    workflows: deps.workflows,
    flux: deps.flux,

    /** Records a read or an action in the privacy audit before the answer goes out. */
    async audit(record: AuditRecord): Promise<void> {
      await deps.audit?.record(record);
    },

    /** A page of live sessions, newest activity first (the sessions activity index). */
    async recentSessions(request: { limit: number; cursor?: string }) {
      const after = request.cursor ? decodeCursor(request.cursor) : undefined;
      const page = await stores.sessions.listRecent(request.limit, after);
      return { sessions: page.sessions, ...(page.next ? { nextCursor: encodeCursor(page.next) } : {}) };
    },

    /** The stored session (state, version, last save), or null. */
    session: (sessionId: string) => stores.sessions.get(sessionId),

    /** The last `limit` messages of a session, chronological, or those in [since, until]. */
    conversation: (sessionId: string, q: { limit: number; since?: number; until?: number }) =>
      q.since !== undefined || q.until !== undefined
        ? stores.buffer.listRange(sessionId, q.since ?? 0, q.until ?? Date.UTC(9999, 0), q.limit)
        : stores.buffer.listLast(sessionId, q.limit),

    /** Every live pending action of a session (oldest first) and the open one's id. */
    async pendingActions(sessionId: string) {
      const [actions, open] = await Promise.all([stores.pendingActions.listBySession(sessionId), stores.pendingActions.getOpen(sessionId)]);
      return { actions, openActionId: open?.actionId ?? null };
    },

    /** Every table as DynamoDB describes it (status, item count, TTL, GSIs). */
    tables: () => describeTables(deps.client, deps.tablePrefix),

    /** The table definitions of tables.ts with their physical names. */
    tableDefinitions(): { key: string; name: string; def: TableDef }[] {
      const names = tableNames(deps.tablePrefix);
      return (Object.keys(TABLE_DEFS) as (keyof typeof TABLE_DEFS)[]).map((key) => ({ key, name: names[key], def: TABLE_DEFS[key] }));
    },

    /** Unsent outbound entries (capped at BACKLOG_CAP; the unsent index, oldest first): the outbox backlog. */
    async outboxBacklog() {
      const unsent = await stores.outbox.listUnsent(ANY_TIME, BACKLOG_CAP);
      return { unsent: unsent.length, capped: unsent.length >= BACKLOG_CAP, oldestSince: unsent[0]?.outboxSince ?? null };
    },

    /** Provider messages stored and not yet completed (capped at BACKLOG_CAP; the inbox's pending index): the inbox backlog. */
    async inboxBacklog() {
      const pending = await stores.inbox.listPending(ANY_TIME, BACKLOG_CAP);
      return { pending: pending.length, capped: pending.length >= BACKLOG_CAP };
    },

    /** The recovery sweeps since start: runs by result, items taken over by kind, when the last one finished. */
    async recovery() {
      const [runs, items, last] = await Promise.all([
        byLabel(metrics.recoverySweeps, 'result'),
        byLabel(metrics.recoveredItems, 'kind'),
        metrics.recoveryLastSweep.get(),
      ]);
      const lastSeconds = last.values[0]?.value ?? 0;
      return {
        runs: { ok: runs.ok ?? 0, failed: runs.failed ?? 0 },
        recovered: { inbox: items.inbox ?? 0, outbox: items.outbox ?? 0 },
        lastSweepAt: lastSeconds > 0 ? new Date(lastSeconds * 1000).toISOString() : null,
      };
    },

    /** Each backend's circuit-breaker state (read-only), sorted by backend; empty when the backends have no breaker. */
    circuits: () =>
      Object.entries(deps.circuits?.() ?? {})
        .map(([backend, state]) => ({ backend, state }))
        .sort((a, b) => a.backend.localeCompare(b.backend)),

    /** The last hour of committed turns, their mean and p95 latency and the failed turns, minute by minute. */
    turnsLastHour: () => deps.turnHistory.points(),

    /** The turn figures since start (counters, latency quantiles, open pending actions, DynamoDB requests). */
    async sessionMetrics() {
      const [latency, lockWait, requests, roundTrips] = [metrics.turnLatency, metrics.lockWaitLatency, metrics.turnRequests, metrics.turnRoundTrips].map(
        (summary) => quantiles(summary.read()),
      );
      const [messagesIn, repliesOut, duplicates, conflicts, lockWaits, failed, sessionReads, open, redactions] = await Promise.all([
        total(metrics.messagesIn),
        total(metrics.repliesOut),
        total(metrics.duplicatesDropped),
        total(metrics.conflicts),
        total(metrics.lockWaits),
        total(metrics.turnsFailed),
        byLabel(metrics.sessionReads, 'source'),
        stores.pendingActions.countByStatus(),
        byLabel(metrics.llmPiiRedactions, 'kind'),
      ]);
      return {
        messages_in: messagesIn,
        replies_out: repliesOut,
        duplicates_dropped: duplicates,
        conflicts_409: conflicts,
        lock_waits: lockWaits,
        turns_failed: failed,
        turn_latency_ms: latency,
        lock_wait_ms: lockWait,
        dynamodb_requests_per_turn: requests,
        dynamodb_round_trips_per_turn: roundTrips,
        session_reads: { cache: sessionReads.cache ?? 0, read: sessionReads.read ?? 0, reread: sessionReads.reread ?? 0 },
        open_pending_actions: open,
        llm_pii_redaction: { phone: redactions.phone ?? 0, email: redactions.email ?? 0, name: redactions.name ?? 0 },
        dynamodb_requests: deps.dynamoRequests(),
      };
    },
  };
}

export type OpsViews = ReturnType<typeof createOpsViews>;
