import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openEngine } from '../../src/jobs/consolidation/engine.js';
import { literal } from '../../src/jobs/consolidation/sql.js';

export const BENCH_COLUMNS = [
  'num_oper',
  'cod_idef_ver_oper',
  'dat_vlr_even_oper',
  'num_prio_even_oper',
  'dat_recm_even_oper',
  'vlr_oper',
  'cod_produto',
  'des_situacao',
];
export const BENCH_KEYS = ['num_oper', 'cod_idef_ver_oper'];
export const BENCH_DECISIONS = ['dat_vlr_even_oper', 'num_prio_even_oper', 'dat_recm_even_oper'];
const LATEST = '20240116';

export interface BenchDataset {
  root: string;
  rows: number;
  origins: { name: string; path: string; file: string; preference: number; rows: number }[];
  configPath: string;
}

/**
 * Rows of one origin: keys offset so the two origins overlap on 4/5 of their keys;
 * decision values spread so every rule (dates, priorities with nulls, receipts, full ties) occurs.
 */
const originSelect = (rows: number, offset: number, seed: number, label: string) => `
  SELECT (range + ${offset}) // 2 AS num_oper,
         ((range + ${offset}) % 2 + 1)::INT AS cod_idef_ver_oper,
         DATE '2024-01-01' + ((range * ${seed}) % 16)::INT AS dat_vlr_even_oper,
         CASE WHEN (range * ${seed}) % 10 = 0 THEN NULL ELSE ((range * ${seed}) % 5)::INT END AS num_prio_even_oper,
         TIMESTAMP '2024-01-16 00:00:00' + to_seconds(((range * ${seed}) % 7200)::BIGINT) AS dat_recm_even_oper,
         round((range % 100000) * 1.37, 2)::DOUBLE AS vlr_oper,
         'PRD' || lpad(((range * 31) % 500)::VARCHAR, 4, '0') AS cod_produto,
         ${literal(label)} AS des_situacao
  FROM range(${rows})`;

/** Generates (once; reused while the marker matches) two origins whose latest partitions hold `rows` in total. */
export async function generateBenchDataset(root: string, rows: number): Promise<BenchDataset> {
  const marker = join(root, 'dataset.json');
  if (existsSync(marker)) {
    const existing = JSON.parse(readFileSync(marker, 'utf8')) as BenchDataset;
    if (existing.rows === rows) return existing;
  }
  rmSync(root, { recursive: true, force: true });
  const half = Math.floor(rows / 2);
  const origins = [
    { name: 'sor', path: join(root, 'sor'), preference: 1, rows: half, offset: 0, seed: 7919 },
    { name: 'sot', path: join(root, 'sot'), preference: 2, rows: rows - half, offset: Math.floor(half / 5), seed: 104729 },
  ];
  const engine = await openEngine({ memoryLimit: '512MB', tempDirectory: join(root, 'tmp') });
  try {
    for (const o of origins) {
      const dir = join(o.path, `anomesdia=${LATEST}`);
      mkdirSync(dir, { recursive: true });
      await engine.run(
        `COPY (${originSelect(o.rows, o.offset, o.seed, o.name)}) TO ${literal(join(dir, 'part-0.parquet'))} (FORMAT parquet, COMPRESSION snappy)`,
      );
      // An older partition the job must skip.
      const old = join(o.path, 'anomesdia=20240115');
      mkdirSync(old, { recursive: true });
      await engine.run(`COPY (${originSelect(1_000, 0, 3, 'stale')}) TO ${literal(join(old, 'part-0.parquet'))} (FORMAT parquet, COMPRESSION snappy)`);
    }
  } finally {
    engine.close();
  }
  const configPath = join(root, 'consolidation.json');
  writeFileSync(
    configPath,
    JSON.stringify(
      {
        job: 'bench',
        engine: { memory_limit: '512MB', temp_directory: './tmp' },
        retries: { max_retries: 0, retry_delay_ms: 0 },
        consolidacoes: {
          tbl_bench_consolidada: {
            database: 'db_bench',
            output_path: './out/job',
            origins: origins.map((o) => ({ name: o.name, path: o.path, format: 'parquet', preference: o.preference })),
            chaves_principais: BENCH_KEYS,
            campos_decisao: BENCH_DECISIONS,
          },
        },
      },
      null,
      2,
    ),
  );
  const dataset: BenchDataset = {
    root,
    rows,
    origins: origins.map((o) => ({
      name: o.name,
      path: o.path,
      file: join(o.path, `anomesdia=${LATEST}`, 'part-0.parquet'),
      preference: o.preference,
      rows: o.rows,
    })),
    configPath,
  };
  writeFileSync(marker, JSON.stringify(dataset, null, 2));
  return dataset;
}
