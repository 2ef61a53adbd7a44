import { describe, expect, it } from 'vitest';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createFakeClock } from '../../src/kernel/clock.js';
import { ERROR_CATALOGUE } from '../../src/kernel/errors.js';
import { createStores } from '../../src/infra/stores/index.js';
import { tableNames } from '../../src/infra/tables.js';

/** The pure `…Op()` builders: exact conditions, values through placeholders only. */
describe('store request builders', () => {
  const clock = createFakeClock(Date.UTC(2026, 10, 23, 12));
  const stores = createStores({ doc: {} as DynamoDBDocumentClient, tables: tableNames('p_'), clock });

  it('when saving a new session, then the condition is "absent or expired"; an existing one also pins the version', () => {
    const fresh = stores.sessions.saveOp('s', { a: 1 }, 0).op.item.Put!;
    expect(fresh.ConditionExpression).toBe('(attribute_not_exists(#sessionId) OR #ttl < :nowSec)');
    expect(fresh.TableName).toBe('p_OrchestratorSessions');
    expect(fresh.Item).toMatchObject({ sessionId: 's', version: 1, ttl: Math.floor(clock.now() / 1000) + 7 * 86_400 });
    const next = stores.sessions.saveOp('s', { a: 2 }, 4).op.item.Put!;
    expect(next.ConditionExpression).toBe('(attribute_exists(#sessionId) AND #ttl >= :nowSec) AND #version = :expected');
    expect(next.ExpressionAttributeValues).toEqual({ ':nowSec': Math.floor(clock.now() / 1000), ':expected': 4 });
    expect(next.ReturnValuesOnConditionCheckFailure).toBe('ALL_OLD');
  });

  it('when releasing a lock, then the condition pins owner, fence and a live lease, and records the committed version', () => {
    const op = stores.locks.releaseOp({ resource: 'session:s', owner: 'o', fence: 7, expiresAt: 0 }, 3).item.Update!;
    expect(op.ConditionExpression).toBe('#owner = :owner AND #fence = :fence AND #expiresAt >= :now');
    expect(op.UpdateExpression).toBe('SET #expiresAt = :zero, committedVersion = :cv REMOVE #owner');
    expect(op.ExpressionAttributeValues).toMatchObject({ ':owner': 'o', ':fence': 7, ':cv': 3, ':now': clock.now() });
  });

  it('when completing an idempotency claim, then only the claiming owner of an in-progress record may', () => {
    const op = stores.idempotency.completeOp('ingest:k', 'owner-1', { r: 1 }, 600_000).item.Update!;
    expect(op.ConditionExpression).toBe('#owner = :owner AND #status = :inProgress');
    expect(op.UpdateExpression).toContain('REMOVE pendingShard, pendingSince');
  });

  it('when a turn closes one action and opens another, then the marker is touched once', () => {
    const draft = {
      actionId: '01J0000000000000000000000B',
      kind: 'k',
      description: 'd',
      call: { operation: 'createNewSchedule' as const, request: { scheduleIdentifier: 's', newCaregiverID: 'c' } },
      expiresAt: clock.now() + 600_000,
    };
    const ops = stores.pendingActions.turnOps('s', { close: { actionId: '01J0000000000000000000000A', to: 'failed', owner: 'w', error: {} }, open: draft });
    expect(ops.map((o) => o.label)).toEqual(['pendingAction.marker', 'pendingAction.create', 'pendingAction.failed']);
    expect(ops[0].item.Update!.ConditionExpression).toBe('attribute_not_exists(openActionId) OR openUntil < :now OR openActionId = :prev');
    expect(ops[2].item.Update!.ConditionExpression).toBe('#ttl >= :nowSec AND #status IN (:from0) AND #owner = :owner');
  });
});

describe('error catalogue', () => {
  it('when listing codes, then each is "area.reason" with an HTTP status and a why line', () => {
    for (const [code, entry] of Object.entries(ERROR_CATALOGUE)) {
      expect(code).toMatch(/^[a-z][a-zA-Z]*\.[a-z][a-zA-Z]*$/);
      expect(entry.status).toBeGreaterThanOrEqual(400);
      expect(entry.why.length).toBeGreaterThan(10);
    }
  });
});
