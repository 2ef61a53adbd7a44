import { spawn, type ChildProcess } from 'node:child_process';
import { BatchWriteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/kernel/clock.js';
import { createTestDynamo, type TestDynamo } from '../support/dynamo.js';
import { until } from '../support/events.js';
import { OPS_TOKEN, startTestService, type TestService } from '../support/service.js';
import { countsNaming, snapshot } from './tables.js';

const ANA_ID = '5511999990001';
const MESSAGES = 4_000;
const SHORT = { PRIVACY_HASH_SALT: 'crash-test-salt-0123456789', LOCK_LEASE_MS: '5000', WORKFLOW_LEASE_MS: '5000', WORKFLOW_POLL_MAX_MS: '100' };

/** A long history for Ana, written straight to the tables, so her erasure takes long enough to be killed in the middle. */
async function seedLongHistory(dynamo: TestDynamo) {
  const ttl = Math.floor(Date.now() / 1000) + 86_400;
  const items: { table: string; item: Record<string, unknown> }[] = [
    { table: dynamo.tables.sessions, item: { sessionId: ANA_ID, state: { phone: ANA_ID }, version: 3, updatedAt: new Date().toISOString(), ttl } },
  ];
  for (let i = 0; i < MESSAGES; i++) {
    const at = Date.now() - MESSAGES + i;
    items.push({
      table: dynamo.tables.conversationBuffer,
      item: { sessionId: ANA_ID, sk: `m#${String(at).padStart(13, '0')}#${i}`, role: 'user', text: `msg ${i}`, meta: {}, at, ttl },
    });
  }
  for (let i = 0; i < items.length; i += 25) {
    const batch = items.slice(i, i + 25);
    const byTable: Record<string, { PutRequest: { Item: Record<string, unknown> } }[]> = {};
    for (const { table, item } of batch) (byTable[table] ??= []).push({ PutRequest: { Item: item } });
    await dynamo.doc.send(new BatchWriteCommand({ RequestItems: byTable }));
  }
}

const bufferCount = async (dynamo: TestDynamo) =>
  (
    await dynamo.doc.send(
      new QueryCommand({
        TableName: dynamo.tables.conversationBuffer,
        KeyConditionExpression: 'sessionId = :s',
        ExpressionAttributeValues: { ':s': ANA_ID },
        Select: 'COUNT',
        ConsistentRead: true,
      }),
    )
  ).Count ?? 0;

describe('an erasure whose process is killed half-way', () => {
  let dynamo: TestDynamo;
  let server: ChildProcess | undefined;
  let rescuer: TestService | undefined;
  afterAll(async () => {
    server?.kill('SIGKILL');
    await rescuer?.stop();
    dynamo?.destroy();
  });

  it('when the process running the erasure is SIGKILLed mid-way, then the same DELETE on another instance finishes it and nothing of the subject is left', async () => {
    dynamo = await createTestDynamo();
    await seedLongHistory(dynamo);
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      env: { ...process.env, PORT: '0', DYNAMODB_ENDPOINT: dynamo.endpoint, TABLE_PREFIX: dynamo.prefix, OPS_TOKEN, LOG_LEVEL: 'warn', ...SHORT },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    server = child;
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const port = () => /listening on http:\/\/localhost:(\d+)/.exec(out)?.[1];
    await until(() => port() !== undefined, child.stdout);

    // The first DELETE dies with its process; its answer never comes.
    void fetch(`http://127.0.0.1:${port()}/privacy/subjects/${ANA_ID}`, { method: 'DELETE', headers: { authorization: `Bearer ${OPS_TOKEN}` } }).catch(
      () => undefined,
    );
    let left = MESSAGES;
    while (left === MESSAGES) left = await bufferCount(dynamo);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    const atKill = await bufferCount(dynamo);
    expect(atKill, 'killed in the middle of the conversation step').toBeGreaterThan(0);

    rescuer = await startTestService({ prefix: dynamo.prefix, overrides: { clock: systemClock }, env: SHORT });
    // As an operator would: the same DELETE again while it answers "still running" (202) or "stopped, send it again" (503).
    let status = 0;
    let body: Record<string, any> = {};
    for (let round = 0; round < 5 && status !== 200; round++) {
      const res = await fetch(`${rescuer.url}/privacy/subjects/${ANA_ID}`, { method: 'DELETE', headers: { authorization: `Bearer ${OPS_TOKEN}` } });
      status = res.status;
      body = (await res.json()) as Record<string, any>;
      expect([200, 202, 503], JSON.stringify(body)).toContain(status);
    }
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.status).toBe('erased');
    // The run taken over erased what the killed one had left (its count is its own last attempt's).
    expect(body.erased.conversationBuffer).toBeLessThanOrEqual(atKill);
    expect(Object.values(countsNaming(await snapshot(rescuer), ANA_ID)).every((n) => n === 0)).toBe(true);
  }, 300_000);
});
