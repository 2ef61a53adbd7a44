import type { Backends, BackendCall } from '../contracts/backends.js';
import type { CallResult, Effect } from '../contracts/engine.js';
import { AppError } from '../kernel/errors.js';
import type { PendingActionStore } from '../infra/stores/pending-action-store.js';
import type { PendingPlan } from './turn-types.js';

/** What an effect is performed for: the turn's session, its owner id, and its commit plan. */
export interface EffectScope {
  sessionId: string;
  /** Recorded on a pending action this turn claims for execution. */
  owner: string;
  /** Pending changes record here; the turn commits them with everything else. */
  pending: PendingPlan;
}

/** A pending change records into the plan and yields nothing; a call yields the result the engine continues with. */
type Executor<E extends Effect> = (effect: E, scope: EffectScope) => E extends { callId: string } ? Promise<CallResult> : void;

/** One executor per effect type: adding an effect to the contract fails to compile until it has one. */
type Executors = { [K in Effect['type']]: Executor<Extract<Effect, { type: K }>> };

interface EffectDeps {
  pendingActions: Pick<PendingActionStore, 'confirm' | 'claim'>;
  backends: Backends;
}

/** The executor table. */
function createExecutors({ pendingActions, backends }: EffectDeps): Executors {
  const callBackend = ({ operation, request }: BackendCall, idempotencyKey: string) => backends.call(operation, request, { idempotencyKey });

  return {
    'pending.stage': ({ action, supersedes }, { pending }) => {
      pending.open = action;
      if (supersedes && pending.close?.actionId !== supersedes) pending.close = { actionId: supersedes, to: 'aborted' };
    },
    'pending.abort': ({ actionId }, { pending }) => {
      pending.close = { actionId, to: 'aborted' };
    },
    'pending.expire': ({ actionId }, { pending }) => {
      pending.close = { actionId, to: 'expired' };
    },
    'backend.query': ({ callId, call, idempotencyKey }) => settle(callId, () => callBackend(call, idempotencyKey)),
    'backend.command': ({ callId, call, idempotencyKey }) => settle(callId, () => callBackend(call, idempotencyKey)),
    // The user said yes: confirm, claim (→ executing), call with the action id as the key, record how it ended.
    'pending.execute': async ({ callId, actionId }, { sessionId, owner, pending }) => {
      const claimed = await settle(callId, async () => {
        // An action already confirmed (by a turn that then failed and is retried) stays confirmed; the claim decides.
        await pendingActions.confirm(sessionId, actionId);
        return (await pendingActions.claim(sessionId, actionId, owner)).call;
      });
      if (!claimed.ok) return claimed;
      const result = await settle(callId, () => callBackend(claimed.data as BackendCall, actionId));
      pending.close = result.ok ? { actionId, to: 'executed', owner, result: result.data } : { actionId, to: 'failed', owner, error: result.error };
      return result;
    },
  };
}

/** Performs effects through the executor table. */
export function createEffectRunner(deps: EffectDeps) {
  const executors = createExecutors(deps);

  /** Performs one effect: a call's result, or undefined for a pending change. */
  async function perform(effect: Effect, scope: EffectScope): Promise<CallResult | undefined> {
    const execute = executors[effect.type] as ((effect: Effect, scope: EffectScope) => Promise<CallResult> | void) | undefined;
    if (!execute) throw new AppError('internal.error', `unknown effect ${JSON.stringify(effect)}`);
    return (await execute(effect, scope)) ?? undefined;
  }

  /**
   * Performs queued effects in the order the engine declared them until a call yields its result
   * (undefined: the queue is empty). The engine pauses at a call, so a call is the last effect of
   * its decision and the pending changes declared with it are recorded before it runs.
   */
  async function untilCall(queue: Effect[], scope: EffectScope): Promise<CallResult | undefined> {
    for (let effect = queue.shift(); effect; effect = queue.shift()) {
      const result = await perform(effect, scope);
      if (result) return result;
    }
    return undefined;
  }

  return { perform, untilCall };
}

/** Runs one call; its failure is data for the engine (code, message, whether a retry may help), never a throw. */
async function settle(callId: string, run: () => Promise<unknown>): Promise<CallResult> {
  try {
    return { type: 'call.result', callId, ok: true, data: await run() };
  } catch (error) {
    const e = error as AppError;
    return {
      type: 'call.result',
      callId,
      ok: false,
      error: { code: e.code ?? 'internal.error', message: e.message ?? String(error), retryable: e.retryable ?? false },
    };
  }
}
