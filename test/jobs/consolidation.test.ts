import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { createFakeClock } from '../../src/kernel/clock.js';
import { createCongregadoStore } from '../../src/infra/stores/congregado-store.js';
import { createJourneyStore } from '../../src/infra/stores/journey-store.js';
import { journeyTtlDays } from '../support/stores.js';
import { loadConsolidationConfig } from '../../src/jobs/consolidation/config.js';
import { SAMPLE_MAX_BYTES } from '../../src/jobs/consolidation/consolidation-job.js';
import { openEngine, type Engine } from '../../src/jobs/consolidation/engine.js';
import { capSample } from '../../src/jobs/consolidation/sample.js';
import { consolidationSelect } from '../../src/jobs/consolidation/sql.js';
import { JobConfigError } from '../../src/jobs/errors.js';
import { createLogger } from '../../src/kernel/logger.js';
import { createWorkflows } from '../../src/workflows/index.js';
import { createConsolidationWorkflow, runConsolidation, type TableOutcome } from '../../src/workflows/types/consolidation.js';
import { createTestDynamo, type TestDynamo } from '../support/dynamo.js';

const COLUMNS = 'num_oper, cod_idef_ver_oper, dat_vlr_even_oper, num_prio_even_oper, dat_recm_even_oper, des_situacao';
const row = (key: number, date: string | null, prio: number | null, receipt: string | null, label: string) =>
  `(${key}, 1, ${date ? `DATE '${date}'` : 'NULL::DATE'}, ${prio ?? 'NULL::INT'}, ${receipt ? `TIMESTAMP '${receipt}'` : 'NULL::TIMESTAMP'}, '${label}')`;

describe('consolidation job', () => {
  let dynamo: TestDynamo;
  let engine: Engine;
  let root: string;
  // From real now (every run passes its date): DynamoDB Local's TTL sweeper deletes items whose ttl is past on the wall clock.
  const clock = createFakeClock(Date.now());

  beforeAll(async () => {
    dynamo = await createTestDynamo();
    root = mkdtempSync(join(tmpdir(), 'consolidation-test-'));
    engine = await openEngine({ memoryLimit: '128MB', tempDirectory: join(root, 'tmp'), threads: 1 });
  });
  afterAll(() => {
    engine?.close();
    dynamo?.destroy();
    rmSync(root, { recursive: true, force: true });
  });

  /** Writes rows into `<origin>/anomesdia=<partition>/part-0.<format>` with real DuckDB writers. */
  async function writeOrigin(dir: string, partition: string, format: 'parquet' | 'csv', rows: string[]) {
    const folder = join(dir, `anomesdia=${partition}`);
    mkdirSync(folder, { recursive: true });
    const options = format === 'parquet' ? 'FORMAT parquet, COMPRESSION snappy' : 'FORMAT csv, HEADER';
    await engine.run(`COPY (SELECT * FROM (VALUES ${rows.join(', ')}) t(${COLUMNS})) TO '${join(folder, `part-0.${format}`)}' (${options})`);
  }

  function scenario(name: string, overrides: Record<string, unknown> = {}) {
    const base = join(root, name);
    const config = {
      job: `job_${name.replaceAll('-', '_')}`,
      engine: { memory_limit: '128MB', temp_directory: './tmp', threads: 1 },
      retries: { max_retries: 0, retry_delay_ms: 0 },
      consolidacoes: {
        tbl_consolidada: {
          database: `db_${name.replaceAll('-', '_')}`,
          output_path: './out/tbl_consolidada',
          origins: [
            { name: 'sor', path: './sor', format: 'parquet', preference: 1 },
            { name: 'sot', path: './sot', format: 'csv', preference: 2 },
          ],
          chaves_principais: ['num_oper', 'cod_idef_ver_oper'],
          campos_decisao: ['dat_vlr_even_oper', 'num_prio_even_oper', 'dat_recm_even_oper'],
          ...overrides,
        },
      },
    };
    mkdirSync(join(base, 'sor'), { recursive: true });
    mkdirSync(join(base, 'sot'), { recursive: true });
    const configPath = join(base, 'config.json');
    writeFileSync(configPath, JSON.stringify(config));
    return { base, configPath, output: join(base, 'out', 'tbl_consolidada'), sor: join(base, 'sor'), sot: join(base, 'sot') };
  }

  /** The consolidation workflow driven in this process (no workers), as `npm run consolidate` runs it. */
  function deps(progress: string[] = []) {
    const congregados = createCongregadoStore({ doc: dynamo.doc, tableName: dynamo.tables.congregados, clock });
    const say = (line: string) => void progress.push(line);
    const { service, drive } = createWorkflows({
      store: createJourneyStore({ doc: dynamo.doc, tableName: dynamo.tables.journeys, clock, ttlDays: journeyTtlDays }),
      types: [createConsolidationWorkflow({ congregados, clock, progress: say })],
      clock,
      logger: createLogger({ level: 'error' }),
      instanceId: 'consolidation-test',
      settings: { workers: 0, leaseMs: 30_000, pollMaxMs: 50 },
    });
    return { service, drive, congregados, clock, actor: { id: 'test' }, progress: say };
  }

  const readOutput = (dir: string) =>
    engine
      .rows(`SELECT num_oper, des_situacao, origem FROM read_parquet('${join(dir, '*.parquet')}') ORDER BY num_oper`)
      .then((rows) => Object.fromEntries(rows.map((r) => [r.num_oper, `${String(r.origem)}:${String(r.des_situacao)}`])));

  describe('when two origins are consolidated for a date', () => {
    let s: ReturnType<typeof scenario>;
    let outcome: TableOutcome;
    let winners: Record<string, string>;

    beforeAll(async () => {
      s = scenario('rules');
      await writeOrigin(s.sor, '20240116', 'parquet', [
        row(1, '2024-01-10', 5, '2024-01-16 10:00:00', 'sor-older-value-date'),
        row(2, '2024-01-12', 7, '2024-01-16 10:00:00', 'sor-higher-priority'),
        row(3, '2024-01-12', 3, '2024-01-16 09:00:00', 'sor-older-receipt'),
        row(4, '2024-01-12', 3, '2024-01-16 09:00:00', 'sor-full-tie'),
        row(5, '2024-01-12', null, '2024-01-16 12:00:00', 'sor-null-priority'),
        row(6, null, 9, '2024-01-16 12:00:00', 'sor-null-date'),
        row(7, '2024-01-13', 1, '2024-01-16 08:00:00', 'sor-only'),
      ]);
      await writeOrigin(s.sot, '20240116', 'csv', [
        row(1, '2024-01-11', 1, '2024-01-16 08:00:00', 'sot-newer-value-date'),
        row(2, '2024-01-12', 2, '2024-01-16 11:00:00', 'sot-lower-priority'),
        row(3, '2024-01-12', 3, '2024-01-16 10:00:00', 'sot-newer-receipt'),
        row(4, '2024-01-12', 3, '2024-01-16 09:00:00', 'sot-full-tie'),
        row(5, '2024-01-12', 1, '2024-01-16 07:00:00', 'sot-any-priority'),
        row(6, '2000-01-01', 0, null, 'sot-any-date'),
        row(8, '2024-01-14', 1, '2024-01-16 08:00:00', 'sot-only'),
      ]);
      // Older partitions would win every key if read; a future one is after the run date.
      await writeOrigin(
        s.sor,
        '20240115',
        'parquet',
        [1, 2, 3, 4, 5, 6, 9].map((k) => row(k, '2099-01-01', 9, null, 'sor-stale')),
      );
      await writeOrigin(
        s.sot,
        '20231231',
        'csv',
        [1, 2, 3, 4, 5, 6, 9].map((k) => row(k, '2099-01-01', 9, null, 'sot-stale')),
      );
      await writeOrigin(s.sot, '20240118', 'csv', [row(10, '2099-01-01', 9, null, 'sot-future')]);
      const [first] = await runConsolidation(s.configPath, { date: '20240117' }, deps());
      outcome = first;
      winners = await readOutput(join(s.output, 'anomesdia=20240117'));
    });

    it('then the greater value date wins', () => expect(winners[1]).toBe('sot:sot-newer-value-date'));
    it('then on a value-date tie the greater priority wins', () => expect(winners[2]).toBe('sor:sor-higher-priority'));
    it('then on a priority tie the later receipt wins', () => expect(winners[3]).toBe('sot:sot-newer-receipt'));
    it('then on a full tie the preferred origin wins', () => expect(winners[4]).toBe('sor:sor-full-tie'));
    it('then a null decision field loses to any value (nulls last)', () => {
      expect(winners[5]).toBe('sot:sot-any-priority');
      expect(winners[6]).toBe('sot:sot-any-date');
    });
    it('then a key present in one origin only is kept', () => {
      expect(winners[7]).toBe('sor:sor-only');
      expect(winners[8]).toBe('sot:sot-only');
    });
    it('then only the latest partition at or before the date is read', () => {
      expect(Object.values(winners).some((w) => w.includes('stale') || w.includes('future'))).toBe(false);
      expect(winners[9]).toBeUndefined();
      expect(outcome.summary.origins.map((o) => [o.name, o.partition, o.input_rows, o.winners])).toEqual([
        ['sor', '20240116', 7, 3],
        ['sot', '20240116', 7, 5],
      ]);
    });

    it('then a snappy Parquet partition anomesdia=<date> is written with one row per key', async () => {
      expect(outcome.summary.record_count).toBe(8);
      expect(readdirSync(s.output)).toEqual(['anomesdia=20240117']);
      const codecs = await engine.rows(`SELECT DISTINCT compression FROM parquet_metadata('${join(s.output, 'anomesdia=20240117', '*.parquet')}')`);
      expect(codecs).toEqual([{ compression: 'SNAPPY' }]);
    });

    it('then the journey is keyed by job, database, table and date, and a congregado holds count, sample and metadata', async () => {
      expect(outcome.journeyId).toBe('batch#consolidation#job_rules#db_rules#tbl_consolidada#20240117');
      const journey = await deps().service.get(outcome.journeyId);
      expect(journey).toMatchObject({ status: 'COMPLETED', type: 'consolidation', input: { job: 'job_rules', table: 'tbl_consolidada', date: '20240117' } });
      expect(journey.steps.map((st) => [st.name, st.status])).toEqual([
        ['read-partitions', 'completed'],
        ['write-parquet', 'completed'],
        ['save-congregado', 'completed'],
      ]);
      const congregado = await deps().congregados.get('db_rules_tbl_consolidada');
      expect(congregado).toMatchObject({
        version: 1,
        data: { record_count: 8, database: 'db_rules', tabela_consolidada: 'tbl_consolidada', anomesdia: '20240117', sample_truncated: false },
        metadata: { processor_type: 'ConsolidationJob', journeyId: outcome.journeyId, origens: ['sor', 'sot'] },
      });
      const sample = congregado!.data.sample_data as Record<string, unknown>[];
      expect(sample).toHaveLength(8);
      expect(sample[0]).toMatchObject({ num_oper: 1, dat_vlr_even_oper: '2024-01-11', origem: 'sot' });
    });
  });

  it('when a completed date is run again, then the stored result is replayed and nothing is redone', async () => {
    const s = scenario('replay');
    await writeOrigin(s.sor, '20240116', 'parquet', [row(1, '2024-01-10', 1, null, 'a')]);
    await writeOrigin(s.sot, '20240116', 'csv', [row(2, '2024-01-10', 1, null, 'b')]);
    const config = s.configPath;
    const [first] = await runConsolidation(config, { date: '20240117' }, deps());
    rmSync(s.output, { recursive: true });
    const progress: string[] = [];
    const [second] = await runConsolidation(config, { date: '20240117' }, deps(progress));
    expect(second).toEqual({ ...first, replayed: true });
    expect(existsSync(s.output)).toBe(false);
    expect(progress.join('\n')).toContain('replaying the stored result');
  });

  it('when a date is re-run with new inputs, then its partition is replaced (never appended) and the congregado version goes up', async () => {
    const s = scenario('rerun');
    await writeOrigin(s.sor, '20240116', 'parquet', [row(1, '2024-01-10', 1, null, 'v1'), row(2, '2024-01-10', 1, null, 'v1')]);
    await writeOrigin(s.sot, '20240116', 'csv', [row(3, '2024-01-10', 1, null, 'v1')]);
    const config = s.configPath;
    await runConsolidation(config, { date: '20240117' }, deps());
    const partition = join(s.output, 'anomesdia=20240117');
    writeFileSync(join(partition, 'stray-from-an-old-append.parquet'), 'junk');
    await writeOrigin(s.sot, '20240117', 'csv', [row(3, '2024-01-11', 1, null, 'v2'), row(4, '2024-01-11', 1, null, 'v2')]);

    const [again] = await runConsolidation(config, { date: '20240117', rerun: true }, deps());
    expect(again.replayed).toBe(false);
    expect(readdirSync(partition)).toEqual(['part-0.parquet']);
    expect(await readOutput(partition)).toEqual({ 1: 'sor:v1', 2: 'sor:v1', 3: 'sot:v2', 4: 'sot:v2' });
    expect(readdirSync(s.output)).toEqual(['anomesdia=20240117']);
    const congregado = await deps().congregados.get('db_rerun_tbl_consolidada');
    expect(congregado).toMatchObject({ version: 2, data: { record_count: 4 } });

    // Same inputs once more: same content, so the congregado stays at version 2.
    const [third] = await runConsolidation(config, { date: '20240117', rerun: true }, deps());
    expect(third.summary.congregado).toMatchObject({ status: 'unchanged', version: 2 });
    expect(third.summary.record_count).toBe(4);
  });

  it('when the config file is invalid, then one error lists every problem and nothing is written', async () => {
    const s = scenario('bad-config', {
      origins: [
        { name: 'sor', path: './sor', format: 'orc', preference: 1 },
        { name: 'sot', path: './missing', format: 'csv', preference: 1 },
      ],
      chaves_principais: [],
      campos_decisao: ['dat vlr'],
    });
    const error = (() => {
      try {
        loadConsolidationConfig(s.configPath);
      } catch (e) {
        return e;
      }
    })() as JobConfigError;
    expect(error).toBeInstanceOf(JobConfigError);
    expect(error.code).toBe('job.configInvalid');
    expect(error.problems).toEqual([
      expect.stringMatching(/^consolidacoes\.tbl_consolidada\.origins\.0\.format: /),
      expect.stringMatching(/^consolidacoes\.tbl_consolidada\.chaves_principais: at least one key column/),
      expect.stringMatching(/^consolidacoes\.tbl_consolidada\.campos_decisao\.0: a column name/),
    ]);
    expect(error.message).toContain('Invalid consolidation config:\n  - ');

    const s2 = scenario('bad-semantics', {
      origins: [
        { name: 'sor', path: './sor', format: 'parquet', preference: 1 },
        { name: 'sor', path: './missing', format: 'csv', preference: 1 },
      ],
    });
    expect(() => loadConsolidationConfig(s2.configPath)).toThrow(
      expect.objectContaining({
        problems: [
          'consolidacoes.tbl_consolidada.origins: the name "sor" is used twice',
          'consolidacoes.tbl_consolidada.origins: preference 1 is used twice (the tie-break must be total)',
          `consolidacoes.tbl_consolidada.origins.1.path: ${join(s2.base, 'missing')} does not exist`,
        ],
      }),
    );
  });

  it('when the inputs lack a configured column or a partition, then every problem is listed and no journey or output is written', async () => {
    const s = scenario('bad-inputs', { campos_decisao: ['dat_vlr_even_oper', 'nao_existe'] });
    await writeOrigin(s.sor, '20240116', 'parquet', [row(1, '2024-01-10', 1, null, 'a')]);
    await writeOrigin(s.sot, '20240120', 'csv', [row(2, '2024-01-10', 1, null, 'b')]);
    const error = await runConsolidation(s.configPath, { date: '20240117' }, deps()).catch((e) => e);
    expect(error).toBeInstanceOf(JobConfigError);
    expect(error.problems).toEqual([
      'tbl_consolidada.sor: anomesdia=20240116 lacks column(s) nao_existe',
      `tbl_consolidada.sot: no anomesdia=YYYYMMDD folder at or before 20240117 under ${s.sot}`,
    ]);
    expect(existsSync(s.output)).toBe(false);
    const items = await dynamo.doc.send(
      new ScanCommand({ TableName: dynamo.tables.journeys, FilterExpression: 'contains(journeyId, :t)', ExpressionAttributeValues: { ':t': 'bad-inputs' } }),
    );
    expect(items.Count).toBe(0);
    await expect(runConsolidation(s.configPath, { date: '2024-01-17' }, deps())).rejects.toMatchObject({
      problems: ['--date: "2024-01-17" is not a calendar date written YYYYMMDD'],
    });
  });

  it('when the sample would exceed 1,000 rows or 300 KB, then it is cut to fit both', () => {
    const small = Array.from({ length: 1_500 }, (_, i) => ({ i }));
    expect(capSample(small, 1_000, SAMPLE_MAX_BYTES)).toMatchObject({ truncated: true });
    expect(capSample(small, 1_000, SAMPLE_MAX_BYTES).rows).toHaveLength(1_000);
    const wide = Array.from({ length: 500 }, () => ({ text: 'x'.repeat(1_000) }));
    const capped = capSample(wide, 1_000, SAMPLE_MAX_BYTES);
    expect(capped.truncated).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(capped.rows))).toBeLessThanOrEqual(SAMPLE_MAX_BYTES);
    expect(Buffer.byteLength(JSON.stringify(capped.rows))).toBe(capped.bytes);
    expect(capped.rows.length).toBeGreaterThan(250);
  });

  it('when the query is built, then it ranks by decision fields desc nulls last, then preference, then a content hash', () => {
    const sql = consolidationSelect({
      origins: [{ name: "o'1", format: 'parquet', files: ['/a.parquet'], preference: 1, columns: ['k', 'd'] }],
      keys: ['k'],
      decisions: ['d'],
    });
    expect(sql).toContain(`'o''1' AS origem`);
    expect(sql).toContain('QUALIFY row_number() OVER (PARTITION BY "k" ORDER BY "d" DESC NULLS LAST, __preference ASC, __tie ASC) = 1');
  });
});
