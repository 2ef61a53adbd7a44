import { describe, expect, it } from 'vitest';
import { createFakeClock } from '../../src/kernel/clock.js';
import { appendPlan, applyChange, changeParts, journeyRequests, type NewRun } from '../../src/infra/stores/journey-requests.js';
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
  const event = (type: string) => ({ type, at: '2026-11-23T12:00:00.000Z', attrs: {} });
  const seen = {
    journeyId: 'w',
    runId: 'r1',
    status: 'RETRYING',
    eventCount: 7,
    flushed: 0,
    tail: Array.from({ length: 7 }, (_, i) => ({ id: i + 1, ...event('E') })),
    checkpoints: [],
    dueAt: now - 5,
    signals: {},
    runs: [],
  } as unknown as JourneyRecord;
  const update = (op: TxOp) => op.item.Update!;
  const labels = (ops: TxOp[]) => ops.map((o) => o.label);
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

  it('when a workflow is started, then one Put writes its RUNNING header, due now, with its first events, if the key is absent or expired', () => {
    const op = build.startOp(run);
    expect(op.item.Put).toMatchObject({
      Item: {
        journeyId: 'w',
        sk: 'journey',
        workflowType: 'order',
        inputJson: '{"a":1}',
        runId: 'r1',
        status: 'RUNNING',
        stepIndex: 0,
        attempt: 0,
        eventCount: 2,
        flushed: 0,
        results: {},
        dueShard: 'due#2',
        dueAt: now,
        signals: {},
        ttl,
      },
      ConditionExpression: '(attribute_not_exists(#pk) OR #ttl < :nowSec)',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    expect((op.item.Put!.Item!.tail as string[]).map((e) => JSON.parse(e).id)).toEqual([1, 2]);
    expect(op.item.Put!.Item!.leaseToken).toBeUndefined();
  });

  it('when a local worker starts it at once, then the header carries its lease and is due when the lease ends', () => {
    const op = build.startOp({ ...run, claim: { owner: 'i1', token: 'tok', leaseMs: 5_000 } });
    expect(op.item.Put!.Item).toMatchObject({ leaseOwner: 'i1', leaseToken: 'tok', leaseExpiresAt: now + 5_000, dueAt: now + 5_000, attempt: 1 });
  });

  it('when a finished run is replaced by a new one, then the header must still be that finished run, and its tail and results move to a history item', () => {
    const finished = { ...seen, status: 'FAILED', checkpoints: [{ step: 'A', index: 0, result: 1, attempts: 1, eventId: 4 }] } as JourneyRecord;
    const seed = [{ step: 'A', index: 0, result: 1, attempts: 1, eventId: 0, seeded: true }];
    const ops = build.newRunOps(finished, { ...run, runId: 'r2', runNumber: 2, seed }, [event('MarkerRecorded')]);
    expect(labels(ops)).toEqual(['journey.newRun', 'journey.history']);
    expect(ops[0].item.Put!.ConditionExpression).toBe(
      '#runId = :seenRunId AND #eventCount = :seenEvents AND #status IN (:finished0, :finished1, :finished2, :finished3)',
    );
    expect(ops[0].item.Put!.ExpressionAttributeValues).toMatchObject({
      ':seenRunId': 'r1',
      ':seenEvents': 7,
      ':finished0': 'COMPLETED',
      ':finished3': 'TERMINATED',
    });
    expect(ops[0].item.Put!.Item).toMatchObject({ runId: 'r2', results: { r0: { step: 'A', resultJson: '1', seeded: true } } });
    expect(ops[1].item.Put!.Item).toMatchObject({ sk: 'h#r1#00000001', runId: 'r1', checkpointsJson: JSON.stringify(finished.checkpoints) });
    expect(JSON.parse(ops[1].item.Put!.Item!.eventsJson as string).map((e: { id: number }) => e.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('when a due run is claimed, then it must be as read (due time, event count) and of a known type; the lease moves its due time and the entry events append to the tail', () => {
    const ops = build.claimOps(seen, lease, 5_000, ['order', 'consolidation'], { status: 'RUNNING', attempt: 2 }, appendPlan(seen, [event('TimerFired')]));
    expect(labels(ops)).toEqual(['journey.claim']);
    expect(update(ops[0]).ConditionExpression).toBe(
      'attribute_exists(#dueShard) AND #dueAt = :seenDueAt AND #eventCount = :seenEvents AND #workflowType IN (:type0, :type1)',
    );
    expect(update(ops[0]).UpdateExpression).toBe(
      'SET #status = :status, #updatedAt = :updatedAt, #ttl = :ttl, #attempt = :v0, #leaseOwner = :v1, #leaseToken = :v2, #leaseExpiresAt = :v3, #dueAt = :v4, #eventCount = :v5, #tail = list_append(#tail, :v6)',
    );
    expect(update(ops[0]).ExpressionAttributeValues).toMatchObject({
      ':seenDueAt': now - 5,
      ':seenEvents': 7,
      ':type0': 'order',
      ':v2': 'tok',
      ':v3': now + 5_000,
      ':v5': 8,
    });
    expect(JSON.parse((update(ops[0]).ExpressionAttributeValues![':v6'] as string[])[0])).toMatchObject({ id: 8, type: 'TimerFired' });
  });

  it('when the holder completes a step, then one update (holder and event count as read) appends the events and keeps the checkpoint in the header; no index attribute changes', () => {
    const plan = appendPlan(seen, [event('ActivityTaskCompleted'), event('ActivityTaskScheduled')], { step: 'B', index: 2, result: { n: 1 }, attempts: 2 });
    const ops = build.transitionOps(lease, seen, { stepIndex: 3, attempt: 1, consumed: ['approve'] }, plan);
    expect(labels(ops)).toEqual(['journey.transition']);
    expect(update(ops[0]).ConditionExpression).toBe('#leaseToken = :token AND #eventCount = :seenEvents');
    expect(update(ops[0]).UpdateExpression).toBe(
      'SET #stepIndex = :v0, #attempt = :v1, #eventCount = :v2, #results.#r2 = :v3, #tail = list_append(#tail, :v4) REMOVE #signals.#s_approve',
    );
    expect(update(ops[0]).ExpressionAttributeValues).toMatchObject({
      ':token': 'tok',
      ':seenEvents': 7,
      ':v2': 9,
      ':v3': { step: 'B', index: 2, attempts: 2, eventId: 8, resultJson: '{"n":1}' },
    });
  });

  it('when the tail would pass its limit or a result is large, then the tail and the events move to a history item in the same transaction', () => {
    const full = { ...seen, tail: Array.from({ length: 48 }, (_, i) => ({ id: i + 1, ...event('E') })), eventCount: 48 };
    const ops = build.transitionOps(lease, full, {}, appendPlan(full, [event('ActivityTaskCompleted')]));
    expect(labels(ops)).toEqual(['journey.transition', 'journey.history']);
    expect(update(ops[0]).UpdateExpression).toBe('SET #eventCount = :v0, #tail = :v1, #flushed = :v2');
    expect(update(ops[0]).ExpressionAttributeValues).toMatchObject({ ':v0': 49, ':v1': [], ':v2': 49 });
    expect(ops[1].item.Put).toMatchObject({ Item: { sk: 'h#r1#00000001' }, ConditionExpression: 'attribute_not_exists(#sk)' });
    const large = appendPlan(seen, [event('ActivityTaskCompleted')], { step: 'B', index: 2, result: 'x'.repeat(20_000), attempts: 1 });
    expect(large).toMatchObject({ flush: true, checkpoint: { inline: false } });
    const withLarge = build.transitionOps(lease, seen, {}, large);
    expect(update(withLarge[0]).ExpressionAttributeValues![':v1']).toEqual({ step: 'B', index: 2, attempts: 1, eventId: 8 });
    expect(JSON.parse(withLarge[1].item.Put!.Item!.checkpointsJson as string)[0]).toMatchObject({ step: 'B', eventId: 8 });
  });

  it('when a transition writes no event (a release), then it is a lone conditional update', () => {
    const ops = build.transitionOps(lease, seen, { release: true, due: now }, appendPlan(seen, []));
    expect(update(ops[0]).UpdateExpression).toBe('SET #dueShard = :v0, #dueAt = :v1 REMOVE #leaseOwner, #leaseToken, #leaseExpiresAt');
  });

  it('when the holder renews its lease, then only its lease and due time move', () => {
    expect(update(build.heartbeatOp(lease, 5_000))).toMatchObject({
      ConditionExpression: '#leaseToken = :token',
      UpdateExpression: 'SET #leaseExpiresAt = :v0, #dueAt = :v1',
      ExpressionAttributeValues: { ':token': 'tok', ':v0': now + 5_000, ':v1': now + 5_000 },
    });
  });

  it('when someone signals or terminates a run, then it must be active, on the run read, with no event written since', () => {
    const change = { received: { name: 'approve', signal: { payload: { ok: true }, at: 'x', eventId: 8 } }, status: 'RUNNING' as const, due: now };
    const [op] = build.externalOps(seen, 'journey.signal', change, appendPlan(seen, [event('WorkflowExecutionSignaled')]));
    expect(update(op).ConditionExpression).toBe('#runId = :seenRunId AND #eventCount = :seenEvents AND #status IN (:active0, :active1, :active2, :active3)');
    expect(update(op).UpdateExpression).toBe(
      'SET #status = :status, #updatedAt = :updatedAt, #ttl = :ttl, #signals.#s_approve = :v0, #dueShard = :v1, #dueAt = :v2, #eventCount = :v3, #tail = list_append(#tail, :v4)',
    );
    expect(update(op).ExpressionAttributeValues).toMatchObject({ ':v0': { payloadJson: '{"ok":true}', at: 'x', eventId: 8 }, ':active2': 'WAITING' });
  });

  it('when a change both moves the lease and sets a due time, or a value is above the item budget, then building it throws', () => {
    expect(() => changeParts('w', { due: 1, leaseUntil: 2 })).toThrow();
    expect(() => build.transitionOps(lease, seen, { result: 'x'.repeat(360_000) }, appendPlan(seen, []))).toThrow(
      expect.objectContaining({ code: 'journey.tooLarge' }),
    );
  });

  it('when a change is applied to a header in memory, then it matches what the write stored', () => {
    const plan = appendPlan(seen, [event('A'), event('B')], { step: 'B', index: 1, result: 5, attempts: 1 });
    const next = applyChange(
      { ...seen, signals: { approve: { payload: 1, at: 'x', eventId: 3 } } },
      { status: 'WAITING', consumed: ['approve'], due: null, release: true, waiting: { signal: 's', step: 'B' } },
      plan,
      'now',
    );
    expect(next).toMatchObject({
      status: 'WAITING',
      updatedAt: 'now',
      eventCount: 9,
      signals: {},
      dueAt: undefined,
      dueShard: undefined,
      leaseToken: undefined,
      waiting: { signal: 's', step: 'B' },
    });
    expect(next.tail.map((e) => e.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(next.checkpoints).toEqual([{ step: 'B', index: 1, result: 5, attempts: 1, eventId: 8 }]);
  });
});
