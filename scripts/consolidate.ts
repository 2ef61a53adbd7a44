/**
 * Runs the consolidation job: `npm run consolidate -- --config <file> [--date YYYYMMDD] [--table <name>] [--rerun] [--show]`.
 * DynamoDB is chosen like the server's (DYNAMODB_MODE / DYNAMODB_ENDPOINT / DYNAMODB_DATA_DIR).
 */
import { parseArgs } from 'node:util';
import { ConfigError, dynamoSettingsOf, loadConfig } from '../src/config.js';
import { systemClock } from '../src/kernel/clock.js';
import { AppError } from '../src/kernel/errors.js';
import { createLogger } from '../src/kernel/logger.js';
import { loadConsolidationConfig } from '../src/jobs/consolidation/config.js';
import { congregadoKey, consolidationJourneyKey, runConsolidation, type TableOutcome } from '../src/jobs/consolidation/consolidation-job.js';
import { partitionOf } from '../src/jobs/consolidation/partitions.js';
import { JobConfigError } from '../src/jobs/errors.js';
import { createJourneyController } from '../src/jobs/journey/journey-controller.js';
import { openJobRuntime, type JobRuntime } from '../src/jobs/runtime.js';

const USAGE = `usage: npm run consolidate -- --config <file> [--date YYYYMMDD] [--table <name>]... [--rerun] [--show]
  --date   run date and output partition (default: today, UTC); inputs are each origin's latest partition at or before it
  --table  only this consolidated table (repeatable)
  --rerun  redo a date that already completed (its journey is resumed from the write step)
  --show   print the journeys, their history and the congregados for the date, without running`;

function printSummary(outcomes: TableOutcome[], date: string) {
  console.log(`\nSummary for anomesdia=${date}`);
  for (const { summary: s, replayed, journeyId } of outcomes) {
    const origins = s.origins.map((o) => `${o.name} ${o.partition}: ${o.input_rows} in → ${o.winners} won`).join('; ');
    console.log(`  ${s.database}.${s.table}: ${s.record_count} rows → ${s.output_path}`);
    console.log(`    ${origins}`);
    console.log(`    congregado ${s.congregado.primaryKey}: ${s.congregado.status}, version ${s.congregado.version}, ${s.congregado.sample_rows} sample rows`);
    console.log(`    journey ${journeyId}: COMPLETED${replayed ? ' (replayed, nothing redone)' : ''}`);
  }
}

async function show(runtime: JobRuntime, configPath: string, date: string) {
  const config = loadConsolidationConfig(configPath);
  const controller = createJourneyController({ store: runtime.journeys, clock: systemClock });
  for (const table of config.tables) {
    const journeyId = consolidationJourneyKey(config.job, table, date);
    const journey = await controller.getJourney(journeyId);
    console.log(`\n== journey ${journeyId}`);
    if (!journey) console.log('  (none)');
    else {
      const { steps, result, ...header } = journey;
      console.log(
        JSON.stringify(
          {
            ...header,
            result: result ?? null,
            steps: steps.map((st) => ({ name: st.name, status: st.status, attempts: st.attempts, completedAt: st.completedAt })),
          },
          null,
          2,
        ),
      );
      console.log('  history:');
      for (const event of await controller.getHistory(journeyId)) console.log(`    ${event.at}  ${event.type}  ${JSON.stringify(event.data ?? {})}`);
    }
    const congregado = await runtime.congregados.get(congregadoKey(table));
    console.log(`\n== congregado ${congregadoKey(table)}`);
    if (!congregado) console.log('  (none)');
    else {
      const sample = (congregado.data.sample_data as unknown[]) ?? [];
      console.log(JSON.stringify({ ...congregado, data: { ...congregado.data, sample_data: `[${sample.length} rows; first 3 below]` } }, null, 2));
      for (const row of sample.slice(0, 3)) console.log(`    ${JSON.stringify(row)}`);
    }
  }
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      options: {
        config: { type: 'string' },
        date: { type: 'string' },
        table: { type: 'string', multiple: true },
        rerun: { type: 'boolean', default: false },
        show: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    }).values;
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (args.help || !args.config) {
    console.error(USAGE);
    return args.help ? 0 : 2;
  }
  const env = loadConfig();
  const logger = createLogger({ level: env.LOG_LEVEL === 'debug' ? 'debug' : 'warn' });
  const config = loadConsolidationConfig(args.config);
  const date = args.date ?? partitionOf(systemClock.now());
  const started = performance.now();
  console.log(
    `DynamoDB: ${env.DYNAMODB_MODE}${env.DYNAMODB_ENDPOINT ? ` at ${env.DYNAMODB_ENDPOINT}` : env.DYNAMODB_MODE === 'embedded' ? ` (DynamoDB Local, data in ${env.DYNAMODB_DATA_DIR})` : ''}`,
  );
  const runtime = await openJobRuntime({ dynamo: dynamoSettingsOf(env), journeyTtlDays: env.JOURNEY_TTL_DAYS }, systemClock);
  try {
    if (args.show) {
      await show(runtime, args.config, date);
      return 0;
    }
    const controller = createJourneyController({
      store: runtime.journeys,
      clock: systemClock,
      logger,
      maxRetries: config.retries.maxRetries,
      retryDelayMs: config.retries.retryDelayMs,
    });
    const outcomes = await runConsolidation(
      config,
      { date, tables: args.table, rerun: args.rerun },
      { controller, congregados: runtime.congregados, clock: systemClock, logger, progress: (line) => console.log(line) },
    );
    printSummary(outcomes, date);
    console.log(
      `\nDone in ${((performance.now() - started) / 1000).toFixed(2)} s. Inspect with: npm run consolidate -- --config ${args.config} --date ${date} --show`,
    );
    return 0;
  } finally {
    await runtime.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    if (error instanceof JobConfigError || error instanceof ConfigError) console.error(error.message);
    else if (error instanceof AppError) console.error(`${error.code}: ${error.message}`);
    else console.error(error);
    process.exit(error instanceof JobConfigError || error instanceof ConfigError ? 2 : 1);
  },
);
