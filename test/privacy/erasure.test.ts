import RedisMock from 'ioredis-mock';
import { describe, expect, inject, it } from 'vitest';
import { loadConfig, migrationSettingsOf } from '../../src/config.js';
import { migrate } from '../../src/migration/migrate.js';
import { sampleKeyspace } from '../../src/migration/sample/keyspace.js';
import { systemClock } from '../../src/kernel/clock.js';
import { createAuditStore } from '../../src/infra/stores/audit-store.js';
import { createSubjectStore, type SubjectStore } from '../../src/infra/stores/subject-store.js';
import { tableNames } from '../../src/infra/tables.js';
import { createAuditLog, createErasureWorkflow, createPrivacy } from '../../src/privacy/index.js';
import type { TestDynamo } from '../support/dynamo.js';
import { ACTOR, startInstance, untilStatus } from '../support/workflows.js';
import { OPS_TOKEN } from '../support/service.js';
import { ANA, ANA_ID, BRUNO, BRUNO_ID, anaFirstAssessmentDone, startE2E, type E2E } from '../e2e/e2e.js';
import { countsNaming, othersOf, snapshot } from './tables.js';

const ANA_FORMATTED = '+55 (11) 99999-0001';
const del = (e: E2E, phone: string, token: string | null = OPS_TOKEN) =>
  fetch(`${e.url}/privacy/subjects/${encodeURIComponent(phone)}`, {
    method: 'DELETE',
    headers: token ? { authorization: `Bearer ${token}`, 'x-actor': 'dpo' } : {},
  });

/** Ana's shift (presence, first assessment, an operational note, an open confirmation), Bruno's messages, and a finished workflow naming Ana. */
async function shiftWithWorkflow(e: E2E) {
  await anaFirstAssessmentDone(e);
  await e.say(ANA, 'acabou a fralda');
  await e.say(ANA, 'paciente dormiu bem a tarde toda');
  await e.say(BRUNO, 'oi');
  const started = await e.post(
    '/workflows',
    { type: 'order', input: { order_id: 'ORD-ANA', customer: { phone: ANA_FORMATTED } } },
    { authorization: `Bearer ${OPS_TOKEN}` },
  );
  expect(started.status).toBe(201);
  const other = await e.post('/workflows', { type: 'order', input: { order_id: 'ORD-OTHER' } }, { authorization: `Bearer ${OPS_TOKEN}` });
  expect(other.status).toBe(201);
  await untilStatus(e.service.workflows, 'order:ORD-ANA', ['COMPLETED']);
  await untilStatus(e.service.workflows, 'order:ORD-OTHER', ['COMPLETED']);
}

describe('erasing a subject (DELETE /privacy/subjects/:phone)', () => {
  it('when a subject is erased after a whole shift and a workflow, then no table holds an item naming them and every other item is untouched', async () => {
    const e = await startE2E();
    await shiftWithWorkflow(e);
    const before = await snapshot(e);
    const naming = countsNaming(before, ANA_ID);
    expect(naming.sessions).toBe(1);
    expect(naming.conversationBuffer).toBeGreaterThan(5);
    expect(naming.idempotency).toBeGreaterThan(5);
    expect(naming.journeys).toBeGreaterThan(0);
    const bruno = countsNaming(before, BRUNO_ID);

    const res = await del(e, ANA_FORMATTED);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, any>;
    expect(body.status).toBe('erased');
    expect(body.subject).toBe('5511*****0001');
    expect(body.erased).toMatchObject({ sessions: 1, locks: 1, congregados: 0 });
    expect(body.erased.conversationBuffer).toBeGreaterThan(5);
    expect(body.erased.pendingActions).toBeGreaterThan(0);
    expect(body.erased.idempotency).toBe(naming.idempotency);
    expect(body.erased.journeys).toBeGreaterThan(0);
    expect(body.outside.map((o: { holder: string }) => o.holder)).toEqual(expect.arrayContaining(['backend', 'whatsapp']));

    const after = await snapshot(e);
    expect(Object.values(countsNaming(after, ANA_ID)).every((n) => n === 0)).toBe(true);
    expect(countsNaming(after, BRUNO_ID)).toEqual({ ...bruno, privacyAudit: 0 });
    const othersBefore = othersOf(before, ANA_ID);
    const othersAfter = othersOf(after, ANA_ID);
    for (const [table, items] of Object.entries(othersBefore))
      for (const item of items) expect(othersAfter[table as keyof typeof othersAfter], table).toContain(item);
    expect((await e.get(`/sessions/${ANA_ID}/state`)).status).toBe(404);
    expect((await e.get(`/workflows/${encodeURIComponent(body.workflow_id)}`)).status).toBe(404);
  });

  it('when the same erasure is asked again, then it answers 200 with nothing left to erase', async () => {
    const e = await startE2E();
    await anaFirstAssessmentDone(e);
    expect((await del(e, ANA)).status).toBe(200);
    const again = await del(e, '11999990001');
    expect(again.status).toBe(200);
    const body = (await again.json()) as Record<string, any>;
    expect(body.erased).toMatchObject({ sessions: 0, conversationBuffer: 0, pendingActions: 0, idempotency: 0, journeys: 0 });
  });

  it('when a privacy call has no valid ops token, then it is refused with 401 and nothing is erased', async () => {
    const e = await startE2E();
    await anaFirstAssessmentDone(e);
    expect((await del(e, ANA, null)).status).toBe(401);
    expect((await del(e, ANA, 'wrong-token-0123456789')).status).toBe(401);
    expect((await e.get(`/privacy/subjects/${ANA_ID}/export`, null)).status).toBe(401);
    expect((await e.get('/privacy/audit', null)).status).toBe(401);
    expect((await e.get(`/sessions/${ANA_ID}/state`)).status).toBe(200);
  });

  it('when the phone has no usable digits, then the answer is 400 and nothing changes', async () => {
    const e = await startE2E();
    const res = await del(e, 'abc');
    expect(res.status).toBe(400);
    expect(((await res.json()) as Record<string, any>).error.code).toBe('request.invalid');
  });

  it('when 20 messages from the same phone arrive during the erasure, then each is processed before it (and erased) or after it as a new conversation, never half-erased', async () => {
    const e = await startE2E();
    await anaFirstAssessmentDone(e);
    const texts = Array.from({ length: 20 }, (_, i) => `mensagem numero ${i + 1}`);
    /** Sends like a provider: again after a 409/503 until it is accepted. */
    const deliver = async (text: string, key: string) => {
      for (;;) {
        const res = await e.send(ANA, text, key);
        if (res.status === 200) return;
        expect([409, 503]).toContain(res.status);
      }
    };
    const [erasure] = await Promise.all([del(e, ANA), ...texts.map((text, i) => deliver(text, `k-during-${i}`))]);
    expect(erasure.status).toBe(200);

    const state = await e.get(`/sessions/${ANA_ID}/state`);
    const conversation = (await e.get(`/sessions/${ANA_ID}/conversation?limit=500`)).body.messages as { role: string; text: string }[];
    const inbound = conversation.filter((m) => m.role === 'user').map((m) => m.text);
    // What survived is a conversation that began after the erasure: only the new messages, each turn one saved version.
    for (const text of inbound) expect(texts).toContain(text);
    if (state.status === 404) expect(conversation).toEqual([]);
    else expect(state.body.version).toBe(inbound.length);
  });
});

describe('erasing a subject whose session came from the Redis migration', () => {
  it('when a migrated session (with its imported action and deliveries) is continued and then erased, then nothing naming the subject is left and the other migrated subjects are untouched', async () => {
    const e = await startE2E();
    const redis = new RedisMock();
    const now = e.clock.now();
    for (const { key, value, ttlMs } of sampleKeyspace(now, { ana: SHIFT, bruno: SHIFT, carla: null })) await redis.set(key, value, 'PX', ttlMs);
    const config = loadConfig({ DYNAMODB_ENDPOINT: inject('dynamoEndpoint'), TABLE_PREFIX: e.prefix, OPS_TOKEN });
    const result = await migrate(
      migrationSettingsOf(config),
      { redisUrl: 'redis://legacy.mock:6379/1', dryRun: false, concurrency: 2, batchSize: 50, leaseMs: 60_000 },
      { clock: e.clock, redis },
    );
    expect(result.counts.imported.sessions).toBeGreaterThan(0);
    await e.say(ANA, 'oi');
    const before = await snapshot(e);
    expect(before.sessions.find((s) => s.sessionId === ANA_ID)).toBeDefined();
    expect(countsNaming(before, ANA_ID).idempotency).toBeGreaterThan(0);
    const bruno = countsNaming(before, BRUNO_ID);
    expect(bruno.sessions).toBe(1);

    expect((await del(e, ANA)).status).toBe(200);
    const after = await snapshot(e);
    expect(Object.values(countsNaming(after, ANA_ID)).every((n) => n === 0)).toBe(true);
    expect(countsNaming(after, BRUNO_ID)).toEqual({ ...bruno, privacyAudit: 0 });
  });
});

const SHIFT = { caregiverID: 'cg-1', scheduleID: 'sch-1', reportID: 'rep-1', reportDate: '2026-11-23T08:00:00', patientID: 'pt-1', company: 'ACME' };

describe('an erasure that stops half-way', () => {
  it('when a step fails for good after earlier steps erased their tables, then the call answers privacy.erasureFailed and the same call again finishes the erasure', async () => {
    const e = await startE2E({ env: { WORKFLOW_WORKERS: '0' } });
    await shiftWithWorkflowWithoutWorkers(e);
    const tables = tableNames(e.prefix);
    const real = createSubjectStore({ doc: e.service.dynamo.doc, tables });
    let broken = true;
    // The injected failure: the workflow tables cannot be scanned (the step after the conversation's and the deliveries').
    const subjects: SubjectStore = {
      ...real,
      scan: (table, onPage) => (broken && table === 'journeys' ? Promise.reject(new Error('injected: DynamoDB scan failed')) : real.scan(table, onPage)),
    };
    const dynamo = { doc: e.service.dynamo.doc, tables } as unknown as TestDynamo;
    const instance = startInstance(
      dynamo,
      [
        createErasureWorkflow({
          locks: e.service.stores.locks,
          subjects,
          lockLeaseMs: 5_000,
          lockWaitMs: 5_000,
          retry: { maxAttempts: 2, initialDelayMs: 10 },
        }),
      ],
      { clock: systemClock },
    );
    const privacy = createPrivacy({
      sessions: e.service.stores.sessions,
      pendingActions: e.service.stores.pendingActions,
      buffer: e.service.stores.buffer,
      subjects: real,
      workflows: instance.service,
      audit: createAuditLog({
        store: createAuditStore({ doc: e.service.dynamo.doc, tableName: tables.privacyAudit, clock: e.clock, retentionDays: 365 }),
        salt: 's',
      }),
      clock: e.clock,
      erasureWaitMs: 20_000,
    });
    try {
      await expect(privacy.erase(ANA_ID, ACTOR)).rejects.toMatchObject({
        code: 'privacy.erasureFailed',
        details: { status: 'FAILED', failedStep: 'EraseWorkflows' },
      });
      const half = countsNaming(await snapshot(e), ANA_ID);
      expect(half).toMatchObject({ sessions: 0, conversationBuffer: 0, idempotency: 0 });
      expect(half.journeys).toBeGreaterThan(0);

      broken = false;
      const done = await privacy.erase(ANA_ID, ACTOR);
      expect(done.status).toBe('erased');
      expect(Object.values(countsNaming(await snapshot(e), ANA_ID)).every((n) => n === 0)).toBe(true);
    } finally {
      await instance.stop();
    }
  });
});

/** The shift, and a workflow naming Ana run by a short-lived instance (the service runs no workers in this test). */
async function shiftWithWorkflowWithoutWorkers(e: E2E) {
  await anaFirstAssessmentDone(e);
  const started = await e.post(
    '/workflows',
    { type: 'order', input: { order_id: 'ORD-ANA', customer: { phone: ANA_FORMATTED } } },
    { authorization: `Bearer ${OPS_TOKEN}` },
  );
  expect(started.status).toBe(201);
  await e.service.workflows.drive('order:ORD-ANA');
}
