import { readFileSync } from 'node:fs';
import { GetCommand, UpdateCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { createDynamo } from '../src/infra/dynamo/client.js';
import { ensureTables } from '../src/infra/dynamo/ensure-tables.js';
import { startDynamoLocal } from '../src/infra/dynamo/local.js';
import { tableNames } from '../src/infra/tables.js';
function cpuMs(pid: number) { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) * 10; }
const local = await startDynamoLocal({ dataDir: ':memory:' });
const d = createDynamo({ region: 'sa-east-1', endpoint: local.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
await ensureTables(d.client, 'b_');
const t = tableNames('b_');
async function run(label: string, n: number, f: (i: number) => Promise<unknown>) {
  let next = 0; const pool = async (total: number, g: (i: number) => Promise<unknown>) => { next = 0; await Promise.all(Array.from({ length: 16 }, async () => { while (next < total) await g(next++); })); };
  await pool(Math.min(n, 1500), (i) => f(1e6 + i));
  const c0 = cpuMs(local.pid); const t0 = performance.now();
  await pool(n, f);
  const c = cpuMs(local.pid) - c0; const s = (performance.now() - t0) / 1000;
  console.log(label.padEnd(30), 'ops/s', (n / s).toFixed(0).padStart(6), ' java cpu ms/op', (c / n).toFixed(2));
}
const N = Number(process.env.N ?? 3000);
const tables = [t.sessions, t.conversationBuffer, t.idempotency, t.locks, t.pendingActions];
const keyOf = (tb: string, id: string, k: number) => tb === t.sessions ? { sessionId: id } : tb === t.conversationBuffer ? { sessionId: id, sk: `m${k}` } : tb === t.idempotency ? { idempotencyKey: id } : tb === t.locks ? { resource: id } : { sessionId: id, actionId: `a${k}` };
const txT = (tbs: string[]) => (i: number) => d.doc.send(new TransactWriteCommand({ TransactItems: tbs.map((tb, k) => ({ Put: { TableName: tb, Item: { ...keyOf(tb, `y${i}`, k), text: 'oi' } } })) }));
await run('Tx2 two tables', N, txT([t.sessions, t.locks]));
await run('Tx5 buffer x5', N, txT([t.conversationBuffer, t.conversationBuffer, t.conversationBuffer, t.conversationBuffer, t.conversationBuffer]));
await run('Tx5 sessions,buf,buf,idem,lock', N, txT([t.sessions, t.conversationBuffer, t.conversationBuffer, t.idempotency, t.locks]));
await run('Tx1 sessions', N, txT([t.sessions]));
await run('Tx1 locks', N, txT([t.locks]));
await run('Tx1 idem', N, txT([t.idempotency]));
await run('Tx1 pending', N, txT([t.pendingActions]));
await run('GetItem', N, (i) => d.doc.send(new GetCommand({ TableName: t.sessions, Key: { sessionId: `s${i % 200}` } })));
await run('PutItem', N, (i) => d.doc.send(new PutCommand({ TableName: t.sessions, Item: { sessionId: `p${i}`, version: 1, state: { turns: 1 } } })));
await run('UpdateItem plain', N, (i) => d.doc.send(new UpdateCommand({ TableName: t.locks, Key: { resource: `u${i % 500}` }, UpdateExpression: 'SET #o = :o', ExpressionAttributeNames: { '#o': 'owner' }, ExpressionAttributeValues: { ':o': 'x' } })));
await run('UpdateItem cond ALL_NEW', N, (i) => d.doc.send(new UpdateCommand({ TableName: t.locks, Key: { resource: `c${i}` }, UpdateExpression: 'SET #o = :o, #f = if_not_exists(#f, :b) + :one', ConditionExpression: 'attribute_not_exists(#r) OR attribute_not_exists(#o) OR #e < :now', ExpressionAttributeNames: { '#o': 'owner', '#f': 'fence', '#r': 'resource', '#e': 'expiresAt' }, ExpressionAttributeValues: { ':o': 'x', ':b': 1, ':one': 1, ':now': 5 }, ReturnValues: 'ALL_NEW' })));
const tx = (n: number) => (i: number) => d.doc.send(new TransactWriteCommand({ TransactItems: Array.from({ length: n }, (_, k) => ({ Put: { TableName: t.conversationBuffer, Item: { sessionId: `x${i}`, sk: `m${k}`, text: 'oi' } } })) }));
await run('Tx1', N, tx(1));
await run('Tx2', N, tx(2));
await run('Tx5', N, tx(5));
d.destroy(); await local.stop();
