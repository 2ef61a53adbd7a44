import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openEngine } from './engine.js';
import { literal } from './sql.js';

const COLUMNS = 'num_oper, cod_idef_ver_oper, dat_vlr_even_oper, num_prio_even_oper, dat_recm_even_oper, vlr_oper, des_situacao';

/**
 * Hand-made rows, one key per rule (online = sor, batch = sot):
 *  1001 value date decides (batch wins) · 1002 tie on date, priority decides (online wins)
 *  1003 tie on both, receipt date decides (batch) · 1004 everything ties → preferred origin (online)
 *  1005 null priority loses to any value (batch) · 1006 only online · 1007 only batch
 */
const SOR_ROWS = `
  (1001, 1, DATE '2024-01-10', 5, TIMESTAMP '2024-01-16 10:00:00', 100.50, 'online'),
  (1002, 1, DATE '2024-01-12', 7, TIMESTAMP '2024-01-16 10:00:00', 200.00, 'online'),
  (1003, 1, DATE '2024-01-12', 3, TIMESTAMP '2024-01-16 09:00:00', 300.00, 'online'),
  (1004, 1, DATE '2024-01-12', 3, TIMESTAMP '2024-01-16 09:00:00', 400.00, 'online'),
  (1005, 1, DATE '2024-01-12', NULL, TIMESTAMP '2024-01-16 12:00:00', 500.00, 'online'),
  (1006, 1, DATE '2024-01-13', 1, TIMESTAMP '2024-01-16 08:00:00', 600.00, 'online')`;
const SOT_ROWS = `
  (1001, 1, DATE '2024-01-11', 1, TIMESTAMP '2024-01-16 08:00:00', 101.00, 'batch'),
  (1002, 1, DATE '2024-01-12', 2, TIMESTAMP '2024-01-16 11:00:00', 201.00, 'batch'),
  (1003, 1, DATE '2024-01-12', 3, TIMESTAMP '2024-01-16 10:00:00', 301.00, 'batch'),
  (1004, 1, DATE '2024-01-12', 3, TIMESTAMP '2024-01-16 09:00:00', 401.00, 'batch'),
  (1005, 1, DATE '2024-01-12', 1, TIMESTAMP '2024-01-16 07:00:00', 501.00, 'batch'),
  (1007, 1, DATE '2024-01-14', 1, TIMESTAMP '2024-01-16 08:00:00', 701.00, 'batch')`;

/** Generated bulk rows for keys (1..n, 2), apart from the hand-made ones, so the congregado's 1,000-row sample cap shows. */
const bulk = (n: number, seed: number, label: string) => `
  SELECT range AS num_oper, 2 AS cod_idef_ver_oper,
         DATE '2024-01-01' + ((range * ${seed}) % 15)::INT AS dat_vlr_even_oper,
         CASE WHEN (range + ${seed}) % 7 = 0 THEN NULL ELSE ((range * ${seed}) % 9)::INT END AS num_prio_even_oper,
         TIMESTAMP '2024-01-16 00:00:00' + to_minutes(((range * ${seed}) % 600)::BIGINT) AS dat_recm_even_oper,
         round(range * 1.25, 2) AS vlr_oper, ${literal(label)} AS des_situacao
  FROM range(1, ${n + 1})`;

export interface SampleDataset {
  root: string;
  configPath: string;
  outputPath: string;
}

/**
 * Writes a small two-origin dataset (online as Parquet, batch as CSV, each with an older
 * partition that must be ignored) and a ready-to-run config, replacing `root`.
 */
export async function writeSampleDataset(rootDir: string): Promise<SampleDataset> {
  const root = resolve(rootDir);
  rmSync(root, { recursive: true, force: true });
  const sor = join(root, 'input', 'sor', 'tbl_processado_operacao_sor');
  const sot = join(root, 'input', 'sot', 'tbl_processado_operacao_apropriada');
  for (const dir of [`${sor}/anomesdia=20240115`, `${sor}/anomesdia=20240116`, `${sot}/anomesdia=20240110`, `${sot}/anomesdia=20240116`])
    mkdirSync(dir, { recursive: true });

  const engine = await openEngine({ memoryLimit: '256MB', tempDirectory: join(root, 'duckdb-tmp') });
  try {
    const copy = (select: string, file: string, format: 'parquet' | 'csv') =>
      engine.run(`COPY (${select}) TO ${literal(file)} (${format === 'parquet' ? 'FORMAT parquet, COMPRESSION snappy' : 'FORMAT csv, HEADER'})`);
    const values = (rows: string) => `SELECT * FROM (VALUES ${rows}) t(${COLUMNS})`;
    await copy(`${values(SOR_ROWS)} UNION ALL ${bulk(2_000, 7, 'online')}`, `${sor}/anomesdia=20240116/part-0.parquet`, 'parquet');
    await copy(`${values(SOT_ROWS)} UNION ALL ${bulk(2_000, 11, 'batch')}`, `${sot}/anomesdia=20240116/part-0.csv`, 'csv');
    // Older partitions with values that would win if they were read: the job must ignore them.
    await copy(values(`(1001, 1, DATE '2099-12-31', 9, TIMESTAMP '2024-01-15 00:00:00', 0.0, 'stale')`), `${sor}/anomesdia=20240115/part-0.parquet`, 'parquet');
    await copy(values(`(1002, 1, DATE '2099-12-31', 9, TIMESTAMP '2024-01-10 00:00:00', 0.0, 'stale')`), `${sot}/anomesdia=20240110/part-0.csv`, 'csv');
  } finally {
    engine.close();
  }

  const outputPath = join(root, 'output', 'db_batch', 'tbl_processado_operacao_consolidada_n1');
  const config = {
    job: 'consolidacao_diaria',
    engine: { memory_limit: '256MB', temp_directory: './duckdb-tmp' },
    retries: { max_retries: 2, retry_delay_ms: 2000 },
    consolidacoes: {
      tbl_processado_operacao_consolidada_n1: {
        database: 'db_batch',
        output_path: './output/db_batch/tbl_processado_operacao_consolidada_n1',
        origins: [
          { name: 'sor', path: './input/sor/tbl_processado_operacao_sor', format: 'parquet', preference: 1 },
          { name: 'sot', path: './input/sot/tbl_processado_operacao_apropriada', format: 'csv', preference: 2 },
        ],
        chaves_principais: ['num_oper', 'cod_idef_ver_oper'],
        campos_decisao: ['dat_vlr_even_oper', 'num_prio_even_oper', 'dat_recm_even_oper'],
      },
    },
  };
  const configPath = join(root, 'consolidation.json');
  writeFileSync(configPath, `${JSON.stringify(config, null, 2)}\n`);
  return { root, configPath, outputPath };
}
