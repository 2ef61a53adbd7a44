/**
 * The consolidation job as a workflow type: read the latest partitions → write Parquet → save the
 * congregado. `npm run consolidate`, a start over HTTP and flux control's executor all start this
 * type with the same journey key (`batch#consolidation#<job>#<database>#<table>#<date>`), so a
 * finished date replays its stored result wherever it is asked for.
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import type { CongregadoStore } from '../../infra/stores/congregado-store.js';
import type { Clock } from '../../kernel/clock.js';
import { AppError } from '../../kernel/errors.js';
import { loadConsolidationConfig, type ConsolidationConfig, type TableConsolidation } from '../../jobs/consolidation/config.js';
import {
  consolidateTable,
  consolidationJourneyKey,
  planTable,
  saveCongregado,
  selectTables,
  type Plan,
  type Progress,
  type TableSummary,
  type Written,
} from '../../jobs/consolidation/consolidation-job.js';
import { openEngine, type Engine } from '../../jobs/consolidation/engine.js';
import { partitionOf } from '../../jobs/consolidation/partitions.js';
import { JobConfigError } from '../../jobs/errors.js';
import { defineWorkflow, type StepContext, type WorkflowType } from '../define.js';
import type { Actor } from '../events.js';
import type { WorkflowService } from '../service.js';

const CONSOLIDATION = 'consolidation';
const STEP = { read: 'read-partitions', write: 'write-parquet', save: 'save-congregado' } as const;

/** The input as stored: what was asked, resolved against the config file (so the key and the retry policy are known). */
interface Input {
  config: string;
  table: string;
  date: string;
  job: string;
  database: string;
  retries: { maxRetries: number; retryDelayMs: number };
}

/** `{config, table, date?}`: the config file (a path on the server), one consolidated table, the run date (default today, UTC). */
function inputSchema(clock: Clock) {
  return z
    .object({
      config: z.string().min(1),
      table: z.string().min(1),
      date: z.string().optional(),
    })
    .strict()
    .transform((raw, ctx): Input => {
      let config: ConsolidationConfig;
      try {
        config = loadConsolidationConfig(raw.config);
      } catch (error) {
        for (const problem of error instanceof JobConfigError ? error.problems : [String(error)])
          ctx.addIssue({ code: 'custom', path: ['config'], message: problem });
        return z.NEVER;
      }
      const date = raw.date ?? partitionOf(clock.now());
      let table: TableConsolidation;
      try {
        [table] = selectTables(config, { date, tables: [raw.table] });
      } catch (error) {
        for (const problem of (error as JobConfigError).problems)
          ctx.addIssue({ code: 'custom', path: [problem.startsWith('--date') ? 'date' : 'table'], message: problem });
        return z.NEVER;
      }
      return { config: resolve(raw.config), table: table.table, date, job: config.job, database: table.database, retries: config.retries };
    });
}

/** The table's config, read again by each step (a step may run in another process than the start). */
function tableOf(input: Input): { config: ConsolidationConfig; table: TableConsolidation } {
  const config = loadConsolidationConfig(input.config);
  const table = config.tables.find((t) => t.table === input.table);
  if (!table) throw new JobConfigError([`${input.config}: the table ${input.table} is no longer in the config`], 'consolidation config');
  return { config, table };
}

/** Runs `fn` with a DuckDB opened for the step and closed after it. */
async function withEngine<T>(config: ConsolidationConfig, fn: (engine: Engine) => Promise<T>): Promise<T> {
  const engine = await openEngine(config.engine);
  try {
    return await fn(engine);
  } finally {
    engine.close();
  }
}

export interface ConsolidationWorkflowDeps {
  congregados: CongregadoStore;
  clock: Clock;
  /** Human progress lines (the CLI prints them). */
  progress?: Progress;
}

/** The `consolidation` workflow type. */
export function createConsolidationWorkflow(deps: ConsolidationWorkflowDeps): WorkflowType {
  const say = deps.progress ?? (() => undefined);
  const retry = (input: Input) => ({
    maxAttempts: input.retries.maxRetries + 1,
    initialDelayMs: input.retries.retryDelayMs,
    maxDelayMs: Math.max(30_000, input.retries.retryDelayMs),
  });
  return defineWorkflow({
    type: CONSOLIDATION,
    version: 1,
    description: "Consolidate the latest partitions of a table's origins into one Parquet partition and a congregado",
    input: inputSchema(deps.clock),
    businessKey: (input) => consolidationJourneyKey(input.job, input, input.date),
    steps: [
      {
        name: STEP.read,
        retry,
        async run({ input }: StepContext<Input>): Promise<Plan> {
          const { config, table } = tableOf(input);
          const planned = await withEngine(config, (engine) => planTable(engine, table, input.date));
          if (!planned.plan) throw new JobConfigError(planned.problems, 'consolidation inputs');
          return planned.plan;
        },
      },
      {
        name: STEP.write,
        retry,
        async run({ input, previousResults }: StepContext<Input>): Promise<Written> {
          const { config, table } = tableOf(input);
          return withEngine(config, (engine) => consolidateTable(engine, table, previousResults[STEP.read] as Plan, input.date, say));
        },
      },
      {
        name: STEP.save,
        retry,
        async run({ input, previousResults, workflowId }: StepContext<Input>): Promise<TableSummary> {
          const { config, table } = tableOf(input);
          const written = previousResults[STEP.write] as Written;
          return withEngine(config, (engine) =>
            saveCongregado(engine, table, input.date, written, { congregados: deps.congregados, journeyId: workflowId, say }),
          );
        },
      },
    ],
    result: (results) => results[STEP.save],
  });
}

export interface TableOutcome {
  journeyId: string;
  /** True when the date had already completed and its stored result was returned. */
  replayed: boolean;
  summary: TableSummary;
}

export interface RunOptions {
  /** Run date and output partition, YYYYMMDD; inputs are each origin's latest partition at or before it. Default: today (UTC). */
  date?: string;
  /** Only these tables of the config. */
  tables?: string[];
  /** Redo a date that already completed (a new run of its workflow). */
  rerun?: boolean;
}

export interface RunDeps {
  service: Pick<WorkflowService, 'start' | 'get'>;
  /** Runs a workflow to its end in this process (see createWorkflows' `drive`). */
  drive: (workflowId: string) => Promise<{ status: string; result?: unknown; failedStep?: string; errorMessage?: string }>;
  clock: Clock;
  actor: Actor;
  progress?: Progress;
}

/**
 * Runs the consolidation of every (or the selected) table of a config for one date, each as a
 * `consolidation` workflow. Problems with the config or the inputs are all found before anything is
 * written; a completed date is replayed, not redone (unless `rerun`).
 */
export async function runConsolidation(configPath: string, options: RunOptions, deps: RunDeps): Promise<TableOutcome[]> {
  const config = loadConsolidationConfig(configPath);
  const date = options.date ?? partitionOf(deps.clock.now());
  const tables = selectTables(config, { date, tables: options.tables });
  const say = deps.progress ?? (() => undefined);
  // Plan every table that will run first, so a bad input writes no journey and no output.
  const done = await Promise.all(
    tables.map(
      async (table) => !options.rerun && (await deps.service.get(consolidationJourneyKey(config.job, table, date)).catch(() => null))?.status === 'COMPLETED',
    ),
  );
  const toPlan = tables.filter((_, i) => !done[i]);
  const problems = toPlan.length
    ? await withEngine(config, async (engine) => (await Promise.all(toPlan.map((table) => planTable(engine, table, date)))).flatMap((p) => p.problems))
    : [];
  if (problems.length) throw new JobConfigError(problems, 'consolidation inputs');

  const outcomes: TableOutcome[] = [];
  for (const table of tables) {
    const input = { config: configPath, table: table.table, date };
    const ref = await deps.service.start({ type: CONSOLIDATION, input, rerun: options.rerun }, deps.actor);
    say(`▶ ${table.database}.${table.table} anomesdia=${date} (journey ${ref.workflowId})`);
    const replayed = !ref.created && ref.status === 'COMPLETED';
    if (replayed) say(`  already completed for this date: replaying the stored result${options.rerun ? '' : ' (use --rerun to redo it)'}`);
    const final = await deps.drive(ref.workflowId);
    if (final.status !== 'COMPLETED') {
      throw new AppError('job.failed', `journey ${ref.workflowId} ended ${final.status} at step ${final.failedStep ?? '?'}: ${final.errorMessage ?? ''}`, {
        workflowId: ref.workflowId,
        status: final.status,
      });
    }
    outcomes.push({ journeyId: ref.workflowId, replayed, summary: final.result as TableSummary });
  }
  return outcomes;
}
