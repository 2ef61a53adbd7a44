import { readFileSync } from 'node:fs';
import { TransactWriteCommand, PutCommand, UpdateCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { createDynamo } from '../src/infra/dynamo/client.js';
import { ensureTables } from '../src/infra/dynamo/ensure-tables.js';
import { startDynamoLocal } from '../src/infra/dynamo/local.js';
import { tableNames } from '../src/infra/tables.js';
function cpuMs(pid: number) { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) * 10; }
const local = await startDynamoLocal({ dataDir: ':memory:' });
const d = createDynamo({ region: 'sa-east-1', endpoint: local.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
await ensureTables(d.client, 'b_');
const t = tableNames('b_');
let base = 0;
async function run(label: string, n: number, setup: (i: number) => Promise<unknown>, f: (i: number) => Promise<unknown>) {
  const pool = async (from: number, total: number, g: (i: number) => Promise<unknown>) => { let next = from; await Promise.all(Array.from({ length: 16 }, async () => { while (next < from + total) await g(next++); })); };
  await pool(base, n, setup);
  const c0 = cpuMs(local.pid); const t0 = performance.now();
  await pool(base, n, f);
  const c = cpuMs(local.pid) - c0; const s = (performance.now() - t0) / 1000;
  base += n;
  console.log(label.padEnd(34), 'ops/s', (n / s).toFixed(0).padStart(6), ' java cpu ms/op', (c / n).toFixed(2));
}
const now = Date.now(); const nowSec = Math.floor(now / 1000);
const setup = async (i: number) => {
  await d.doc.send(new PutCommand({ TableName: t.sessions, Item: { sessionId: `s${i}`, state: { turns: 1 }, version: 1, ttl: nowSec + 1e5 } }));
  await d.doc.send(new PutCommand({ TableName: t.idempotency, Item: { idempotencyKey: `k${i}`, status: 'in_progress', owner: 'o', ttl: nowSec + 1e5 } }));
  await d.doc.send(new PutCommand({ TableName: t.locks, Item: { resource: `session:s${i}`, owner: 'o', fence: 5, expiresAt: now + 1e6, ttl: nowSec + 1e5 } }));
};
const buf = (i: number, k: number, cond: boolean) => ({ Put: { TableName: t.conversationBuffer, Item: { sessionId: `s${i}`, sk: `m#${now}#${k}`, role: 'user', text: 'mensagem 2', meta: { origin: 'ingest', messageId: 'm2', type: 'text', sentAt: 'x' }, at: now, ttl: nowSec + 1e5 }, ...(cond ? { ConditionExpression: 'attribute_not_exists(#sk)', ExpressionAttributeNames: { '#sk': 'sk' } } : {}) } });
const turnTx = (opts: { cond: boolean; rv: boolean; sessionUpdate?: boolean }) => (i: number) => d.doc.send(new TransactWriteCommand({ TransactItems: [
  { Put: { TableName: t.sessions, Item: { sessionId: `s${i}`, state: { turns: 2 }, version: 2, updatedAt: 'x', ttl: nowSec + 1e5 }, ...(opts.cond ? { ConditionExpression: '(attribute_exists(#sessionId) AND #ttl >= :nowSec) AND #version = :expected', ExpressionAttributeNames: { '#sessionId': 'sessionId', '#ttl': 'ttl', '#version': 'version' }, ExpressionAttributeValues: { ':nowSec': nowSec, ':expected': 1 } } : {}), ...(opts.rv ? { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } : {}) } },
  buf(i, 1, opts.cond), buf(i, 2, opts.cond),
  { Update: { TableName: t.idempotency, Key: { idempotencyKey: `k${i}` }, UpdateExpression: 'SET #status = :completed, #response = :response, #ttl = :ttl, completedAt = :now REMOVE pendingShard, pendingSince', ...(opts.cond ? { ConditionExpression: '#owner = :owner AND #status = :inProgress' } : {}), ExpressionAttributeNames: { '#status': 'status', ...(opts.cond ? { '#owner': 'owner' } : {}), '#ttl': 'ttl', '#response': 'response' }, ExpressionAttributeValues: { ':completed': 'completed', ...(opts.cond ? { ':inProgress': 'in_progress', ':owner': 'o' } : {}), ':response': { session_id: 'x', version: 2, replies: [{ text: 'Olá! Posso ajudar com presença, sinais vitais, notas e finalização do plantão.' }] }, ':ttl': nowSec + 1e5, ':now': now }, ...(opts.rv ? { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } : {}) } },
  { Update: { TableName: t.locks, Key: { resource: `session:s${i}` }, UpdateExpression: 'SET #expiresAt = :zero, committedVersion = :cv REMOVE #owner', ...(opts.cond ? { ConditionExpression: '#owner = :owner AND #fence = :fence AND #expiresAt >= :now' } : {}), ExpressionAttributeNames: { '#owner': 'owner', '#expiresAt': 'expiresAt', ...(opts.cond ? { '#fence': 'fence' } : {}) }, ExpressionAttributeValues: { ':zero': 0, ':cv': 2, ...(opts.cond ? { ':owner': 'o', ':fence': 5, ':now': now } : {}) } } },
] }));
const N = Number(process.env.N ?? 2000);
const none = async () => {};
await run('warm turnTx', N, setup, turnTx({ cond: true, rv: true }));
await run('turnTx cond+rv', N, setup, turnTx({ cond: true, rv: true }));
await run('turnTx cond', N, setup, turnTx({ cond: true, rv: false }));
await run('turnTx nocond', N, setup, turnTx({ cond: false, rv: false }));
await run('turnTx cond+rv again', N, setup, turnTx({ cond: true, rv: true }));
await run('lock acquire', N, none, (i) => d.doc.send(new UpdateCommand({ TableName: t.locks, Key: { resource: `session:s${i}` }, UpdateExpression: 'SET #owner = :owner, #expiresAt = :exp, #ttl = :ttl, #fence = if_not_exists(#fence, :base) + :one', ConditionExpression: '(attribute_not_exists(#resource) OR attribute_not_exists(#owner) OR #expiresAt < :now)', ExpressionAttributeNames: { '#resource': 'resource', '#owner': 'owner', '#expiresAt': 'expiresAt', '#ttl': 'ttl', '#fence': 'fence' }, ExpressionAttributeValues: { ':owner': 'o', ':exp': now + 1e4, ':now': now, ':ttl': nowSec + 1e5, ':base': now * 1000, ':one': 1 }, ReturnValues: 'ALL_NEW', ReturnValuesOnConditionCheckFailure: 'ALL_OLD' })));
await run('get session', N, setup, (i) => d.doc.send(new GetCommand({ TableName: t.sessions, Key: { sessionId: `s${i}` }, ConsistentRead: true })));
d.destroy(); await local.stop();
