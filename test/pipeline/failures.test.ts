import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { startDynamoLocal } from '../../src/infra/dynamo/local.js';
import { metaText, metaWebhookOf, newWamid, serialiseLikeMeta, signMetaBody } from '../support/meta-payloads.js';
import { APP_SECRET, ingestBody, startTestService } from '../support/service.js';
import { startFakeGraphApi, graphError } from '../support/fake-graph-api.js';
import { createMetaCloudSender } from '../../src/channels/meta/sender.js';
import { createLogger } from '../../src/kernel/logger.js';
import { watchCalls } from '../support/events.js';

const signed = (body: unknown) => {
  const raw = serialiseLikeMeta(body);
  return { raw, headers: { 'X-Hub-Signature-256': signMetaBody(raw, APP_SECRET) } };
};

describe('failures and recovery', () => {
  it('when a lock holder stalls past its lease, then another instance takes over and the stale holder cannot commit', async () => {
    const a = await startTestService();
    const b = await startTestService({ prefix: a.prefix });
    try {
      b.clock.set(a.clock.now());
      const hold = a.understanding.hold('lento');
      const slow = a.post('/webhook/ingest', ingestBody('lento', '+5511966660001'), { 'X-Idempotency-Key': 'stall-a' });
      await hold.reached;
      // A's lease (10 s) passes on every clock; B takes the lock and commits first.
      a.clock.advance(10_001);
      b.clock.advance(10_001);
      const fast = await b.post('/webhook/ingest', ingestBody('rápido', '+5511966660001'), { 'X-Idempotency-Key': 'stall-b' });
      expect(fast.status).toBe(200);
      hold.release();
      const stale = await slow;
      expect(stale.status).toBe(409);
      expect(stale.body.error.code).toMatch(/^(lock\.lost|session\.versionConflict)$/);
      const state = await b.get('/sessions/5511966660001/state');
      expect(state.body.version).toBe(1);
      expect(state.body.state.texts).toEqual(['rápido']);
      // The stale turn gave its claim back: a retry of the same request now goes through.
      const retry = await a.post('/webhook/ingest', ingestBody('lento', '+5511966660001'), { 'X-Idempotency-Key': 'stall-a' });
      expect(retry.status).toBe(200);
      expect((await a.get('/sessions/5511966660001/state')).body.state.texts).toEqual(['rápido', 'lento']);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('when a turn outlives the in-progress lease of its claim, then the claim is renewed and a duplicate elsewhere still gets 409', async () => {
    // Claim lease 1 s and lock lease 3 s on the services' clocks; the renewal timer is fake and fired by the test.
    const env = { IDEMPOTENCY_IN_PROGRESS_MS: '1000', LOCK_LEASE_MS: '3000', LOCK_WAIT_MS: '200' };
    const a = await startTestService({ env });
    // The duplicate goes to another instance (this one would queue it behind the session's turn).
    const b = await startTestService({ env, prefix: a.prefix });
    const hold = a.understanding.hold('demorado');
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    onTestFinished(() => void vi.useRealTimers());
    try {
      b.clock.set(a.clock.now());
      const body = ingestBody('demorado', '+5511966660009');
      const slow = a.post('/webhook/ingest', body, { 'X-Idempotency-Key': 'long-1' });
      await hold.reached;
      const lease = async () =>
        (await a.service.dynamo.doc.send(new GetCommand({ TableName: `${a.prefix}Idempotency`, Key: { idempotencyKey: 'ingest:long-1' } }))).Item!
          .leaseExpiresAt as number;
      const claimedUntil = await lease();
      a.clock.advance(600);
      const renewals = watchCalls(a.service.stores.idempotency, 'renew');
      vi.advanceTimersToNextTimer();
      await renewals.settled();
      expect(await lease()).toBeGreaterThan(claimedUntil);
      a.clock.advance(600);
      b.clock.set(a.clock.now());
      // 1.2 s after the claim: without the renewal B would take the message over (and wait for the lock).
      const duplicate = await b.post('/webhook/ingest', body, { 'X-Idempotency-Key': 'long-1' });
      expect(duplicate.status).toBe(409);
      expect(duplicate.body.error.code).toBe('idempotency.inProgress');
      hold.release();
      expect((await slow).status).toBe(200);
      const replay = await b.post('/webhook/ingest', body, { 'X-Idempotency-Key': 'long-1' });
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect([...a.test.seen, ...b.test.seen].filter((s) => s === 'demorado')).toHaveLength(1);
    } finally {
      hold.release();
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('when DynamoDB is down, then Meta gets 503 and nothing is acknowledged; after a restart the redelivery is processed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ddb-down-'));
    let local = await startDynamoLocal({ dataDir: dir });
    const t = await startTestService({ env: { DYNAMODB_ENDPOINT: local.endpoint } });
    try {
      const body = metaWebhookOf({ messages: [metaText('durante a queda', { from: '5511966660002', id: newWamid() })] });
      const { raw, headers } = signed(body);
      await local.stop();
      const down = await t.post('/webhook/whatsapp', raw, headers);
      expect(down.status).toBe(503);
      expect(down.body.error.code).toBe('store.unavailable');
      expect(down.headers.get('retry-after')).toBeTruthy();
      expect((await fetch(`${t.url}/readyz`)).status).toBe(503);
      local = await startDynamoLocal({ dataDir: dir, port: local.port });
      const up = await t.post('/webhook/whatsapp', raw, headers);
      expect(up.status).toBe(200);
      expect(up.body).toMatchObject({ received: 1, duplicates: 0 });
      await t.service.queue.idle();
      const conv = await t.get('/sessions/5511966660002/conversation');
      expect(conv.body.messages.map((m: { text: string }) => m.text)).toEqual(['durante a queda', 'eco: durante a queda']);
    } finally {
      await t.stop();
      await local.stop();
      rmSync(dir, { recursive: true, force: true });
    }
    // Two JVM starts of DynamoDB Local: slow on a loaded 2-core machine.
  }, 120_000);

  it('when an instance dies after storing a message, then the recovery sweep of another instance processes it', async () => {
    const a = await startTestService();
    const b = await startTestService({ prefix: a.prefix });
    try {
      b.clock.set(a.clock.now());
      a.test.control.throwNext = 1; // A "crashes" in the turn: its claim goes back to the inbox.
      const { raw, headers } = signed(metaWebhookOf({ messages: [metaText('órfã', { from: '5511966660003', id: newWamid() })] }));
      expect((await a.post('/webhook/whatsapp', raw, headers)).status).toBe(200);
      await a.service.queue.idle();
      expect((await a.get('/sessions/5511966660003/state')).status).toBe(404);
      b.clock.advance(60_000);
      const { inboxTaken } = await b.service.sweep();
      expect(inboxTaken).toBe(1);
      await b.service.queue.idle();
      expect((await b.get('/sessions/5511966660003/conversation')).body.messages.map((m: { text: string }) => m.text)).toEqual(['órfã', 'eco: órfã']);
      expect((await b.service.sweep()).inboxTaken).toBe(0);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('when replies go out through the Graph API, then transient errors are retried, 131047 is recorded as failed, and the sweep resends what is left', async () => {
    const graph = await startFakeGraphApi();
    const logger = createLogger({ silent: true });
    const sender = createMetaCloudSender({
      graphUrl: graph.url,
      apiVersion: 'v21.0',
      phoneNumberId: '123',
      accessToken: 'token',
      logger,
      sleep: async () => {},
    });
    const t = await startTestService({ overrides: { sender } });
    try {
      graph.script(graphError(2, { status: 500 }), { status: 200, body: { messages: [{ id: 'wamid.OUT1' }] } });
      const first = signed(metaWebhookOf({ messages: [metaText('um', { from: '5511966660004', id: newWamid() })] }));
      await t.post('/webhook/whatsapp', first.raw, first.headers);
      await t.service.queue.idle();
      graph.script(graphError(131047, { status: 400 }));
      const second = signed(metaWebhookOf({ messages: [metaText('dois', { from: '5511966660004', id: newWamid() })] }));
      await t.post('/webhook/whatsapp', second.raw, second.headers);
      await t.service.queue.idle();
      const conv = await t.get('/sessions/5511966660004/conversation');
      const replies = conv.body.messages.filter((m: { role: string }) => m.role === 'assistant');
      expect(replies[0].meta.delivery_status).toBe('sent');
      expect(replies[1].meta).toMatchObject({ delivery_status: 'failed', delivery_error: { code: 131047, reason: 'outside_24h_window' } });
      // A send whose transient errors outlast the sender's retries stays pending; the sweep resends it.
      const transient = graphError(2, { status: 503 });
      graph.script(transient, transient, transient, transient, transient, transient);
      const third = signed(metaWebhookOf({ messages: [metaText('três', { from: '5511966660004', id: newWamid() })] }));
      await t.post('/webhook/whatsapp', third.raw, third.headers);
      await t.service.queue.idle();
      const pending = await t.get('/sessions/5511966660004/conversation');
      expect(pending.body.messages.at(-1).meta.delivery_status).toBe('pending');
      graph.script({ status: 200, body: { messages: [{ id: 'wamid.OUT3' }] } });
      // Not before a whole send could have ended (4 attempts × 10 s + 3 backoffs ≤ 8 s, + 5 s).
      t.clock.advance(68_000);
      expect((await t.service.sweep()).outboxSent).toBe(0);
      t.clock.advance(2_000);
      // Two sweeps at once (as from two processes): the entry is claimed, so it is sent once.
      const sweeps = await Promise.all([t.service.sweep(), t.service.sweep()]);
      expect(sweeps.map((s) => s.outboxSent).sort()).toEqual([0, 1]);
      expect(graph.requests.filter((r) => (r.body as { text?: { body?: string } }).text?.body === 'eco: três')).toHaveLength(7);
      const resent = await t.get('/sessions/5511966660004/conversation');
      expect(resent.body.messages.at(-1).meta.delivery_status).toBe('sent');
      const sentBodies = graph.requests.map((r) => r.body as { to: string; biz_opaque_callback_data: string });
      expect(sentBodies[0].to).toBe('5511966660004');
      expect(sentBodies[0].biz_opaque_callback_data).toMatch(/^5511966660004\/m#/);
    } finally {
      await t.stop();
      await graph.close();
    }
  });
});
