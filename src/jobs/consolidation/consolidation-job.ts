import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ulid } from '../../kernel/ids.js';
import type { CongregadoStore } from '../../infra/stores/congregado-store.js';
import { JobConfigError } from '../errors.js';
import type { ConsolidationConfig, TableConsolidation } from './config.js';
import type { Engine } from './engine.js';
import { isPartitionDate, latestPartition, listPartitions, partitionFiles } from './partitions.js';
import { capSample } from './sample.js';
import { RESERVED_COLUMNS, consolidationSelect, copyToParquet, ident, literal, readFunction, type OriginSource } from './sql.js';

const SAMPLE_MAX_ROWS = 1_000;
export const SAMPLE_MAX_BYTES = 300_000;
const OUTPUT_FILE = 'part-0.parquet';

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

/** Pure: the journey key of one table's run; it carries the run date, so each day runs once. */
export function consolidationJourneyKey(job: string, table: Pick<TableConsolidation, 'database' | 'table'>, date: string): string {
  return `batch#consolidation#${job}#${table.database}#${table.table}#${date}`;
}

/** Pure: the congregado key of a consolidated table, `{database}_{table}`, the key earlier runs stored (docs/batch.md). */
export const congregadoKey = (table: Pick<TableConsolidation, 'database' | 'table'>) => `${table.database}_${table.table}`;

/** Where each origin of a table is read for a date: the result of the planning step (plain JSON). */
export interface Plan {
  sources: OriginSource[];
}

/** What the write step returns (and the congregado step reads back). */
export type Written = Pick<TableSummary, 'record_count' | 'output_path' | 'origins' | 'write_ms'>;

/** Human progress lines (the CLI prints them). */
export type Progress = (line: string) => void;

/** Finds each origin's partition and columns; returns problems instead of throwing so all are listed. */
export async function planTable(engine: Engine, table: TableConsolidation, date: string): Promise<{ plan?: Plan; problems: string[] }> {
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
  return problems.length ? { problems } : { plan: { sources }, problems };
}

/** Writes the winners into a staging folder, then swaps it in place of the partition (a re-run replaces, never appends). */
async function writePartition(engine: Engine, table: TableConsolidation, plan: Plan, date: string): Promise<{ rows: number; dir: string }> {
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

/** The write step: counts each origin's rows, writes the winners as the date's Parquet partition. */
export async function consolidateTable(engine: Engine, table: TableConsolidation, plan: Plan, date: string, say: Progress): Promise<Written> {
  const origins: Omit<OriginSummary, 'winners'>[] = [];
  for (const source of plan.sources) {
    const inputRows = await engine.scalar(`SELECT count(*) FROM ${readFunction(source.format, source.files)}`);
    const partition = /anomesdia=(\d{8})/.exec(source.files[0])![1];
    origins.push({ name: source.name, partition, format: source.format, files: source.files.length, input_rows: inputRows });
    say(`  ${source.name}: anomesdia=${partition}, ${inputRows} rows (${source.format}, ${source.files.length} file(s))`);
  }
  const started = performance.now();
  const { rows, dir } = await writePartition(engine, table, plan, date);
  const writeMs = Math.round(performance.now() - started);
  const perOrigin = await engine.rows(`SELECT origem, count(*) AS n FROM read_parquet(${literal(join(dir, '*.parquet'))}) GROUP BY origem`);
  const winners = new Map(perOrigin.map((r) => [String(r.origem), Number(r.n)]));
  say(`  wrote ${rows} rows to ${dir} in ${(writeMs / 1000).toFixed(2)} s`);
  return { record_count: rows, output_path: dir, write_ms: writeMs, origins: origins.map((o) => ({ ...o, winners: winners.get(o.name) ?? 0 })) };
}

/** The congregado step: saves the table's counts and a sample (idempotent: same content, same version). */
export async function saveCongregado(
  engine: Engine,
  table: TableConsolidation,
  date: string,
  written: Written,
  deps: { congregados: CongregadoStore; journeyId: string; say: Progress },
): Promise<TableSummary> {
  const order = table.keys.map(ident).join(', ');
  const rows = await engine.rows(`SELECT * FROM read_parquet(${literal(join(written.output_path, '*.parquet'))}) ORDER BY ${order} LIMIT ${SAMPLE_MAX_ROWS}`);
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
      journeyId: deps.journeyId,
      tabela_consolidada: table.table,
      database: table.database,
      origens: table.origins.map((o) => o.name),
    },
  });
  deps.say(`  congregado ${primaryKey}: ${saved.status} (version ${saved.version}, ${sample.rows.length} sample rows, ${sample.bytes} bytes)`);
  return {
    table: table.table,
    database: table.database,
    anomesdia: date,
    record_count: written.record_count,
    output_path: written.output_path,
    origins: written.origins,
    congregado: { primaryKey, status: saved.status, version: saved.version, sample_rows: sample.rows.length, sample_bytes: sample.bytes },
    write_ms: written.write_ms,
  };
}

/** Pure: the tables a run selects, after checking the run options; every problem is listed at once. */
export function selectTables(config: ConsolidationConfig, options: { date: string; tables?: string[] }): TableConsolidation[] {
  const problems: string[] = [];
  if (!isPartitionDate(options.date)) problems.push(`--date: "${options.date}" is not a calendar date written YYYYMMDD`);
  const unknown = (options.tables ?? []).filter((t) => !config.tables.some((c) => c.table === t));
  if (unknown.length) problems.push(`--table: not in the config: ${unknown.join(', ')}`);
  if (problems.length) throw new JobConfigError(problems, 'run options');
  return options.tables?.length ? config.tables.filter((t) => options.tables!.includes(t.table)) : config.tables;
}
