import { describe, expect, it } from 'vitest';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { PendingActionDraft } from '../../src/contracts/engine.js';
import type { InboundMessage } from '../../src/contracts/inbound.js';
import { createFakeClock } from '../../src/kernel/clock.js';
import { createStores } from '../../src/infra/stores/index.js';
import { tableNames } from '../../src/infra/tables.js';
import { assembleCommit, type CommitInput } from '../../src/pipeline/turn-commit.js';
import { storeSettings } from '../support/stores.js';

/** The turn's one transaction, assembled without I/O: which ops, in which order, with which values. */
describe('assembleCommit', () => {
  const now = Date.UTC(2026, 10, 23, 12);
  const clock = createFakeClock(now);
  const stores = createStores<unknown>({ doc: {} as DynamoDBDocumentClient, tables: tableNames('p_'), clock, ...storeSettings });
  const lease = { resource: 'session:5511999990001', owner: 'i1:o1', fence: 7, expiresAt: now + 10_000 };
  const message: InboundMessage = {
    provider: 'meta',
    messageId: 'wamid.IN1',
    sessionId: '5511999990001',
    phone: '5511999990001',
    text: 'sim',
    type: 'button',
    replyPayload: 'yes',
    timestamp: now - 2_000,
  };
  const draft: PendingActionDraft = {
    actionId: '01J0000000000000000000000B',
    kind: 'escala.confirm',
    description: 'Confirma sua presença?',
    call: { operation: 'updateWorkScheduleResponse', request: { scheduleID: 'sch-1', responseValue: 'confirmado' } },
    expiresAt: now + 600_000,
  };
  const metaTurn: CommitInput<unknown> = {
    sessionId: '5511999990001',
    channel: 'meta',
    input: { kind: 'message', message },
    version: 3,
    state: { step: 'asked' },
    replies: [{ text: 'Confirma sua presença?', buttons: [{ id: 'yes', title: 'Sim' }] }],
    pending: { open: draft },
    claim: { key: 'wamid:wamid.IN1', owner: 'i1:inbox', ttlMs: 7 * 86_400_000 },
    lease,
    at: now,
  };

  it('when a Meta turn commits a reply, a new action and its claim, then the ops are save, inbound, reply, pending, completion and release, in that order', () => {
    const { ops } = assembleCommit(stores, metaTurn);
    expect(ops.map((o) => o.label)).toEqual([
      'session.save',
      'buffer.append',
      'buffer.append',
      'pendingAction.marker',
      'pendingAction.create',
      'idempotency.complete',
      'lock.release',
    ]);
  });

  it('when a turn commits, then the save expects the loaded version and the response, completion and release carry the next one', () => {
    const { ops, response, saved } = assembleCommit(stores, metaTurn);
    expect(saved.version).toBe(4);
    expect(ops[0].item.Put!.ExpressionAttributeValues).toMatchObject({ ':expected': 3 });
    expect(response).toEqual({ session_id: '5511999990001', version: 4, replies: metaTurn.replies });
    const completion = ops[5].item.Update!;
    expect(completion.Key).toEqual({ idempotencyKey: 'wamid:wamid.IN1' });
    expect(completion.ExpressionAttributeValues).toMatchObject({
      ':owner': 'i1:inbox',
      ':response': response,
      ':ttl': Math.floor((now + 7 * 86_400_000) / 1000),
    });
    expect(ops[6].item.Update!.ExpressionAttributeValues).toMatchObject({ ':owner': 'i1:o1', ':fence': 7, ':cv': 4 });
  });

  it('when a message turn commits, then the inbound entry records the provider, message id, type, send time and tapped button', () => {
    const inbound = assembleCommit(stores, metaTurn).ops[1].item.Put!.Item!;
    expect(inbound).toMatchObject({
      sessionId: '5511999990001',
      role: 'user',
      text: 'sim',
      at: now,
      meta: { origin: 'meta', messageId: 'wamid.IN1', type: 'button', sentAt: new Date(now - 2_000).toISOString(), replyPayload: 'yes' },
    });
  });

  it('when a Meta turn replies, then the reply is queued in the outbox and listed for sending under its sort key', () => {
    const { ops, outbound } = assembleCommit(stores, metaTurn);
    const reply = ops[2].item.Put!.Item!;
    expect(reply).toMatchObject({
      role: 'assistant',
      text: 'Confirma sua presença?',
      meta: { channel: 'meta', buttons: [{ id: 'yes', title: 'Sim' }], inReplyTo: 'wamid.IN1', delivery: 'outbox' },
      outbox: { to: '5511999990001', payload: metaTurn.replies[0], channel: 'meta' },
      outboxStatus: 'pending',
    });
    expect(outbound).toEqual([{ sessionId: '5511999990001', sk: reply.sk, reply: metaTurn.replies[0], channel: 'meta' }]);
  });

  it('when a Twilio turn replies, then the reply is queued in the outbox naming Twilio, so it leaves through the provider it came in on', () => {
    const twilioTurn = { ...metaTurn, channel: 'twilio' as const, input: { kind: 'message' as const, message: { ...message, provider: 'twilio' as const } } };
    const { ops, outbound } = assembleCommit(stores, twilioTurn);
    const reply = ops[2].item.Put!.Item!;
    expect(reply).toMatchObject({ meta: { channel: 'twilio', delivery: 'outbox' }, outbox: { channel: 'twilio' }, outboxStatus: 'pending' });
    expect(outbound).toEqual([{ sessionId: '5511999990001', sk: reply.sk, reply: metaTurn.replies[0], channel: 'twilio' }]);
  });

  it('when an ingest turn replies, then the reply is recorded as returned and nothing is queued for sending', () => {
    const ingest = { ...metaTurn, channel: 'ingest' as const, input: { kind: 'message' as const, message: { ...message, provider: 'ingest' as const } } };
    const { ops, outbound } = assembleCommit(stores, ingest);
    const reply = ops[2].item.Put!.Item!;
    expect(reply.meta).toMatchObject({ channel: 'ingest', delivery: 'returned' });
    expect(reply).not.toHaveProperty('outbox');
    expect(reply).not.toHaveProperty('outboxStatus');
    expect(outbound).toEqual([]);
  });

  it('when a template hook without a key commits on a new session, then it records a system entry, creates the session and completes no claim', () => {
    const template: CommitInput<unknown> = {
      ...metaTurn,
      channel: 'template',
      input: { kind: 'template', sessionId: '5511999990001', phone: '5511999990001', template: 'confirmar_presenca', metadata: { shift: 'x' }, at: now },
      version: 0,
      replies: [],
      pending: {},
      claim: null,
    };
    const { ops, response } = assembleCommit(stores, template);
    expect(ops.map((o) => o.label)).toEqual(['session.save', 'buffer.append', 'lock.release']);
    expect(ops[0].item.Put!.ConditionExpression).toBe('(attribute_not_exists(#sessionId) OR #ttl < :nowSec)');
    expect(ops[1].item.Put!.Item).toMatchObject({
      role: 'system',
      text: "Template 'confirmar_presenca' disparado",
      meta: { origin: 'template_fired', template: 'confirmar_presenca', metadata: { shift: 'x' } },
    });
    expect(response).toEqual({ session_id: '5511999990001', version: 1, replies: [] });
  });

  it('when a turn closes one action and opens another, then both changes are in the commit before the completion', () => {
    const closing = { ...metaTurn, pending: { close: { actionId: '01J0000000000000000000000A', to: 'aborted' as const }, open: draft } };
    expect(assembleCommit(stores, closing).ops.map((o) => o.label)).toEqual([
      'session.save',
      'buffer.append',
      'buffer.append',
      'pendingAction.marker',
      'pendingAction.create',
      'pendingAction.aborted',
      'idempotency.complete',
      'lock.release',
    ]);
  });
});
