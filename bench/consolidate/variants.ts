import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBValue } from '@duckdb/node-api';
import { loadConfig } from '../../src/config.js';
import { systemClock } from '../../src/kernel/clock.js';
import { createLogger } from '../../src/kernel/logger.js';
import { createDynamo } from '../../src/infra/dynamo/client.js';
import { createCongregadoStore } from '../../src/infra/stores/congregado-store.js';
import { createJourneyStore } from '../../src/infra/stores/journey-store.js';
import { tableNames } from '../../src/infra/tables.js';
import { openEngine } from '../../src/jobs/consolidation/engine.js';
import { partitionOf } from '../../src/jobs/consolidation/partitions.js';
import { consolidationSelect, copyToParquet, literal } from '../../src/jobs/consolidation/sql.js';
import { createWorkflows } from '../../src/workflows/index.js';
import { createConsolidationWorkflow, runConsolidation } from '../../src/workflows/types/consolidation.js';
import { BENCH_COLUMNS, BENCH_DECISIONS, BENCH_KEYS, type BenchDataset } from './generate.js';

export interface VariantResult {
  wallMs: number;
  rows: number;
  /** Output file, for the cross-variant checksum. */
  output: string;
  note?: string;
}

const ENGINE = (root: string) => ({ memoryLimit: '512MB', tempDirectory: join(root, 'tmp') });

/** (a) The consolidation SQL alone: the same query the job generates, run straight on DuckDB. */
export async function bareSql(dataset: BenchDataset, run: number): Promise<VariantResult> {
  const dir = join(dataset.root, 'out', `sql-${run}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const output = join(dir, 'part-0.parquet');
  const started = performance.now();
  const engine = await openEngine(ENGINE(dataset.root));
  const select = consolidationSelect({
    origins: dataset.origins.map((o) => ({ name: o.name, format: 'parquet' as const, files: [o.file], preference: o.preference, columns: BENCH_COLUMNS })),
    keys: BENCH_KEYS,
    decisions: BENCH_DECISIONS,
  });
  const rows = await engine.scalar(copyToParquet(select, output));
  engine.close();
  return { wallMs: performance.now() - started, rows, output };
}

/** (b) The whole job: config, partition discovery, journey, DuckDB, sample and congregado on DynamoDB Local. */
export async function wholeJob(dataset: BenchDataset, run: number, endpoint: string, prefix: string): Promise<VariantResult> {
  const dynamo = createDynamo({ region: 'sa-east-1', endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const names = tableNames(prefix);
  // Each run gets its own date so it does real work instead of replaying the previous run.
  const date = partitionOf(Date.UTC(2024, 0, 17 + run, 6));
  const started = performance.now();
  const env = loadConfig({});
  const congregados = createCongregadoStore({ doc: dynamo.doc, tableName: names.congregados, clock: systemClock });
  // BENCH_TRACE=1 prints the job's progress with elapsed milliseconds (to stderr).
  const progress = process.env.BENCH_TRACE ? (line: string) => process.stderr.write(`${Math.round(performance.now() - started)} ms ${line}\n`) : undefined;
  const { service, drive } = createWorkflows({
    store: createJourneyStore({ doc: dynamo.doc, tableName: names.journeys, clock: systemClock, ttlDays: env.JOURNEY_TTL_DAYS }),
    types: [createConsolidationWorkflow({ congregados, clock: systemClock, progress })],
    clock: systemClock,
    logger: createLogger({ level: 'warn' }),
    instanceId: 'bench-consolidate',
    settings: { workers: 0, leaseMs: env.WORKFLOW_LEASE_MS, pollMaxMs: env.WORKFLOW_POLL_MAX_MS },
  });
  const [outcome] = await runConsolidation(dataset.configPath, { date }, { service, drive, clock: systemClock, actor: { id: 'bench' }, progress });
  const wallMs = performance.now() - started;
  dynamo.destroy();
  return {
    wallMs,
    rows: outcome.summary.record_count,
    output: join(outcome.summary.output_path, 'part-0.parquet'),
    note: `congregado ${outcome.summary.congregado.status} v${outcome.summary.congregado.version}, ${outcome.summary.congregado.sample_rows} sample rows`,
  };
}

type Row = DuckDBValue[];

/** Pure: a DuckDB value (from a data chunk) as a comparable number, or null. */
function comparable(value: DuckDBValue): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  const v = value as { days?: number; micros?: bigint };
  if (typeof v.days === 'number') return v.days;
  if (typeof v.micros === 'bigint') return Number(v.micros);
  return Number(value);
}

/** Pure: one CSV field. */
function csvField(value: DuckDBValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return `"${value.replaceAll('"', '""')}"`;
  return String(value);
}

/**
 * (c) A plain-JS baseline: DuckDB only reads Parquet (column chunks, the fastest way into JS)
 * and turns a CSV into Parquet at the end; the winner per key is kept in a JS Map with the same
 * ordering rule, and the output is formatted in JS.
 */
export async function plainJs(dataset: BenchDataset, run: number): Promise<VariantResult> {
  const dir = join(dataset.root, 'out', `js-${run}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const output = join(dir, 'part-0.parquet');
  const csv = join(dir, 'winners.csv');
  const started = performance.now();
  const instance = await DuckDBInstance.create(':memory:', { memory_limit: '512MB', temp_directory: join(dataset.root, 'tmp') });
  const connection = await instance.connect();
  const [k1, k2] = BENCH_KEYS.map((k) => BENCH_COLUMNS.indexOf(k));
  const decIdx = BENCH_DECISIONS.map((d) => BENCH_COLUMNS.indexOf(d));
  /** True when a beats b: each decision field descending with nulls last, then preference. */
  const beats = (a: Row, b: Row, prefA: number, prefB: number) => {
    for (const i of decIdx) {
      const x = comparable(a[i]);
      const y = comparable(b[i]);
      if (x === y) continue;
      if (x === null) return false;
      if (y === null) return true;
      return x > y;
    }
    return prefA < prefB;
  };
  const winners = new Map<string, { row: Row; pref: number; origin: string }>();
  let types: string[] = [];
  for (const origin of dataset.origins) {
    const result = await connection.stream(`SELECT ${BENCH_COLUMNS.join(', ')} FROM read_parquet(${literal(origin.file)})`);
    types = result.columnTypes().map((t) => t.toString());
    for await (const chunk of result) {
      const columns = chunk.getColumns();
      for (let r = 0; r < chunk.rowCount; r++) {
        const row = columns.map((c) => c[r]);
        const key = `${String(row[k1])}|${String(row[k2])}`;
        const current = winners.get(key);
        if (!current || beats(row, current.row, origin.preference, current.pref)) winners.set(key, { row, pref: origin.preference, origin: origin.name });
      }
    }
  }
  const out = createWriteStream(csv);
  out.write(`${[...BENCH_COLUMNS, 'origem'].join(',')}\n`);
  let buffer = '';
  for (const { row, origin } of winners.values()) {
    buffer += `${row.map(csvField).join(',')},${csvField(origin)}\n`;
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await once(out, 'drain');
      buffer = '';
    }
  }
  out.end(buffer);
  await once(out, 'finish');
  const rows = winners.size;
  winners.clear();
  const columns = `{${[...BENCH_COLUMNS.map((c, i) => `'${c}': '${types[i]}'`), "'origem': 'VARCHAR'"].join(', ')}}`;
  await connection.run(copyToParquet(`SELECT * FROM read_csv(${literal(csv)}, header = true, columns = ${columns})`, output));
  rmSync(csv);
  connection.closeSync();
  instance.closeSync();
  return { wallMs: performance.now() - started, rows, output };
}

/** Order-independent fingerprint of an output: row count and XOR of row hashes over the business columns. */
export async function fingerprint(file: string): Promise<string> {
  const engine = await openEngine({ memoryLimit: '256MB', tempDirectory: join(file, '..', 'tmp-fp') });
  const [row] = await engine.rows(`SELECT count(*) AS n, bit_xor(hash(${BENCH_COLUMNS.join(', ')}, origem))::VARCHAR AS x FROM read_parquet(${literal(file)})`);
  engine.close();
  rmSync(join(file, '..', 'tmp-fp'), { recursive: true, force: true });
  return `${String(row.n)}:${String(row.x)}`;
}
