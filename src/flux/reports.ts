/**
 * `register_execution`: a table landed for some partition values. The execution is recorded (a
 * repeated report id is the same execution), a completion closes its schedule, and each dependent
 * whose required inputs have all landed for the same sync values gets its tasks' schedules
 * opened or pushed back (debounce).
 */
import type { FluxExecutionStore, StoredExecution } from '../infra/stores/flux-execution-store.js';
import type { StoredTable } from '../infra/stores/flux-registry-store.js';
import type { FluxScheduleStore, StoredApproval, StoredSchedule } from '../infra/stores/flux-schedule-store.js';
import type { Clock } from '../kernel/clock.js';
import { ConflictError, NotFoundError, ValidationError } from '../kernel/errors.js';
import { ulid } from '../kernel/ids.js';
import type { Logger } from '../kernel/logger.js';
import type { Definitions, DefinitionsCache } from './definitions.js';
import { reportSchema, type PartitionValues, type ReportInput, type TaskDef } from './model.js';
import { carries, debounceKey, dependencyLookup, landingValues, missingRequired, reportPartitions, syncValues, valuesKey, type Problem } from './rules.js';

export interface ReportsDeps {
  definitions: DefinitionsCache;
  executions: FluxExecutionStore;
  schedules: FluxScheduleStore;
  clock: Clock;
  logger: Logger;
  /** Told of each due time set here, so this instance's sweeper wakes for it. */
  onDue: (atMs: number, scheduleId: string) => void;
}

/** What one report did. */
export interface ReportAnswer {
  message: string;
  execution_id: string;
  duplicate: boolean;
  /** Schedules opened or pushed back, by id. */
  schedules: { id: string; table: string; task: string; action: 'opened' | 'extended' | 'rejected' }[];
}

type TriggerOutcome = ReportAnswer['schedules'][number];
/** Rounds of read-and-write one debounce key takes while concurrent reports race on it. */
const ROUNDS = 8;

export function createReports(deps: ReportsDeps) {
  const { definitions, executions, schedules, clock, logger } = deps;
  const iso = (ms = clock.now()) => new Date(ms).toISOString();

  /** Opens a schedule for (dependent, task, values), or pushes back the open one; a rejected key stays closed. */
  async function openOrExtend(table: StoredTable, task: TaskDef, values: PartitionValues, trigger: StoredExecution): Promise<TriggerOutcome> {
    const key = debounceKey(table.name, task.alias, values);
    for (let round = 0; round < ROUNDS; round++) {
      const pointer = await schedules.pointer(key);
      if (pointer?.rejected) return { id: pointer.scheduleId, table: table.name, task: task.alias, action: 'rejected' };
      const now = clock.now();
      const due = now + task.debounce_seconds * 1000;
      if (pointer) {
        const extended = await schedules.extend(pointer.scheduleId, due, trigger, iso(now));
        if (extended) {
          if (extended.status === 'pending') deps.onDue(due, pointer.scheduleId);
          return { id: pointer.scheduleId, table: table.name, task: task.alias, action: 'extended' };
        }
        // Fired or decided meanwhile: a new run for the key.
      }
      const id = ulid(now);
      const waiting = table.requires_approval;
      const schedule: StoredSchedule = {
        id,
        table: table.name,
        task: task.alias,
        executor: task.executor,
        debounce_key: key,
        debounce_seconds: task.debounce_seconds,
        status: waiting ? 'waiting_approval' : 'pending',
        partitions: values,
        trigger,
        ...(waiting ? {} : { due_time: iso(due) }),
        last_event_time: iso(now),
        attempts: 0,
        created_at: iso(now),
        updated_at: iso(now),
      };
      const approval: StoredApproval | undefined = waiting
        ? { id: ulid(now), task_schedule_id: id, table: table.name, task: task.alias, status: 'pending', requested_at: iso(now) }
        : undefined;
      if (approval) schedule.approval_id = approval.id;
      const outcome = await schedules.open(schedule, waiting ? undefined : due, approval, pointer?.scheduleId);
      if (outcome.ok) {
        if (!waiting) deps.onDue(due, id);
        return { id, table: table.name, task: task.alias, action: 'opened' };
      }
    }
    throw new ConflictError('flux.conflict', `debounce key ${key} kept changing; report again`);
  }

  /**
   * For each (dependent, values): the execution of each of its dependencies matching the values
   * (absent when none landed). Exact lookups of every dependent share one BatchGet; the others
   * (a dependency syncing on partitions the values lack) read that table's landings, in parallel.
   */
  async function matching(wanted: { dependent: StoredTable; values: PartitionValues }[], defs: Definitions): Promise<Map<string, StoredExecution>[]> {
    const upstream = await defs.tables(wanted.flatMap((w) => w.dependent.dependencies.map((d) => d.table)));
    const lookups = wanted.map(({ dependent, values }) =>
      dependent.dependencies.flatMap((dep) => {
        const def = upstream.get(dep.table);
        return def ? [{ table: dep.table, ...dependencyLookup(def, values) }] : [];
      }),
    );
    const exact = lookups.flat().filter((l) => l.exact);
    const partialTables = [...new Set(lookups.flat().flatMap((l) => (l.exact ? [] : [l.table])))];
    const [landings, all] = await Promise.all([
      executions.landings(exact.map((l) => ({ table: l.table, valuesKey: valuesKey(l.values) }))),
      Promise.all(partialTables.map(async (t) => [t, await executions.allLandings(t)] as const)).then((e) => new Map(e)),
    ]);
    const byKey = new Map(landings.map((l) => [`${l.table}#${valuesKey(l.values)}`, l.execution]));
    return lookups.map((list) => {
      const found = new Map<string, StoredExecution>();
      for (const l of list) {
        const execution = l.exact
          ? byKey.get(`${l.table}#${valuesKey(l.values)}`)
          : (all.get(l.table) ?? [])
              .filter((landing) => carries(landing.values, l.values))
              .sort((a, b) => (a.execution.date_time < b.execution.date_time ? 1 : -1))[0]?.execution;
        if (execution) found.set(l.table, execution);
      }
      return found;
    });
  }

  /**
   * Opens or extends the schedules of every dependent made ready by `execution` (read after it was
   * written: of two racing reports, the later reader sees the other). One read for every
   * dependent's inputs; the debounce keys, all different, are opened in parallel.
   */
  async function triggerDependents(execution: StoredExecution, dependents: string[], defs: Definitions): Promise<TriggerOutcome[]> {
    if (!dependents.length) return [];
    const tables = [...(await defs.tables(dependents)).values()];
    const wanted = tables.map((dependent) => ({ dependent, values: syncValues(dependent, execution.partitions) }));
    const landed = await matching(wanted, defs);
    const ready = wanted.filter(({ dependent }, i) => {
      // The trigger itself counts, whatever its table syncs on.
      landed[i].set(execution.table, execution);
      const missing = missingRequired(dependent, new Set(landed[i].keys()));
      if (missing.length) logger.debug('flux dependent not ready', { table: dependent.name, trigger: execution.table, missing });
      return !missing.length;
    });
    return Promise.all(ready.flatMap(({ dependent, values }) => dependent.tasks.map((task) => openOrExtend(dependent, task, values, execution))));
  }

  /**
   * Records one validated report and triggers its dependents. A repeat of a report id answers the
   * first execution; its triggers are opened again only when the first attempt did not finish them.
   */
  async function record(
    table: StoredTable,
    dependents: string[],
    values: PartitionValues,
    input: Omit<ReportInput, 'partitions' | 'table_name'>,
    defs: Definitions,
  ): Promise<ReportAnswer> {
    const now = clock.now();
    let execution: StoredExecution = {
      execution_id: ulid(now),
      table: table.name,
      partitions: values,
      source: input.source,
      date_time: iso(now),
      ...(input.report_id ? { report_id: input.report_id } : {}),
      ...(input.task_schedule_id ? { task_schedule_id: input.task_schedule_id } : {}),
    };
    const landing = landingValues(table, values);
    const also = input.task_schedule_id ? [schedules.completeOp(input.task_schedule_id, execution.execution_id, execution.date_time)] : [];
    const outcome = await executions.record(execution, { valuesKey: valuesKey(landing), values: landing }, also);
    if (outcome.kind === 'refused') {
      const status = (outcome.current?.status as string | undefined) ?? 'absent';
      throw new ConflictError(
        'flux.conflict',
        `schedule ${input.task_schedule_id} is ${status}, not in_progress: its completion was already reported or it failed`,
        {
          current: { status },
        },
      );
    }
    if (outcome.kind === 'duplicate') {
      if (outcome.triggered) return { message: 'Execution already registered.', execution_id: outcome.execution.execution_id, duplicate: true, schedules: [] };
      execution = outcome.execution;
    }
    const opened = await triggerDependents(execution, dependents, defs);
    if (execution.report_id) await executions.markTriggered(table.name, execution.report_id);
    return { message: 'Execution registered successfully.', execution_id: execution.execution_id, duplicate: outcome.kind === 'duplicate', schedules: opened };
  }

  /** Reads and checks one report: its table, partitions and completed schedule; every problem, or what to record. */
  async function prepare(input: ReportInput, path: string, defs: Definitions) {
    const problems: Problem[] = [];
    const { table, dependents } = await defs.withDependents(input.table_name);
    if (!table) return { missing: input.table_name, problems };
    const values = reportPartitions(table, input.partitions, `${path}.partitions`);
    if (Array.isArray(values)) problems.push(...values);
    if (input.task_schedule_id) {
      const schedule = await schedules.getSchedule(input.task_schedule_id);
      if (!schedule) return { missing: `schedule ${input.task_schedule_id}`, problems };
      if (schedule.table !== table.name)
        problems.push({ path: `${path}.task_schedule_id`, message: `schedule ${schedule.id} runs a task of ${schedule.table}, not of ${table.name}` });
    }
    return { table, dependents: dependents.map((d) => d.table), values: Array.isArray(values) ? {} : values, problems };
  }

  return {
    /** `POST /register_execution`: every item is checked before any is recorded; then each in order. */
    async register(items: unknown[]): Promise<{ message: string; details: ReportAnswer[] }> {
      const problems: Problem[] = [];
      const missing: string[] = [];
      const parsed: { input: ReportInput; path: string }[] = [];
      items.forEach((item, i) => {
        const p = reportSchema.safeParse(item);
        if (p.success) parsed.push({ input: p.data, path: `data.${i}` });
        else problems.push(...p.error.issues.map((x) => ({ path: [`data.${i}`, ...x.path.map(String)].join('.'), message: x.message })));
      });
      if (problems.length) throw new ValidationError('invalid executions', problems);
      // One registry version for the whole batch.
      const defs = await definitions.current();
      const prepared = await Promise.all(parsed.map(({ input, path }) => prepare(input, path, defs)));
      for (const p of prepared) {
        problems.push(...p.problems);
        if (p.missing) missing.push(p.missing);
      }
      if (missing.length) throw new NotFoundError(`not found: ${missing.join(', ')}`, { missing });
      if (problems.length) throw new ValidationError('invalid executions', problems);
      const details: ReportAnswer[] = [];
      for (const [i, p] of prepared.entries()) {
        const { partitions: _p, table_name: _t, ...rest } = parsed[i].input;
        details.push(await record(p.table!, p.dependents!, p.values!, rest, defs));
      }
      return { message: 'All entities processed successfully.', details };
    },

    /** A completion this service reports itself (a workflow run finished): values already validated against the table. */
    async complete(
      tableName: string,
      values: PartitionValues,
      input: { source: string; task_schedule_id: string; report_id: string },
    ): Promise<ReportAnswer | null> {
      const defs = await definitions.current();
      const { table, dependents } = await defs.withDependents(tableName);
      if (!table) return null;
      const checked = reportPartitions(
        table,
        Object.entries(values).map(([partition_name, value]) => ({ partition_name, value })),
      );
      if (Array.isArray(checked)) throw new ValidationError(`the completion of schedule ${input.task_schedule_id} has invalid partitions`, checked);
      return record(
        table,
        dependents.map((d) => d.table),
        checked,
        input,
        defs,
      );
    },

    matching,
  };
}

export type Reports = ReturnType<typeof createReports>;
