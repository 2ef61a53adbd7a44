/**
 * Imports the legacy Redis orchestrator's live conversations into DynamoDB:
 *   npm run migrate:redis -- --redis-url redis://host:6379/0 [--dry-run] [--concurrency N] [--limit N] [--report file.json]
 * DynamoDB is chosen like the server's (DYNAMODB_MODE / DYNAMODB_ENDPOINT / DYNAMODB_DATA_DIR /
 * TABLE_PREFIX). Exit codes: 0 done, 2 bad arguments or Redis unreachable, 1 anything else.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SingleBar } from 'cli-progress';
import { z } from 'zod';
import { ConfigError, loadConfig, migrationSettingsOf } from '../src/config.js';
import { systemClock } from '../src/kernel/clock.js';
import { migrate, type MigrateOptions } from '../src/migration/migrate.js';
import { importedTotal, invalidTotal, scannedTotal, skippedTotal, type Counts } from '../src/migration/outcomes.js';
import { MigrationBusyError } from '../src/migration/progress.js';
import { RedisUnavailableError } from '../src/migration/redis-source.js';

const USAGE = `usage: npm run migrate:redis -- --redis-url redis://host:6379/0 [options]
  --dry-run          read and map everything, write nothing, print the same summary
  --concurrency N    DynamoDB writes in flight (default 16)
  --limit N          stop after about N keys (at the end of that SCAN batch); a later run continues
  --report FILE      write every skipped or invalid key with its reason (phones masked) as JSON
  --batch N          SCAN COUNT per batch, also the checkpoint interval (default 500)
  --lease-ms N       how long a crashed run blocks the next one before it takes over (default 15000)`;

const argsSchema = z.object({
  'redis-url': z.string({ error: '--redis-url is required' }).min(1),
  'dry-run': z.boolean(),
  concurrency: z.coerce.number().int().min(1).max(256),
  limit: z.coerce.number().int().min(1).optional(),
  report: z.string().min(1).optional(),
  batch: z.coerce.number().int().min(1).max(1000),
  'lease-ms': z.coerce.number().int().min(500).max(600_000),
});

function parse(): { options: MigrateOptions } | { exit: number } {
  let values;
  try {
    values = parseArgs({
      options: {
        'redis-url': { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        concurrency: { type: 'string', default: '16' },
        limit: { type: 'string' },
        report: { type: 'string' },
        batch: { type: 'string', default: '500' },
        'lease-ms': { type: 'string', default: '15000' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values;
  } catch (error) {
    console.error(`error: ${(error as Error).message}\n${USAGE}`);
    return { exit: 2 };
  }
  if (values.help) {
    console.log(USAGE);
    return { exit: 0 };
  }
  const parsed = argsSchema.safeParse(values);
  if (!parsed.success) {
    console.error(`error: ${parsed.error.issues.map((i) => (i.path.length ? `--${i.path.join('.')}: ${i.message}` : i.message)).join('; ')}\n${USAGE}`);
    return { exit: 2 };
  }
  const a = parsed.data;
  return {
    options: {
      redisUrl: a['redis-url'],
      dryRun: a['dry-run'],
      concurrency: a.concurrency,
      limit: a.limit,
      reportPath: a.report,
      batchSize: a.batch,
      leaseMs: a['lease-ms'],
    },
  };
}

/** What the bar shows after each batch. */
interface Progress {
  scanned: number;
  total: number;
  imported: number;
  skipped: number;
  invalid: number;
  rate: string;
  family: string;
}

/**
 * The progress on stderr: a `cli-progress` bar on a terminal; otherwise (CI, a log file) one line
 * per batch, written once that batch is checkpointed.
 */
function progressOutput(stream: NodeJS.WriteStream) {
  if (!stream.isTTY) {
    return {
      start: () => undefined,
      update: (p: Progress) =>
        stream.write(`batch: ${p.scanned} keys read | imported ${p.imported} · skipped ${p.skipped} · invalid ${p.invalid} | ${p.rate} keys/s | ${p.family}\n`),
      finish: () => undefined,
      stop: () => undefined,
    };
  }
  const bar = new SingleBar({
    format: ' {bar} {value}/{total} keys | imported {imported} · skipped {skipped} · invalid {invalid} | {rate} keys/s | {family}',
    hideCursor: true,
    stream,
  });
  const payload = ({ imported, skipped, invalid, rate, family }: Progress) => ({ imported, skipped, invalid, rate, family });
  return {
    start: (p: Progress) => bar.start(p.total, p.scanned, payload(p)),
    update: (p: Progress) => {
      bar.setTotal(p.total);
      bar.update(p.scanned, payload(p));
    },
    /** DBSIZE counted other keys too: the bar ends at what was actually read. */
    finish: (scanned: number) => {
      bar.setTotal(Math.max(scanned, 1));
      bar.update(scanned);
      bar.stop();
    },
    stop: () => bar.stop(),
  };
}

async function main(): Promise<number> {
  const parsed = parse();
  if ('exit' in parsed) return parsed.exit;
  const { options } = parsed;
  // A local .env is read if present, as `npm start` reads it (the environment wins over it).
  if (existsSync('.env')) process.loadEnvFile('.env');
  const output = progressOutput(process.stderr);
  let started = performance.now();
  /** Keys read by an interrupted run this one continues (not part of this run's rate). */
  let before = 0;
  /** The progress scale: keys in Redis (DBSIZE counts other families too, so it is an upper bound). */
  let total = 1;
  const progress = (counts: Counts, family: string): Progress => {
    const scanned = scannedTotal(counts);
    total = Math.max(total, scanned);
    const rate = (scanned - before) / Math.max((performance.now() - started) / 1000, 0.001);
    return {
      scanned,
      total,
      imported: importedTotal(counts),
      skipped: skippedTotal(counts),
      invalid: invalidTotal(counts),
      rate: rate.toFixed(0),
      family,
    };
  };
  try {
    const result = await migrate(migrationSettingsOf(loadConfig()), options, {
      clock: systemClock,
      onWait: (until) => console.error(`another run holds the migration journal until ${new Date(until).toISOString()} (a crashed run's lease); waiting…`),
      onStart: ({ keysInRedis, start, resumed }) => {
        started = performance.now();
        before = scannedTotal(start.counts);
        total = Math.max(keysInRedis, before, 1);
        if (resumed) console.error(`resuming pass ${start.pass} at ${start.family} (cursor ${start.cursor}) after an interrupted run`);
        output.start(progress(start.counts, start.family));
      },
      onBatch: (position) => output.update(progress(position.counts, position.finished ? 'done' : position.family)),
    });
    output.finish(scannedTotal(result.counts));
    console.log(result.summary);
    if (options.reportPath) console.log(`  report    ${result.entries.length} entries → ${options.reportPath}`);
    return 0;
  } catch (error) {
    output.stop();
    if (error instanceof RedisUnavailableError || error instanceof ConfigError) {
      console.error(`error: ${error.message}`);
      return 2;
    }
    if (error instanceof MigrationBusyError) {
      console.error(`error: ${error.message}`);
      return 1;
    }
    console.error(`error: the migration stopped: ${(error as Error).message} (run it again: it continues from its last checkpoint)`);
    return 1;
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`error: ${(error as Error).message}`);
    process.exit(1);
  },
);
