/**
 * `npm run bench`: the inbound pipeline's figures, measured in one run on this machine.
 *
 * Spawns DynamoDB Local and the server (a separate process, real HTTP), then measures:
 *  1. raw TransactWriteItems/s on that DynamoDB Local (turn-shaped transactions, same concurrency),
 *  2. against end-to-end messages/s through /webhook/ingest over distinct sessions (latency
 *     quantiles), both warmed up and then in alternating rounds, with each process's CPU per op;
 *  3. signed /webhook/whatsapp at a fixed 50 msg/s: ack latency, and completion latency (until the
 *     reply reaches a local fake Graph API through the outbox);
 *  4. DynamoDB requests per message and sequential round trips per turn (client middleware);
 *  5. a same-session burst of 20 (one Meta batch): order kept, total vs 20 single-message latencies.
 * Prints a table (goal beside figure) and writes bench/results.json.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { createDynamo } from '../src/infra/dynamo/client.js';
import { ensureTables } from '../src/infra/dynamo/ensure-tables.js';
import { freePort, startDynamoLocal } from '../src/infra/dynamo/local.js';
import { tableNames } from '../src/infra/tables.js';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const SESSIONS_PER_ROUND = Number(process.env.BENCH_SESSIONS ?? 100);
const INGEST_PER_SESSION = Number(process.env.BENCH_PER_SESSION ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WARMUP_ROUNDS = 5;
const RAW_PER_ROUND = Number(process.env.BENCH_RAW ?? 1000);
const RAW_WARMUP = 2000;
const META_RATE = 50;
const META_SECONDS = Number(process.env.BENCH_META_SECONDS ?? 10);
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

async function startServer(env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  // BENCH_SERVER_NODE_ARGS: extra node flags for the server (e.g. --cpu-prof to profile it).
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'bench/bench-server.ts'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.startsWith('{"ready"'));
      if (line) resolve((JSON.parse(line) as { port: number }).port);
    });
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}`, child };
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

async function postMeta(url: string, raw: string) {
  const signature = `sha256=${createHmac('sha256', APP_SECRET).update(raw).digest('hex')}`;
  const res = await fetch(`${url}/webhook/whatsapp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature },
    body: raw,
  });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`meta webhook answered ${res.status}`);
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

async function main() {
  // BENCH_JAVA_OPTS: JVM options for DynamoDB Local (e.g. -Xlog:gc to see its pauses).
  const local = await startDynamoLocal({ dataDir: ':memory:', javaOptions: (process.env.BENCH_JAVA_OPTS ?? '').split(' ').filter(Boolean) });
  const graph = await startGraph();
  let server: { url: string; child: ChildProcess } | undefined;
  try {
    // 1 + 2. Raw TransactWriteItems/s (turn-shaped: session put, 2 buffer puts, idempotency and lock
    // writes) against end-to-end ingest, same concurrency. The JVM's JIT keeps improving for thousands
    // of requests, so both are warmed first and then measured in alternating rounds: drift and
    // machine noise fall on both sides alike, and the ratio comes from the same minutes.
    const dynamo = createDynamo({ region: 'sa-east-1', endpoint: local.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    await ensureTables(dynamo.client, PREFIX);
    const t = tableNames(PREFIX);
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

    server = await startServer({
      DYNAMODB_ENDPOINT: local.endpoint,
      TABLE_PREFIX: PREFIX,
      PORT: String(await freePort()),
      OPS_TOKEN,
      WHATSAPP_APP_SECRET: APP_SECRET,
      WHATSAPP_ACCESS_TOKEN: 'bench',
      WHATSAPP_PHONE_NUMBER_ID: '106540352242922',
      WHATSAPP_GRAPH_URL: graph.url,
      LOG_LEVEL: 'warn',
    });
    const url = server.url;
    const ingestLatencies: number[] = [];
    /** One ingest message; `n` numbers it across the run, `session` picks the conversation. */
    const ingest = async (n: number, session: string, record: boolean) => {
      const started = performance.now();
      const res = await fetch(`${url}/webhook/ingest`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-idempotency-key': `bench-${n}` },
        body: JSON.stringify({ message_id: `b${n}`, phoneNumber: session, text: `mensagem ${n}` }),
      });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`ingest answered ${res.status}`);
      if (record) ingestLatencies.push(performance.now() - started);
    };
    // Each round: SESSIONS_PER_ROUND new conversations, PER_SESSION messages each; message i goes to
    // session i % N, so concurrent requests hit distinct sessions.
    const perRound = SESSIONS_PER_ROUND * INGEST_PER_SESSION;
    let sent = 0;
    const ingestRound = (round: number, record: boolean) =>
      pool(perRound, CONCURRENCY, (i) => ingest(sent++, `5511${String(round + 10).padStart(2, '0')}${String(1000000 + (i % SESSIONS_PER_ROUND))}`, record));
    let rawDone = 0;
    const rawRound = (count: number) => {
      const from = rawDone;
      rawDone += count;
      return pool(count, CONCURRENCY, (i) => rawTransaction(from + i));
    };

    await rawRound(RAW_WARMUP);
    for (let w = 0; w < WARMUP_ROUNDS; w++) await ingestRound(80 + w, false);

    const before = await figures(url);
    const cpuRaw: Record<string, number>[] = [];
    const cpuIngest: Record<string, number>[] = [];
    const rounds: { rawTps: number; e2eTps: number }[] = [];
    let rawSeconds = 0;
    let ingestSeconds = 0;
    for (let round = 0; round < ROUNDS; round++) {
      let started = performance.now();
      cpuRaw.push((await cpuPerOp({ dynamodbLocal: local.pid }, RAW_PER_ROUND, () => rawRound(RAW_PER_ROUND))).cpu);
      const rawS = (performance.now() - started) / 1000;
      started = performance.now();
      cpuIngest.push((await cpuPerOp({ dynamodbLocal: local.pid, server: server.child.pid! }, perRound, () => ingestRound(round, true))).cpu);
      const ingestS = (performance.now() - started) / 1000;
      rawSeconds += rawS;
      ingestSeconds += ingestS;
      rounds.push({ rawTps: round1(RAW_PER_ROUND / rawS), e2eTps: round1(perRound / ingestS) });
    }
    dynamo.destroy();
    const total = perRound * ROUNDS;
    const rawTps = (RAW_PER_ROUND * ROUNDS) / rawSeconds;
    const rawCpu = meanOf(cpuRaw);
    const ingestCpu = meanOf(cpuIngest);
    const afterIngest = await figures(url);
    const requestsPerIngest = (totalRequests(afterIngest) - totalRequests(before)) / total;
    const ingestOperations = diffOps(before, afterIngest, total);

    // 3. Meta at a fixed rate: one message per webhook, distinct sessions (after a warm-up of that path).
    const warmFrom = (i: number) => `55116${String(10000000 + i)}`;
    await pool(200, 4, (i) => postMeta(url, metaBody([{ from: warmFrom(i), text: 'aquecimento' }])));
    await waitFor(() => Array.from({ length: 200 }, (_, i) => warmFrom(i)).every((f) => graph.arrivals.has(f)), 60_000);
    const metaCount = META_RATE * META_SECONDS;
    const acks: number[] = [];
    const completions: number[] = [];
    const sentAt = new Map<string, number>();
    const metaStart = performance.now();
    const beforeMeta = await figures(url);
    await Promise.all(
      Array.from({ length: metaCount }, async (_, i) => {
        const due = metaStart + (i * 1000) / META_RATE;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const from = `55117${String(10000000 + i)}`;
        const raw = metaBody([{ from, text: `meta ${i}` }]);
        const started = performance.now();
        sentAt.set(from, started);
        await postMeta(url, raw);
        acks.push(performance.now() - started);
      }),
    );
    await waitFor(() => [...sentAt.keys()].every((from) => graph.arrivals.has(from)), 60_000);
    for (const [from, started] of sentAt) completions.push(graph.arrivals.get(from)![0] - started);
    const afterMeta = await figures(url);
    const requestsPerMeta = (totalRequests(afterMeta) - totalRequests(beforeMeta)) / metaCount;
    const metaOperations = diffOps(beforeMeta, afterMeta, metaCount);

    // 5. Same-session burst: 20 single messages one after another, then a batch of 20 at once.
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
    const inOrder = userOrder.length === 20 && userOrder.every((t, i) => t === `burst ${String(i).padStart(2, '0')}`);
    const singleSum = singles.reduce((a, b) => a + b, 0);
    const final = await figures(url);

    const e2eTps = total / ingestSeconds;
    const ratios = rounds.map((r) => r.e2eTps / r.rawTps);
    const rows = [
      { figure: 'raw TransactWriteItems/s (5 items, conc ' + CONCURRENCY + ')', value: round(rawTps), goal: '—', ok: true },
      {
        figure: `E2E ingest msgs/s (conc ${CONCURRENCY}, ${SESSIONS_PER_ROUND} sessions × ${INGEST_PER_SESSION} per round)`,
        value: `${round(e2eTps)} = ${round(e2eTps / rawTps, 2)} × raw`,
        goal: `≥ 0.5 × raw = ${round(rawTps / 2)}`,
        ok: e2eTps >= rawTps / 2,
      },
      { figure: `  ratio in each of ${ROUNDS} rounds`, value: ratios.map((r) => round(r, 2)).join(' / '), goal: '—', ok: true },
      { figure: 'CPU ms per raw transaction: DynamoDB Local / bench', value: `${rawCpu.dynamodbLocal} / ${rawCpu.bench}`, goal: '—', ok: true },
      {
        figure: 'CPU ms per ingest msg: DynamoDB Local / server / bench',
        value: `${ingestCpu.dynamodbLocal} / ${ingestCpu.server} / ${ingestCpu.bench}`,
        goal: '—',
        ok: true,
      },
      { figure: 'ingest latency p50/p95/p99 ms', value: Object.values(stats(ingestLatencies)).join(' / '), goal: '—', ok: true },
      { figure: 'DynamoDB requests per ingest message', value: round(requestsPerIngest, 2), goal: '≤ 5', ok: requestsPerIngest <= 5 },
      { figure: 'DynamoDB requests per Meta message (incl. inbox + outbox)', value: round(requestsPerMeta, 2), goal: '≤ 5', ok: requestsPerMeta <= 5 },
      {
        figure: 'sequential round trips per turn (p99)',
        value: final.dynamodb_round_trips_per_turn.p99 ?? NaN,
        goal: '≤ 2',
        ok: (final.dynamodb_round_trips_per_turn.p99 ?? 99) <= 2,
      },
      {
        figure: `Meta ack latency p50/p95/p99 ms @ ${META_RATE} msg/s`,
        value: Object.values(stats(acks)).join(' / '),
        goal: 'p99 ≤ 50',
        ok: quantile(acks, 0.99) <= 50,
      },
      { figure: 'Meta completion latency p50/p95/p99 ms', value: Object.values(stats(completions)).join(' / '), goal: '—', ok: true },
      { figure: 'burst of 20, one session: in order', value: String(inOrder), goal: 'true', ok: inOrder },
      {
        figure: 'burst of 20 total ms vs 20 singles ms',
        value: `${round(burstTotal)} vs ${round(singleSum)}`,
        goal: `≤ 1.2 × ${round(singleSum)} = ${round(1.2 * singleSum)}`,
        ok: burstTotal <= 1.2 * singleSum,
      },
    ];
    const width = Math.max(...rows.map((r) => r.figure.length));
    console.log(`\n${'figure'.padEnd(width)}  ${'value'.padEnd(26)}  ${'goal'.padEnd(24)}  met`);
    for (const r of rows) console.log(`${r.figure.padEnd(width)}  ${String(r.value).padEnd(26)}  ${r.goal.padEnd(24)}  ${r.ok ? 'yes' : 'NO'}`);
    const results = {
      at: new Date().toISOString(),
      machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
      settings: { CONCURRENCY, SESSIONS_PER_ROUND, INGEST_PER_SESSION, ROUNDS, WARMUP_ROUNDS, RAW_PER_ROUND, RAW_WARMUP, META_RATE, META_SECONDS },
      rawTps,
      e2eTps,
      ingestLatencyMs: stats(ingestLatencies),
      cpuMsPerOp: { raw: rawCpu, ingest: ingestCpu },
      requestsPerIngest,
      requestsPerMeta,
      requestsByOperation: { ingest: ingestOperations, meta: metaOperations },
      rounds,
      roundTripsPerTurnP99: final.dynamodb_round_trips_per_turn.p99,
      requestsPerTurnP99: final.dynamodb_requests_per_turn.p99,
      metaAckMs: stats(acks),
      metaCompletionMs: stats(completions),
      burst: { inOrder, totalMs: burstTotal, singleSumMs: singleSum, singleMedianMs: quantile(singles, 0.5) },
      goalsMet: rows.every((r) => r.ok),
    };
    writeFileSync('bench/results.json', `${JSON.stringify(results, null, 2)}\n`);
    console.log(`\n${results.goalsMet ? 'All goals met.' : 'Some goals NOT met.'} Written to bench/results.json`);
  } finally {
    if (server) {
      const exited = new Promise((r) => server!.child.once('exit', r));
      server.child.kill('SIGTERM');
      await exited;
    }
    await graph.close();
    await local.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
