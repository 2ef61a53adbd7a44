/**
 * One instance of the workflow engine for `npm run bench:workflows` (a child process with an IPC
 * channel): its own DynamoDB client and WORKFLOW workers over the bench tables, and the bench's
 * 5-step no-op type. The parent sends commands; the instance answers and reports finished runs.
 *   {cmd:'start', n}        start one run (the parent keeps its own count in flight)
 *   {cmd:'floor', ops, inFlight}  the floor: `ops` conditional UpdateItems, `inFlight` at once
 *   {cmd:'counters'} / {cmd:'reset'}  DynamoDB requests per operation since the last reset
 *   {cmd:'stop'}
 */
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { createDynamo } from '../src/infra/dynamo/client.js';
import { createJourneyStore } from '../src/infra/stores/journey-store.js';
import { tableNames } from '../src/infra/tables.js';
import { systemClock } from '../src/kernel/clock.js';
import { createLogger } from '../src/kernel/logger.js';
import { createWorkflows, defineWorkflow } from '../src/workflows/index.js';

const [endpoint, prefix, name, workers] = process.argv.slice(2);
const dynamo = createDynamo({ region: 'sa-east-1', endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
const table = tableNames(prefix).journeys;

/** Five steps that do nothing: the engine's own cost per transition. */
const noop = defineWorkflow({
  type: 'noop',
  version: 1,
  input: z.object({ n: z.number() }),
  steps: ['S1', 'S2', 'S3', 'S4', 'S5'].map((step) => ({ name: step, run: () => ({ ok: true }) })),
});

/** What an instance tells the parent (bench/workflows.ts), by `type`. */
export type InstanceMessage =
  | { type: 'ready' }
  | { type: 'reset' }
  | { type: 'started'; n: number; workflowId: string; at: number }
  | { type: 'finished'; workflowId: string; status: string; at: number }
  | { type: 'floor'; ms: number }
  | ({ type: 'counters' } & ReturnType<typeof dynamo.counter.snapshot>)
  | { type: 'error'; message: string };

const send = (message: InstanceMessage) => process.send!(message);
const workflows = createWorkflows({
  store: createJourneyStore({ doc: dynamo.doc, tableName: table, clock: systemClock, ttlDays: 1 }),
  types: [noop],
  clock: systemClock,
  logger: createLogger({ level: 'error' }),
  instanceId: name,
  settings: { workers: Number(workers), leaseMs: 15_000, pollMaxMs: 1_000 },
  onFinished: (run) => send({ type: 'finished', workflowId: run.workflowId, status: run.status, at: Date.now() }),
});
workflows.start();

/** The floor: a conditional UpdateItem per step on items of the same table (no index attributes), `inFlight` loops. */
async function floor(ops: number, inFlight: number): Promise<number> {
  const keys = Array.from({ length: inFlight }, (_, i) => ({ journeyId: `floor#${name}#${i}`, sk: 'journey' }));
  await Promise.all(keys.map((Key) => dynamo.doc.send(new PutCommand({ TableName: table, Item: { ...Key, version: 0 } }))));
  let left = ops;
  const started = performance.now();
  await Promise.all(
    keys.map(async (Key) => {
      for (let version = 0; left-- > 0; version++) {
        await dynamo.doc.send(
          new UpdateCommand({
            TableName: table,
            Key,
            UpdateExpression: 'SET #v = :next',
            ConditionExpression: '#v = :v',
            ExpressionAttributeNames: { '#v': 'version' },
            ExpressionAttributeValues: { ':v': version, ':next': version + 1 },
          }),
        );
      }
    }),
  );
  return performance.now() - started;
}

process.on('message', (message: { cmd: string; n?: number; ops?: number; inFlight?: number }) => {
  void (async () => {
    switch (message.cmd) {
      case 'start': {
        const at = Date.now();
        const ref = await workflows.service.start({ type: 'noop', input: { n: message.n! } }, { id: 'bench' });
        send({ type: 'started', n: message.n!, workflowId: ref.workflowId, at });
        break;
      }
      case 'floor':
        send({ type: 'floor', ms: await floor(message.ops!, message.inFlight!) });
        break;
      case 'counters':
        send({ type: 'counters', ...dynamo.counter.snapshot() });
        break;
      case 'reset':
        dynamo.counter.reset();
        send({ type: 'reset' });
        break;
      case 'stop':
        await workflows.stop(1_000);
        dynamo.destroy();
        process.exit(0);
    }
  })().catch((error: unknown) => send({ type: 'error', message: (error as Error).message }));
});
send({ type: 'ready' });
