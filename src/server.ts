/** `npm start`: loads the config, builds the service on its embedded defaults, and serves. */
import { existsSync } from 'node:fs';
import { ConfigError, loadConfig } from './config.js';
import { createService } from './compose.js';

async function main() {
  // A local .env is read if present (the environment wins over it).
  if (existsSync('.env')) process.loadEnvFile('.env');
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const service = await createService(config);
  const { port } = await service.start();
  // Printed once so a developer can call the ops endpoints; aws mode refuses to start without one.
  if (config.opsTokenGenerated) console.log(`OPS_TOKEN not set: generated one for this run: ${config.OPS_TOKEN}`);
  console.log(`orchestrator listening on http://localhost:${port} (DynamoDB mode: ${config.DYNAMODB_MODE})`);
  console.log(`ops console: http://localhost:${port}/console (sign in with OPS_TOKEN)`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping…`);
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    await service.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error) => {
  console.error(`failed to start: ${(error as Error).message}`);
  process.exit(1);
});
