import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestBody, startTestService, type TestService } from '../support/service.js';

describe('POST /webhook/ingest', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService();
  });
  afterAll(() => t.stop());

  it('when a message arrives, then the reply comes back and both sides are in the conversation', async () => {
    const res = await t.post('/webhook/ingest', ingestBody('oi', '+55 (11) 99999-0001'), { 'X-Idempotency-Key': 'k-basic' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ reply: 'eco: oi', replies: [{ text: 'eco: oi' }], session_id: '5511999990001', status: 'ok' });
    const conv = await t.get('/sessions/5511999990001/conversation');
    expect(conv.body.messages.map((m: { role: string; text: string }) => [m.role, m.text])).toEqual([
      ['user', 'oi'],
      ['assistant', 'eco: oi'],
    ]);
    expect(conv.body.messages[1].meta.delivery).toBe('returned');
  });

  it('when the same key and body come again, then the stored answer is replayed with Idempotent-Replayed', async () => {
    const body = ingestBody('replay me', '+5511999990002');
    const first = await t.post('/webhook/ingest', body, { 'X-Idempotency-Key': 'k-replay' });
    const second = await t.post('/webhook/ingest', body, { 'X-Idempotency-Key': 'k-replay' });
    expect(second.status).toBe(200);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body).toEqual(first.body);
    expect((await t.get('/sessions/5511999990002/state')).body.version).toBe(1);
  });

  it('when the same key comes with a different body, then 422 and nothing changes', async () => {
    await t.post('/webhook/ingest', ingestBody('a', '+5511999990003', 'id-a'), { 'X-Idempotency-Key': 'k-mismatch' });
    const res = await t.post('/webhook/ingest', ingestBody('b', '+5511999990003', 'id-b'), { 'X-Idempotency-Key': 'k-mismatch' });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('idempotency.payloadMismatch');
    expect((await t.get('/sessions/5511999990003/state')).body.version).toBe(1);
  });

  it('when the key header is missing or malformed, then 400', async () => {
    expect((await t.post('/webhook/ingest', ingestBody('x'))).body.error.code).toBe('request.invalid');
    expect((await t.post('/webhook/ingest', ingestBody('x'), { 'X-Idempotency-Key': 'has spaces' })).status).toBe(400);
  });

  it('when 50 identical deliveries race, then the message is processed once, stored once, and the rest replayed or 409', async () => {
    const body = ingestBody('só uma vez', '+5511999990004');
    const results = await Promise.all(Array.from({ length: 50 }, () => t.post('/webhook/ingest', body, { 'X-Idempotency-Key': 'k-50' })));
    const ok = results.filter((r) => r.status === 200);
    const fresh = ok.filter((r) => r.headers.get('idempotent-replayed') !== 'true');
    expect(fresh).toHaveLength(1);
    expect(results.every((r) => r.status === 200 || (r.status === 409 && r.headers.get('retry-after')))).toBe(true);
    for (const r of ok) expect(r.body.reply).toBe('eco: só uma vez');
    expect(t.test.seen.filter((s) => s === 'só uma vez')).toHaveLength(1);
    const conv = await t.get('/sessions/5511999990004/conversation');
    expect(conv.body.messages.filter((m: { role: string }) => m.role === 'user')).toHaveLength(1);
    expect((await t.get('/sessions/5511999990004/state')).body.version).toBe(1);
  });

  it('when the engine throws after the claim, then the claim is released and a retry processes the message', async () => {
    t.test.control.throwNext = 1;
    const body = ingestBody('frágil', '+5511999990005');
    const failed = await t.post('/webhook/ingest', body, { 'X-Idempotency-Key': 'k-throw' });
    expect(failed.status).toBe(500);
    expect(failed.body.error.code).toBe('internal.error');
    expect((await t.get('/sessions/5511999990005/state')).status).toBe(404);
    const retried = await t.post('/webhook/ingest', body, { 'X-Idempotency-Key': 'k-throw' });
    expect(retried.status).toBe(200);
    expect(retried.body.reply).toBe('eco: frágil');
  });

  it('when a plain text message is processed, then it takes at most 2 sequential DynamoDB round trips and 5 requests', async () => {
    const before = await t.get('/metrics/sessions');
    await t.post('/webhook/ingest', ingestBody('conta', '+5511999990006'), { 'X-Idempotency-Key': 'k-count' });
    const after = await t.get('/metrics/sessions');
    expect(after.body.dynamodb_requests_per_turn.count).toBe(before.body.dynamodb_requests_per_turn.count + 1);
    expect(after.body.dynamodb_round_trips_per_turn.p99).toBeLessThanOrEqual(2);
    expect(after.body.dynamodb_requests_per_turn.p99).toBeLessThanOrEqual(5);
  });

  it('when the stored state no longer fits the engine schema, then the turn starts afresh and saves over it with OCC', async () => {
    const { PutCommand } = await import('@aws-sdk/lib-dynamodb');
    await t.service.dynamo.doc.send(
      new PutCommand({
        TableName: `${t.prefix}OrchestratorSessions`,
        Item: { sessionId: '5511999990007', version: 3, state: { legacy: 'format' }, updatedAt: 'x', ttl: 9_999_999_999 },
      }),
    );
    const res = await t.post('/webhook/ingest', ingestBody('depois da migração', '+5511999990007'), { 'X-Idempotency-Key': 'k-legacy' });
    expect(res.status).toBe(200);
    const state = await t.get('/sessions/5511999990007/state');
    expect(state.body.version).toBe(4);
    expect(state.body.state.texts).toEqual(['depois da migração']);
  });
});
