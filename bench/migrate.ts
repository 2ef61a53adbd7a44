/**
 * `npm run bench:migrate` — N legacy sessions (pickled checkpoints) in a real redis-server imported
 * into DynamoDB Local (in memory): sessions/s, DynamoDB requests per session and the import's peak
 * RSS, beside the floor measured in the same run: raw conditional PutItems of the same items (the
 * session and its import entry) at the same concurrency, no Redis, no decoding, no transaction.
 * Import and floor alternate, each in its own child process (its peak RSS is its own); the best of
 * each is compared.
 *
 * Options: --sessions N (default 100000), --concurrency N (default 16), --runs N (default 1).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { loadConfig, migrationSettingsOf } from '../src/config.js';
import { createInitialState, stateSchema, type State } from '../src/graph/state.js';
import { systemClock } from '../src/kernel/clock.js';
import { mapWithConcurrency } from '../src/kernel/concurrency.js';
import { createDynamo } from '../src/infra/dynamo/client.js';
import { ensureTables } from '../src/infra/dynamo/ensure-tables.js';
import { startDynamoLocal } from '../src/infra/dynamo/local.js';
import { createStores } from '../src/infra/stores/index.js';
import { tableNames } from '../src/infra/tables.js';
import { migrate } from '../src/migration/migrate.js';
import { importEntries } from '../src/migration/target.js';
import { legacyGraphState, pickledCheckpoint } from '../src/migration/sample/keyspace.js';
import { startRedisServer } from '../test/support/redis-server.js';

const SELF = fileURLToPath(import.meta.url);
const GOALS = { vsFloor: 0.5, maxRssMB: 300 };
const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
const phoneOf = (i: number) => `5511${String(900_000_000 + i)}`;

interface Measured {
  kind: 'import' | 'floor';
  sessions: number;
  ms: number;
  requests: number;
  maxRssMB: number;
}

/** Child: the real import of everything in Redis, through the same code as the CLI. */
async function importChild(endpoint: string, redisUrl: string, prefix: string, concurrency: number): Promise<Measured> {
  const config = loadConfig({ DYNAMODB_ENDPOINT: endpoint, TABLE_PREFIX: prefix, LOG_LEVEL: 'error' });
  const started = performance.now();
  const result = await migrate(migrationSettingsOf(config), { redisUrl, dryRun: false, concurrency, batchSize: 500, leaseMs: 30_000 }, { clock: systemClock });
  const ms = performance.now() - started;
  if (result.counts.imported.sessions !== result.counts.scanned.pickle)
    throw new Error(`imported ${result.counts.imported.sessions} of ${result.counts.scanned.pickle}`);
  return { kind: 'import', sessions: result.counts.imported.sessions, ms, requests: result.requests, maxRssMB: process.resourceUsage().maxRSS / 1024 };
}

/** Child: the same two items per session as single conditional PutItems, no Redis and no transaction. */
async function floorChild(endpoint: string, prefix: string, concurrency: number, sessions: number): Promise<Measured> {
  const dynamo = createDynamo({ region: 'sa-east-1', endpoint, credentials: CREDENTIALS });
  await ensureTables(dynamo.client, prefix);
  const stores = createStores<State>({
    doc: dynamo.doc,
    tables: tableNames(prefix),
    clock: systemClock,
    sessionSchema: stateSchema,
    sessionTtlDays: 7,
    bufferTtlDays: 7,
    lockLeaseMs: 10_000,
  });
  const indexes = Array.from({ length: sessions }, (_, i) => i);
  const started = performance.now();
  await mapWithConcurrency(indexes, concurrency, async (i) => {
    const sessionId = phoneOf(i);
    const state = createInitialState(sessionId, `+${sessionId}`);
    const session = { sessionId, state, action: null, actionSkipped: null, writtenAt: Date.now() };
    const put = stores.sessions.importOp(sessionId, state, {
      expiresAt: Date.now() + 3_600_000,
      origin: { source: 'redis', key: `checkpoint:session_${sessionId}`, run: 'floor' },
    });
    const entry = stores.buffer.appendOps(sessionId, importEntries({ session, format: 'pickle', key: '', expiresAt: 0 }, Date.now())[0]).ops[0];
    await Promise.all([dynamo.doc.send(new PutCommand(put.item.Put!)), dynamo.doc.send(new PutCommand(entry.item.Put!))]);
  });
  const ms = performance.now() - started;
  const requests = dynamo.counter.total('PutItem');
  dynamo.destroy();
  return { kind: 'floor', sessions, ms, requests, maxRssMB: process.resourceUsage().maxRSS / 1024 };
}

function runChild(args: string[]): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', SELF, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, NODE_NO_WARNINGS: '1' },
    });
    let out = '';
    proc.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    proc.on('error', reject);
    proc.on('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{')) return reject(new Error(`${args.join(' ')} exited with ${code}: ${out.slice(-2000)}`));
      resolve(JSON.parse(line) as Measured);
    });
  });
}

async function parent(sessions: number, concurrency: number, runs: number) {
  console.log(`bench:migrate — ${sessions.toLocaleString('en-US')} legacy sessions, concurrency ${concurrency}, ${runs} run(s)`);
  const [redis, local] = await Promise.all([startRedisServer(), startDynamoLocal({ dataDir: ':memory:' })]);
  try {
    const now = Date.now();
    let pipeline = redis.client.pipeline();
    for (let i = 0; i < sessions; i++) {
      const phone = phoneOf(i);
      pipeline.set(
        `checkpoint:session_${phone}`,
        pickledCheckpoint(legacyGraphState(phone, null, { nota: { texto_bruto: `nota ${i}` } }), now - 60_000),
        'PX',
        3_600_000,
      );
      if (i % 1000 === 999) {
        await pipeline.exec();
        pipeline = redis.client.pipeline();
      }
    }
    await pipeline.exec();
    console.log(`  seeded ${sessions.toLocaleString('en-US')} pickled checkpoints into redis-server (${redis.url})`);
    const all: Measured[] = [];
    for (let run = 0; run < runs; run++) {
      // A fresh prefix per child: every conditional write finds its item absent.
      const imp = await runChild([
        '--child',
        'import',
        '--endpoint',
        local.endpoint,
        '--redis',
        redis.url,
        '--prefix',
        `imp${run}_`,
        '--concurrency',
        String(concurrency),
      ]);
      const floor = await runChild([
        '--child',
        'floor',
        '--endpoint',
        local.endpoint,
        '--prefix',
        `floor${run}_`,
        '--concurrency',
        String(concurrency),
        '--sessions',
        String(sessions),
      ]);
      for (const m of [imp, floor])
        console.log(
          `  run ${run + 1} ${m.kind.padEnd(6)} ${rate(m).toFixed(0).padStart(6)} sessions/s  ${(m.requests / m.sessions).toFixed(2)} requests/session  peak RSS ${m.maxRssMB.toFixed(0)} MB`,
        );
      all.push(imp, floor);
    }
    const best = (kind: Measured['kind']) => all.filter((m) => m.kind === kind).sort((a, b) => rate(b) - rate(a))[0];
    const imp = best('import');
    const floor = best('floor');
    const ratio = rate(imp) / rate(floor);
    const rows = [
      [
        'sessions/s (best run)',
        rate(imp).toFixed(0),
        rate(floor).toFixed(0),
        `≥ ${GOALS.vsFloor} × floor`,
        `${ratio.toFixed(2)} × — ${ratio >= GOALS.vsFloor ? 'met' : 'not met'}`,
      ],
      ['DynamoDB requests/session', (imp.requests / imp.sessions).toFixed(3), (floor.requests / floor.sessions).toFixed(3), '—', '—'],
      [
        'peak RSS of the process',
        `${imp.maxRssMB.toFixed(0)} MB`,
        `${floor.maxRssMB.toFixed(0)} MB`,
        `≤ ${GOALS.maxRssMB} MB`,
        Math.max(...all.filter((m) => m.kind === 'import').map((m) => m.maxRssMB)) <= GOALS.maxRssMB ? 'met' : 'not met',
      ],
    ];
    console.log('\n| figure | import | floor (raw conditional PutItems) | goal | result |\n|---|---|---|---|---|');
    for (const row of rows) console.log(`| ${row.join(' | ')} |`);
  } finally {
    await redis.stop();
    await local.stop();
  }
}

const rate = (m: Measured) => m.sessions / (m.ms / 1000);

const { values } = parseArgs({
  options: {
    sessions: { type: 'string', default: '100000' },
    concurrency: { type: 'string', default: '16' },
    runs: { type: 'string', default: '1' },
    child: { type: 'string' },
    endpoint: { type: 'string' },
    redis: { type: 'string' },
    prefix: { type: 'string' },
  },
});
const concurrency = Number(values.concurrency);
const job = values.child
  ? (values.child === 'import'
      ? importChild(values.endpoint!, values.redis!, values.prefix!, concurrency)
      : floorChild(values.endpoint!, values.prefix!, concurrency, Number(values.sessions))
    ).then((m) => process.stdout.write(`${JSON.stringify(m)}\n`))
  : parent(Number(values.sessions), concurrency, Number(values.runs));
job.then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
