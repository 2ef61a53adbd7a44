/**
 * Flux control's schedules, their debounce keys and approvals. Every transition is one
 * conditional write (or one transaction) from the status it needs, so a schedule fires once
 * across instances and restarts, and an approval is decided once:
 *   pending ──claim──▶ in_progress(starting) ──started──▶ in_progress ──completion──▶ completed
 *      ▲                      │ (lease expired: claimed again)       └──failure──▶ failed
 *   waiting_approval ──approve──┘  └──reject──▶ rejected (final for its debounce key)
 * A pending schedule, and a claimed one whose executor has not started yet, carry a due time in
 * the sparse due index (its sweepers' work list); nothing else does.
 */
import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { and, update } from './expression.js';
import { DUE, LIST, body, dueShardOf, fluxExpression as expression, keys, part, tryTransact, type TxOutcome } from './flux-items.js';
import type { StoredExecution } from './flux-execution-store.js';
import { guard, writeIf, type Item, type StoreDeps } from './store-deps.js';
import type { TxOp } from './transaction.js';

export type StoredScheduleStatus = 'pending' | 'waiting_approval' | 'in_progress' | 'completed' | 'failed' | 'rejected';

export interface StoredSchedule {
  id: string;
  table: string;
  task: string;
  executor: string;
  debounce_key: string;
  debounce_seconds: number;
  status: StoredScheduleStatus;
  /** The sync-partition values the run is for. */
  partitions: Record<string, string>;
  /** The newest execution that triggered it (null for a manual run of a table with none). */
  trigger: StoredExecution | null;
  /** When it fires (pending), ISO. */
  due_time?: string;
  last_event_time: string;
  approval_id?: string;
  manual?: { user: string };
  /** The rendered params, once fired. */
  payload?: unknown;
  workflow_id?: string;
  result_execution_id?: string;
  error?: string;
  attempts: number;
  /** While in_progress: the executor is being started (claimed, due again at lease expiry) or was started. */
  stage?: 'starting' | 'started';
  created_at: string;
  updated_at: string;
}

export interface StoredApproval {
  id: string;
  task_schedule_id: string;
  table: string;
  task: string;
  status: 'pending' | 'approved' | 'rejected';
  requested_at: string;
  reviewed_at?: string;
  approver_name?: string;
}

const listOf = (status: string) => `sched#${status}`;
const approvalsOf = (status: string) => `approval#${status}`;
const isoOf = (ms: number) => new Date(ms).toISOString();
/** The attributes every status change sets. */
const STATUS_SET = ['#status = :status', '#listKey = :listKey', '#updated_at = :at'];
const statusValues = (status: StoredScheduleStatus, at: string) => ({ status, listKey: listOf(status), at });

export type Decision = { ok: true } | { ok: false; reason: 'approval' | 'schedule' | 'conflict'; current?: Item };

export function createFluxScheduleStore(deps: StoreDeps) {
  const { doc, tableName } = deps;
  const Key = (id: string) => ({ TableName: tableName, Key: keys.schedule(id) });

  async function get<T>(key: { pk: string; sk: string }): Promise<T | null> {
    const item = (await guard(() => doc.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true })))).Item;
    return item ? body<T>(item) : null;
  }

  /** One conditional update of a schedule; the new schedule, or null when the condition failed. */
  async function change(id: string, text: { update: string; condition: string }, values: Record<string, unknown>): Promise<StoredSchedule | null> {
    const written = await writeIf(() => doc.send(new UpdateCommand({ ...Key(id), ...expression(text, values), ReturnValues: 'ALL_NEW' })));
    return written.written && written.output.Attributes ? body<StoredSchedule>(written.output.Attributes) : null;
  }

  async function list(listKey: string, limit: number): Promise<Item[]> {
    const out = await guard(() =>
      doc.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: LIST.name,
          ...expression({ keyCondition: '#listKey = :k' }, { k: listKey }),
          ScanIndexForward: false,
          Limit: limit,
        }),
      ),
    );
    return out.Items ?? [];
  }

  return {
    getSchedule: (id: string) => get<StoredSchedule>(keys.schedule(id)),
    getApproval: (id: string) => get<StoredApproval>(keys.approval(id)),
    /** The debounce key's latest schedule, and whether a rejection closed the key. */
    pointer: (key: string) => get<{ scheduleId: string; rejected?: boolean }>(keys.debounce(key)),

    /**
     * Opens a schedule (due at `dueAtMs` when pending) with its approval, and points its debounce
     * key at it, if the key still points at `previous` (none: the key is new) and was not rejected.
     */
    async open(schedule: StoredSchedule, dueAtMs: number | undefined, approval: StoredApproval | undefined, previous: string | undefined): Promise<TxOutcome> {
      const ops: TxOp[] = [
        part('schedule', {
          Put: {
            TableName: tableName,
            Item: {
              ...keys.schedule(schedule.id),
              ...schedule,
              listKey: listOf(schedule.status),
              listSort: `${schedule.created_at}#${schedule.id}`,
              ...(dueAtMs === undefined ? {} : { dueShard: dueShardOf(schedule.id), dueAt: dueAtMs }),
            },
            ...expression({ condition: 'attribute_not_exists(#pk)' }),
          },
        }),
        part('pointer', {
          Put: {
            TableName: tableName,
            Item: { ...keys.debounce(schedule.debounce_key), scheduleId: schedule.id },
            ...expression(
              { condition: previous ? and('#scheduleId = :previous', 'attribute_not_exists(#rejected)') : 'attribute_not_exists(#pk)' },
              previous ? { previous } : {},
            ),
          },
        }),
      ];
      if (approval)
        ops.push(
          part('approval', {
            Put: {
              TableName: tableName,
              Item: { ...keys.approval(approval.id), ...approval, listKey: approvalsOf(approval.status), listSort: `${approval.requested_at}#${approval.id}` },
            },
          }),
        );
      return tryTransact(doc, ops);
    },

    /**
     * Pushes a pending schedule's due time and swaps in the newest trigger, or swaps in the newest
     * trigger of one waiting for approval; null when it is neither any more (fired or decided). The
     * failed first write answers the schedule's status, so a fired one costs no second write.
     */
    async extend(id: string, dueAtMs: number, trigger: StoredExecution, at: string): Promise<StoredSchedule | null> {
      const pending = await writeIf(() =>
        doc.send(
          new UpdateCommand({
            ...Key(id),
            ...expression(
              {
                update: 'SET #dueAt = :due, #due_time = :dueIso, #trigger = :trigger, #last_event_time = :at, #updated_at = :at',
                condition: '#status = :pending',
              },
              { due: dueAtMs, dueIso: isoOf(dueAtMs), trigger, at, pending: 'pending' },
            ),
            ReturnValues: 'ALL_NEW',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        ),
      );
      if (pending.written) return pending.output.Attributes ? body<StoredSchedule>(pending.output.Attributes) : null;
      if (pending.current && pending.current.status !== 'waiting_approval') return null;
      return change(
        id,
        { update: 'SET #trigger = :trigger, #last_event_time = :at, #updated_at = :at', condition: '#status = :waiting' },
        { trigger, at, waiting: 'waiting_approval' },
      );
    },

    /** Schedules due at or before `now` in one shard of the due index (keys only), oldest first. */
    async due(shard: string, now: number, limit: number): Promise<{ id: string; dueAt: number }[]> {
      const out = await guard(() =>
        doc.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: DUE.name,
            ...expression({ keyCondition: '#dueShard = :shard AND #dueAt <= :now' }, { shard, now }),
            Limit: limit,
          }),
        ),
      );
      return (out.Items ?? []).map((i) => ({ id: (i.pk as string).slice('sched#'.length), dueAt: i.dueAt as number }));
    },

    /**
     * Claims a due schedule for `token` until `now + leaseMs`: a pending one, or one whose
     * claimer died before starting its executor. Null when another claimed it first or it is not due.
     */
    claim: (id: string, now: number, leaseMs: number, token: string) =>
      change(
        id,
        {
          update: update({
            set: [...STATUS_SET, '#stage = :starting', '#claim = :token', '#dueAt = :leaseEnd'],
            add: ['#attempts :one'],
          }),
          condition: and('attribute_exists(#dueShard)', '#dueAt <= :now', '(#status = :pending OR (#status = :status AND #stage = :starting))'),
        },
        { ...statusValues('in_progress', isoOf(now)), now, leaseEnd: now + leaseMs, token, starting: 'starting', pending: 'pending', one: 1 },
      ),

    /** The executor of a claim started: the schedule leaves the due index and waits for its completion report. */
    started: (id: string, token: string, fields: { payload: unknown; workflow_id?: string }, at: string) =>
      change(
        id,
        {
          update: update({
            set: ['#stage = :started', '#payload = :payload', '#updated_at = :at', ...(fields.workflow_id ? ['#workflow_id = :wf'] : [])],
            remove: ['#dueShard', '#dueAt'],
          }),
          condition: and('#status = :inProgress', '#claim = :token'),
        },
        {
          started: 'started',
          payload: fields.payload ?? null,
          at,
          inProgress: 'in_progress',
          token,
          ...(fields.workflow_id ? { wf: fields.workflow_id } : {}),
        },
      ),

    /** An in-progress schedule failed (its executor, its template, its workflow); `token`: only while that claim holds it. */
    fail: (id: string, error: string, at: string, token?: string, payload?: unknown) =>
      change(
        id,
        {
          update: update({
            set: [...STATUS_SET, '#error = :error', ...(payload === undefined ? [] : ['#payload = :payload'])],
            remove: ['#dueShard', '#dueAt'],
          }),
          condition: and('#status = :inProgress', token !== undefined && '#claim = :token'),
        },
        {
          ...statusValues('failed', at),
          error: error.slice(0, 2_000),
          inProgress: 'in_progress',
          ...(token === undefined ? {} : { token }),
          ...(payload === undefined ? {} : { payload }),
        },
      ),

    /** Pure: the part that completes an in-progress schedule with the execution reporting it. */
    completeOp(id: string, resultExecutionId: string, at: string): TxOp {
      return part('schedule', {
        Update: {
          ...Key(id),
          ...expression(
            { update: update({ set: [...STATUS_SET, '#result_execution_id = :result'], remove: ['#dueShard', '#dueAt'] }), condition: '#status = :inProgress' },
            { ...statusValues('completed', at), result: resultExecutionId, inProgress: 'in_progress' },
          ),
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      });
    },

    /** Approves a pending approval and makes its waiting schedule pending, due at `dueAtMs`. */
    async approve(approval: StoredApproval, user: string, at: string, dueAtMs: number): Promise<Decision> {
      return decide(approval, 'approved', user, at, {
        update: [...STATUS_SET, '#dueShard = :shard', '#dueAt = :due', '#due_time = :dueIso'],
        values: { ...statusValues('pending', at), shard: dueShardOf(approval.task_schedule_id), due: dueAtMs, dueIso: isoOf(dueAtMs) },
      });
    },

    /** Rejects a pending approval; its schedule is rejected and its debounce key closed for good. */
    async reject(approval: StoredApproval, debounceKey: string, user: string, at: string): Promise<Decision> {
      return decide(approval, 'rejected', user, at, { update: STATUS_SET, values: statusValues('rejected', at) }, [
        part('pointer', {
          Update: {
            TableName: tableName,
            Key: keys.debounce(debounceKey),
            ...expression({ update: 'SET #rejected = :yes', condition: '#scheduleId = :id' }, { yes: true, id: approval.task_schedule_id }),
          },
        }),
      ]);
    },

    async listSchedules(status: StoredScheduleStatus, limit: number): Promise<StoredSchedule[]> {
      return (await list(listOf(status), limit)).map((i) => body<StoredSchedule>(i));
    },

    async listApprovals(status: StoredApproval['status'], limit: number): Promise<StoredApproval[]> {
      return (await list(approvalsOf(status), limit)).map((i) => body<StoredApproval>(i));
    },
  };

  /** One transaction: the approval from pending to `status`, its schedule from waiting_approval by `schedule`, and `also`. */
  async function decide(
    approval: StoredApproval,
    status: 'approved' | 'rejected',
    user: string,
    at: string,
    schedule: { update: string[]; values: Record<string, unknown> },
    also: TxOp[] = [],
  ): Promise<Decision> {
    const outcome = await tryTransact(doc, [
      part('approval', {
        Update: {
          TableName: tableName,
          Key: keys.approval(approval.id),
          ...expression(
            { update: 'SET #status = :status, #listKey = :listKey, #reviewed_at = :at, #approver_name = :user', condition: '#status = :pending' },
            { status, listKey: approvalsOf(status), at, user, pending: 'pending' },
          ),
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      }),
      part('schedule', {
        Update: {
          ...Key(approval.task_schedule_id),
          ...expression({ update: update({ set: schedule.update }), condition: '#status = :waiting' }, { ...schedule.values, waiting: 'waiting_approval' }),
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      }),
      ...also,
    ]);
    if (outcome.ok) return { ok: true };
    return { ok: false, reason: outcome.failed === 'approval' || outcome.failed === 'schedule' ? outcome.failed : 'conflict', current: outcome.current };
  }
}

export type FluxScheduleStore = ReturnType<typeof createFluxScheduleStore>;
