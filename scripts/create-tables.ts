/**
 * `npm run tables:create [-- --endpoint URL] [--prefix P]`: creates the missing tables, GSIs and TTL
 * settings; a second run changes nothing and says so. Without --endpoint it uses the environment
 * (DYNAMODB_ENDPOINT, or the real service in aws mode).
 */
import { parseArgs } from 'node:util';
import { dynamoSettingsOf, loadConfig } from '../src/config.js';
import { createDynamo, credentialsFor } from '../src/infra/dynamo/client.js';
import { ensureTables } from '../src/infra/dynamo/ensure-tables.js';

const { values } = parseArgs({ options: { endpoint: { type: 'string' }, prefix: { type: 'string' } } });
const settings = dynamoSettingsOf(loadConfig());
const endpoint = values.endpoint ?? settings.endpoint;
const dynamo = createDynamo({ region: settings.region, endpoint, credentials: credentialsFor(settings, endpoint) });
try {
  const results = await ensureTables(dynamo.client, values.prefix ?? settings.tablePrefix);
  for (const r of results) console.log(`${r.table.padEnd(32)} ${r.actions.length ? r.actions.join('; ') : 'up to date'}`);
  const changed = results.filter((r) => r.actions.length).length;
  console.log(changed ? `\n${changed} table(s) changed.` : '\nNothing to do: every table, GSI and TTL setting already exists.');
} catch (error) {
  console.error(`tables:create failed: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  dynamo.destroy();
}
