import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ulid } from 'ulid';
import { ConflictError, LockLostError } from '../../src/kernel/errors.js';
import { transactWrite } from '../../src/infra/stores/transaction.js';
import { createStoreFixture, type StoreFixture } from '../support/stores.js';

describe('transactWrite (the atomic turn)', () => {
  let f: StoreFixture;
  beforeAll(async () => {
    f = await createStoreFixture();
  });
  afterAll(() => f.dynamo.destroy());

  it('X1: when a turn saves state, buffers, stages an action, completes idempotency and releases the lock, then all of it is visible', async () => {
    const { sessions, buffer, pendingActions, idempotency, locks } = f.stores;
    await sessions.save('x1', { step: 'start' }, 0);
    const claim = await idempotency.claim('ingest:x1', 'h', { inProgressMs: 5_000, ttlMs: 600_000 });
    const lease = await locks.acquire('session:x1', 'turn-1', 10_000);
    if (claim.outcome !== 'new' || !lease.acquired) throw new Error('setup');
    const actionId = ulid(f.clock.now());
    const call = { operation: 'updateWorkScheduleResponse' as const, request: { scheduleID: 's', responseValue: 'confirmado' as const } };
    const now = f.clock.now();
    await transactWrite(f.dynamo.doc, [
      sessions.saveOp('x1', { step: 'awaiting', pending: actionId }, 1).op,
      ...buffer.appendOps('x1', { role: 'user', text: 'PA 120x80', at: now, dedupKey: 'm1' }).ops,
      ...buffer.appendOps('x1', { role: 'assistant', text: 'Salvar?', at: now + 1 }).ops,
      ...pendingActions.createOps('x1', { actionId, kind: 'clinico.save', description: 'Salvar?', call, expiresAt: now + 600_000 }),
      idempotency.completeOp('ingest:x1', claim.owner, { reply: 'Salvar?' }, 600_000),
      locks.releaseOp(lease),
    ]);
    expect((await sessions.get('x1'))?.version).toBe(2);
    expect((await pendingActions.getOpen('x1'))?.status).toBe('staged');
    await pendingActions.confirm('x1', actionId);
    expect((await pendingActions.getOpen('x1'))?.status).toBe('confirmed');
    expect((await buffer.listLast('x1', 10)).map((e) => e.role)).toEqual(['user', 'assistant']);
    expect(await idempotency.claim('ingest:x1', 'h', { inProgressMs: 5_000, ttlMs: 600_000 })).toMatchObject({ outcome: 'completed' });
    expect(await locks.acquire('session:x1', 'turn-2', 10_000)).toMatchObject({ acquired: true });
  });

  it('when one condition fails (a stale session version), then nothing is written and the named error says which part', async () => {
    const { sessions, buffer, idempotency } = f.stores;
    await sessions.save('x2', { v: 1 }, 0);
    const claim = await idempotency.claim('ingest:x2', 'h', { inProgressMs: 5_000, ttlMs: 600_000 });
    if (claim.outcome !== 'new') throw new Error('setup');
    const error = await transactWrite(f.dynamo.doc, [
      ...buffer.appendOps('x2', { role: 'user', text: 'oi', at: f.clock.now() }).ops,
      idempotency.completeOp('ingest:x2', claim.owner, { r: 1 }, 600_000),
      sessions.saveOp('x2', { v: 2 }, 7).op,
    ]).catch((e) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.code).toBe('session.versionConflict');
    expect(error.details.currentVersion).toBe(1);
    expect(error.cause.code).toBe('transaction.cancelled');
    expect(error.cause.failed.map((p: { label: string }) => p.label)).toEqual(['session.save']);
    expect(await buffer.listLast('x2', 10)).toEqual([]);
    expect((await idempotency.get('ingest:x2'))?.status).toBe('in_progress');
    expect((await sessions.get('x2'))?.version).toBe(1);
  });

  it('when the lock was lost before the commit, then the turn fails with LockLostError and nothing is written', async () => {
    const { sessions, locks } = f.stores;
    const lease = await locks.acquire('session:x3', 'slow', 1_000);
    if (!lease.acquired) throw new Error('setup');
    f.clock.advance(1_001);
    await locks.acquire('session:x3', 'fast', 1_000);
    const error = await transactWrite(f.dynamo.doc, [sessions.saveOp('x3', { a: 1 }, 0).op, locks.releaseOp(lease)]).catch((e) => e);
    expect(error).toBeInstanceOf(LockLostError);
    expect(await sessions.get('x3')).toBeNull();
  });
});
