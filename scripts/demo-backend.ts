/**
 * Runs the demo backend alone: `npx tsx scripts/demo-backend.ts` (port DEMO_BACKEND_PORT, default 4010)
 * and prints the six LAMBDA_* lines to point the service at it.
 */
import { BACKEND_ENV, type BackendOperation } from '../src/contracts/backends.js';
import { DEMO_PHONES, createDemoBackend } from '../src/demo-backend/index.js';
import { systemClock } from '../src/kernel/clock.js';
import { createLogger } from '../src/kernel/logger.js';

const port = Number(process.env.DEMO_BACKEND_PORT ?? 4010);
const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'info' });
const demo = await createDemoBackend({ clock: systemClock, logger, port });

const lines = (Object.keys(demo.urls) as BackendOperation[]).map((op) => `${BACKEND_ENV[op]}=${demo.urls[op]}`);
process.stdout.write(
  [
    `Demo backend on ${demo.url} (counters: GET ${demo.url}/__counters, reseed: POST ${demo.url}/__reset)`,
    'Use these in .env:',
    ...lines,
    `Demo caregivers: +${DEMO_PHONES.ana} (Ana, shift awaiting confirmation), +${DEMO_PHONES.bruno} (Bruno, confirmed, finish reminder sent), +${DEMO_PHONES.carla} (Carla, substitute, no shift)`,
    '',
  ].join('\n'),
);

const stop = () => {
  void demo.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
