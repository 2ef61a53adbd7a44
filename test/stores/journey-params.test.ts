import { describe, expect, it } from 'vitest';
import { createFakeClock } from '../../src/kernel/clock.js';
import { journeyRequests } from '../../src/infra/stores/journey-requests.js';
import type { JourneyLease, JourneyRecord } from '../../src/infra/stores/journey-store.js';
import type { TxOp } from '../../src/infra/stores/transaction.js';
import { journeyTtlDays } from '../support/stores.js';

/** The pure builders of every JourneyControl write: exact conditions and updates, values through placeholders. */
describe('journey request builders', () => {
  const now = Date.UTC(2026, 10, 23, 12);
  const nowSec = now / 1000;
  const build = journeyRequests({ tableName: 'J', clock: createFakeClock(now), ttlDays: journeyTtlDays });
  const lease: JourneyLease = { journeyId: 'j', runId: 'r1', owner: 'o' };
  const seen = { journeyId: 'j', runId: 'r1', status: 'FAILED', version: 3, attempt: 1 } as JourneyRecord;
  const update = (op: TxOp) => op.item.Update!;
  const labels = (ops: TxOp[]) => ops.map((o) => o.label);
  /** Every header update stamps updatedAt and refreshes the TTL first. */
  const STAMP = 'SET #updatedAt = :updatedAt, #ttl = :ttl';
  const HELD = '#leaseOwner = :owner AND #runId = :runId';

  it('when a journey is created, then its PENDING header needs the key absent or expired, with its created event', () => {
    const { item, ops } = build.createOps('j', { m: 1 });
    expect(item).toMatchObject({
      journeyId: 'j',
      sk: 'journey',
      idempotencyKey: 'j',
      status: 'PENDING',
      version: 1,
      attempt: 0,
      retryCount: 0,
      ttl: nowSec + journeyTtlDays * 86_400,
    });
    expect(ops[0].item.Put).toMatchObject({
      ConditionExpression: '(attribute_not_exists(#pk) OR #ttl < :nowSec)',
      ExpressionAttributeNames: { '#pk': 'journeyId', '#ttl': 'ttl' },
      ExpressionAttributeValues: { ':nowSec': nowSec },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    expect(ops[1].item.Put!.Item).toMatchObject({ journeyId: 'j', runId: item.runId, type: 'journey.created', data: { metadata: { m: 1 } } });
    expect(ops[1].item.Put!.Item!.sk).toMatch(/^event#/);
  });

  it('when a run is acquired, then the header must be unchanged, runnable and free of a live lease', () => {
    const { expiresAt, ops } = build.acquireOps(seen, 'o', 5_000);
    expect(expiresAt).toBe(now + 5_000);
    expect(labels(ops)).toEqual(['journey.acquire', 'journey.event.run.started']);
    expect(update(ops[0]).ConditionExpression).toBe(
      '#version = :version AND #status IN (:pending, :inProgress, :failed) AND (attribute_not_exists(#leaseExpiresAt) OR #leaseExpiresAt < :now)',
    );
    expect(update(ops[0]).UpdateExpression).toBe(
      `${STAMP}, #version = #version + :one, #status = :inProgress, #leaseOwner = :owner, #leaseExpiresAt = :expiresAt, #attempt = #attempt + :one REMOVE #errorMessage, #failedStep`,
    );
    expect(update(ops[0]).ExpressionAttributeValues).toMatchObject({
      ':version': 3,
      ':now': now,
      ':owner': 'o',
      ':expiresAt': now + 5_000,
      ':pending': 'PENDING',
      ':failed': 'FAILED',
    });
  });

  it('when the holder heartbeats, then only its lease (any status) moves on', () => {
    const { expiresAt, ops } = build.heartbeatOps(lease, 5_000);
    expect(update(ops[0])).toMatchObject({
      ConditionExpression: HELD,
      UpdateExpression: `${STAMP}, #leaseExpiresAt = :expiresAt`,
      ExpressionAttributeValues: { ':expiresAt': expiresAt, ':owner': 'o', ':runId': 'r1' },
    });
  });

  it('when a step is checkpointed, then the lease is renewed while IN_PROGRESS and a completed checkpoint is never overwritten', () => {
    const ops = build.checkpointOps(lease, { name: 'load', index: 0, result: { n: 1 }, attempts: 2 }, 5_000);
    expect(labels(ops)).toEqual(['journey.renew', 'journey.checkpoint', 'journey.event.step.completed']);
    expect(update(ops[0]).ConditionExpression).toBe(`${HELD} AND #status = :expected`);
    expect(update(ops[0]).ExpressionAttributeValues).toMatchObject({ ':expected': 'IN_PROGRESS' });
    expect(ops[1].item.Put).toMatchObject({
      Item: { sk: 'step#load', runId: 'r1', stepName: 'load', stepIndex: 0, stepStatus: 'COMPLETED', resultJson: '{"n":1}', attempts: 2 },
      ConditionExpression: '(attribute_not_exists(#sk) OR #runId <> :runId OR #stepStatus <> :completed)',
      ExpressionAttributeValues: { ':runId': 'r1', ':completed': 'COMPLETED' },
    });
  });

  it('when a retry is recorded, then the error is kept and the retry count grows, by the holder only', () => {
    const ops = build.recordRetryOps(lease, { step: 'load', attempt: 1, error: 'boom', delayMs: 10 });
    expect(labels(ops)).toEqual(['journey.retry', 'journey.event.step.retrying']);
    expect(update(ops[0]).UpdateExpression).toBe(`${STAMP}, #errorMessage = :error ADD #retryCount :one`);
  });

  it('when a journey completes with its last step, then the step, the COMPLETED header and the event go together and the lease is dropped', () => {
    const ops = build.completeOps(lease, { ok: true }, { name: 'last', index: 1, result: 1, attempts: 1 });
    expect(labels(ops)).toEqual(['journey.checkpoint', 'journey.event.step.completed', 'journey.complete', 'journey.event.journey.completed']);
    expect(update(ops[2]).UpdateExpression).toBe(
      `${STAMP}, #status = :completed, #resultJson = :result, #version = #version + :one REMOVE #leaseOwner, #leaseExpiresAt, #errorMessage, #failedStep`,
    );
    expect(update(ops[2]).ExpressionAttributeValues).toMatchObject({ ':result': '{"ok":true}', ':expected': 'IN_PROGRESS' });
  });

  it('when a result is above the item budget, then building the completion throws journey.failed', () => {
    expect(() => build.completeOps(lease, 'x'.repeat(360_000))).toThrow(expect.objectContaining({ code: 'journey.failed' }));
  });

  it('when a journey fails, then the header becomes FAILED with the step and error, keeping the lease', () => {
    const ops = build.failOps(lease, { step: 'load', error: 'boom' });
    expect(update(ops[0]).UpdateExpression).toBe(`${STAMP}, #status = :failed, #errorMessage = :error, #failedStep = :step, #version = #version + :one`);
    expect(update(ops[0]).ExpressionAttributeValues).toMatchObject({ ':failed': 'FAILED', ':error': 'boom', ':step': 'load', ':expected': 'IN_PROGRESS' });
  });

  it('when a step is compensated, then the FAILED holder marks an existing checkpoint of this run', () => {
    const ops = build.markCompensatedOps(lease, 'load');
    expect(labels(ops)).toEqual(['journey.compensating', 'journey.stepCompensated', 'journey.event.step.compensated']);
    expect(update(ops[0]).ExpressionAttributeValues).toMatchObject({ ':expected': 'FAILED' });
    expect(update(ops[1])).toMatchObject({
      Key: { journeyId: 'j', sk: 'step#load' },
      UpdateExpression: 'SET #stepStatus = :compensated',
      ConditionExpression: 'attribute_exists(#sk) AND #runId = :runId',
    });
  });

  it('when an event is recorded, then it is a new history item of this run', () => {
    const [op] = build.recordEventOps(lease, 'note', { a: 1 });
    expect(op.label).toBe('journey.event.note');
    expect(op.item.Put!.Item).toMatchObject({ journeyId: 'j', runId: 'r1', type: 'note', data: { a: 1 }, ttl: nowSec + journeyTtlDays * 86_400 });
  });

  it('when a failure is finished, then the FAILED holder sets the outcome and drops the lease; only COMPENSATED adds an event', () => {
    const compensated = build.finishFailureOps(lease, 'COMPENSATED');
    expect(labels(compensated)).toEqual(['journey.finishFailure', 'journey.event.journey.compensated']);
    expect(update(compensated[0]).UpdateExpression).toBe(`${STAMP}, #status = :outcome, #version = #version + :one REMOVE #leaseOwner, #leaseExpiresAt`);
    expect(labels(build.finishFailureOps(lease, 'FAILED'))).toEqual(['journey.finishFailure']);
  });

  it('when a journey is terminated, then the header the caller read must still be runnable', () => {
    const ops = build.terminateOps(seen, 'stop');
    expect(update(ops[0]).ConditionExpression).toBe('#version = :version AND #status IN (:pending, :inProgress, :failed)');
    expect(update(ops[0]).UpdateExpression).toBe(
      `${STAMP}, #version = #version + :one, #status = :terminated, #reason = :reason REMOVE #leaseOwner, #leaseExpiresAt`,
    );
  });

  it('when a journey is rearmed, then the unchanged header goes back to PENDING and the named checkpoints are deleted', () => {
    const ops = build.rearmOps(seen, ['b', 'c'], 'b');
    expect(labels(ops)).toEqual(['journey.rearm', 'journey.event.journey.resumed', 'journey.dropStep', 'journey.dropStep']);
    expect(update(ops[0]).ConditionExpression).toBe('#version = :version');
    expect(update(ops[0]).UpdateExpression).toBe(
      `${STAMP}, #version = #version + :one, #status = :pending REMOVE #leaseOwner, #leaseExpiresAt, #resultJson, #errorMessage, #failedStep`,
    );
    expect(ops[2].item.Delete).toEqual({ TableName: 'J', Key: { journeyId: 'j', sk: 'step#b' } });
    expect(() =>
      build.rearmOps(
        seen,
        Array.from({ length: 99 }, (_, i) => `s${i}`),
      ),
    ).toThrow(expect.objectContaining({ code: 'journey.conflict' }));
  });
});
