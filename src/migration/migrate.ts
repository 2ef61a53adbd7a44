/**
 * `npm run migrate:redis`, composed: Redis (checked first: unreachable → RedisUnavailableError),
 * DynamoDB as the config says (shared with `npm start` on the same data directory), the stores, the
 * progress journal, then one run. The CLI (scripts/migrate-redis.ts) only parses and prints.
 */
import { writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { stateSchema, type State } from '../graph/state.js';
import type { Clock } from '../kernel/clock.js';
import { ulid } from '../kernel/ids.js';
import { openDynamo, type DynamoSettings } from '../infra/dynamo/open.js';
import { createStores, type StoresOptions } from '../infra/stores/index.js';
import { createJournalStore } from '../infra/stores/journal-store.js';
import { tableNames } from '../infra/tables.js';
import { describeRedisUrl, formatSummary, type Counts, type ReportEntry } from './outcomes.js';
import { openJournal, startOfPass, type OpenedJournal, type Position } from './progress.js';
import { connectRedis, createRedisSource, parseRedisUrl, type RedisClient } from './redis-source.js';
import { runImport } from './run.js';
import { createDryRunTarget, createDynamoTarget } from './target.js';

/** Where DynamoDB is and the lifetimes the service gives its items (the script reads them from the config). */
export interface MigrationSettings {
  dynamo: DynamoSettings;
  stores: Pick<StoresOptions<State>, 'sessionTtlDays' | 'bufferTtlDays' | 'lockLeaseMs'>;
  journeyTtlDays: number;
}

export interface MigrateOptions {
  redisUrl: string;
  dryRun: boolean;
  concurrency: number;
  batchSize: number;
  limit?: number;
  /** How long a crashed run's lease blocks the next run. */
  leaseMs: number;
  reportPath?: string;
}

export interface MigrateIo {
  clock: Clock;
  /** A connected client (tests pass ioredis-mock); otherwise one is opened from `redisUrl`. */
  redis?: RedisClient;
  /** Called once the source is open, with the number of keys in Redis (the progress scale). */
  onStart?: (info: { keysInRedis: number; start: Position; resumed: boolean }) => void;
  onBatch?: (position: Position, batchKeys: number) => void;
  onWait?: (untilMs: number) => void;
}

export interface MigrateResult {
  counts: Counts;
  entries: ReportEntry[];
  position: Position;
  resumed: boolean;
  summary: string;
  /** DynamoDB requests the run sent (journal entries included). */
  requests: number;
}

/** The journal (on the journeys table) that checkpoints the migration of one Redis database. */
export const migrationJourneyId = (source: string) => `redis-migration:${source}`;

export async function migrate(settings: MigrationSettings, options: MigrateOptions, io: MigrateIo): Promise<MigrateResult> {
  const url = parseRedisUrl(options.redisUrl);
  const source = describeRedisUrl(url);
  const redis = io.redis ?? (await connectRedis(url, source));
  const started = performance.now();
  const opened = await openDynamo(settings.dynamo, { requestTimeoutMs: 10_000 }).catch(async (error) => {
    if (!io.redis) await redis.quit();
    throw error;
  });
  const prefix = settings.dynamo.tablePrefix;
  const tables = tableNames(prefix);
  let journal: OpenedJournal | undefined;
  try {
    if (!options.dryRun) {
      journal = await openJournal({
        journals: createJournalStore({ doc: opened.dynamo.doc, tableName: tables.journeys, clock: io.clock, ttlDays: settings.journeyTtlDays }),
        clock: io.clock,
        journeyId: migrationJourneyId(source),
        owner: `${hostname()}:${process.pid}:${ulid()}`,
        leaseMs: options.leaseMs,
        metadata: { source },
        onWait: io.onWait,
      });
    }
    const redisSource = createRedisSource(redis);
    const target = journal
      ? createDynamoTarget({
          stores: createStores<State>({
            doc: opened.dynamo.doc,
            tables,
            clock: io.clock,
            sessionSchema: stateSchema,
            ...settings.stores,
          }),
          clock: io.clock,
          run: journal.run,
        })
      : createDryRunTarget({ doc: opened.dynamo.doc, tables, clock: io.clock });
    io.onStart?.({ keysInRedis: await redisSource.size(), start: journal?.start ?? startOfPass(1), resumed: journal?.resumed ?? false });
    const result = await runImport(
      { source: redisSource, target, clock: io.clock, journal, onBatch: io.onBatch },
      { concurrency: options.concurrency, batchSize: options.batchSize, limit: options.limit },
    );
    const summary = formatSummary(result.position.counts, {
      dryRun: options.dryRun,
      source,
      target: `DynamoDB ${opened.endpoint}${prefix ? ` (tables ${prefix}*)` : ''}`,
      elapsedMs: performance.now() - started,
      pass: journal ? result.position.pass : undefined,
      resumed: result.resumed,
      finished: result.position.finished,
    });
    if (options.reportPath) {
      const report = {
        source,
        dryRun: options.dryRun,
        pass: journal ? result.position.pass : null,
        finished: result.position.finished,
        counts: result.position.counts,
        entries: result.entries,
      };
      await writeFile(options.reportPath, `${JSON.stringify(report, null, 2)}\n`);
    }
    return {
      counts: result.position.counts,
      entries: result.entries,
      position: result.position,
      resumed: result.resumed,
      summary,
      requests: opened.dynamo.counter.total(),
    };
  } finally {
    journal?.close();
    await opened.close();
    if (!io.redis) await redis.quit().catch(() => redis.disconnect());
  }
}
