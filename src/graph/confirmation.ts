import type { CallResult } from '../contracts/engine.js';
import { PENDING_HANDLERS } from './flows/index.js';
import { answerOf, emitCode, expirePending, next, requestExecute, stage, type TurnContext } from './turn-context.js';

/**
 * The two-phase commit, router step (2): one open pending action per session. Expired → say so
 * and route on; "sim" → execute exactly the staged call, once; "não" or anything else → the flow
 * that staged it answers (its `pendingHandlers`, by kind). The execution's result goes back to
 * that flow; a backend failure offers the same call again.
 */
export function pendingStep(turn: TurnContext): void {
  const pending = turn.state.pending;
  if (!pending) {
    next(turn, { t: 'route' });
    return;
  }
  if (pending.expiresAt <= turn.env.now) {
    expirePending(turn);
    emitCode(turn, 'PENDING_EXPIRED');
    next(turn, { t: 'route' });
    return;
  }
  const handlers = PENDING_HANDLERS[pending.kind];
  const answer = answerOf(turn);
  if (answer === 'yes') requestExecute(turn, pending.actionId);
  else if (answer === 'no') handlers.onNo(turn, pending);
  else handlers.onOther(turn, pending);
}

/** The result of executing the confirmed action. */
export function executeResult(turn: TurnContext, result: CallResult): void {
  const pending = turn.state.pending;
  turn.state.pending = null;
  if (!result.ok) {
    if (result.error.code.startsWith('pendingAction.') || !pending) {
      // Already executed (a duplicate "sim"), expired or superseded: nothing ran now.
      emitCode(turn, 'PENDING_ALREADY_HANDLED');
      return;
    }
    // The backend failed: tell the truth and offer exactly the same call again, as a new action
    // (the failed one is terminal in the store). Only ever after a failure, so still at most once.
    stage(turn, pending.kind, pending.call, pending.description, PENDING_HANDLERS[pending.kind].failedCode);
    return;
  }
  if (pending) PENDING_HANDLERS[pending.kind].onExecuted(turn, pending);
}
