/**
 * The flux use-cases behind every door (HTTP, CLI, tests): the registry, reports, approvals,
 * manual runs and the read side (executions, schedules, approvals by status: keys and indexes only).
 */
import type { FluxExecutionStore, StoredExecution } from '../infra/stores/flux-execution-store.js';
import type { FluxScheduleStore, StoredApproval, StoredSchedule } from '../infra/stores/flux-schedule-store.js';
import type { Clock } from '../kernel/clock.js';
import { ConflictError, NotFoundError, ValidationError } from '../kernel/errors.js';
import { ulid } from '../kernel/ids.js';
import { APPROVAL_STATUSES, SCHEDULE_STATUSES, type ApprovalStatus, type RunInput, type ScheduleStatus } from './model.js';
import type { Registry } from './registry.js';
import type { Reports } from './reports.js';
import { syncValues } from './rules.js';

export interface FluxServiceDeps {
  registry: Registry;
  reports: Reports;
  executions: FluxExecutionStore;
  schedules: FluxScheduleStore;
  clock: Clock;
  onDue: (atMs: number, scheduleId: string) => void;
}

const newestFirst = <T extends { created_at?: string; requested_at?: string; id: string }>(a: T, b: T) =>
  `${b.created_at ?? b.requested_at}${b.id}`.localeCompare(`${a.created_at ?? a.requested_at}${a.id}`);

export function createFluxService(deps: FluxServiceDeps) {
  const { registry, reports, executions, schedules, clock } = deps;
  const iso = (ms = clock.now()) => new Date(ms).toISOString();

  /** The approval and its schedule, or 404; 409 when it was decided already. */
  async function pendingApproval(id: string): Promise<{ approval: StoredApproval; schedule: StoredSchedule }> {
    const approval = await schedules.getApproval(id);
    if (!approval) throw new NotFoundError(`no approval ${id}`, { approval_status_id: id });
    if (approval.status !== 'pending')
      throw new ConflictError('flux.conflict', `approval ${id} was already ${approval.status} by ${approval.approver_name ?? '?'}`, {
        current: { status: approval.status, approver_name: approval.approver_name, reviewed_at: approval.reviewed_at },
      });
    const schedule = await schedules.getSchedule(approval.task_schedule_id);
    if (!schedule) throw new NotFoundError(`no schedule ${approval.task_schedule_id}`, { task_schedule_id: approval.task_schedule_id });
    return { approval, schedule };
  }

  const decided = (id: string) => new ConflictError('flux.conflict', `approval ${id} was decided by someone else meanwhile`, { current: null });

  return {
    ...registry,
    registerExecutions: (items: unknown[]) => reports.register(items),

    /** `POST /approve`: the schedule becomes pending, due after its debounce. */
    async approve(approvalId: string, user: string) {
      const { approval, schedule } = await pendingApproval(approvalId);
      const due = clock.now() + schedule.debounce_seconds * 1000;
      const outcome = await schedules.approve(approval, user, iso(), due);
      if (!outcome.ok) throw decided(approvalId);
      deps.onDue(due, schedule.id);
      return { message: 'Task approved successfully.', task_schedule_id: schedule.id, due_time: iso(due) };
    },

    /** `POST /reject`: final for the schedule's debounce key (a later trigger for the same partitions opens nothing). */
    async reject(approvalId: string, user: string) {
      const { approval, schedule } = await pendingApproval(approvalId);
      const outcome = await schedules.reject(approval, schedule.debounce_key, user, iso());
      if (!outcome.ok) throw decided(approvalId);
      return { message: 'Task rejected successfully.', task_schedule_id: schedule.id };
    },

    /** `POST /run`: a manual run of a task, due now: no debounce, no approval, no readiness check; recorded as manual. */
    async run(input: RunInput, actor: string) {
      const table = await registry.getTable(input.table_name);
      const task = table.tasks.find((t) => t.alias === input.task_name);
      if (!task) throw new NotFoundError(`table ${table.name} has no task ${input.task_name}`, { task: input.task_name });
      const latest = await executions.latest(table.name);
      const partitions = input.partitions ?? latest?.partitions ?? {};
      const unknown = Object.keys(partitions).filter((n) => !table.partitions.some((p) => p.name === n));
      if (unknown.length)
        throw new ValidationError(
          'invalid run',
          unknown.map((n) => ({ path: `partitions.${n}`, message: `table ${table.name} has no partition ${n}` })),
        );
      const now = clock.now();
      const id = ulid(now);
      const trigger: StoredExecution | null = input.partitions ? null : latest;
      const user = input.user ?? actor;
      const outcome = await schedules.open(
        {
          id,
          table: table.name,
          task: task.alias,
          executor: task.executor,
          debounce_key: `manual#${id}`,
          debounce_seconds: 0,
          status: 'pending',
          partitions: { ...syncValues(table, partitions), ...partitions },
          trigger,
          due_time: iso(now),
          last_event_time: iso(now),
          manual: { user },
          attempts: 0,
          created_at: iso(now),
          updated_at: iso(now),
        },
        now,
        undefined,
        undefined,
      );
      if (!outcome.ok) throw new ConflictError('flux.conflict', 'the manual run could not be recorded; try again');
      deps.onDue(now, id);
      return { message: 'Task processed successfully.', task_schedule_id: id };
    },

    async executions(table: string, since: string | undefined, limit: number) {
      await registry.getTable(table);
      return executions.list(table, since, limit);
    },

    /** Schedules by status (every status when none is given), newest first. */
    async schedules(status: ScheduleStatus | undefined, limit: number): Promise<StoredSchedule[]> {
      const lists = await Promise.all((status ? [status] : SCHEDULE_STATUSES).map((s) => schedules.listSchedules(s, limit)));
      return lists.flat().sort(newestFirst).slice(0, limit);
    },

    async getSchedule(id: string): Promise<StoredSchedule> {
      const schedule = await schedules.getSchedule(id);
      if (!schedule) throw new NotFoundError(`no schedule ${id}`, { task_schedule_id: id });
      return schedule;
    },

    /** Approvals by status (every status when none is given), newest first. */
    async approvals(status: ApprovalStatus | undefined, limit: number): Promise<StoredApproval[]> {
      const lists = await Promise.all((status ? [status] : APPROVAL_STATUSES).map((s) => schedules.listApprovals(s, limit)));
      return lists.flat().sort(newestFirst).slice(0, limit);
    },
  };
}

export type FluxService = ReturnType<typeof createFluxService>;
