/**
 * The floor of `npm run bench`: the simplest process that does exactly the DynamoDB work of one
 * turn, and nothing else (no understanding, engine, backend call, logging or framework). Per
 * `POST /webhook/ingest` (the service's body and X-Idempotency-Key):
 *  1. the idempotency claim ∥ the session lock ∥ the session read (skipped when this process
 *     committed the session last, as the service's session cache skips it),
 *  2. one TransactWriteItems: the session put (version condition), the inbound and outbound
 *     buffer entries, the claim's completion and the lock release (fenced),
 * with the service's requests — items of its sizes and the conditions its guarantees need (a TTL-expired
 * item counts as absent, a claim checks the payload hash, buffer entries are never overwritten, a
 * refusal returns the item) — the same tables (src/infra/tables.ts) and the same SDK client
 * settings (src/infra/dynamo/client.ts). Nothing that keeps the turn's guarantees does less
 * DynamoDB work, so its CPU and throughput per message are the limit of the design here.
 * Env: DYNAMODB_ENDPOINT, TABLE_PREFIX, PORT; prints `{"ready":true,"port":N}`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { createDynamo } from '../src/infra/dynamo/client.js';
import { createEngine } from '../src/graph/index.js';
import { tableNames } from '../src/infra/tables.js';

const t = tableNames(process.env.TABLE_PREFIX ?? 'bench_');
const dynamo = createDynamo({
  region: 'sa-east-1',
  endpoint: process.env.DYNAMODB_ENDPOINT,
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});
const DAY_S = 86_400;
const LEASE_MS = 10_000;
/** A session state of the engine's shape and size (built once; the floor runs no engine). */
const template = createEngine().initialState('5511000000000', '5511000000000') as Record<string, unknown>;
const REPLY = 'Olá! Posso ajudar com presença, sinais vitais, notas e finalização do plantão. O que você precisa agora?';
/** Sessions this process committed last, with their version (the service's session cache). */
const committed = new Map<string, number>();
let seq = 0;
/** Sort keys and owners of the service's lengths (its ids are 26-character ULIDs; an owner is `<instance>:<ULID>`). */
const sortKey = (at: number) => `m#${String(at).padStart(13, '0')}#${(seq++).toString(36).padStart(10, '0')}${randomBytes(8).toString('hex')}`;

async function turn(key: string, body: { message_id: string; phoneNumber: string; text: string }) {
  const sessionId = body.phoneNumber.replace(/\D/g, '');
  const owner = `floor:${randomBytes(15).toString('hex')}`;
  const now = Date.now();
  const ttl = Math.floor(now / 1000) + 7 * DAY_S;
  const cached = committed.get(sessionId);
  const [claim, lock, read] = await Promise.all([
    dynamo.doc.send(
      new UpdateCommand({
        TableName: t.idempotency,
        Key: { idempotencyKey: `ingest:${key}` },
        UpdateExpression:
          'SET #status = :inProgress, #owner = :owner, leaseExpiresAt = :lease, payloadHash = :hash, #ttl = :ttl, attempt = if_not_exists(attempt, :zero) + :one, firstSeenAt = if_not_exists(firstSeenAt, :now) REMOVE #response',
        ConditionExpression:
          '(attribute_not_exists(#idempotencyKey) OR #ttl < :nowSec) OR (#status = :received AND payloadHash = :hash) OR (#status = :inProgress AND leaseExpiresAt < :now AND payloadHash = :hash)',
        ExpressionAttributeNames: { '#idempotencyKey': 'idempotencyKey', '#status': 'status', '#owner': 'owner', '#ttl': 'ttl', '#response': 'response' },
        ExpressionAttributeValues: {
          ':inProgress': 'in_progress',
          ':received': 'received',
          ':owner': owner,
          ':lease': now + 30_000,
          ':hash': randomBytes(32).toString('hex'),
          ':ttl': Math.floor(now / 1000) + 600,
          ':nowSec': Math.floor(now / 1000),
          ':now': now,
          ':zero': 0,
          ':one': 1,
        },
        ReturnValues: 'ALL_NEW',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    ),
    dynamo.doc.send(
      new UpdateCommand({
        TableName: t.locks,
        Key: { resource: `session:${sessionId}` },
        UpdateExpression: 'SET #owner = :owner, #expiresAt = :exp, #ttl = :ttl, #fence = if_not_exists(#fence, :base) + :one',
        ConditionExpression: '(attribute_not_exists(#resource) OR attribute_not_exists(#owner) OR #expiresAt < :now)',
        ExpressionAttributeNames: { '#resource': 'resource', '#owner': 'owner', '#expiresAt': 'expiresAt', '#ttl': 'ttl', '#fence': 'fence' },
        ExpressionAttributeValues: { ':owner': owner, ':exp': now + LEASE_MS, ':ttl': ttl, ':now': now, ':base': now * 1000, ':one': 1 },
        ReturnValues: 'ALL_NEW',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    ),
    cached === undefined ? dynamo.doc.send(new GetCommand({ TableName: t.sessions, Key: { sessionId }, ConsistentRead: true })) : undefined,
  ]);
  const version = cached ?? (read?.Item?.version as number | undefined) ?? 0;
  const fence = lock.Attributes!.fence as number;
  const at = Date.now();
  const inSk = sortKey(at);
  const outSk = sortKey(at);
  const reply = { text: REPLY };
  await dynamo.doc.send(
    new TransactWriteCommand({
      TransactItems: [
        {
          Put: {
            TableName: t.sessions,
            // The activity index's keys, as the service writes them (the index write is part of a save).
            Item: {
              sessionId,
              version: version + 1,
              state: { ...template, sessionId, phone: sessionId },
              updatedAt: new Date(at).toISOString(),
              activityShard: 'all',
              ttl,
            },
            // Past its TTL counts as absent; a refusal returns the item as it is (no read to find out why).
            ...(version === 0
              ? {
                  ConditionExpression: '(attribute_not_exists(#sessionId) OR #ttl < :nowSec)',
                  ExpressionAttributeNames: { '#sessionId': 'sessionId', '#ttl': 'ttl' },
                  ExpressionAttributeValues: { ':nowSec': Math.floor(at / 1000) },
                }
              : {
                  ConditionExpression: '(attribute_exists(#sessionId) AND #ttl >= :nowSec) AND #version = :expected',
                  ExpressionAttributeNames: { '#sessionId': 'sessionId', '#ttl': 'ttl', '#version': 'version' },
                  ExpressionAttributeValues: { ':nowSec': Math.floor(at / 1000), ':expected': version },
                }),
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
        {
          Put: {
            TableName: t.conversationBuffer,
            Item: {
              sessionId,
              sk: inSk,
              role: 'user',
              text: body.text,
              at,
              meta: { origin: 'ingest', messageId: body.message_id, type: 'text', sentAt: new Date(at).toISOString() },
              ttl,
            },
            ConditionExpression: 'attribute_not_exists(#sk)',
            ExpressionAttributeNames: { '#sk': 'sk' },
          },
        },
        {
          Put: {
            TableName: t.conversationBuffer,
            Item: {
              sessionId,
              sk: outSk,
              role: 'assistant',
              text: REPLY,
              at,
              meta: { channel: 'ingest', inReplyTo: body.message_id, delivery: 'returned' },
              ttl,
            },
            ConditionExpression: 'attribute_not_exists(#sk)',
            ExpressionAttributeNames: { '#sk': 'sk' },
          },
        },
        {
          Update: {
            TableName: t.idempotency,
            Key: { idempotencyKey: `ingest:${key}` },
            UpdateExpression: 'SET #status = :completed, #response = :response, #ttl = :ttl, completedAt = :now REMOVE pendingShard, pendingSince',
            ConditionExpression: '#owner = :owner AND #status = :inProgress',
            ExpressionAttributeNames: { '#status': 'status', '#response': 'response', '#ttl': 'ttl', '#owner': 'owner' },
            ExpressionAttributeValues: {
              ':inProgress': 'in_progress',
              ':completed': 'completed',
              ':response': { session_id: sessionId, version: version + 1, replies: [reply] },
              ':ttl': claim.Attributes!.ttl as number,
              ':now': at,
              ':owner': owner,
            },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
        {
          Update: {
            TableName: t.locks,
            Key: { resource: `session:${sessionId}` },
            UpdateExpression: 'SET #expiresAt = :zero, committedVersion = :cv REMOVE #owner',
            ConditionExpression: '#owner = :owner AND #fence = :fence AND #expiresAt >= :now',
            ExpressionAttributeNames: { '#expiresAt': 'expiresAt', '#owner': 'owner', '#fence': 'fence' },
            ExpressionAttributeValues: { ':zero': 0, ':cv': version + 1, ':owner': owner, ':fence': fence, ':now': at },
          },
        },
      ],
    }),
  );
  committed.set(sessionId, version + 1);
  return { session_id: sessionId, version: version + 1, replies: [reply] };
}

function answer(res: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const key = req.headers['x-idempotency-key'];
    if (req.method !== 'POST' || req.url !== '/webhook/ingest' || typeof key !== 'string') return answer(res, 404, { error: 'not found' });
    turn(key, JSON.parse(Buffer.concat(chunks).toString('utf8')) as { message_id: string; phoneNumber: string; text: string }).then(
      (response) => answer(res, 200, response),
      (error: Error) => {
        console.error(`floor turn failed: ${error.name}: ${error.message}`);
        answer(res, 500, { error: error.name });
      },
    );
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(JSON.stringify({ ready: true, port: (server.address() as AddressInfo).port }));
});
process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  dynamo.destroy();
  process.exit(0);
});
