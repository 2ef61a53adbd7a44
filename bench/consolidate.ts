/**
 * `npm run bench:consolidate` — 5,000,000 rows over two origins; wall time and peak RSS of
 * (a) the bare DuckDB SQL, (b) the whole job (journey + congregado on DynamoDB Local) and
 * (c) a plain-JS Map baseline. Each run happens in its own child process so peak RSS is its own.
 *
 * Options: --rows N (default 5000000), --runs N (runs of a and b, best kept; default 3), --skip-js.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureTables } from '../src/infra/dynamo/ensure-tables.js';
import { createDynamo } from '../src/infra/dynamo/client.js';
import { startDynamoLocal } from '../src/infra/dynamo/local.js';
import { generateBenchDataset, type BenchDataset } from './consolidate/generate.js';
import { bareSql, fingerprint, plainJs, wholeJob, type VariantResult } from './consolidate/variants.js';

const SELF = fileURLToPath(import.meta.url);
const DATA_ROOT = resolve('./.data/bench-consolidate');
const RESULTS = resolve('./bench/consolidate-results.json');
const PREFIX = 'bench_';
const GOALS = { jobVsSql: 1.3, jsVsJob: 3, maxRssMB: 1024 };

type Variant = 'sql' | 'job' | 'js';
interface Measured extends VariantResult {
  variant: Variant;
  run: number;
  maxRssMB: number;
  fingerprint?: string;
}

/** Child: runs one variant and prints one JSON line (peak RSS from the kernel's own accounting). */
async function child(variant: Variant, run: number, endpoint: string) {
  const dataset: BenchDataset = await generateBenchDataset(DATA_ROOT, Number(process.env.BENCH_ROWS));
  const result =
    variant === 'sql' ? await bareSql(dataset, run) : variant === 'job' ? await wholeJob(dataset, run, endpoint, PREFIX) : await plainJs(dataset, run);
  const maxRssMB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify({ ...result, variant, run, maxRssMB })}\n`);
}

function runChild(variant: Variant, run: number, endpoint: string, rows: number): Promise<Measured> {
  return new Promise((resolveRun, reject) => {
    const proc = spawn(
      process.execPath,
      ['--max-old-space-size=8192', '--import', 'tsx', SELF, '--child', variant, '--run', String(run), '--endpoint', endpoint],
      {
        env: { ...process.env, BENCH_ROWS: String(rows) },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    proc.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    proc.on('error', reject);
    proc.on('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{')) return reject(new Error(`${variant} run ${run} exited with ${code}: ${out}`));
      resolveRun(JSON.parse(line) as Measured);
    });
  });
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const best = (all: Measured[], variant: Variant) => all.filter((m) => m.variant === variant).sort((a, b) => a.wallMs - b.wallMs)[0];

async function parent(rows: number, runs: number, skipJs: boolean) {
  console.log(`Generating (or reusing) ${rows.toLocaleString('en-US')} rows over two origins in ${DATA_ROOT} …`);
  const started = performance.now();
  const dataset = await generateBenchDataset(DATA_ROOT, rows);
  console.log(
    `  ready in ${seconds(performance.now() - started)}: ${dataset.origins.map((o) => `${o.name} ${o.rows.toLocaleString('en-US')} rows`).join(', ')}`,
  );

  const local = await startDynamoLocal({ dataDir: ':memory:' });
  const dynamo = createDynamo({ region: 'sa-east-1', endpoint: local.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  await ensureTables(dynamo.client, PREFIX);
  dynamo.destroy();

  const measured: Measured[] = [];
  try {
    // Alternate a and b so background load hits both alike; the best of each is reported.
    for (let run = 0; run < runs; run++) {
      for (const variant of ['sql', 'job'] as const) {
        const m = await runChild(variant, run, local.endpoint, rows);
        console.log(`  ${variant} run ${run + 1}: ${seconds(m.wallMs)}, peak RSS ${m.maxRssMB.toFixed(0)} MB`);
        measured.push(m);
      }
    }
    if (!skipJs) {
      const m = await runChild('js', 0, local.endpoint, rows);
      console.log(`  js run 1: ${seconds(m.wallMs)}, peak RSS ${m.maxRssMB.toFixed(0)} MB`);
      measured.push(m);
    }
  } finally {
    await local.stop();
  }

  const sql = best(measured, 'sql');
  const job = best(measured, 'job');
  const js = skipJs ? undefined : best(measured, 'js');
  for (const m of [sql, job, js]) if (m) m.fingerprint = await fingerprint(m.output);
  const sameOutput = [sql, job, js].filter(Boolean).every((m) => m!.fingerprint === sql.fingerprint);

  const jobVsSql = job.wallMs / sql.wallMs;
  const jsVsJob = js ? js.wallMs / job.wallMs : null;
  const peak = Math.max(...[sql, job].map((m) => m.maxRssMB));
  const table = [
    ['variant', 'wall', 'peak RSS', 'output rows'],
    ['(a) bare DuckDB SQL', seconds(sql.wallMs), `${sql.maxRssMB.toFixed(0)} MB`, sql.rows.toLocaleString('en-US')],
    ['(b) whole job', seconds(job.wallMs), `${job.maxRssMB.toFixed(0)} MB`, job.rows.toLocaleString('en-US')],
    ...(js ? [['(c) plain-JS Map', seconds(js.wallMs), `${js.maxRssMB.toFixed(0)} MB`, js.rows.toLocaleString('en-US')]] : []),
  ];
  const widths = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)));
  console.log(
    `\nConsolidation benchmark — ${rows.toLocaleString('en-US')} input rows, 2 origins, ${cpus().length} CPUs, ${(totalmem() / 2 ** 30).toFixed(0)} GB RAM, best of ${runs} for (a) and (b)`,
  );
  for (const [i, r] of table.entries()) {
    console.log(`  ${r.map((c, j) => (j === 0 ? c.padEnd(widths[j]) : c.padStart(widths[j]))).join('   ')}`);
    if (i === 0) console.log(`  ${widths.map((w) => '-'.repeat(w)).join('   ')}`);
  }
  const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
  console.log('\nGoals');
  console.log(`  job ≤ ${GOALS.jobVsSql}× bare SQL:        ${jobVsSql.toFixed(2)}×  ${verdict(jobVsSql <= GOALS.jobVsSql)}`);
  if (jsVsJob !== null) console.log(`  job ≥ ${GOALS.jsVsJob}× faster than plain JS: ${jsVsJob.toFixed(2)}×  ${verdict(jsVsJob >= GOALS.jsVsJob)}`);
  console.log(`  peak RSS ≤ ${GOALS.maxRssMB} MB (a, b):      ${peak.toFixed(0)} MB  ${verdict(peak <= GOALS.maxRssMB)}`);
  console.log(`  same output in every variant:  ${sameOutput ? 'yes' : 'NO'} (${sql.fingerprint})`);
  if (job.note) console.log(`  job: ${job.note}`);

  const results = {
    generatedAt: new Date().toISOString(),
    machine: { cpus: cpus().length, memoryGB: Math.round(totalmem() / 2 ** 30), node: process.version },
    inputRows: rows,
    runsOfAandB: runs,
    variants: Object.fromEntries(
      [sql, job, js]
        .filter(Boolean)
        .map((m) => [m!.variant, { wallMs: Math.round(m!.wallMs), peakRssMB: Math.round(m!.maxRssMB), outputRows: m!.rows, fingerprint: m!.fingerprint }]),
    ),
    allRuns: measured.map((m) => ({ variant: m.variant, run: m.run, wallMs: Math.round(m.wallMs), peakRssMB: Math.round(m.maxRssMB) })),
    goals: {
      jobVsSql: { goal: `≤ ${GOALS.jobVsSql}`, actual: Number(jobVsSql.toFixed(3)), met: jobVsSql <= GOALS.jobVsSql },
      jsVsJob: jsVsJob === null ? null : { goal: `≥ ${GOALS.jsVsJob}`, actual: Number(jsVsJob.toFixed(3)), met: jsVsJob >= GOALS.jsVsJob },
      peakRssMB: { goal: `≤ ${GOALS.maxRssMB}`, actual: Math.round(peak), met: peak <= GOALS.maxRssMB },
      sameOutput,
    },
  };
  writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nWrote ${join('bench', 'consolidate-results.json')}`);
}

const { values } = parseArgs({
  options: {
    child: { type: 'string' },
    run: { type: 'string', default: '0' },
    endpoint: { type: 'string', default: '' },
    rows: { type: 'string', default: '5000000' },
    runs: { type: 'string', default: '3' },
    'skip-js': { type: 'boolean', default: false },
  },
});

if (values.child) {
  await child(values.child as Variant, Number(values.run), values.endpoint);
} else {
  await parent(Number(values.rows), Number(values.runs), values['skip-js']);
}
