/**
 * Seeds a realistic legacy keyspace into Redis, to try the migration on:
 *   npm run migrate:redis:sample [-- --redis-url redis://127.0.0.1:6379/0] [--backend-url URL]
 * With --backend-url (the demo backend `npm start` runs; its URL is in the "demo backend started"
 * log line) or the LAMBDA_* variables, the demo caregivers' shift ids are asked from
 * getScheduleStarted, as the legacy service did, so the migrated conversations continue against
 * that backend.
 */
import { parseArgs } from 'node:util';
import { BACKEND_CONTRACTS, type BackendOperation, type Backends } from '../src/contracts/backends.js';
import { ulid } from '../src/kernel/ids.js';
import { createLogger, maskPhonesIn } from '../src/kernel/logger.js';
import { backendUrlsFrom, createBackends } from '../src/infra/backends/index.js';
import { describeRedisUrl } from '../src/migration/outcomes.js';
import { RedisUnavailableError, connectRedis, parseRedisUrl } from '../src/migration/redis-source.js';
import { SAMPLE_PHONES, sampleKeyspace, type ShiftIds } from '../src/migration/sample/keyspace.js';

const USAGE = 'usage: npm run migrate:redis:sample -- [--redis-url redis://127.0.0.1:6379/0] [--backend-url http://127.0.0.1:PORT]';

/** Made-up shift ids, for a Redis seeded without a backend to ask. */
function offlineShifts(now: number): Record<keyof typeof SAMPLE_PHONES, ShiftIds | null> {
  const reportDate = new Date(now - 3 * 3_600_000).toISOString().slice(0, 19);
  return {
    ana: { caregiverID: 'cg-ana', scheduleID: 'sch-ana-legacy', reportID: 'rep-ana-legacy', reportDate, patientID: 'pt-jose', company: 'DEMO' },
    bruno: { caregiverID: 'cg-bruno', scheduleID: 'sch-bruno-legacy', reportID: 'rep-bruno-legacy', reportDate, patientID: 'pt-helena', company: 'DEMO' },
    carla: null,
  };
}

/** The six backend URLs: the demo backend's under --backend-url, else the LAMBDA_* variables (all six, or none). */
function backendUrls(base: string | undefined): Record<BackendOperation, string> | undefined {
  if (!base) return backendUrlsFrom(process.env);
  const root = base.replace(/\/+$/, '');
  return Object.fromEntries(Object.keys(BACKEND_CONTRACTS).map((operation) => [operation, `${root}/${operation}`])) as Record<BackendOperation, string>;
}

/** The shift ids getScheduleStarted answers for a phone (null: no shift today). */
async function askShift(backends: Backends, phone: string): Promise<ShiftIds | null> {
  const found = await backends.call('getScheduleStarted', { phoneNumber: `+${phone}` }, { idempotencyKey: ulid() });
  if (!found.scheduleID) return null;
  return {
    caregiverID: found.caregiverID ?? null,
    scheduleID: found.scheduleID,
    reportID: found.reportID ?? null,
    reportDate: found.reportDate ?? null,
    patientID: found.patientID ?? null,
    company: found.company ?? null,
  };
}

async function main(): Promise<number> {
  let values;
  try {
    values = parseArgs({
      options: {
        'redis-url': { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0' },
        'backend-url': { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    }).values;
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const now = Date.now();
  const urls = backendUrls(values['backend-url']);
  let shifts = offlineShifts(now);
  if (urls) {
    const backends = createBackends({ urls, timeoutMs: 5_000, maxRetries: 2, logger: createLogger({ level: 'error' }) });
    // One after the other: an unreachable backend then fails with its own error, before the breaker opens.
    shifts = {
      ana: await askShift(backends, SAMPLE_PHONES.ana),
      bruno: await askShift(backends, SAMPLE_PHONES.bruno),
      carla: await askShift(backends, SAMPLE_PHONES.carla),
    };
  }
  let redis;
  try {
    const url = parseRedisUrl(values['redis-url']);
    redis = await connectRedis(url, describeRedisUrl(url));
  } catch (error) {
    if (error instanceof RedisUnavailableError) {
      console.error(`error: ${error.message}`);
      return 2;
    }
    throw error;
  }
  try {
    const keys = sampleKeyspace(now, shifts);
    const pipeline = redis.pipeline();
    for (const { key, value, ttlMs } of keys) pipeline.set(key, value, 'PX', ttlMs);
    await pipeline.exec();
    console.log(
      `seeded ${keys.length} legacy keys into ${values['redis-url']}${urls ? ' (shift ids from getScheduleStarted)' : ' (made-up shift ids: pass --backend-url to continue against the demo backend)'}`,
    );
    for (const { key, ttlMs } of keys) console.log(`  ${maskPhonesIn(key).padEnd(60)} ttl ${Math.round(ttlMs / 1000)} s`);
    console.log('demo caregivers in it: +5511999990001 (Ana), +5511999990002 (Bruno), +5511999990003 (Carla)');
    console.log('next: npm run migrate:redis -- --redis-url <url> --dry-run');
    return 0;
  } finally {
    await redis.quit();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`error: ${(error as Error).message}`);
    process.exit(1);
  },
);
