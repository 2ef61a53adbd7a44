import { describe, expect, it } from 'vitest';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createFakeClock } from '../../src/kernel/clock.js';
import { ERROR_CATALOGUE } from '../../src/kernel/errors.js';
import { createStores } from '../../src/infra/stores/index.js';
import { TABLE_DEFS, indexNamed, tableNames } from '../../src/infra/tables.js';
import { claimParams, releaseOp as releaseClaimOp, renewOp as renewClaimOp } from '../../src/infra/stores/idempotency-store.js';
import { storeParams } from '../../src/infra/stores/inbox-store.js';
import { acquireParams, renewOp as renewLockOp } from '../../src/infra/stores/lock-store.js';
import { advanceParams, claimUnsentParams } from '../../src/infra/stores/outbox-store.js';
import { claimOps, confirmOp } from '../../src/infra/stores/pending-action-requests.js';
import { dueQueryParams } from '../../src/infra/stores/store-deps.js';
import { storeSettings } from '../support/stores.js';

/** The pure `…Op()` builders: exact conditions, values through placeholders only. */
describe('store request builders', () => {
  const clock = createFakeClock(Date.UTC(2026, 10, 23, 12));
  const stores = createStores({ doc: {} as DynamoDBDocumentClient, tables: tableNames('p_'), clock, ...storeSettings });

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

/** The pure `…Params()`/`…Op()` builders of every other conversation-store write. */
describe('store request builders, one per write', () => {
  const now = Date.UTC(2026, 10, 23, 12);
  const nowSec = now / 1000;
  const clock = createFakeClock(now);
  const stores = createStores({ doc: {} as DynamoDBDocumentClient, tables: tableNames('p_'), clock, ...storeSettings });

  it('when an entry with a dedup key and an outbox record is appended, then the marker needs its key absent or expired and the entry joins the unsent index', () => {
    const [marker, entry] = stores.buffer
      .appendOps('s', { role: 'assistant', text: 't', at: now, dedupKey: 'k', outbox: { to: 's', payload: { text: 't' } } })
      .ops.map((o) => o.item.Put!);
    expect(marker).toMatchObject({
      Item: { sessionId: 's', sk: 'd#k', ttl: nowSec + 7 * 86_400 },
      ConditionExpression: '(attribute_not_exists(#sk) OR #ttl < :nowSec)',
      ExpressionAttributeNames: { '#sk': 'sk', '#ttl': 'ttl' },
      ExpressionAttributeValues: { ':nowSec': nowSec },
    });
    expect(entry.Item).toMatchObject({ role: 'assistant', outboxStatus: 'pending', outboxRank: 0, outboxPending: 'pending', outboxSince: now });
    expect(entry.Item!.sk).toBe(marker.Item!.messageSk);
    expect(entry).toMatchObject({ ConditionExpression: 'attribute_not_exists(#sk)', ExpressionAttributeNames: { '#sk': 'sk' } });
  });

  it('when a listed unsent entry is claimed for a resend, then only a still-pending entry with the listed time moves', () => {
    expect(claimUnsentParams('T', { sessionId: 's', sk: 'm#1', outboxSince: 5 }, now)).toEqual({
      TableName: 'T',
      Key: { sessionId: 's', sk: 'm#1' },
      UpdateExpression: 'SET outboxSince = :now',
      ConditionExpression: 'outboxPending = :shard AND outboxSince = :listed',
      ExpressionAttributeValues: { ':shard': 'pending', ':listed': 5, ':now': now },
    });
  });

  it('when a delivery status advances, then it records the extras, leaves the unsent index and never moves back or past failed', () => {
    expect(advanceParams('T', { sessionId: 's', sk: 'm#1' }, 'sent', { providerMessageId: 'w' })).toEqual({
      TableName: 'T',
      Key: { sessionId: 's', sk: 'm#1' },
      UpdateExpression: 'SET outboxStatus = :status, outboxRank = :rank, #providerMessageId = :providerMessageId REMOVE outboxPending',
      ConditionExpression: 'attribute_exists(#sk) AND outboxRank < :rank AND outboxRank <> :failed',
      ExpressionAttributeNames: { '#sk': 'sk', '#providerMessageId': 'providerMessageId' },
      ExpressionAttributeValues: { ':status': 'sent', ':rank': 1, ':failed': 9, ':providerMessageId': 'w' },
    });
  });

  it('when a key is claimed, then a new, expired, received or lease-passed record is taken and either way the record comes back', () => {
    const params = claimParams('T', 'ingest:k', 'h', 'o', { inProgressMs: 1_000, ttlMs: 60_000 }, now);
    expect(params.ConditionExpression).toBe(
      '(attribute_not_exists(#idempotencyKey) OR #ttl < :nowSec) OR (#status = :received AND payloadHash = :hash) OR (#status = :inProgress AND leaseExpiresAt < :now AND payloadHash = :hash)',
    );
    expect(params.UpdateExpression).toBe(
      'SET #status = :inProgress, #owner = :owner, leaseExpiresAt = :lease, payloadHash = :hash, #ttl = :ttl, attempt = if_not_exists(attempt, :zero) + :one, firstSeenAt = if_not_exists(firstSeenAt, :now) REMOVE #response',
    );
    expect(params.ExpressionAttributeValues).toEqual({
      ':nowSec': nowSec,
      ':now': now,
      ':received': 'received',
      ':inProgress': 'in_progress',
      ':hash': 'h',
      ':owner': 'o',
      ':lease': now + 1_000,
      ':ttl': nowSec + 60,
      ':zero': 0,
      ':one': 1,
    });
    expect(params).toMatchObject({ Key: { idempotencyKey: 'ingest:k' }, ReturnValues: 'ALL_NEW', ReturnValuesOnConditionCheckFailure: 'ALL_OLD' });
  });

  it('when a claim is renewed, then only its owner may, while it is in progress', () => {
    expect(renewClaimOp('T', 'k', 'o', now + 1_000).item.Update).toEqual({
      TableName: 'T',
      Key: { idempotencyKey: 'k' },
      UpdateExpression: 'SET leaseExpiresAt = :lease',
      ConditionExpression: '#owner = :owner AND #status = :inProgress',
      ExpressionAttributeNames: { '#owner': 'owner', '#status': 'status' },
      ExpressionAttributeValues: { ':owner': 'o', ':inProgress': 'in_progress', ':lease': now + 1_000 },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
  });

  it('when a claim is released, then a plain one is deleted and an inbox one returns to received, both only by its owner', () => {
    const plain = releaseClaimOp('T', 'k', 'o', false).item;
    expect(plain.Delete).toMatchObject({
      Key: { idempotencyKey: 'k' },
      ConditionExpression: '#owner = :owner AND #status = :inProgress',
      ExpressionAttributeValues: { ':owner': 'o', ':inProgress': 'in_progress' },
    });
    const inbox = releaseClaimOp('T', 'k', 'o', true).item.Update!;
    expect(inbox.UpdateExpression).toBe('SET #status = :received REMOVE #owner, leaseExpiresAt');
    expect(inbox.ConditionExpression).toBe('#owner = :owner AND #status = :inProgress');
  });

  it('when a provider message is stored, then it must be new or expired, is claimed by the storer and joins the pending index', () => {
    const params = storeParams('T', 'wamid:x', 'h', { a: 1 }, { ttlMs: 60_000, inProgressMs: 1_000, owner: 'o' }, now);
    expect(params.ConditionExpression).toBe('(attribute_not_exists(#idempotencyKey) OR #ttl < :nowSec)');
    expect(params.UpdateExpression).toBe(
      'SET #status = :inProgress, #owner = :owner, leaseExpiresAt = :lease, payloadHash = :hash, #ttl = :ttl, attempt = :one, #event = :event, pendingShard = :shard, pendingSince = :now, firstSeenAt = :now REMOVE #response',
    );
    expect(params.ExpressionAttributeValues).toMatchObject({
      ':shard': 'inbox',
      ':owner': 'o',
      ':lease': now + 1_000,
      ':ttl': nowSec + 60,
      ':event': { a: 1 },
    });
  });

  it('when a sweep lists due work, then it reads one page of its shard of the sparse index, due at or before the given time', () => {
    const due = { def: TABLE_DEFS.idempotency, index: indexNamed(TABLE_DEFS.idempotency, 'pending-index'), shard: 'inbox' };
    expect(dueQueryParams('T', due, now, 50)).toEqual({
      TableName: 'T',
      IndexName: 'pending-index',
      KeyConditionExpression: 'pendingShard = :shard AND pendingSince <= :before',
      ExpressionAttributeValues: { ':shard': 'inbox', ':before': now },
      Limit: 50,
    });
  });

  it('when a lock is acquired, then only a free or lapsed one is taken, with the next fence', () => {
    expect(acquireParams('T', 'r', 'o', 1_000, now)).toMatchObject({
      Key: { resource: 'r' },
      UpdateExpression: 'SET #owner = :owner, #expiresAt = :exp, #ttl = :ttl, #fence = if_not_exists(#fence, :base) + :one',
      ConditionExpression: '(attribute_not_exists(#resource) OR attribute_not_exists(#owner) OR #expiresAt < :now)',
      ExpressionAttributeValues: { ':owner': 'o', ':exp': now + 1_000, ':now': now, ':ttl': nowSec + 1 + 86_400, ':base': now * 1000, ':one': 1 },
      ReturnValues: 'ALL_NEW',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
  });

  it('when a lock is renewed, then the lease and item TTL move on, for the holder of that fence only', () => {
    const op = renewLockOp('T', { resource: 'r', owner: 'o', fence: 3, expiresAt: 0 }, 1_000, now).item.Update!;
    expect(op.UpdateExpression).toBe('SET #expiresAt = :exp, #ttl = :ttl');
    expect(op.ConditionExpression).toBe('#owner = :owner AND #fence = :fence AND #expiresAt >= :now');
    expect(op.ExpressionAttributeValues).toEqual({ ':owner': 'o', ':fence': 3, ':now': now, ':exp': now + 1_000, ':ttl': nowSec + 1 + 86_400 });
  });

  it('when an action is confirmed, then a staged or already confirmed one before its deadline becomes confirmed', () => {
    const op = confirmOp('T', now, 's', 'a').item.Update!;
    expect(op.ConditionExpression).toBe('#ttl >= :nowSec AND #status IN (:from0, :from1) AND expiresAt >= :now');
    expect(op.UpdateExpression).toBe('SET #status = :to, updatedAt = :now, #confirmedAt = :confirmedAt');
    expect(op.ExpressionAttributeValues).toEqual({
      ':nowSec': nowSec,
      ':from0': 'staged',
      ':from1': 'confirmed',
      ':now': now,
      ':to': 'confirmed',
      ':confirmedAt': now,
    });
  });

  it('when an action is claimed, then a confirmed one in time (or a lapsed claim) becomes executing and the marker keeps it open', () => {
    const [claim, marker] = claimOps('T', now, 's', 'a', 'w');
    expect(claim.item.Update!.ConditionExpression).toBe(
      '#ttl >= :nowSec AND ((#status = :confirmed AND expiresAt >= :now) OR (#status = :executing AND claimExpiresAt < :now))',
    );
    expect(claim.item.Update!.ExpressionAttributeValues).toMatchObject({ ':owner': 'w', ':claimUntil': now + 60_000 });
    expect(marker.item.Update).toMatchObject({
      Key: { sessionId: 's', actionId: '#open' },
      UpdateExpression: 'SET openUntil = :forever, #ttl = :markerTtl',
      ConditionExpression: 'openActionId = :id',
      // The marker expires too: a day after the claim's window.
      ExpressionAttributeValues: { ':markerTtl': Math.floor((now + 60_000 + 86_400_000) / 1000) },
    });
  });

  it('when a turn only closes an action, then the transition comes first and the marker is cleared if it still names it', () => {
    const ops = stores.pendingActions.turnOps('s', { close: { actionId: 'a', to: 'expired' } });
    expect(ops.map((o) => o.label)).toEqual(['pendingAction.expired', 'pendingAction.marker']);
    expect(ops[0].item.Update!.ConditionExpression).toBe('#ttl >= :nowSec AND #status IN (:from0, :from1) AND expiresAt < :now');
    expect(ops[1].item.Update).toMatchObject({
      UpdateExpression: 'SET #ttl = :markerTtl REMOVE openActionId, openUntil',
      ConditionExpression: 'openActionId = :id',
      ExpressionAttributeValues: { ':id': 'a', ':markerTtl': expect.any(Number) },
    });
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
