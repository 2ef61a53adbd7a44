/**
 * Due schedules fire here: a sweeper in every instance reads the sparse due index (never a Scan),
 * claims each due schedule with a conditional write (one claimer across instances), renders its
 * params and starts its executor. A claimer that dies before the executor started leaves the
 * schedule due again at its lease's end, so it still fires after a crash or a restart; the
 * executor's own key (workflow id, Idempotency-Key) makes that second start the same start.
 */
import { DUE_SHARD_VALUES } from '../infra/stores/flux-items.js';
import type { FluxScheduleStore, StoredSchedule } from '../infra/stores/flux-schedule-store.js';
import type { Clock } from '../kernel/clock.js';
import { createSlots } from '../kernel/concurrency.js';
import { ConflictError } from '../kernel/errors.js';
import { ulid } from '../kernel/ids.js';
import type { Logger } from '../kernel/logger.js';
import { sleep } from '../kernel/retry.js';
import type { RunOutcome, WorkflowService } from '../workflows/index.js';
import type { Definitions, DefinitionsCache } from './definitions.js';
import { postEnvelope, startWorkflow, type HttpSettings, type NotifyData, type Started } from './executors.js';
import type { Reports } from './reports.js';
import { missingRequired, ownPartitions, templateContext, valuesKey } from './rules.js';
import { renderParams } from './templates.js';

export interface FiringDeps {
  definitions: DefinitionsCache;
  schedules: FluxScheduleStore;
  reports: Reports;
  workflows: WorkflowService;
  /** Whether a workflow type keys its runs by its input (then flux does not name the run). */
  keyedWorkflow: (type: string) => boolean;
  clock: Clock;
  logger: Logger;
  settings: {
    /** Between sweeps when idle; null: no loop (tests call `sweepOnce`). */
    intervalMs: number | null;
    leaseMs: number;
    http: HttpSettings;
    /** Schedules firing at once in this instance. */
    concurrency?: number;
  };
  random?: () => number;
}

/** Due times closer than this are swept by one wake-up. */
const WAKE_SLOT_MS = 20;
const MAX_WAKES = 10_000;
/** Due times within this slice count as simultaneous when ordering a sweep. */
const ORDER_SLOT_MS = 100;

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function createFiring(deps: FiringDeps) {
  const { definitions, schedules, reports, clock, logger, settings } = deps;
  const iso = () => new Date(clock.now()).toISOString();
  const concurrency = settings.concurrency ?? 16;

  /** Renders and starts the executor of a schedule this instance claimed as `token`. */
  async function run(s: StoredSchedule, token: string, defs: Definitions): Promise<void> {
    const fail = async (error: string, payload?: unknown) => {
      logger.info('flux schedule failed', { schedule: s.id, table: s.table, task: s.task, error });
      await schedules.fail(s.id, error, iso(), token, payload);
    };
    const table = await defs.table(s.table);
    if (!table) return fail(`table ${s.table} was deleted`);
    const task = table.tasks.find((t) => t.alias === s.task);
    if (!task) return fail(`table ${s.table} has no task ${s.task} any more`);
    const executor = await defs.executor(task.executor);
    if (!executor) return fail(`no executor ${task.executor}`);

    const [found] = await reports.matching([{ dependent: table, values: s.partitions }], defs);
    if (s.trigger && s.trigger.table !== table.name) found.set(s.trigger.table, s.trigger);
    // A manual run is the operator's call: it does not wait for inputs.
    const missing = s.manual ? [] : missingRequired(table, new Set(found.keys()));
    if (missing.length) return fail(`required dependencies with no execution for ${valuesKey(s.partitions) || 'these partitions'}: ${missing.join(', ')}`);
    const dependencies = Object.fromEntries(table.dependencies.map((d) => [d.table, found.get(d.table)?.partitions ?? {}]));
    const context = templateContext({ table, task, executor, trigger: s.trigger, dependencies, values: s.partitions });
    const rendered = renderParams(task.params, context);
    if (!rendered.ok) return fail(rendered.error);
    const payload = rendered.payload;

    let started: Started;
    if (executor.method === 'http') {
      const envelope = {
        execution_id: s.trigger?.execution_id ?? null,
        table: table.name,
        source: s.trigger?.source ?? 'manual',
        date_time: s.trigger?.date_time ?? iso(),
        task_schedule_id: s.id,
        payload,
      };
      started = await postEnvelope(executor.identification, envelope, { ...settings.http, random: deps.random });
    } else {
      const own = ownPartitions(table, context);
      if (own.missing.length) return fail(`cannot tell the partitions ${own.missing.join(', ')} of ${table.name} for its completion`, payload);
      started = await startWorkflow(deps.workflows, {
        type: executor.identification,
        input: payload,
        keyed: deps.keyedWorkflow(executor.identification),
        notify: { scheduleId: s.id, table: table.name, partitions: own.values },
      });
      if (started.ok && started.finished) {
        await schedules.started(s.id, token, { payload, workflow_id: started.workflowId }, iso());
        await onOutcome({
          workflowId: started.workflowId!,
          runId: '',
          type: executor.identification,
          status: started.finished.status as RunOutcome['status'],
          error: { message: started.finished.error },
          data: { scheduleId: s.id, table: table.name, partitions: own.values } satisfies NotifyData,
        });
        return;
      }
    }
    if (!started.ok) return fail(started.error, payload);
    await schedules.started(s.id, token, { payload, workflow_id: started.workflowId }, iso());
    logger.info('flux schedule started', { schedule: s.id, table: s.table, task: s.task, method: executor.method });
  }

  /** Claims and fires one schedule; whether this instance fired it. */
  async function fire(id: string, defs: Promise<Definitions>): Promise<boolean> {
    const token = ulid(clock.now());
    const s = await schedules.claim(id, clock.now(), settings.leaseMs, token);
    if (!s) return false;
    try {
      await run(s, token, await defs);
    } catch (error) {
      // DynamoDB or the workflow store is down: the claim's lease ends and a sweeper fires it again.
      logger.warn('flux schedule not started; fired again after the lease', { schedule: id, error: errorText(error) });
    }
    return true;
  }

  /** A flux-started workflow ended: its completion is the table's execution (the cascade); a failure fails the schedule. */
  async function onOutcome(outcome: RunOutcome): Promise<void> {
    const data = outcome.data as NotifyData;
    if (outcome.status === 'COMPLETED') {
      try {
        await reports.complete(data.table, data.partitions, {
          source: `workflow:${outcome.type}`,
          task_schedule_id: data.scheduleId,
          report_id: `schedule-${data.scheduleId}`,
        });
      } catch (error) {
        // The schedule was closed meanwhile (reported by hand, failed): nothing to cascade.
        if (!(error instanceof ConflictError && error.code === 'flux.conflict')) throw error;
        logger.warn('flux completion ignored', { schedule: data.scheduleId, error: error.message });
      }
      return;
    }
    const why = [outcome.error?.failedStep && `step ${outcome.error.failedStep}`, outcome.error?.message].filter(Boolean).join(': ');
    await schedules.fail(data.scheduleId, `workflow ${outcome.workflowId} ${outcome.status}${why ? `: ${why}` : ''}`, iso());
  }

  /** Schedules being fired by this instance's sweeps (overlapping sweeps skip them), and the firing slots they share. */
  const inFlight = new Set<string>();
  const slots = createSlots(concurrency);

  /** Fires `list` in the shared slots, skipping what this instance fires already; how many it fired. */
  async function fireAll(list: readonly string[]): Promise<number> {
    const ids = list.filter((id) => !inFlight.has(id));
    if (!ids.length) return 0;
    const defs = definitions.current();
    defs.catch(() => undefined);
    for (const id of ids) inFlight.add(id);
    const results = await Promise.all(
      ids.map((id) =>
        slots.run(async () => {
          try {
            return await fire(id, defs);
          } finally {
            inFlight.delete(id);
          }
        }),
      ),
    );
    return results.filter(Boolean).length;
  }

  /**
   * Fires every schedule due now (until none is left that this instance could claim), at most
   * `concurrency` at once with the wake-ups' firings; how many it fired. Each round reads the
   * registry version once, alongside its claims: its firings see every definition change answered
   * before the round started, and share the definitions they read.
   */
  async function sweepOnce(): Promise<number> {
    const random = deps.random ?? Math.random;
    let fired = 0;
    for (;;) {
      const due = (await Promise.all(DUE_SHARD_VALUES.map((shard) => schedules.due(shard, clock.now(), 100)))).flat().filter((d) => !inFlight.has(d.id));
      if (!due.length) break;
      // Oldest first; instances see the same list, so within a slice of due times each takes its own random order.
      const order = due.map((d) => ({ ...d, slot: Math.floor(d.dueAt / ORDER_SLOT_MS), k: random() })).sort((a, b) => a.slot - b.slot || a.k - b.k);
      const now = await fireAll(order.map((d) => d.id));
      fired += now;
      if (now === 0) break;
    }
    return fired;
  }

  let running = false;
  let loopDone: Promise<void> = Promise.resolve();
  let early: AbortController | undefined;
  /**
   * Firings started by wake-ups: the schedules set due here are claimed at their due time, without
   * a read of the due index and without waiting for a sweep under way (the interval's sweeps find
   * the schedules other instances set due).
   */
  const woken = new Set<Promise<void>>();
  const wake = (ids: readonly string[]) => {
    const p = fireAll(ids)
      .then(
        () => undefined,
        (error: unknown) => {
          logger.warn('flux wake-up firing failed', { error: errorText(error) });
        },
      )
      .finally(() => woken.delete(p));
    woken.add(p);
  };
  /** The due times set here that are still ahead, in slots (sorted), each with its schedules, and one timer for the first. */
  const slotsAhead: number[] = [];
  const wakes = new Map<number, Set<string>>();
  let timer: { slot: number; handle: NodeJS.Timeout } | undefined;

  function arm() {
    const now = clock.now();
    const due: string[] = [];
    while (slotsAhead.length && slotsAhead[0] * WAKE_SLOT_MS <= now) {
      const slot = slotsAhead.shift()!;
      due.push(...(wakes.get(slot) ?? []));
      wakes.delete(slot);
    }
    if (due.length) wake(due);
    if (timer && timer.slot === slotsAhead[0]) return;
    if (timer) clearTimeout(timer.handle);
    timer = undefined;
    if (!running || !slotsAhead.length) return;
    const slot = slotsAhead[0];
    const handle = setTimeout(
      () => {
        timer = undefined;
        arm();
      },
      Math.max(0, slot * WAKE_SLOT_MS - now),
    );
    handle.unref();
    timer = { slot, handle };
  }

  async function loop(intervalMs: number) {
    while (running) {
      try {
        await sweepOnce();
      } catch (error) {
        logger.warn('flux sweep failed', { error: errorText(error) });
      }
      if (!running) break;
      early = new AbortController();
      await sleep(intervalMs, early.signal).catch(() => undefined);
    }
    await Promise.all(woken);
  }

  return {
    sweepOnce,
    onOutcome,
    /** Schedule `id` was set due at `atMs` here: sweep at that time (rounded up to a slot) rather than at the next interval, claiming it first. */
    wakeAt(atMs: number, id: string) {
      if (!running) return;
      const slot = Math.ceil(atMs / WAKE_SLOT_MS);
      const ids = wakes.get(slot);
      if (ids) {
        ids.add(id);
        return;
      }
      let i = slotsAhead.length;
      while (i > 0 && slotsAhead[i - 1] > slot) i--;
      // Bounded: the latest are dropped, the interval's sweeps find those.
      if (slotsAhead.length >= MAX_WAKES) {
        if (i === slotsAhead.length) return;
        wakes.delete(slotsAhead.pop()!);
      }
      slotsAhead.splice(i, 0, slot);
      wakes.set(slot, new Set([id]));
      if (i === 0) arm();
    },
    start() {
      if (running || settings.intervalMs === null) return;
      running = true;
      loopDone = loop(settings.intervalMs);
    },
    async stop() {
      running = false;
      slotsAhead.length = 0;
      wakes.clear();
      arm();
      early?.abort();
      await loopDone;
    },
  };
}
