import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSampleDataset, type SampleDataset } from '../../src/jobs/consolidation/sample-dataset.js';
import { createTestDynamo, type TestDynamo } from '../support/dynamo.js';

const run = promisify(execFile);

describe('consolidate CLI', () => {
  let dynamo: TestDynamo;
  let root: string;
  let sample: SampleDataset;

  beforeAll(async () => {
    dynamo = await createTestDynamo();
    root = mkdtempSync(join(tmpdir(), 'consolidate-cli-'));
    sample = await writeSampleDataset(join(root, 'sample'));
  });
  afterAll(() => {
    dynamo?.destroy();
    rmSync(root, { recursive: true, force: true });
  });

  const cli = (...args: string[]) =>
    run(process.execPath, ['--import', 'tsx', 'scripts/consolidate.ts', ...args], {
      env: { ...process.env, DYNAMODB_MODE: 'embedded', DYNAMODB_ENDPOINT: dynamo.endpoint, TABLE_PREFIX: dynamo.prefix, LOG_LEVEL: 'warn' },
    });

  it('when the sample is consolidated twice, then the first run writes the partition and the second replays it', async () => {
    const first = await cli('--config', sample.configPath, '--date', '20240117');
    expect(first.stdout).toContain('sor: anomesdia=20240116, 2006 rows');
    expect(first.stdout).toContain('wrote 2007 rows');
    expect(first.stdout).toContain('congregado db_batch_tbl_processado_operacao_consolidada_n1: created, version 1, 1000 sample rows');
    expect(existsSync(join(sample.outputPath, 'anomesdia=20240117', 'part-0.parquet'))).toBe(true);

    const second = await cli('--config', sample.configPath, '--date', '20240117');
    expect(second.stdout).toContain('replaying the stored result');
    expect(second.stdout).toContain('COMPLETED (replayed, nothing redone)');

    const shown = await cli('--config', sample.configPath, '--date', '20240117', '--show');
    expect(shown.stdout).toContain('"status": "COMPLETED"');
    expect(shown.stdout).toContain('WorkflowExecutionCompleted');
    expect(shown.stdout).toContain('"record_count": 2007');
  });

  it('when the config is invalid, then the CLI exits with code 2 and lists the problems', async () => {
    const error = await cli('--config', join(root, 'nope.json')).catch((e) => e);
    expect(error.code).toBe(2);
    expect(error.stderr).toContain('Invalid consolidation config:');
    expect(error.stderr).toContain('nope.json: cannot be read (ENOENT)');
  });
});
