/**
 * `npm run bench:flux`: flux control's figures, measured in one run on this machine.
 *
 * DynamoDB Local (in memory); 1,000 tables in a dependency DAG of depth 5 (200 per level, each
 * table below the first level needing two tables of the level above, synced on `dia`), every
 * dependent with one `http` task (debounce 1 s) posting to a local peer. Two instances, as the
 * service runs them, each with its own DynamoDB client: each takes half the reports (the use-case
 * behind POST /register_execution, 8 reports in flight in all) and runs its sweeper (the service's
 * FLUX_SWEEP_INTERVAL_MS, 2000, and a wake-up at each due time it set). Measured:
 *  1. reports/s over BENCH_FLUX_REPORTS reports (default 10,000) to random tables of levels 0–3 and 10 days;
 *  2. DynamoDB requests and sequential round trips per report (each report's own, tracked), and the
 *     sweepers' requests per fired schedule (the rest, less the due-index Queries, given per second);
 *  3. schedules fired, and lateness of firing over every fired schedule: the peer's first receipt
 *     minus the schedule's due time, p50/p99 (goal p99 ≤ 1 s);
 *  4. the floor in the same run: one PutItem per report at the same concurrency, before and after the
 *     reports, their mean, beside the reports' own request rate (information: a report is a
 *     transaction and three or four reads and writes, the floor one PutItem; the goal is lateness),
 *     and a due-index Query's round trip p50/p99 (the least a sweep can add to lateness).
 * Prints a table (figure, goal, met) and writes bench/flux-results.json.
 */
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { loadavg } from 'node:os';
import type { AddressInfo } from 'node:net';
import { createFlux, type FluxService } from '../src/flux/index.js';
import { createDynamo, type Dynamo } from '../src/infra/dynamo/client.js';
import { ensureTables } from '../src/infra/dynamo/ensure-tables.js';
import { startDynamoLocal } from '../src/infra/dynamo/local.js';
import { tableNames } from '../src/infra/tables.js';
import { systemClock } from '../src/kernel/clock.js';
import { createLogger } from '../src/kernel/logger.js';
import { mapWithConcurrency } from '../src/kernel/concurrency.js';
import { createWorkflows } from '../src/workflows/index.js';
import { createJourneyStore } from '../src/infra/stores/journey-store.js';

const LEVELS = 5;
const PER_LEVEL = 200;
const REPORTS = Number(process.env.BENCH_FLUX_REPORTS ?? 10_000);
const DAYS = 10;
const IN_FLIGHT = 8;
/** The service's default FLUX_SWEEP_INTERVAL_MS. */
const SWEEP_INTERVAL_MS = 2_000;
const PREFIX = 'benchflux_';
const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

const quantile = (values: number[], q: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.max(0, Math.ceil(q * values.length) - 1))] ?? NaN;
/** The machine is shared: the load beside the figures. */
const loadAverage = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(', ');
const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;
const name = (level: number, i: number) => `L${level}_T${String(i).padStart(3, '0')}`;
/** A deterministic generator, so every run reports the same sequence. */
function random(seed: number) {
  let s = seed;
  return () => (s = (s * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
}

async function main() {
  const local = await startDynamoLocal({ dataDir: ':memory:' });
  const logger = createLogger({ level: 'error' });
  const client = (): Dynamo => createDynamo({ region: 'sa-east-1', endpoint: local.endpoint, credentials: CREDENTIALS });
  const admin = client();
  await ensureTables(admin.client, PREFIX);
  const names = tableNames(PREFIX);

  // The peer: answers at once, notes when each schedule's call arrived.
  const received = new Map<string, number>();
  const peer = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const key = req.headers['idempotency-key'] as string;
      if (!received.has(key)) received.set(key, Date.now());
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((resolve) => peer.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(peer.address() as AddressInfo).port}/`;

  /** One flux instance over its own client, with its sweeper. */
  function instance(i: number) {
    const dynamo = client();
    const workflows = createWorkflows({
      store: createJourneyStore({ doc: dynamo.doc, tableName: names.journeys, clock: systemClock, ttlDays: 1 }),
      types: [],
      clock: systemClock,
      logger,
      instanceId: `bench-${i}`,
      settings: { workers: 0, leaseMs: 15_000, pollMaxMs: 1_000 },
    });
    const flux = createFlux({
      doc: dynamo.doc,
      tableName: names.flux,
      clock: systemClock,
      logger,
      workflows,
      settings: { sweepIntervalMs: SWEEP_INTERVAL_MS, leaseMs: 60_000, http: { timeoutMs: 10_000, maxAttempts: 3 } },
    });
    return { dynamo, flux };
  }
  const instances = [instance(0), instance(1)];
  const service: FluxService = instances[0].flux.service;

  // The registry: 1,000 tables, level by level (each level's dependencies exist before it).
  console.log(`load average at the start: ${loadAverage()}`);
  const t0 = performance.now();
  await service.registerExecutors([{ alias: 'peer', method: 'http', identification: url }], 'bench');
  const partitions = [{ name: 'dia', type: 'int', is_required: true, sync_column: true }];
  const pick = random(7);
  for (let level = 0; level < LEVELS; level++) {
    const tables = Array.from({ length: PER_LEVEL }, (_, i) => {
      const first = Math.floor(pick() * PER_LEVEL);
      const second = (first + 1 + Math.floor(pick() * (PER_LEVEL - 1))) % PER_LEVEL;
      return {
        name: name(level, i),
        partitions,
        ...(level === 0
          ? {}
          : {
              dependencies: [
                { table: name(level - 1, first), is_required: true },
                { table: name(level - 1, second), is_required: true },
              ],
              tasks: [{ alias: 'load', executor: 'peer', params: { dia: '{{ partitions.dia }}' }, debounce_seconds: 1 }],
            }),
      };
    });
    await service.registerTables(tables, 'bench');
  }
  const registerSeconds = (performance.now() - t0) / 1000;
  console.log(`registered ${LEVELS * PER_LEVEL} tables (depth ${LEVELS}) in ${round(registerSeconds)} s`);

  // The floor: one PutItem per report, same concurrency, same DynamoDB Local; before and after the
  // reports (the shared machine's load drifts within minutes), their mean.
  const floorClient = client();
  let n = 0;
  const floorCount = Math.min(REPORTS, 3_000);
  const floor = async () => {
    const f0 = performance.now();
    await mapWithConcurrency(
      Array.from({ length: floorCount }, (_, i) => i),
      IN_FLIGHT,
      (i) => floorClient.doc.send(new PutCommand({ TableName: names.flux, Item: { pk: `floor#${i}`, sk: 'x', n: n++ } })),
    );
    return floorCount / ((performance.now() - f0) / 1000);
  };
  const floorBefore = await floor();
  const rtts: number[] = [];
  for (let i = 0; i < 300; i++) {
    const q0 = performance.now();
    await floorClient.doc.send(
      new QueryCommand({
        TableName: names.flux,
        IndexName: 'due-index',
        KeyConditionExpression: 'dueShard = :s AND dueAt <= :now',
        ExpressionAttributeValues: { ':s': 'fdue#0', ':now': 0 },
        Limit: 100,
      }),
    );
    rtts.push(performance.now() - q0);
  }

  // The reports: random tables of levels 0–3 (their dependents are levels 1–4), 10 days.
  for (const x of instances) x.flux.start();
  const fluxRequests = (x: { dynamo: Dynamo }) => {
    const byTable = x.dynamo.counter.snapshot().byTable;
    const of = (op: string) => byTable[`${op} ${names.flux}`] ?? 0;
    return { all: Object.entries(byTable).reduce((sum, [k, v]) => sum + (k.endsWith(` ${names.flux}`) ? v : 0), 0), queries: of('Query') };
  };
  const before = instances.map(fluxRequests);
  const choose = random(11);
  const reports = Array.from({ length: REPORTS }, () => ({
    table: name(Math.floor(choose() * (LEVELS - 1)), Math.floor(choose() * PER_LEVEL)),
    dia: String(20240101 + Math.floor(choose() * DAYS)),
  }));
  const perReport: { requests: number; roundTrips: number; queries: number }[] = [];
  const r0 = performance.now();
  let done = 0;
  await mapWithConcurrency(reports, IN_FLIGHT, async (r, i) => {
    const x = instances[i % 2];
    const { trace } = await x.dynamo.counter.track(() =>
      x.flux.service.registerExecutions([{ table_name: r.table, partitions: [{ partition_name: 'dia', value: r.dia }], source: 'bench' }]),
    );
    perReport.push({ requests: trace.requests, roundTrips: trace.roundTrips, queries: trace.operations.filter((op) => op === 'Query').length });
    if (++done % 1_000 === 0) process.stdout.write(`\r${done}/${REPORTS} reports`);
  });
  const reportSeconds = (performance.now() - r0) / 1000;
  process.stdout.write('\n');
  const reportRequests = perReport.reduce((sum, r) => sum + r.requests, 0);

  /** Every schedule of a status (the list index, every page: the API's lists stop at one page). */
  type Listed = { id: string; status: string; stage?: string; due_time?: string };
  const allOf = async (status: string): Promise<Listed[]> => {
    const out: Listed[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await admin.doc.send(
        new QueryCommand({
          TableName: names.flux,
          IndexName: 'list-index',
          KeyConditionExpression: 'listKey = :k',
          ExpressionAttributeValues: { ':k': `sched#${status}` },
          ExclusiveStartKey: start,
        }),
      );
      out.push(...((page.Items ?? []) as Listed[]));
      start = page.LastEvaluatedKey;
    } while (start);
    return out;
  };
  // Let every schedule come due (debounce 1 s) and fire: until none is pending or being started.
  for (let idle = 0; idle < 4;) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const open = (await allOf('pending')).length + (await allOf('in_progress')).filter((s) => s.stage !== 'started').length;
    idle = open === 0 ? idle + 1 : 0;
  }
  const runSeconds = (performance.now() - r0) / 1000;
  for (const x of instances) await x.flux.stop();
  const floorAfter = await floor();
  const floorPerSecond = (floorBefore + floorAfter) / 2;
  const after = instances.map(fluxRequests);
  const sweepQueries = after.reduce((sum, a, i) => sum + a.queries - before[i].queries, 0) - perReport.reduce((sum, r) => sum + r.queries, 0);
  const sweepRequests = after.reduce((sum, a, i) => sum + a.all - before[i].all, 0) - reportRequests - sweepQueries;

  // Lateness over every schedule the peer received: its first receipt minus the due time.
  const schedules = (await Promise.all(['pending', 'waiting_approval', 'in_progress', 'completed', 'failed', 'rejected'].map(allOf))).flat();
  const total = schedules.length;
  const fired = schedules.filter((s) => received.has(s.id));
  const failed = schedules.filter((s) => s.status === 'failed');
  const lateness = fired.map((s) => received.get(s.id)! - Date.parse(s.due_time!));

  const figures = {
    tables: LEVELS * PER_LEVEL,
    depth: LEVELS,
    reports: REPORTS,
    reportsPerSecond: round(REPORTS / reportSeconds),
    floorPutsPerSecond: round(floorPerSecond),
    floorPutsPerSecondBeforeAfter: `${round(floorBefore)} / ${round(floorAfter)}`,
    requestsPerReport: round(reportRequests / REPORTS, 2),
    roundTripsPerReportP50: quantile(
      perReport.map((r) => r.roundTrips),
      0.5,
    ),
    roundTripsPerReportP99: quantile(
      perReport.map((r) => r.roundTrips),
      0.99,
    ),
    schedulesOpened: total,
    schedulesFired: fired.length,
    schedulesFailed: failed.length,
    sweeperRequestsPerFired: round(sweepRequests / Math.max(1, fired.length), 2),
    dueQueriesPerSecond: round(sweepQueries / runSeconds, 1),
    latenessP50Ms: round(quantile(lateness, 0.5), 0),
    latenessP99Ms: round(quantile(lateness, 0.99), 0),
    latenessMaxMs: round(Math.max(...lateness), 0),
    floorQueryP50Ms: round(quantile(rtts, 0.5), 1),
    floorQueryP99Ms: round(quantile(rtts, 0.99), 1),
    loadAverage: loadAverage(),
  };
  const rows: [string, string, string, string][] = [
    [
      'reports/s; their requests/s ÷ floor',
      `${figures.reportsPerSecond}; ${round((figures.reportsPerSecond * figures.requestsPerReport) / figures.floorPutsPerSecond, 2)}×`,
      `- (floor: ${figures.floorPutsPerSecond} PutItem/s)`,
      '-',
    ],
    ['DynamoDB requests per report', String(figures.requestsPerReport), '-', '-'],
    ['round trips per report p50 / p99', `${figures.roundTripsPerReportP50} / ${figures.roundTripsPerReportP99}`, '-', '-'],
    ['schedules opened / fired / failed', `${total} / ${fired.length} / ${failed.length}`, 'all opened fire', String(fired.length === total)],
    ['requests per firing (less due Queries)', String(figures.sweeperRequestsPerFired), '-', '-'],
    ['due-index Queries/s (2 sweepers)', String(figures.dueQueriesPerSecond), '-', '-'],
    [
      'lateness p50 / p99 / max (ms)',
      `${figures.latenessP50Ms} / ${figures.latenessP99Ms} / ${figures.latenessMaxMs}`,
      'p99 ≤ 1000',
      String(figures.latenessP99Ms <= 1_000),
    ],
    ['floor: PutItem/s before / after', figures.floorPutsPerSecondBeforeAfter, '-', '-'],
    ['floor: due-index Query p50 / p99 (ms)', `${figures.floorQueryP50Ms} / ${figures.floorQueryP99Ms}`, '-', '-'],
  ];
  console.log(`\nload average at the end: ${figures.loadAverage}`);
  console.log(`\n${'figure'.padEnd(40)}${'value'.padEnd(22)}${'goal'.padEnd(48)}met`);
  for (const [figure, value, goal, met] of rows) console.log(`${figure.padEnd(40)}${value.padEnd(22)}${goal.padEnd(48)}${met}`);
  writeFileSync('bench/flux-results.json', `${JSON.stringify({ at: new Date().toISOString(), figures }, null, 2)}\n`);

  for (const x of instances) x.dynamo.destroy();
  floorClient.destroy();
  admin.destroy();
  peer.close();
  await local.stop();
}

await main();
