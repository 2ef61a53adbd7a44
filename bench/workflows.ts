/**
 * `npm run bench:workflows`: the step-workflow engine's figures, measured in one run on this machine.
 *
 * DynamoDB Local (in memory) and two engine instances in their own processes (bench/workflows-
 * instance.ts), each with 4 workers, over a 5-step no-op type. Each instance keeps BENCH_WF_IN_FLIGHT
 * runs in flight (started locally, a closed loop), so both the local start and the due-index claim
 * are exercised. Measured, in alternating rounds after a warm-up:
 *  1. runs/s and step transitions/s, and p50/p99 start → completion;
 *  2. DynamoDB requests per step transition (every request of both instances: starts, claims,
 *     polls, checkpoints, lease renewals), goal ≤ 2;
 *  3. the floor in the same minutes: one conditional UpdateItem per step, at the same concurrency
 *     (8 loops), goal: transitions/s ≥ 0.5 × floor.
 * Prints a table (figure, goal, met) and writes bench/workflows-results.json.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createDynamo } from '../src/infra/dynamo/client.js';
import { ensureTables } from '../src/infra/dynamo/ensure-tables.js';
import { startDynamoLocal } from '../src/infra/dynamo/local.js';
import type { InstanceMessage } from './workflows-instance.js';

const INSTANCES = 2;
const WORKERS = 4;
const STEPS = 5;
const IN_FLIGHT = Number(process.env.BENCH_WF_IN_FLIGHT ?? 6);
const RUNS = Number(process.env.BENCH_WF_RUNS ?? 200);
const ROUNDS = Number(process.env.BENCH_WF_ROUNDS ?? 3);
const WARMUP_RUNS = 150;
const PREFIX = 'benchwf_';

type Message = InstanceMessage;
type MessageOf<T extends Message['type']> = Extract<Message, { type: T }>;

interface Instance {
  name: string;
  child: ChildProcess;
  /** Resolves with the next message of `type`. */
  next<T extends Message['type']>(type: T): Promise<MessageOf<T>>;
}

function spawnInstance(endpoint: string, name: string, onMessage: (from: Instance, m: Message) => void): Promise<Instance> {
  const child = fork('bench/workflows-instance.ts', [endpoint, PREFIX, name, String(WORKERS)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting = new Map<string, ((m: Message) => void)[]>();
  const instance: Instance = {
    name,
    child,
    // A waiter of `type` is handed only messages of that type.
    next: (type) => new Promise((resolve) => waiting.set(type, [...(waiting.get(type) ?? []), resolve as (m: Message) => void])),
  };
  child.on('message', (m: Message) => {
    if (m.type === 'error') console.error(`${name}: ${m.message}`);
    const queue = waiting.get(m.type);
    if (queue?.length) queue.shift()!(m);
    onMessage(instance, m);
  });
  return instance.next('ready').then(() => instance);
}

const quantile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.max(0, Math.ceil(q * values.length) - 1))];
const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;

async function main() {
  const local = await startDynamoLocal({ dataDir: ':memory:' });
  const admin = createDynamo({ region: 'sa-east-1', endpoint: local.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  await ensureTables(admin.client, PREFIX);
  admin.destroy();

  // A closed loop per instance: each finished run (wherever it finished) lets its starter start the next.
  let loop:
    | {
        issued: number;
        total: number;
        done: number;
        startedAt: Map<string, { at: number; by: Instance }>;
        early: Map<string, number>;
        latencies: number[];
        resolve?: () => void;
      }
    | undefined;
  const startOne = (by: Instance) => {
    if (!loop || loop.issued >= loop.total) return;
    by.child.send({ cmd: 'start', n: loop.issued++ });
  };
  const finish = (workflowId: string, at: number) => {
    const started = loop!.startedAt.get(workflowId)!;
    loop!.latencies.push(at - started.at);
    if (++loop!.done === loop!.total) loop!.resolve?.();
    else startOne(started.by);
  };
  const instances = await Promise.all(
    Array.from({ length: INSTANCES }, (_, i) =>
      spawnInstance(local.endpoint, `bench-${i + 1}`, (from, m) => {
        if (!loop) return;
        if (m.type === 'started') {
          loop.startedAt.set(m.workflowId, { at: m.at, by: from });
          const early = loop.early.get(m.workflowId);
          if (early !== undefined) finish(m.workflowId, early);
        } else if (m.type === 'finished') {
          if (loop.startedAt.has(m.workflowId)) finish(m.workflowId, m.at);
          else loop.early.set(m.workflowId, m.at);
        }
      }),
    ),
  );
  const all = <T>(fn: (i: Instance) => Promise<T>) => Promise.all(instances.map(fn));

  async function workflowRound(runs: number) {
    await all(async (i) => (i.child.send({ cmd: 'reset' }), i.next('reset')));
    const started = performance.now();
    await new Promise<void>((resolve) => {
      loop = { issued: 0, total: runs, done: 0, startedAt: new Map(), early: new Map(), latencies: [], resolve };
      for (const instance of instances) for (let k = 0; k < IN_FLIGHT; k++) startOne(instance);
    });
    const seconds = (performance.now() - started) / 1000;
    const counters = await all(async (i) => (i.child.send({ cmd: 'counters' }), i.next('counters')));
    const byOperation: Record<string, number> = {};
    for (const c of counters) for (const [op, n] of Object.entries(c.byOperation)) byOperation[op] = (byOperation[op] ?? 0) + n;
    const requests = Object.values(byOperation).reduce((a, b) => a + b, 0);
    const latencies = loop!.latencies;
    loop = undefined;
    return {
      runsPerSecond: runs / seconds,
      transitionsPerSecond: (runs * STEPS) / seconds,
      requestsPerTransition: requests / (runs * STEPS),
      byOperation,
      latencies,
    };
  }

  async function floorRound(ops: number) {
    const ms = await all(async (i) => (i.child.send({ cmd: 'floor', ops: ops / INSTANCES, inFlight: WORKERS }), (await i.next('floor')).ms));
    return ops / (Math.max(...ms) / 1000);
  }

  console.log(`warming up (${WARMUP_RUNS} runs, ${WARMUP_RUNS * STEPS} floor updates) …`);
  await floorRound(WARMUP_RUNS * STEPS);
  await workflowRound(WARMUP_RUNS);

  const rounds: ({ floor: number } & Awaited<ReturnType<typeof workflowRound>>)[] = [];
  for (let r = 1; r <= ROUNDS; r++) {
    const floor = await floorRound(RUNS * STEPS);
    const wf = await workflowRound(RUNS);
    rounds.push({ floor, ...wf });
    console.log(
      `round ${r}: ${round(wf.transitionsPerSecond)} transitions/s vs floor ${round(floor)} updates/s (${round(wf.transitionsPerSecond / floor, 2)}×), ${round(wf.requestsPerTransition, 2)} requests/transition`,
    );
  }
  await all(async (i) => {
    i.child.send({ cmd: 'stop' });
    await new Promise((resolve) => i.child.once('exit', resolve));
  });
  await local.stop();

  const sum = (f: (r: (typeof rounds)[number]) => number) => rounds.reduce((a, r) => a + f(r), 0);
  const latencies = rounds.flatMap((r) => r.latencies);
  const transitions = sum((r) => r.transitionsPerSecond) / rounds.length;
  const floor = sum((r) => r.floor) / rounds.length;
  const ratio = transitions / floor;
  const perTransition = sum((r) => r.requestsPerTransition) / rounds.length;
  const ops: Record<string, number> = {};
  for (const r of rounds) for (const [op, n] of Object.entries(r.byOperation)) ops[op] = (ops[op] ?? 0) + n / (RUNS * STEPS * rounds.length);
  const figures = {
    runsPerSecond: round(sum((r) => r.runsPerSecond) / rounds.length),
    transitionsPerSecond: round(transitions),
    floorUpdatesPerSecond: round(floor),
    ratio: round(ratio, 2),
    roundRatios: rounds.map((r) => round(r.transitionsPerSecond / r.floor, 2)),
    startToCompletionMs: { p50: round(quantile(latencies, 0.5)), p99: round(quantile(latencies, 0.99)) },
    requestsPerTransition: round(perTransition, 2),
    requestsPerTransitionByOperation: Object.fromEntries(Object.entries(ops).map(([k, v]) => [k, round(v, 2)])),
    setup: { instances: INSTANCES, workersPerInstance: WORKERS, inFlightPerInstance: IN_FLIGHT, runsPerRound: RUNS, rounds: ROUNDS, steps: STEPS },
  };
  const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
  const rows = [
    ['runs/s (2 instances × 4 workers)', `${figures.runsPerSecond}`, '—'],
    ['step transitions/s', `${figures.transitionsPerSecond} (rounds: ${rounds.map((r) => round(r.transitionsPerSecond)).join(', ')})`, '—'],
    ['floor: conditional UpdateItem/s, 8 in flight', `${figures.floorUpdatesPerSecond} (rounds: ${rounds.map((r) => round(r.floor)).join(', ')})`, '—'],
    ['transitions/s ÷ floor', `${figures.ratio} (rounds: ${figures.roundRatios.join(', ')})`, `≥ 0.5 — ${met(ratio >= 0.5)}`],
    ['start → completion p50 / p99', `${figures.startToCompletionMs.p50} / ${figures.startToCompletionMs.p99} ms`, '—'],
    [
      'DynamoDB requests per step transition',
      `${figures.requestsPerTransition} (${Object.entries(figures.requestsPerTransitionByOperation)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')})`,
      `≤ 2 — ${met(perTransition <= 2)}`,
    ],
  ];
  console.log('\n| figure | value | goal |\n|---|---|---|');
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
  writeFileSync('bench/workflows-results.json', `${JSON.stringify(figures, null, 2)}\n`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
