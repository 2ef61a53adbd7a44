import { loadConfig } from '../src/config.js';
import { createService } from '../src/compose.js';
import { createHelpEngine } from '../src/pipeline/help-engine.js';
import { startDynamoLocal } from '../src/infra/dynamo/local.js';
const local = await startDynamoLocal({ dataDir: ':memory:' });
const config = loadConfig({ ...process.env, DYNAMODB_ENDPOINT: local.endpoint, TABLE_PREFIX: 'c_', OPS_TOKEN: 'x'.repeat(24), LOG_LEVEL: 'error' } as any);
const service = await createService(config, { engine: createHelpEngine() as any, sweepIntervalMs: null });
const captured: any[] = [];
service.dynamo.client.middlewareStack.add((next, context) => async (args: any) => { const out = await next(args); captured.push({ op: context.commandName, input: args.input }); return out; }, { step: 'initialize', name: 'capture' });
const { url } = await service.start(0);
for (const i of [1, 2]) {
  captured.length = 0;
  const r = await fetch(`${url}/webhook/ingest`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-idempotency-key': `k${i}` }, body: JSON.stringify({ message_id: `m${i}`, phoneNumber: '5511999990000', text: `mensagem ${i}` }) });
  await r.text();
  console.log(JSON.stringify(captured, null, 1));
}
await service.stop(); await local.stop();
