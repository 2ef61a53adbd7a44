import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFluxCli } from '../../scripts/flux.js';
import { OPS_TOKEN, startTestService, type TestService } from '../support/service.js';

/** `npm run flux`: the same code as the command line, against a real service over HTTP. */
describe('flux CLI', () => {
  let t: TestService;
  let file: string;
  const cli = async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runFluxCli(argv, {
      url: `http://127.0.0.1:${(t.server.address() as { port: number }).port}`,
      token: OPS_TOKEN,
      user: 'ana',
      out: (l) => out.push(l),
      err: (l) => err.push(l),
    });
    return { code, out, err };
  };

  beforeAll(async () => {
    t = await startTestService({ overrides: { fluxSweepIntervalMs: null } });
    file = join(mkdtempSync(join(tmpdir(), 'flux-cli-')), 'tables.yaml');
    writeFileSync(
      file,
      [
        'executors:',
        '  - { alias: hook, method: http, identification: "http://127.0.0.1:9/never" }',
        'tables:',
        '  - name: origem',
        '    partitions: [{ name: anomesdia, type: int, is_required: true, sync_column: true }]',
        '  - name: destino',
        '    partitions: [{ name: anomesdia, type: int, is_required: true, sync_column: true }]',
        '    dependencies: [{ table: origem, is_required: true }]',
        '    tasks: [{ alias: carga, executor: hook, debounce_seconds: 30 }]',
      ].join('\n'),
    );
  });
  afterAll(() => t?.stop());

  it('when a YAML file is registered and an origin reported, then the CLI prints what was saved and the schedule it opened', async () => {
    expect(await cli('register', file)).toEqual({
      code: 0,
      out: ["Executor 'hook' saved successfully.", "Table 'origem' saved successfully.", "Table 'destino' saved successfully."],
      err: [],
    });
    const report = await cli('report', 'origem', 'anomesdia=20240116', '--source', 'glue');
    expect(report.out[0]).toMatch(/^registered: execution [0-9A-Z]{26} of origem$/);
    expect(report.out[1]).toMatch(/^ {2}opened +schedule [0-9A-Z]{26} {2}destino \/ carga$/);
    const schedules = await cli('schedules', '--status', 'pending');
    expect(schedules.out[1]).toMatch(/destino \/ carga +anomesdia=20240116 +pending +due /);
  });

  it('when a report is invalid, then exit code 1 and the problems on stderr', async () => {
    const bad = await cli('report', 'origem', 'anomesdia=jan');
    expect(bad).toEqual({ code: 1, out: [], err: ['400 request.invalid: invalid executions', '  data.0.partitions.0.value: partition anomesdia is an int'] });
  });

  it('when a verb is unknown, then exit code 2 and the usage', async () => {
    const unknown = await cli('launch');
    expect(unknown.code).toBe(2);
    expect(unknown.err[0]).toMatch(/^unknown verb launch\nusage: npm run flux/);
  });
});
