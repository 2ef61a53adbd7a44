import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ulid } from '../../kernel/ids.js';
import type { Clock } from '../../kernel/clock.js';
import type { Logger } from '../../kernel/logger.js';
import type { CongregadoStore } from '../../infra/stores/congregado-store.js';
import { JobConfigError } from '../errors.js';
import type { JourneyController, JourneyStep } from '../journey/journey-types.js';
import type { ConsolidationConfig, TableConsolidation } from './config.js';
import { openEngine, type Engine } from './engine.js';
import { isPartitionDate, latestPartition, listPartitions, partitionFiles, partitionOf } from './partitions.js';
import { capSample } from './sample.js';
import { RESERVED_COLUMNS, consolidationSelect, copyToParquet, ident, literal, readFunction, type OriginSource } from './sql.js';

const SAMPLE_MAX_ROWS = 1_000;
export const SAMPLE_MAX_BYTES = 300_000;
const OUTPUT_FILE = 'part-0.parquet';

export interface ConsolidationDeps {
  controller: JourneyController;
  congregados: CongregadoStore;
  clock: Clock;
  logger?: Logger;
  /** Human progress lines (the CLI prints them). */
  progress?: (line: string) => void;
}

export interface RunOptions {
  /** Run date and output partition, YYYYMMDD; inputs are each origin's latest partition at or before it. Default: today (UTC). */
  date?: string;
  /** Only these tables of the config. */
  tables?: string[];
  /** Redo a run that already completed for this date (its journey is resumed from the write step). */
  rerun?: boolean;
}

export interface OriginSummary {
  name: string;
  partition: string;
  format: 'parquet' | 'csv';
  files: number;
  input_rows: number;
  winners: number;
}

/** What one table's run returns; also the journey's stored result. */
export interface TableSummary {
  table: string;
  database: string;
  anomesdia: string;
  record_count: number;
  output_path: string;
  origins: OriginSummary[];
  congregado: { primaryKey: string; status: string; version: number; sample_rows: number; sample_bytes: number };
  write_ms: number;
}

export interface TableOutcome {
  journeyId: string;
  replayed: boolean;
  summary: TableSummary;
}

/** Pure: the journey key of one table's run; it carries the run date, so each day runs once. */
export function consolidationJourneyKey(job: string, table: Pick<TableConsolidation, 'database' | 'table'>, date: string): string {
  return `batch#consolidation#${job}#${table.database}#${table.table}#${date}`;
}

/** Pure: the congregado key of a consolidated table, `{database}_{table}`, the key earlier runs stored (docs/batch.md). */
export const congregadoKey = (table: Pick<TableConsolidation, 'database' | 'table'>) => `${table.database}_${table.table}`;

interface Plan {
  table: TableConsolidation;
  journeyId: string;
  sources: OriginSource[];
}

/** Finds each origin's partition and columns; returns problems instead of throwing so all are listed. */
async function planTable(engine: Engine, table: TableConsolidation, date: string, journeyId: string): Promise<{ plan?: Plan; problems: string[] }> {
  const problems: string[] = [];
  const sources: OriginSource[] = [];
  for (const origin of table.origins) {
    const at = `${table.table}.${origin.name}`;
    const partition = latestPartition(listPartitions(origin.path), date);
    if (!partition) {
      problems.push(`${at}: no anomesdia=YYYYMMDD folder at or before ${date} under ${origin.path}`);
      continue;
    }
    const files = partitionFiles(origin.path, partition, origin.format);
    if (files.length === 0) {
      problems.push(`${at}: anomesdia=${partition} holds no .${origin.format} file`);
      continue;
    }
    let columns: string[];
    try {
      columns = (await engine.rows(`DESCRIBE SELECT * FROM ${readFunction(origin.format, files)}`)).map((r) => String(r.column_name));
    } catch (error) {
      problems.push(`${at}: cannot read anomesdia=${partition} (${(error as Error).message.split('\n')[0]})`);
      continue;
    }
    const missing = [...table.keys, ...table.decisions].filter((c) => !columns.includes(c));
    if (missing.length) problems.push(`${at}: anomesdia=${partition} lacks column(s) ${missing.join(', ')}`);
    sources.push({
      name: origin.name,
      format: origin.format,
      files,
      preference: origin.preference,
      columns: columns.filter((c) => !(RESERVED_COLUMNS as readonly string[]).includes(c)),
    });
  }
  return problems.length ? { problems } : { plan: { table, journeyId, sources }, problems };
}

/** Writes the winners into a staging folder, then swaps it in place of the partition (a re-run replaces, never appends). */
async function writePartition(engine: Engine, plan: Plan, date: string): Promise<{ rows: number; dir: string }> {
  const { table } = plan;
  mkdirSync(table.outputPath, { recursive: true });
  for (const stale of readdirSync(table.outputPath).filter((n) => n.startsWith(`.staging-${date}-`) || n.startsWith(`.replaced-${date}-`))) {
    rmSync(join(table.outputPath, stale), { recursive: true, force: true });
  }
  const staging = join(table.outputPath, `.staging-${date}-${ulid()}`);
  const dir = join(table.outputPath, `anomesdia=${date}`);
  mkdirSync(staging);
  const select = consolidationSelect({ origins: plan.sources, keys: table.keys, decisions: table.decisions });
  const rows = await engine.scalar(copyToParquet(select, join(staging, OUTPUT_FILE)));
  const replaced = join(table.outputPath, `.replaced-${date}-${ulid()}`);
  if (existsSync(dir)) renameSync(dir, replaced);
  renameSync(staging, dir);
  rmSync(replaced, { recursive: true, force: true });
  return { rows, dir };
}

function steps(engine: () => Promise<Engine>, plan: Plan, date: string, maxRetries: number, deps: ConsolidationDeps): JourneyStep[] {
  const { table } = plan;
  const say = deps.progress ?? (() => undefined);
  return [
    {
      name: 'consolidate',
      maxRetries,
      async run() {
        const db = await engine();
        const origins: Omit<OriginSummary, 'winners'>[] = [];
        for (const source of plan.sources) {
          const inputRows = await db.scalar(`SELECT count(*) FROM ${readFunction(source.format, source.files)}`);
          const partition = /anomesdia=(\d{8})/.exec(source.files[0])![1];
          origins.push({ name: source.name, partition, format: source.format, files: source.files.length, input_rows: inputRows });
          say(`  ${source.name}: anomesdia=${partition}, ${inputRows} rows (${source.format}, ${source.files.length} file(s))`);
        }
        const started = performance.now();
        const { rows, dir } = await writePartition(db, plan, date);
        const writeMs = Math.round(performance.now() - started);
        const perOrigin = await db.rows(`SELECT origem, count(*) AS n FROM read_parquet(${literal(join(dir, '*.parquet'))}) GROUP BY origem`);
        const winners = new Map(perOrigin.map((r) => [String(r.origem), Number(r.n)]));
        say(`  wrote ${rows} rows to ${dir} in ${(writeMs / 1000).toFixed(2)} s`);
        return { record_count: rows, output_path: dir, write_ms: writeMs, origins: origins.map((o) => ({ ...o, winners: winners.get(o.name) ?? 0 })) };
      },
    },
    {
      name: 'congregado',
      maxRetries,
      async run(ctx) {
        const written = ctx.results.consolidate as Pick<TableSummary, 'record_count' | 'output_path' | 'origins' | 'write_ms'>;
        const db = await engine();
        const order = table.keys.map(ident).join(', ');
        const rows = await db.rows(`SELECT * FROM read_parquet(${literal(join(written.output_path, '*.parquet'))}) ORDER BY ${order} LIMIT ${SAMPLE_MAX_ROWS}`);
        const sample = capSample(rows, SAMPLE_MAX_ROWS, SAMPLE_MAX_BYTES);
        const primaryKey = congregadoKey(table);
        // Only content that describes the data: a re-run over the same inputs stores nothing new.
        const saved = await deps.congregados.save({
          primaryKey,
          data: {
            record_count: written.record_count,
            tabela_consolidada: table.table,
            database: table.database,
            anomesdia: date,
            chaves_principais: table.keys,
            campos_decisao: table.decisions,
            origens: written.origins,
            sample_data: sample.rows,
            sample_truncated: sample.truncated,
          },
          metadata: {
            processor_type: 'ConsolidationJob',
            journeyId: ctx.journeyId,
            tabela_consolidada: table.table,
            database: table.database,
            origens: table.origins.map((o) => o.name),
          },
        });
        say(`  congregado ${primaryKey}: ${saved.status} (version ${saved.version}, ${sample.rows.length} sample rows, ${sample.bytes} bytes)`);
        const summary: TableSummary = {
          table: table.table,
          database: table.database,
          anomesdia: date,
          record_count: written.record_count,
          output_path: written.output_path,
          origins: written.origins,
          congregado: { primaryKey, status: saved.status, version: saved.version, sample_rows: sample.rows.length, sample_bytes: sample.bytes },
          write_ms: written.write_ms,
        };
        return summary;
      },
    },
  ];
}

/**
 * Runs the consolidation of every (or the selected) table for one date, each inside its own
 * journey. Problems with the config or the inputs are all found before anything is written.
 */
export async function runConsolidation(config: ConsolidationConfig, options: RunOptions, deps: ConsolidationDeps): Promise<TableOutcome[]> {
  const date = options.date ?? partitionOf(deps.clock.now());
  const problems: string[] = [];
  if (!isPartitionDate(date)) problems.push(`--date: "${date}" is not a calendar date written YYYYMMDD`);
  const unknown = (options.tables ?? []).filter((t) => !config.tables.some((c) => c.table === t));
  if (unknown.length) problems.push(`--table: not in the config: ${unknown.join(', ')}`);
  if (problems.length) throw new JobConfigError(problems, 'run options');
  const selected = options.tables?.length ? config.tables.filter((t) => options.tables!.includes(t.table)) : config.tables;

  // DuckDB starts while the journeys are read: the two waits overlap.
  const opening = openEngine(config.engine);
  let engine: Engine | undefined;
  const getEngine = async () => (engine ??= await opening);
  try {
    const journeyIds = selected.map((table) => consolidationJourneyKey(config.job, table, date));
    const journeys = await Promise.all(journeyIds.map((id) => deps.controller.getJourney(id)));
    // Plan every table that will run before writing to DynamoDB or the output, so a bad config writes nothing.
    const plans: (Plan | { replay: string; table: TableConsolidation; result: TableSummary })[] = [];
    for (const [i, table] of selected.entries()) {
      const journeyId = journeyIds[i];
      const existing = journeys[i];
      if (existing?.status === 'COMPLETED' && !options.rerun) {
        plans.push({ replay: journeyId, table, result: existing.result as TableSummary });
        continue;
      }
      const planned = await planTable(await getEngine(), table, date, journeyId);
      problems.push(...planned.problems);
      if (planned.plan) plans.push(planned.plan);
    }
    if (problems.length) throw new JobConfigError(problems, 'consolidation inputs');

    const outcomes: TableOutcome[] = [];
    for (const plan of plans) {
      const journeyId = 'replay' in plan ? plan.replay : plan.journeyId;
      deps.progress?.(`▶ ${plan.table.database}.${plan.table.table} anomesdia=${date} (journey ${journeyId})`);
      if ('replay' in plan) {
        deps.progress?.('  already completed for this date: replaying the stored result (use --rerun to redo it)');
        outcomes.push({ journeyId, replayed: true, summary: plan.result });
        continue;
      }
      if (options.rerun) {
        const existing = await deps.controller.getJourney(journeyId);
        if (existing && existing.status !== 'PENDING' && existing.status !== 'IN_PROGRESS') await deps.controller.resume(journeyId, 'consolidate');
      }
      const outcome = await deps.controller.execute<TableSummary>(steps(getEngine, plan, date, config.retries.maxRetries, deps), {
        idempotencyKey: journeyId,
        metadata: { kind: 'batch.consolidation', job: config.job, database: plan.table.database, tabela_consolidada: plan.table.table, anomesdia: date },
      });
      if (outcome.replayed) deps.progress?.('  already completed for this date: replaying the stored result');
      outcomes.push({ journeyId, replayed: outcome.replayed, summary: outcome.result });
    }
    return outcomes;
  } finally {
    // Also closes an engine that was opening when something failed.
    (engine ?? (await opening.catch(() => undefined)))?.close();
  }
}
