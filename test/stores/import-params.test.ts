import { describe, expect, it } from 'vitest';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createInitialState, stateSchema } from '../../src/graph/state.js';
import { createFakeClock } from '../../src/kernel/clock.js';
import { importedCompletionParams } from '../../src/infra/stores/idempotency-store.js';
import { createSessionStore } from '../../src/infra/stores/session-store.js';

/** The two writes an import needs that a turn never makes: exact conditions, values through placeholders only. */
describe('import request builders', () => {
  const clock = createFakeClock(Date.UTC(2026, 10, 23, 12));
  const origin = { source: 'redis', key: 'checkpoint:session_5511999990001', run: 'R.p1' };

  it('when a session is imported, then it is put only where none is live, at version 1, expiring with the source key', () => {
    const sessions = createSessionStore({ doc: {} as DynamoDBDocumentClient, clock, tableName: 'p_OrchestratorSessions', schema: stateSchema, ttlDays: 7 });
    const put = sessions.importOp('5511999990001', createInitialState('5511999990001', '+5511999990001'), { expiresAt: clock.now() + 1_800_000, origin }).item
      .Put!;
    expect(put.ConditionExpression).toBe('(attribute_not_exists(#sessionId) OR #ttl < :nowSec)');
    expect(put.ExpressionAttributeValues).toEqual({ ':nowSec': Math.floor(clock.now() / 1000) });
    expect(put.Item).toMatchObject({ sessionId: '5511999990001', version: 1, ttl: Math.floor(clock.now() / 1000) + 1800, importedFrom: origin });
    expect(put.ReturnValuesOnConditionCheckFailure).toBe('ALL_OLD');
  });

  it('when a state fails the schema, then no import op is built', () => {
    const sessions = createSessionStore({ doc: {} as DynamoDBDocumentClient, clock, tableName: 't', schema: stateSchema, ttlDays: 7 });
    expect(() => sessions.importOp('s', { schemaVersion: 1 } as never, { expiresAt: clock.now(), origin })).toThrow();
  });

  it('when a delivery is imported, then a completed record is put only where none is live, until the source TTL', () => {
    const params = importedCompletionParams('p_Idempotency', 'wamid:wamid.X', clock.now() + 240_000, origin, clock.now());
    expect(params.ConditionExpression).toBe('(attribute_not_exists(#idempotencyKey) OR #ttl < :nowSec)');
    expect(params.Item).toEqual({
      idempotencyKey: 'wamid:wamid.X',
      status: 'completed',
      response: null,
      completedAt: clock.now(),
      ttl: Math.floor(clock.now() / 1000) + 240,
      importedFrom: origin,
    });
    expect(params.ReturnValuesOnConditionCheckFailure).toBe('ALL_OLD');
  });
});
