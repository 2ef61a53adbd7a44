import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backends, BackendCall } from '../../src/contracts/backends.js';
import type { Effect, PendingActionDraft } from '../../src/contracts/engine.js';
import { AppError } from '../../src/kernel/errors.js';
import { createEffectRunner, type EffectScope } from '../../src/pipeline/turn-effects.js';
import { draftAction } from '../support/pending-actions.js';
import { createStoreFixture, type StoreFixture } from '../support/stores.js';

/** A backend peer that records each call and answers from `answer` (a throw is a failed call). */
function recordingBackends(answer: (call: BackendCall) => unknown = () => ({ message: 'ok' })) {
  const calls: { call: BackendCall; idempotencyKey: string }[] = [];
  const backends: Backends = {
    call: (async (operation: BackendCall['operation'], request: unknown, options: { idempotencyKey: string }) => {
      const call = { operation, request } as BackendCall;
      calls.push({ call, idempotencyKey: options.idempotencyKey });
      return answer(call);
    }) as Backends['call'],
  };
  return { backends, calls };
}

const presence: BackendCall = { operation: 'updateWorkScheduleResponse', request: { scheduleID: 'sch-1', responseValue: 'confirmado' } };
const scope = (sessionId = 's'): EffectScope => ({ sessionId, owner: 'i1:turn', pending: {} });

/** The executor table: pending changes record into the plan; calls perform and yield their result. */
describe('effect executors', () => {
  let f: StoreFixture;
  const draft = (overrides: Partial<PendingActionDraft> = {}) => draftAction(f.clock, overrides);
  beforeAll(async () => {
    f = await createStoreFixture();
    // Items expire a day after their deadline; DynamoDB Local deletes those whose TTL passed in real time.
    f.clock.set(Date.now());
  });
  afterAll(() => f.dynamo.destroy());

  const runner = (backends: Backends) => createEffectRunner({ pendingActions: f.stores.pendingActions, backends });

  it('when an action is staged over an open one, then the plan opens it and aborts the one it supersedes, and nothing is called', async () => {
    const { backends, calls } = recordingBackends();
    const s = scope();
    const action = draft();
    expect(await runner(backends).perform({ type: 'pending.stage', action, supersedes: 'A0' }, s)).toBeUndefined();
    expect(s.pending).toEqual({ open: action, close: { actionId: 'A0', to: 'aborted' } });
    expect(calls).toEqual([]);
  });

  it('when an action is aborted or expires, then the plan closes it that way', async () => {
    const { backends } = recordingBackends();
    const aborted = scope();
    await runner(backends).perform({ type: 'pending.abort', actionId: 'A1' }, aborted);
    expect(aborted.pending).toEqual({ close: { actionId: 'A1', to: 'aborted' } });
    const expired = scope();
    await runner(backends).perform({ type: 'pending.expire', actionId: 'A2' }, expired);
    expect(expired.pending).toEqual({ close: { actionId: 'A2', to: 'expired' } });
  });

  it('when a query succeeds, then its result carries the call id and the data, and the backend got the idempotency key', async () => {
    const { backends, calls } = recordingBackends(() => ({ schedule: 'x' }));
    const result = await runner(backends).perform({ type: 'backend.query', callId: 'c1', call: presence, idempotencyKey: 'k1' }, scope());
    expect(result).toEqual({ type: 'call.result', callId: 'c1', ok: true, data: { schedule: 'x' } });
    expect(calls).toEqual([{ call: presence, idempotencyKey: 'k1' }]);
  });

  it('when a command fails, then its result is the error as data: code, message and whether a retry may help', async () => {
    const { backends } = recordingBackends(() => {
      throw new AppError('backend.timeout', 'no answer in 2000 ms');
    });
    const result = await runner(backends).perform({ type: 'backend.command', callId: 'c2', call: presence, idempotencyKey: 'k2' }, scope());
    expect(result).toEqual({
      type: 'call.result',
      callId: 'c2',
      ok: false,
      error: { code: 'backend.timeout', message: 'no answer in 2000 ms', retryable: true },
    });
  });

  it('when a staged action is executed, then it is confirmed and claimed, its stored call runs under its action id, and the plan records it executed', async () => {
    const action = draft();
    await f.stores.pendingActions.create('exec-ok', action);
    const { backends, calls } = recordingBackends(() => ({ message: 'confirmado' }));
    const s = scope('exec-ok');
    const result = await runner(backends).perform({ type: 'pending.execute', callId: 'c3', actionId: action.actionId }, s);
    expect(result).toEqual({ type: 'call.result', callId: 'c3', ok: true, data: { message: 'confirmado' } });
    expect(calls).toEqual([{ call: presence, idempotencyKey: action.actionId }]);
    expect(s.pending).toEqual({ close: { actionId: action.actionId, to: 'executed', owner: 'i1:turn', result: { message: 'confirmado' } } });
    expect(await f.stores.pendingActions.get('exec-ok', action.actionId)).toMatchObject({ status: 'executing', owner: 'i1:turn' });
  });

  it('when the executed call fails, then the plan records the action failed with the error', async () => {
    const action = draft();
    await f.stores.pendingActions.create('exec-fail', action);
    const { backends } = recordingBackends(() => {
      throw new AppError('backend.http', 'HTTP 500');
    });
    const s = scope('exec-fail');
    const result = await runner(backends).perform({ type: 'pending.execute', callId: 'c4', actionId: action.actionId }, s);
    const error = { code: 'backend.http', message: 'HTTP 500', retryable: false };
    expect(result).toEqual({ type: 'call.result', callId: 'c4', ok: false, error });
    expect(s.pending).toEqual({ close: { actionId: action.actionId, to: 'failed', owner: 'i1:turn', error } });
  });

  it('when the action can no longer be claimed (its window passed), then the result is the conflict, nothing is called and the plan is unchanged', async () => {
    const action = draft({ expiresAt: f.clock.now() + 1_000 });
    await f.stores.pendingActions.create('exec-late', action);
    f.clock.advance(2_000);
    const { backends, calls } = recordingBackends();
    const s = scope('exec-late');
    const result = await runner(backends).perform({ type: 'pending.execute', callId: 'c5', actionId: action.actionId }, s);
    expect(result).toMatchObject({ type: 'call.result', callId: 'c5', ok: false, error: { code: 'pendingAction.conflict', retryable: false } });
    expect(calls).toEqual([]);
    expect(s.pending).toEqual({});
  });

  it('when effects are queued, then they run in declared order up to the first call, whose result is returned and the rest stay queued', async () => {
    const { backends, calls } = recordingBackends(() => 'data');
    const s = scope();
    const queue: Effect[] = [
      { type: 'pending.expire', actionId: 'A3' },
      { type: 'backend.query', callId: 'c6', call: presence, idempotencyKey: 'k6' },
      { type: 'pending.abort', actionId: 'A4' },
    ];
    const result = await runner(backends).untilCall(queue, s);
    expect(result).toMatchObject({ callId: 'c6', ok: true });
    expect(s.pending).toEqual({ close: { actionId: 'A3', to: 'expired' } });
    expect(queue).toEqual([{ type: 'pending.abort', actionId: 'A4' }]);
    expect(await runner(backends).untilCall(queue, s)).toBeUndefined();
    expect(s.pending).toEqual({ close: { actionId: 'A4', to: 'aborted' } });
    expect(queue).toEqual([]);
    expect(calls).toHaveLength(1);
  });

  it('when an effect type has no executor, then it is an internal error', async () => {
    const { backends } = recordingBackends();
    await expect(runner(backends).perform({ type: 'pending.teleport' } as unknown as Effect, scope())).rejects.toMatchObject({ code: 'internal.error' });
  });
});
