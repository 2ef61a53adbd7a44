/**
 * `npm run tables:create [-- --endpoint URL] [--prefix P]`: creates the missing tables, GSIs and TTL
 * settings; a second run changes nothing and says so. Without --endpoint it uses the environment
 * (DYNAMODB_ENDPOINT, or the real service in aws mode).
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import { createDynamo, credentialsFor } from '../src/infra/dynamo/client.js';
import { ensureTables } from '../src/infra/dynamo/ensure-tables.js';

const { values } = parseArgs({ options: { endpoint: { type: 'string' }, prefix: { type: 'string' } } });
const config = loadConfig();
const endpoint = values.endpoint ?? config.DYNAMODB_ENDPOINT;
const dynamo = createDynamo({ region: config.AWS_REGION, endpoint, credentials: credentialsFor(config, endpoint) });
try {
  const results = await ensureTables(dynamo.client, values.prefix ?? config.TABLE_PREFIX);
  for (const r of results) console.log(`${r.table.padEnd(32)} ${r.actions.length ? r.actions.join('; ') : 'up to date'}`);
  const changed = results.filter((r) => r.actions.length).length;
  console.log(changed ? `\n${changed} table(s) changed.` : '\nNothing to do: every table, GSI and TTL setting already exists.');
} catch (error) {
  console.error(`tables:create failed: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  dynamo.destroy();
}
