/**
 * Runs the consolidation job: `npm run consolidate -- --config <file> [--date YYYYMMDD] [--table <name>] [--rerun] [--show]`.
 * DynamoDB is chosen like the server's (DYNAMODB_MODE / DYNAMODB_ENDPOINT / DYNAMODB_DATA_DIR).
 */
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { ConfigError, dynamoSettingsOf, loadConfig, type Config } from '../src/config.js';
import { systemClock } from '../src/kernel/clock.js';
import { AppError } from '../src/kernel/errors.js';
import { createLogger } from '../src/kernel/logger.js';
import { loadConsolidationConfig } from '../src/jobs/consolidation/config.js';
import { congregadoKey, consolidationJourneyKey, type Progress } from '../src/jobs/consolidation/consolidation-job.js';
import { partitionOf } from '../src/jobs/consolidation/partitions.js';
import { JobConfigError } from '../src/jobs/errors.js';
import { openJobRuntime, type JobRuntime } from '../src/jobs/runtime.js';
import { createWorkflows } from '../src/workflows/index.js';
import { createConsolidationWorkflow, runConsolidation, type TableOutcome } from '../src/workflows/types/consolidation.js';

const USAGE = `usage: npm run consolidate -- --config <file> [--date YYYYMMDD] [--table <name>]... [--rerun] [--show]
  --date   run date and output partition (default: today, UTC); inputs are each origin's latest partition at or before it
  --table  only this consolidated table (repeatable)
  --rerun  redo a date that already completed (a new run of its workflow, from reading the partitions)
  --show   print the journeys, their history and the congregados for the date, without running
Each table runs as a \`consolidation\` workflow in this process (a server on the same DynamoDB may take it over).`;

/** The consolidation workflow type and a worker-less engine driving runs in this process. */
function workflowsFor(env: Config, runtime: JobRuntime, progress?: Progress) {
  return createWorkflows({
    store: runtime.journeys,
    types: [createConsolidationWorkflow({ congregados: runtime.congregados, clock: systemClock, progress })],
    clock: systemClock,
    logger: createLogger({ level: env.LOG_LEVEL === 'debug' ? 'debug' : 'warn' }),
    instanceId: `consolidate-cli:${process.pid}`,
    settings: { workers: 0, leaseMs: env.WORKFLOW_LEASE_MS, pollMaxMs: env.WORKFLOW_POLL_MAX_MS },
  });
}

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

async function show(env: Config, runtime: JobRuntime, configPath: string, date: string) {
  const config = loadConsolidationConfig(configPath);
  const { service } = workflowsFor(env, runtime);
  for (const table of config.tables) {
    const journeyId = consolidationJourneyKey(config.job, table, date);
    console.log(`\n== journey ${journeyId}`);
    const journey = await service.get(journeyId).catch((error: unknown) => {
      if (error instanceof AppError && error.code === 'workflow.notFound') return null;
      throw error;
    });
    if (!journey) console.log('  (none)');
    else {
      const { steps, result, ...header } = journey;
      console.log(
        JSON.stringify({ ...header, result: result ?? null, steps: steps.map((st) => ({ name: st.name, status: st.status, attempts: st.attempts })) }, null, 2),
      );
      console.log('  history:');
      for (const event of (await service.history(journeyId, { limit: 1_000 })).events) {
        console.log(`    ${event.eventTimestamp}  ${event.eventType}  ${JSON.stringify(event.attributes)}`);
      }
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
  const date = args.date ?? partitionOf(systemClock.now());
  const started = performance.now();
  console.log(
    `DynamoDB: ${env.DYNAMODB_MODE}${env.DYNAMODB_ENDPOINT ? ` at ${env.DYNAMODB_ENDPOINT}` : env.DYNAMODB_MODE === 'embedded' ? ` (DynamoDB Local, data in ${env.DYNAMODB_DATA_DIR})` : ''}`,
  );
  const runtime = await openJobRuntime({ dynamo: dynamoSettingsOf(env), journeyTtlDays: env.JOURNEY_TTL_DAYS }, systemClock);
  try {
    if (args.show) {
      await show(env, runtime, args.config, date);
      return 0;
    }
    const { service, drive } = workflowsFor(env, runtime, (line) => console.log(line));
    const outcomes = await runConsolidation(
      args.config,
      { date, tables: args.table, rerun: args.rerun },
      { service, drive, clock: systemClock, actor: { id: 'consolidate-cli', name: userInfo().username }, progress: (line) => console.log(line) },
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
