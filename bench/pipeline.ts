/**
 * `npm run bench`: the inbound pipeline's figures, measured in one run on this machine.
 *
 * Spawns DynamoDB Local and the server (a separate process, real HTTP), then measures:
 *  1. raw TransactWriteItems/s on that DynamoDB Local (turn-shaped transactions, same concurrency),
 *  2. against end-to-end messages/s through /webhook/ingest over distinct sessions (latency
 *     quantiles), both warmed up and then in alternating rounds, with each process's CPU per op;
 *  3. signed /webhook/whatsapp at a fixed 50 msg/s: ack latency, and completion latency (until the
 *     reply reaches a local fake Graph API through the outbox); beside it, the inbox write an ack
 *     waits for, made by the bench itself on an idle DynamoDB Local and again during the
 *     deliveries (25/s), which is DynamoDB Local's part of an ack under that load;
 *  4. DynamoDB requests per message (client middleware; the round trips per turn are a test's:
 *     the service runs as in production, without DYNAMODB_TURN_TRACE's promise hooks);
 *  5. a same-session burst of 20 (one Meta batch): order kept, total vs 20 single-message latencies.
 * Prints a table (goal beside figure) and writes bench/results.json.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { createDynamo } from '../src/infra/dynamo/client.js';
import { ensureTables } from '../src/infra/dynamo/ensure-tables.js';
import { freePort, startDynamoLocal } from '../src/infra/dynamo/local.js';
import { createInboxStore } from '../src/infra/stores/inbox-store.js';
import { tableNames } from '../src/infra/tables.js';
import { systemClock } from '../src/kernel/clock.js';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const SESSIONS_PER_ROUND = Number(process.env.BENCH_SESSIONS ?? 100);
const INGEST_PER_SESSION = Number(process.env.BENCH_PER_SESSION ?? 5);
// Six: one round's CPU per message moves ±15 % on this shared machine (both processes alike), so
// the ratio is taken over six alternating pairs.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6);
const WARMUP_ROUNDS = Number(process.env.BENCH_WARMUP_ROUNDS ?? 3);
const RAW_PER_ROUND = Number(process.env.BENCH_RAW ?? 1000);
const RAW_WARMUP = Number(process.env.BENCH_RAW_WARMUP ?? 2000);
const META_RATE = 50;
const META_SECONDS = Number(process.env.BENCH_META_SECONDS ?? 10);
const COLD_SECONDS = Number(process.env.BENCH_COLD_SECONDS ?? 5);
/** Inbox writes per second from the bench itself during the warm deliveries (a light probe: a tenth of their DynamoDB requests). */
const PROBE_RATE = 25;
/** What caregivers write (the real engine and rules read each; unknown phones get the demo backend's answer). */
const TEXTS = ['oi, bom dia', 'PA 12x8 FC 78 FR 18 sat 97 temp 36,5 ar ambiente', 'paciente tranquilo, aceitou bem a dieta', 'acabou a fralda', 'sim', 'ajuda'];
const OPS_TOKEN = 'bench-ops-token-0123456789';
const APP_SECRET = 'bench-app-secret';
const PREFIX = 'bench_';

/** CPU milliseconds a process has used so far (Linux /proc; NaN elsewhere). */
function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in USER_HZ (100/s)
  } catch {
    return NaN;
  }
}
/** CPU ms of each process over a phase, divided by the phase's operations. */
async function cpuPerOp<T>(pids: Record<string, number>, ops: number, phase: () => Promise<T>): Promise<{ result: T; cpu: Record<string, number> }> {
  const self = process.cpuUsage();
  const before = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuMs(pid)]));
  const result = await phase();
  const used = process.cpuUsage(self);
  const cpu: Record<string, number> = { bench: round((used.user + used.system) / 1000 / ops, 2) };
  for (const [k, pid] of Object.entries(pids)) cpu[k] = round((cpuMs(pid) - before[k]) / ops, 2);
  return { result, cpu };
}

const quantile = (values: number[], q: number) => {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
};
const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;
const round1 = (n: number) => round(n);
/** Mean of each key over several `{key: number}` records. */
const meanOf = (records: Record<string, number>[]) =>
  Object.fromEntries(Object.keys(records[0]).map((k) => [k, round(records.reduce((sum, r) => sum + r[k], 0) / records.length, 2)]));
const stats = (values: number[]) => ({ p50: round(quantile(values, 0.5)), p95: round(quantile(values, 0.95)), p99: round(quantile(values, 0.99)) });

/** Runs `total` tasks with at most `concurrency` in flight. */
async function pool(total: number, concurrency: number, task: (i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) await task(next++);
    }),
  );
}

/** A local Graph API: records when each reply arrives, per recipient. */
async function startGraph() {
  const arrivals = new Map<string, number[]>();
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const to = (JSON.parse(body) as { to: string }).to;
      const list = arrivals.get(to) ?? [];
      list.push(performance.now());
      arrivals.set(to, list);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ messaging_product: 'whatsapp', messages: [{ id: `wamid.${randomBytes(8).toString('hex')}` }] }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, arrivals, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** A child process of the bench, its stdout drained (the service logs at info, as in production). */
function spawnNode(args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return child;
}

/** Resolves with the first stdout line that `match` accepts; rejects if the child exits first. */
function lineOf(child: ChildProcess, match: (line: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find(match);
      if (!line) return;
      child.stdout!.off('data', onData);
      child.stdout!.resume();
      resolve(line);
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${child.spawnargs.join(' ')} exited with ${code}`)));
  });
}

/** Builds dist/ when it is missing or older than a source file (the bench measures the built service, as `npm run start:prod` runs it). */
function ensureBuilt() {
  const built = (() => {
    try {
      return statSync('dist/server.js').mtimeMs;
    } catch {
      return 0;
    }
  })();
  const newest = Math.max(
    ...readdirSync('src', { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => statSync(join(e.parentPath, e.name)).mtimeMs),
  );
  if (built > newest) return;
  console.log('building dist/ (npm run build)…');
  const result = spawnSync('npm', ['run', 'build'], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error('npm run build failed');
}

/** The demo backend in its own process (its CPU is the backend's, not the service's), as `npm run demo-backend` runs it. */
async function startBackend(): Promise<{ child: ChildProcess; env: Record<string, string> }> {
  const child = spawnNode(['--import', 'tsx', 'scripts/demo-backend.ts'], { DEMO_BACKEND_PORT: String(await freePort()), LOG_LEVEL: 'warn' });
  const env: Record<string, string> = {};
  await lineOf(child, (line) => {
    const m = /^(LAMBDA_[A-Z_]+)=(\S+)$/.exec(line.trim());
    if (m) env[m[1]] = m[2];
    return Object.keys(env).length === 6;
  });
  return { child, env };
}

/** The node arguments of `npm run start:prod` ("exec node --flag dist/server.js" → ["--flag", "dist/server.js"]). */
function startProdArgs(): string[] {
  const script = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts['start:prod'];
  const words = script.split(/\s+/).filter(Boolean);
  return words.slice(words.indexOf('node') + 1);
}

/** The service as `npm run start:prod` runs it (its node flags, dist/server.js), ready once /readyz answers 200. */
async function startService(env: Record<string, string>): Promise<{ url: string; child: ChildProcess; readyAt: number; startMs: number }> {
  // BENCH_SERVER_NODE_ARGS: extra node flags for the service (e.g. --cpu-prof to profile it).
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const started = performance.now();
  const child = spawnNode([...nodeArgs, ...startProdArgs()], env);
  child.stdout!.resume();
  let exited = false;
  child.once('exit', () => (exited = true));
  const url = `http://127.0.0.1:${env.PORT}`;
  for (;;) {
    if (exited) throw new Error('the service exited before it was ready');
    const ready = await fetch(`${url}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  return { url, child, readyAt: performance.now(), startMs: performance.now() - started };
}

async function startFloor(env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  // BENCH_FLOOR_NODE_ARGS: extra node flags for the floor (e.g. --cpu-prof, to compare with the service's profile).
  const nodeArgs = (process.env.BENCH_FLOOR_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawnNode([...nodeArgs, '--import', 'tsx', 'bench/floor.ts'], env);
  const line = await lineOf(child, (l) => l.startsWith('{"ready"'));
  return { url: `http://127.0.0.1:${(JSON.parse(line) as { port: number }).port}`, child };
}

async function stopChild(child: ChildProcess | undefined) {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

const metaBody = (messages: { from: string; text: string }[]) =>
  JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550783881', phone_number_id: '106540352242922' },
              contacts: [...new Set(messages.map((m) => m.from))].map((wa_id) => ({ wa_id, profile: { name: 'Bench' } })),
              messages: messages.map((m) => ({
                from: m.from,
                id: `wamid.${randomBytes(12).toString('hex')}`,
                timestamp: String(Math.floor(Date.now() / 1000)),
                type: 'text',
                text: { body: m.text },
              })),
            },
          },
        ],
      },
    ],
  });

/** Posts one signed delivery; the inbox write the ack waited for, from its Server-Timing (ms; NaN when absent). */
async function postMeta(url: string, raw: string): Promise<number> {
  const signature = `sha256=${createHmac('sha256', APP_SECRET).update(raw).digest('hex')}`;
  const res = await fetch(`${url}/webhook/whatsapp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature },
    body: raw,
  });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`meta webhook answered ${res.status}`);
  return Number(/inbox;dur=([\d.]+)/.exec(res.headers.get('server-timing') ?? '')?.[1] ?? NaN);
}

async function figures(url: string) {
  const res = await fetch(`${url}/metrics/sessions`, { headers: { authorization: `Bearer ${OPS_TOKEN}` } });
  return (await res.json()) as {
    dynamodb_requests: { requests: number; byOperation: Record<string, number> };
    dynamodb_round_trips_per_turn: { p99: number | null };
    dynamodb_requests_per_turn: { p99: number | null };
  };
}
/** Requests per message by operation between two figures (Query left out, as below). */
const diffOps = (a: Awaited<ReturnType<typeof figures>>, b: Awaited<ReturnType<typeof figures>>, messages: number): Record<string, number> =>
  Object.fromEntries(
    Object.entries(b.dynamodb_requests.byOperation)
      .filter(([op]) => op !== 'Query')
      .map(([op, n]): [string, number] => [op, round((n - (a.dynamodb_requests.byOperation[op] ?? 0)) / messages, 3)])
      .filter(([, n]) => n !== 0),
  );
/** Requests minus the Query calls that /metrics/sessions itself makes (open actions by status). */
const totalRequests = (f: { dynamodb_requests: { requests: number; byOperation: Record<string, number> } }) =>
  f.dynamodb_requests.requests - (f.dynamodb_requests.byOperation.Query ?? 0);

async function waitFor(check: () => boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  // Completion is observed at the fake Graph API; poll it (bounded).
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for replies');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Meta deliveries at a fixed rate, one message each, distinct sessions from `prefix`: ack latencies and when each was acked. */
async function metaAtRate(url: string, prefix: string, seconds: number) {
  const count = META_RATE * seconds;
  const acks: number[] = [];
  const writes: number[] = [];
  const ackedAt: number[] = [];
  const sentAt = new Map<string, number>();
  const start = performance.now();
  await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const wait = start + (i * 1000) / META_RATE - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const from = `${prefix}${String(10000000 + i)}`;
      const raw = metaBody([{ from, text: TEXTS[i % TEXTS.length] }]);
      const started = performance.now();
      sentAt.set(from, started);
      writes.push(await postMeta(url, raw));
      const now = performance.now();
      acks.push(now - started);
      ackedAt.push(now);
    }),
  );
  return { acks, writes, ackedAt, sentAt };
}

/** The largest number of acknowledged messages whose reply had not yet arrived, at any moment. */
function maxBacklog(ackedAt: number[], repliedAt: number[]): number {
  const events = [...ackedAt.map((t) => ({ t, d: 1 })), ...repliedAt.map((t) => ({ t, d: -1 }))].sort((a, b) => a.t - b.t || a.d - b.d);
  let open = 0;
  let most = 0;
  for (const e of events) most = Math.max(most, (open += e.d));
  return most;
}

async function main() {
  // BENCH_JAVA_OPTS: JVM options for DynamoDB Local (e.g. -Xlog:gc to see its pauses).
  const local = await startDynamoLocal({ dataDir: ':memory:', javaOptions: (process.env.BENCH_JAVA_OPTS ?? '').split(' ').filter(Boolean) });
  const graph = await startGraph();
  const children: (ChildProcess | undefined)[] = [];
  try {
    ensureBuilt();
    const dynamo = createDynamo({ region: 'sa-east-1', endpoint: local.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    await ensureTables(dynamo.client, PREFIX);
    const t = tableNames(PREFIX);
    const inboxStore = createInboxStore({ doc: dynamo.doc, tableName: t.idempotency, clock: systemClock });
    // The raw transaction (information): turn-shaped, 5 items, no reads, no conditions but one.
    const rawTransaction = async (i: number) => {
      const sid = `raw${i}`;
      await dynamo.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: t.sessions,
                Item: { sessionId: sid, version: 1, state: { turns: 1 }, ttl: 9e9 },
                ConditionExpression: 'attribute_not_exists(sessionId)',
              },
            },
            { Put: { TableName: t.conversationBuffer, Item: { sessionId: sid, sk: `m#${i}#a`, role: 'user', text: 'oi', ttl: 9e9 } } },
            { Put: { TableName: t.conversationBuffer, Item: { sessionId: sid, sk: `m#${i}#b`, role: 'assistant', text: 'olá', ttl: 9e9 } } },
            { Put: { TableName: t.idempotency, Item: { idempotencyKey: `raw:${i}`, status: 'completed', ttl: 9e9 } } },
            { Put: { TableName: t.locks, Item: { resource: `session:${sid}`, fence: 1, expiresAt: 0, ttl: 9e9 } } },
          ],
        }),
      );
    };
    let rawDone = 0;
    const rawRound = (count: number) => {
      const from = rawDone;
      rawDone += count;
      return pool(count, CONCURRENCY, (i) => rawTransaction(from + i));
    };
    // Real DynamoDB is never cold: DynamoDB Local's JIT is warmed before anything is measured.
    await rawRound(RAW_WARMUP);

    const backend = await startBackend();
    children.push(backend.child);
    const service = await startService({
      ...backend.env,
      DYNAMODB_ENDPOINT: local.endpoint,
      TABLE_PREFIX: PREFIX,
      PORT: String(await freePort()),
      OPS_TOKEN,
      WHATSAPP_APP_SECRET: APP_SECRET,
      WHATSAPP_ACCESS_TOKEN: 'bench',
      WHATSAPP_PHONE_NUMBER_ID: '106540352242922',
      WHATSAPP_GRAPH_URL: graph.url,
      LOG_LEVEL: 'info',
    });
    children.push(service.child);
    const url = service.url;

    // 1. The first seconds after a start: Meta at 50 msg/s as soon as /readyz says ready.
    const cold = await metaAtRate(url, '55119', COLD_SECONDS);
    await waitFor(() => [...cold.sentAt.keys()].every((f) => graph.arrivals.has(f)), 60_000);

    // 2. Service against floor (and the raw transaction), same load, alternating rounds, CPU per message from /proc.
    const floor = await startFloor({ DYNAMODB_ENDPOINT: local.endpoint, TABLE_PREFIX: PREFIX, PORT: String(await freePort()) });
    children.push(floor.child);
    const latencies: Record<'service' | 'floor', number[]> = { service: [], floor: [] };
    let sent = 0;
    /** One ingest message to `target`; `n` numbers it across the run, `session` picks the conversation. */
    const ingest = async (target: 'service' | 'floor', n: number, session: string, record: boolean) => {
      const started = performance.now();
      const res = await fetch(`${target === 'service' ? url : floor.url}/webhook/ingest`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-idempotency-key': `bench-${n}` },
        body: JSON.stringify({ message_id: `b${n}`, phoneNumber: session, text: TEXTS[n % TEXTS.length] }),
      });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`${target} ingest answered ${res.status}`);
      if (record) latencies[target].push(performance.now() - started);
    };
    // Each round: SESSIONS_PER_ROUND new conversations, PER_SESSION messages each; message i goes to
    // session i % N, so concurrent requests hit distinct sessions.
    const perRound = SESSIONS_PER_ROUND * INGEST_PER_SESSION;
    let roundNo = 0;
    const ingestRound = (target: 'service' | 'floor', record: boolean) => {
      const r = roundNo++;
      return pool(perRound, CONCURRENCY, (i) =>
        ingest(target, sent++, `55${String(r + 10).padStart(4, '0')}${String(1000000 + (i % SESSIONS_PER_ROUND))}`, record),
      );
    };
    for (let w = 0; w < WARMUP_ROUNDS; w++) {
      await ingestRound('service', false);
      await ingestRound('floor', false);
    }

    const before = await figures(url);
    const cpu: Record<'raw' | 'service' | 'floor', Record<string, number>[]> = { raw: [], service: [], floor: [] };
    const seconds = { raw: 0, service: 0, floor: 0 };
    const rounds: { raw: number; service: number; floor: number }[] = [];
    const timed = async (kind: 'raw' | 'service' | 'floor', ops: number, phase: () => Promise<void>) => {
      const pids: Record<string, number> = { dynamodbLocal: local.pid };
      if (kind !== 'raw') pids[kind] = (kind === 'service' ? service.child : floor.child).pid!;
      const started = performance.now();
      cpu[kind].push((await cpuPerOp(pids, ops, phase)).cpu);
      const s = (performance.now() - started) / 1000;
      seconds[kind] += s;
      return round1(ops / s);
    };
    for (let r = 0; r < ROUNDS; r++) {
      const raw = await timed('raw', RAW_PER_ROUND, () => rawRound(RAW_PER_ROUND));
      // Alternating order, so drift (DynamoDB Local's JIT, table growth, the neighbours) falls on both alike.
      const order: ('service' | 'floor')[] = r % 2 ? ['floor', 'service'] : ['service', 'floor'];
      const tps: Record<string, number> = {};
      for (const target of order) tps[target] = await timed(target, perRound, () => ingestRound(target, true));
      rounds.push({ raw, service: tps.service, floor: tps.floor });
    }
    const total = perRound * ROUNDS;
    const tps = { raw: (RAW_PER_ROUND * ROUNDS) / seconds.raw, service: total / seconds.service, floor: total / seconds.floor };
    const cpuMean = { raw: meanOf(cpu.raw), service: meanOf(cpu.service), floor: meanOf(cpu.floor) };
    const cpuRatio = cpuMean.service.service / cpuMean.floor.floor;
    const tpsRatio = tps.service / tps.floor;
    const afterIngest = await figures(url);
    const requestsPerIngest = (totalRequests(afterIngest) - totalRequests(before)) / total;
    const ingestOperations = diffOps(before, afterIngest, total);
    await stopChild(floor.child);

    // 3. Meta at 50 msg/s, warm: first the inbox write alone at that rate (DynamoDB Local's part), then the deliveries.
    const warmFrom = (i: number) => `55116${String(10000000 + i)}`;
    await pool(200, 4, async (i) => void (await postMeta(url, metaBody([{ from: warmFrom(i), text: TEXTS[i % TEXTS.length] }]))));
    await waitFor(() => Array.from({ length: 200 }, (_, i) => warmFrom(i)).every((f) => graph.arrivals.has(f)), 60_000);
    /** The inbox write of one delivery, as the service makes it, timed from this process. */
    let probeNo = 0;
    const inboxWrite = async () => {
      const i = probeNo++;
      const event = {
        provider: 'meta',
        messageId: `wamid.inbox${i}`,
        sessionId: `55115${10000000 + i}`,
        text: TEXTS[i % TEXTS.length],
        type: 'text',
        timestamp: Date.now(),
      };
      const started = performance.now();
      await inboxStore.store(`wamid:bench-inbox-${i}`, randomBytes(32).toString('hex'), event, {
        ttlMs: 7 * 86_400_000,
        inProgressMs: 30_000,
        owner: `bench:${i}`,
      });
      return performance.now() - started;
    };
    /** `count` calls of `task` at `rate` per second; their results. */
    const atRate = (count: number, rate: number, task: () => Promise<number>) => {
      const start = performance.now();
      return Promise.all(
        Array.from({ length: count }, async (_, i) => {
          const wait = start + (i * 1000) / rate - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          return task();
        }),
      );
    };
    // On an idle DynamoDB Local, at the deliveries' rate.
    const inboxWrites = await atRate(META_RATE * META_SECONDS, META_RATE, inboxWrite);
    const beforeMeta = await figures(url);
    // The same write from this process while the deliveries run (DynamoDB Local under the same
    // load, without the service's event loop): the part of an ack that is DynamoDB Local's.
    const [meta, probeWrites] = await Promise.all([metaAtRate(url, '55117', META_SECONDS), atRate(PROBE_RATE * META_SECONDS, PROBE_RATE, inboxWrite)]);
    await waitFor(() => [...meta.sentAt.keys()].every((from) => graph.arrivals.has(from)), 60_000);
    const completions = [...meta.sentAt].map(([from, started]) => graph.arrivals.get(from)![0] - started);
    const backlog = maxBacklog(
      meta.ackedAt,
      [...meta.sentAt.keys()].map((from) => graph.arrivals.get(from)![0]),
    );
    const afterMeta = await figures(url);
    const metaCount = META_RATE * META_SECONDS;
    const requestsPerMeta = (totalRequests(afterMeta) - totalRequests(beforeMeta)) / metaCount;
    const metaOperations = diffOps(beforeMeta, afterMeta, metaCount);

    // 4. Same-session burst: 20 single messages one after another, then a batch of 20 at once.
    const single = '5511600000001';
    const singles: number[] = [];
    for (let i = 0; i < 20; i++) {
      const started = performance.now();
      await postMeta(url, metaBody([{ from: single, text: `s${i}` }]));
      await waitFor(() => (graph.arrivals.get(single)?.length ?? 0) > i, 10_000);
      singles.push(graph.arrivals.get(single)![i] - started);
    }
    const burstFrom = '5511600000002';
    const burstStart = performance.now();
    await postMeta(url, metaBody(Array.from({ length: 20 }, (_, i) => ({ from: burstFrom, text: `burst ${String(i).padStart(2, '0')}` }))));
    await waitFor(() => (graph.arrivals.get(burstFrom)?.length ?? 0) >= 20, 30_000);
    const burstTotal = Math.max(...graph.arrivals.get(burstFrom)!) - burstStart;
    const stateRes = await fetch(`${url}/sessions/${burstFrom}/conversation?limit=100`, { headers: { authorization: `Bearer ${OPS_TOKEN}` } });
    const conv = (await stateRes.json()) as { messages: { role: string; text: string }[] };
    const userOrder = conv.messages.filter((m) => m.role === 'user').map((m) => m.text);
    const inOrder = userOrder.length === 20 && userOrder.every((text, i) => text === `burst ${String(i).padStart(2, '0')}`);
    const singleSum = singles.reduce((a, b) => a + b, 0);
    const final = await figures(url);
    dynamo.destroy();

    const ackP99 = quantile(meta.acks, 0.99);
    const inboxP99 = quantile(inboxWrites, 0.99);
    const probeP99 = quantile(probeWrites, 0.99);
    const coldP99 = quantile(cold.acks, 0.99);
    const q = (values: number[]) => Object.values(stats(values)).join(' / ');
    const rows = [
      {
        figure: 'server CPU ms per ingest msg: service ÷ floor',
        value: `${round(cpuRatio, 2)} (${cpuMean.service.service} / ${cpuMean.floor.floor})`,
        goal: '≤ 1.3',
        ok: cpuRatio <= 1.3,
      },
      {
        figure: `  service ÷ floor in each of ${ROUNDS} rounds`,
        value: cpu.service.map((c, i) => round(c.service / cpu.floor[i].floor, 2)).join(' / '),
        goal: '—',
        ok: true,
      },
      {
        figure: `ingest msgs/s: service ÷ floor (conc ${CONCURRENCY})`,
        value: `${round(tpsRatio, 2)} (${round(tps.service)} / ${round(tps.floor)})`,
        goal: '≥ 0.85',
        ok: tpsRatio >= 0.85,
      },
      { figure: `  service ÷ floor in each of ${ROUNDS} rounds`, value: rounds.map((r) => round(r.service / r.floor, 2)).join(' / '), goal: '—', ok: true },
      { figure: `Meta ack p99 ms @ ${META_RATE} msg/s, warm`, value: round(ackP99), goal: '≤ 50', ok: ackP99 <= 50 },
      {
        figure: '  … ÷ inbox write p99, same load, from the bench',
        value: `${round(ackP99 / probeP99, 2)} (${round(ackP99)} / ${round(probeP99)})`,
        goal: '≤ 2',
        ok: ackP99 <= 2 * probeP99,
      },
      {
        figure: '  … ÷ inbox write p99, idle DynamoDB Local',
        value: `${round(ackP99 / inboxP99, 2)} (${round(ackP99)} / ${round(inboxP99)})`,
        goal: '—',
        ok: true,
      },
      { figure: `Meta ack p99 ms, first ${COLD_SECONDS} s after ready`, value: round(coldP99), goal: '≤ 200', ok: coldP99 <= 200 },
      { figure: 'Meta ack p50/p95/p99 ms warm', value: q(meta.acks), goal: '—', ok: true },
      // Server-Timing: how long each ack's own inbox write took inside the service, under the turns' load in DynamoDB.
      { figure: '  its inbox write inside the service p50/p95/p99 ms', value: q(meta.writes), goal: '—', ok: true },
      { figure: 'Meta ack p50/p95/p99 ms cold', value: q(cold.acks), goal: '—', ok: true },
      { figure: 'inbox write p50/p95/p99 ms: idle / same load', value: `${q(inboxWrites)} / ${q(probeWrites)}`, goal: '—', ok: true },
      { figure: 'Meta turn completion p50/p95/p99 ms (warm)', value: q(completions), goal: '—', ok: true },
      { figure: 'max backlog (acked, reply not yet sent)', value: backlog, goal: '—', ok: true },
      { figure: 'service start → /readyz 200 ms', value: round(service.startMs), goal: '—', ok: true },
      { figure: `raw TransactWriteItems/s (5 items, conc ${CONCURRENCY})`, value: round(tps.raw), goal: '—', ok: true },
      {
        figure: 'CPU ms/msg DynamoDB Local: raw / floor / service',
        value: `${cpuMean.raw.dynamodbLocal} / ${cpuMean.floor.dynamodbLocal} / ${cpuMean.service.dynamodbLocal}`,
        goal: '—',
        ok: true,
      },
      { figure: 'ingest latency p50/p95/p99 ms: service', value: q(latencies.service), goal: '—', ok: true },
      { figure: 'ingest latency p50/p95/p99 ms: floor', value: q(latencies.floor), goal: '—', ok: true },
      { figure: 'DynamoDB requests per ingest message', value: round(requestsPerIngest, 2), goal: '≤ 5', ok: requestsPerIngest <= 5 },
      { figure: 'DynamoDB requests per Meta message (incl. inbox + outbox)', value: round(requestsPerMeta, 2), goal: '≤ 5', ok: requestsPerMeta <= 5 },
      { figure: 'burst of 20, one session: in order', value: String(inOrder), goal: 'true', ok: inOrder },
      {
        figure: 'burst of 20 total ms vs 20 singles ms',
        value: `${round(burstTotal)} vs ${round(singleSum)}`,
        goal: `≤ 1.2 × ${round(singleSum)} = ${round(1.2 * singleSum)}`,
        ok: burstTotal <= 1.2 * singleSum,
      },
    ];
    const width = Math.max(...rows.map((r) => r.figure.length));
    const valueWidth = Math.max(...rows.map((r) => String(r.value).length));
    console.log(`\n${'figure'.padEnd(width)}  ${'this run'.padEnd(valueWidth)}  ${'goal'.padEnd(24)}  met`);
    for (const r of rows)
      console.log(`${r.figure.padEnd(width)}  ${String(r.value).padEnd(valueWidth)}  ${r.goal.padEnd(24)}  ${r.goal === '—' ? '' : r.ok ? 'met' : 'NOT met'}`);
    const results = {
      at: new Date().toISOString(),
      machine: { cpus: (await import('node:os')).cpus().length, node: process.version, loadavg: (await import('node:os')).loadavg() },
      settings: {
        CONCURRENCY,
        SESSIONS_PER_ROUND,
        INGEST_PER_SESSION,
        ROUNDS,
        WARMUP_ROUNDS,
        RAW_PER_ROUND,
        RAW_WARMUP,
        META_RATE,
        META_SECONDS,
        COLD_SECONDS,
      },
      ratios: { cpu: cpuRatio, throughput: tpsRatio },
      tps,
      cpuMsPerOp: cpuMean,
      rounds,
      ingestLatencyMs: { service: stats(latencies.service), floor: stats(latencies.floor) },
      requestsPerIngest,
      requestsPerMeta,
      requestsByOperation: { ingest: ingestOperations, meta: metaOperations },
      roundTripsPerTurnP99: final.dynamodb_round_trips_per_turn.p99,
      requestsPerTurnP99: final.dynamodb_requests_per_turn.p99,
      metaAckMs: { warm: stats(meta.acks), cold: stats(cold.acks) },
      inboxWriteMs: { idle: stats(inboxWrites), sameLoad: stats(probeWrites), probeRate: PROBE_RATE },
      ackInboxWriteMs: { warm: stats(meta.writes), cold: stats(cold.writes) },
      metaCompletionMs: stats(completions),
      maxBacklog: backlog,
      serviceStartMs: service.startMs,
      burst: { inOrder, totalMs: burstTotal, singleSumMs: singleSum, singleMedianMs: quantile(singles, 0.5) },
      goalsMet: rows.every((r) => r.ok),
    };
    writeFileSync('bench/results.json', `${JSON.stringify(results, null, 2)}\n`);
    console.log(`\n${results.goalsMet ? 'All goals met.' : 'Some goals NOT met.'} Written to bench/results.json`);
  } finally {
    for (const child of children.reverse()) await stopChild(child);
    await graph.close();
    await local.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
