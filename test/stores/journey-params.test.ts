import { describe, expect, it } from 'vitest';
import { createFakeClock } from '../../src/kernel/clock.js';
import { applyChange, changeParts, journeyRequests, type NewRun } from '../../src/infra/stores/journey-requests.js';
import type { JourneyRecord } from '../../src/infra/stores/journey-store.js';
import type { TxOp } from '../../src/infra/stores/transaction.js';
import { journeyTtlDays } from '../support/stores.js';

/** The pure builders of every JourneyControl write: exact conditions and updates, values through placeholders. */
describe('journey request builders', () => {
  const now = Date.UTC(2026, 10, 23, 12);
  const nowSec = now / 1000;
  const ttl = nowSec + journeyTtlDays * 86_400;
  const build = journeyRequests({ tableName: 'J', clock: createFakeClock(now), ttlDays: journeyTtlDays });
  const lease = { journeyId: 'w', runId: 'r1', owner: 'i1', token: 'tok' };
  const seen = { journeyId: 'w', runId: 'r1', status: 'RETRYING', eventCount: 7, dueAt: now - 5, signals: {}, runs: [] } as unknown as JourneyRecord;
  const update = (op: TxOp) => op.item.Update!;
  const labels = (ops: TxOp[]) => ops.map((o) => o.label);
  const event = (type: string) => ({ type, at: '2026-11-23T12:00:00.000Z', attrs: {} });
  const run: NewRun = {
    journeyId: 'w',
    workflowType: 'order',
    typeVersion: '1',
    input: { a: 1 },
    inputHash: 'h',
    runId: 'r1',
    runNumber: 1,
    runs: [],
    stepIndex: 0,
    shard: 'due#2',
    events: [event('WorkflowExecutionStarted'), event('ActivityTaskScheduled')],
  };

  it('when a workflow is started, then its RUNNING header needs the key absent or expired and is due now, with its first history item', () => {
    const ops = build.startOps(run);
    expect(labels(ops)).toEqual(['journey.start', 'journey.history']);
    expect(ops[0].item.Put).toMatchObject({
      Item: { journeyId: 'w', sk: 'journey', workflowType: 'order', inputJson: '{"a":1}', runId: 'r1', status: 'RUNNING', stepIndex: 0, attempt: 0, eventCount: 2, dueShard: 'due#2', dueAt: now, signals: {}, ttl },
      ConditionExpression: '(attribute_not_exists(#pk) OR #ttl < :nowSec)',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    expect(ops[0].item.Put!.Item!.leaseToken).toBeUndefined();
    expect(ops[1].item.Put).toMatchObject({ Item: { sk: 'h#r1#00000001', runId: 'r1' }, ConditionExpression: 'attribute_not_exists(#sk)' });
    expect(JSON.parse(ops[1].item.Put!.Item!.eventsJson as string).map((e: { id: number }) => e.id)).toEqual([1, 2]);
  });

  it('when a local worker starts it at once, then the header carries its lease and is due when the lease ends', () => {
    const [put] = build.startOps({ ...run, claim: { owner: 'i1', token: 'tok', leaseMs: 5_000 } });
    expect(put.item.Put!.Item).toMatchObject({ leaseOwner: 'i1', leaseToken: 'tok', leaseExpiresAt: now + 5_000, dueAt: now + 5_000, attempt: 1 });
  });

  it('when a finished run is replaced by a new one, then the header must still be that finished run, and both runs get a history item', () => {
    const ops = build.newRunOps({ ...seen, status: 'FAILED' }, { ...run, runId: 'r2', runNumber: 2, seed: { A: 1 } }, [event('MarkerRecorded')]);
    expect(labels(ops)).toEqual(['journey.newRun', 'journey.history', 'journey.history']);
    expect(ops[0].item.Put!.ConditionExpression).toBe('#runId = :seenRunId AND #eventCount = :seenEvents AND #status IN (:finished0, :finished1, :finished2, :finished3)');
    expect(ops[0].item.Put!.ExpressionAttributeValues).toMatchObject({ ':seenRunId': 'r1', ':seenEvents': 7, ':finished0': 'COMPLETED', ':finished3': 'TERMINATED' });
    expect(ops[1].item.Put!.Item).toMatchObject({ sk: 'h#r1#00000008', runId: 'r1' });
    expect(ops[2].item.Put!.Item).toMatchObject({ sk: 'h#r2#00000001', runId: 'r2', seedJson: '{"A":1}' });
  });

  it('when a due run is claimed, then it must be as listed (due time, event count) and of a known type; the lease moves its due time', () => {
    const ops = build.claimOps(seen, lease, 5_000, ['order', 'consolidation'], { status: 'RUNNING', attempt: 2 }, [event('TimerFired')]);
    expect(labels(ops)).toEqual(['journey.claim', 'journey.history']);
    expect(update(ops[0]).ConditionExpression).toBe('attribute_exists(#dueShard) AND #dueAt = :seenDueAt AND #eventCount = :seenEvents AND #workflowType IN (:type0, :type1)');
    expect(update(ops[0]).UpdateExpression).toBe(
      'SET #ttl = :ttl, #status = :status, #updatedAt = :updatedAt, #attempt = :v0, #leaseOwner = :v1, #leaseToken = :v2, #leaseExpiresAt = :v3, #dueAt = :v4, #eventCount = :v5',
    );
    expect(update(ops[0]).ExpressionAttributeValues).toMatchObject({ ':seenDueAt': now - 5, ':seenEvents': 7, ':type0': 'order', ':v2': 'tok', ':v3': now + 5_000, ':v4': now + 5_000, ':v5': 8 });
    expect(ops[1].item.Put!.Item).toMatchObject({ sk: 'h#r1#00000008' });
  });

  it('when the holder writes a transition, then it must hold the token and have seen every event; the checkpoint rides on the history item', () => {
    const ops = build.transitionOps(lease, 7, { stepIndex: 3, attempt: 1, consumed: ['approve'] }, [event('ActivityTaskCompleted'), event('ActivityTaskScheduled')], {
      checkpoint: { step: 'B', index: 2, result: { n: 1 }, attempts: 2 },
    });
    expect(update(ops[0]).ConditionExpression).toBe('#leaseToken = :token AND #eventCount = :seenEvents');
    expect(update(ops[0]).UpdateExpression).toBe('SET #ttl = :ttl, #stepIndex = :v0, #attempt = :v1, #eventCount = :v2 REMOVE #signals.#s_approve');
    expect(update(ops[0]).ExpressionAttributeValues).toMatchObject({ ':token': 'tok', ':seenEvents': 7, ':v2': 9 });
    expect(ops[1].item.Put!.Item).toMatchObject({ sk: 'h#r1#00000008', cpStep: 'B', cpIndex: 2, cpResultJson: '{"n":1}', cpAttempts: 2 });
  });

  it('when a transition writes no event (a release), then it is a lone conditional update', () => {
    const ops = build.transitionOps(lease, 7, { release: true, due: now }, []);
    expect(labels(ops)).toEqual(['journey.transition']);
    expect(update(ops[0]).UpdateExpression).toBe('SET #ttl = :ttl, #dueShard = :v0, #dueAt = :v1, #eventCount = :v2 REMOVE #leaseOwner, #leaseToken, #leaseExpiresAt');
  });

  it('when the holder renews its lease, then only its lease and due time move', () => {
    expect(update(build.heartbeatOp(lease, 5_000))).toMatchObject({
      ConditionExpression: '#leaseToken = :token',
      UpdateExpression: 'SET #ttl = :ttl, #leaseExpiresAt = :v0, #dueAt = :v1',
      ExpressionAttributeValues: { ':token': 'tok', ':v0': now + 5_000, ':v1': now + 5_000 },
    });
  });

  it('when someone signals or terminates a run, then it must be active, on the run read, with no event written since', () => {
    const ops = build.externalOps(seen, 'journey.signal', { received: { name: 'approve', signal: { payload: { ok: true }, at: 'x', eventId: 8 } }, status: 'RUNNING', due: now }, [event('WorkflowExecutionSignaled')]);
    expect(update(ops[0]).ConditionExpression).toBe('#runId = :seenRunId AND #eventCount = :seenEvents AND #status IN (:active0, :active1, :active2, :active3)');
    expect(update(ops[0]).UpdateExpression).toBe('SET #ttl = :ttl, #status = :status, #updatedAt = :updatedAt, #signals.#s_approve = :v0, #dueShard = :v1, #dueAt = :v2, #eventCount = :v3');
    expect(update(ops[0]).ExpressionAttributeValues).toMatchObject({ ':v0': { payloadJson: '{"ok":true}', at: 'x', eventId: 8 }, ':active2': 'WAITING' });
  });

  it('when a change both moves the lease and sets a due time, or a value is above the item budget, then building it throws', () => {
    expect(() => changeParts('w', { due: 1, leaseUntil: 2 })).toThrow();
    expect(() => build.transitionOps(lease, 7, { result: 'x'.repeat(360_000) }, [])).toThrow(expect.objectContaining({ code: 'journey.tooLarge' }));
    expect(() => build.transitionOps(lease, 7, {}, Array.from({ length: 9 }, () => event('E')))).toThrow();
  });

  it('when a change is applied to a header in memory, then it matches what the write stored', () => {
    const next = applyChange({ ...seen, signals: { approve: { payload: 1, at: 'x', eventId: 3 } } }, { status: 'WAITING', consumed: ['approve'], due: null, release: true, waiting: { signal: 's', step: 'B' } }, 2, 'now');
    expect(next).toMatchObject({ status: 'WAITING', updatedAt: 'now', eventCount: 9, signals: {}, dueAt: undefined, dueShard: undefined, leaseToken: undefined, waiting: { signal: 's', step: 'B' } });
  });
});
