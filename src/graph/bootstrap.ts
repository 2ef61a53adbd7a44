import type { CallResult } from '../contracts/engine.js';
import { applyBootstrap, SHIFT_REFRESH_MS } from './shift.js';
import { isConfirmed, shiftKnown } from './state.js';
import { emitCode, emitEffect, requestCall, scratchOf, type TurnContext } from './turn-context.js';

/**
 * Router step (4), the shift lookup: getScheduleStarted when the shift ids are unknown, on every
 * turn of a confirmed shift until the finish reminder, and when the cached shift is older than
 * SHIFT_REFRESH_MS. Once per turn unless forced (after a schedule update).
 */
export function bootstrapStep(turn: TurnContext, force: boolean): void {
  const state = turn.state;
  const scratch = scratchOf(turn);
  if (!force) {
    if (scratch.bootstraps > 0) return;
    const stale = state.shift.bootstrappedAt === null || turn.env.now - state.shift.bootstrappedAt > SHIFT_REFRESH_MS;
    const refresh = isConfirmed(state) && !state.shift.finishReminderSent;
    if (shiftKnown(state) && !stale && !refresh) return;
  }
  scratch.bootstraps += 1;
  // Per message (not per day): the backend must answer fresh flags (finishReminderSent) on each
  // new message, while a redelivery of the same message reuses the same key.
  const key = `bootstrap:${state.sessionId}:${scratch.messageId}${scratch.bootstraps > 1 ? `:${scratch.bootstraps}` : ''}`;
  requestCall(turn, 'bootstrap', 'backend.query', { operation: 'getScheduleStarted', request: { phoneNumber: state.phone } }, key);
}

/** getScheduleStarted's answer: a new shift starts fresh (its open action aborted); a failure keeps the cached shift. */
export function bootstrapResult(turn: TurnContext, result: CallResult): void {
  const scratch = scratchOf(turn);
  const prior = turn.state.pending;
  const applied = result.ok ? applyBootstrap(turn.state, result.data, turn.env.now) : null;
  if (!applied || applied.result === 'invalid') {
    // A failed refresh keeps the cached shift; without one there is nothing to work with.
    if (!shiftKnown(turn.state)) {
      emitCode(turn, 'BOOTSTRAP_FAILED');
      scratch.queue = [];
    }
    return;
  }
  turn.state = applied.state;
  if (applied.result === 'newShift' && prior) emitEffect(turn, { type: 'pending.abort', actionId: prior.actionId });
  // A lagging backend must not undo the schedule update this turn just made.
  if (applied.result === 'applied' && scratch.forcedResponse && turn.state.shift.response !== scratch.forcedResponse) {
    turn.state.shift.response = scratch.forcedResponse;
  }
}
