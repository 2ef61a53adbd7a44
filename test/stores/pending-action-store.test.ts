import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ulid } from 'ulid';
import type { PendingActionDraft } from '../../src/contracts/engine.js';
import { ConflictError } from '../../src/kernel/errors.js';
import { draftAction } from '../support/pending-actions.js';
import { createStoreFixture, type StoreFixture } from '../support/stores.js';

describe('PendingActionStore', () => {
  let f: StoreFixture;
  const draft = (overrides: Partial<PendingActionDraft> = {}) => draftAction(f.clock, overrides);
  beforeAll(async () => {
    f = await createStoreFixture();
  });
  afterAll(() => f.dynamo.destroy());

  it('P1/P6: when an action is created, then it is staged, keeps its flow and payload, and is the open one', async () => {
    const d = draft();
    const created = await f.stores.pendingActions.create('p1', d);
    expect(created).toMatchObject({ actionId: d.actionId, status: 'staged', kind: 'clinico.save', call: d.call });
    expect((await f.stores.pendingActions.getOpen('p1'))?.actionId).toBe(d.actionId);
    expect((await f.stores.pendingActions.getById(d.actionId))?.sessionId).toBe('p1');
  });

  it('P2/P3/P4: staged → confirmed → executing → executed, and confirming again is a conflict', async () => {
    const d = draft();
    await f.stores.pendingActions.create('p2', d);
    await f.stores.pendingActions.confirm('p2', d.actionId);
    const claimed = await f.stores.pendingActions.claim('p2', d.actionId, 'worker-1');
    expect(claimed).toMatchObject({ status: 'executing', owner: 'worker-1', attempt: 1, call: d.call });
    await f.stores.pendingActions.complete('p2', d.actionId, 'worker-1', { message: 'ok' });
    expect(await f.stores.pendingActions.get('p2', d.actionId)).toMatchObject({ status: 'executed', result: { message: 'ok' } });
    const error = await f.stores.pendingActions.confirm('p2', d.actionId).catch((e) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.code).toBe('pendingAction.conflict');
    expect(error.details.current.status).toBe('executed');
    expect(await f.stores.pendingActions.getOpen('p2')).toBeNull();
  });

  it('when a confirmed action is confirmed again (a retried turn), then it stays confirmed and can still be claimed', async () => {
    const d = draft();
    await f.stores.pendingActions.create('again', d);
    await f.stores.pendingActions.confirm('again', d.actionId);
    await f.stores.pendingActions.confirm('again', d.actionId);
    expect((await f.stores.pendingActions.get('again', d.actionId))?.status).toBe('confirmed');
    expect(await f.stores.pendingActions.claim('again', d.actionId, 'w')).toMatchObject({ status: 'executing', attempt: 1 });
  });

  it('P5: when a staged action is aborted, then it is closed and a new one can open', async () => {
    const d = draft();
    await f.stores.pendingActions.create('p5', d, { supersede: false });
    await f.stores.pendingActions.abort('p5', d.actionId);
    expect((await f.stores.pendingActions.get('p5', d.actionId))?.status).toBe('aborted');
    await f.stores.pendingActions.create('p5', draft(), { supersede: false });
  });

  it('when a second action is created without supersede, then it is refused; with supersede, then the old one is aborted', async () => {
    const a = draft();
    await f.stores.pendingActions.create('one', a);
    await expect(f.stores.pendingActions.create('one', draft(), { supersede: false })).rejects.toMatchObject({ code: 'pendingAction.openExists' });
    const b = draft();
    await f.stores.pendingActions.create('one', b);
    expect((await f.stores.pendingActions.get('one', a.actionId))?.status).toBe('aborted');
    expect((await f.stores.pendingActions.getOpen('one'))?.actionId).toBe(b.actionId);
  });

  it('when the open action is executing, then it is never superseded', async () => {
    const a = draft();
    await f.stores.pendingActions.create('exec', a);
    await f.stores.pendingActions.confirm('exec', a.actionId);
    await f.stores.pendingActions.claim('exec', a.actionId, 'w');
    await expect(f.stores.pendingActions.create('exec', draft())).rejects.toMatchObject({ code: 'pendingAction.openExists' });
  });

  it('when the newest action is closed and an older one is open, then getOpen still finds the open one', async () => {
    const open = draft();
    await f.stores.pendingActions.create('limit', open);
    // A newer, closed action written directly (as a legacy writer might have).
    const { PutCommand } = await import('@aws-sdk/lib-dynamodb');
    await f.dynamo.doc.send(
      new PutCommand({
        TableName: f.dynamo.tables.pendingActions,
        Item: { sessionId: 'limit', actionId: ulid(f.clock.now() + 1000), status: 'executed', expiresAt: 0, ttl: 9e9 },
      }),
    );
    expect((await f.stores.pendingActions.getOpen('limit'))?.actionId).toBe(open.actionId);
  });

  it('when the deadline passes, then confirm, claim and abort fail, expire succeeds, and the action is not open', async () => {
    const d = draft({ expiresAt: f.clock.now() + 1_000 });
    await f.stores.pendingActions.create('late', d);
    f.clock.advance(1_001);
    await expect(f.stores.pendingActions.confirm('late', d.actionId)).rejects.toMatchObject({ code: 'pendingAction.conflict' });
    await expect(f.stores.pendingActions.abort('late', d.actionId)).rejects.toMatchObject({ code: 'pendingAction.conflict' });
    expect(await f.stores.pendingActions.getOpen('late')).toBeNull();
    await f.stores.pendingActions.expire('late', d.actionId);
    expect((await f.stores.pendingActions.get('late', d.actionId))?.status).toBe('expired');
    // An expired action no longer blocks a new one even without supersede.
    await f.stores.pendingActions.create('late', draft(), { supersede: false });
  });

  it('when a claimed action fails, then only its owner records it, and retry makes it confirmed and claimable again', async () => {
    const d = draft();
    await f.stores.pendingActions.create('fail', d);
    await f.stores.pendingActions.confirm('fail', d.actionId);
    await f.stores.pendingActions.claim('fail', d.actionId, 'w1');
    await expect(f.stores.pendingActions.fail('fail', d.actionId, 'intruder', { code: 'x' })).rejects.toMatchObject({ code: 'pendingAction.conflict' });
    await f.stores.pendingActions.fail('fail', d.actionId, 'w1', { code: 'backend.http', status: 500 });
    expect(await f.stores.pendingActions.getOpen('fail')).toBeNull();
    await f.stores.pendingActions.retry('fail', d.actionId, f.clock.now() + 600_000);
    const again = await f.stores.pendingActions.claim('fail', d.actionId, 'w2');
    expect(again).toMatchObject({ status: 'executing', attempt: 2, owner: 'w2' });
  });

  it('when two workers claim the same confirmed action concurrently, then exactly one wins', async () => {
    const d = draft();
    await f.stores.pendingActions.create('dup', d);
    await f.stores.pendingActions.confirm('dup', d.actionId);
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => f.stores.pendingActions.claim('dup', d.actionId, `w${i}`)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  it('when a claim is stale (its worker crashed), then another worker can take it over', async () => {
    const d = draft();
    await f.stores.pendingActions.create('crash', d);
    await f.stores.pendingActions.confirm('crash', d.actionId);
    await f.stores.pendingActions.claim('crash', d.actionId, 'dead');
    await expect(f.stores.pendingActions.claim('crash', d.actionId, 'alive')).rejects.toMatchObject({ code: 'pendingAction.conflict' });
    f.clock.advance(60_001);
    expect(await f.stores.pendingActions.claim('crash', d.actionId, 'alive')).toMatchObject({ owner: 'alive', attempt: 2 });
  });

  it('when counting by status, then open actions are counted through the status index', async () => {
    const counts = await f.stores.pendingActions.countByStatus(['staged', 'executing']);
    expect(counts.staged).toBeGreaterThan(0);
    expect(counts.executing).toBeGreaterThan(0);
  });
});
