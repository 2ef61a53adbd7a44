import type { ConversationEngine, Decision, EngineContext, EngineEvent, InboundMessage } from '../contracts/engine.js';
import type { Understanding } from '../contracts/understanding.js';
import { expectationOf } from './expectation.js';
import { renderReply } from './replies.js';
import { applyCallResult } from './results.js';
import { runTask } from './router.js';
import { createInitialState, stateSchema, type State } from './state.js';
import { applyTemplate } from './templates.js';
import type { TurnCtx } from './turn.js';

/** A turn never needs this many tasks; reaching it means a routing loop (a bug), so fail loudly. */
const MAX_TASKS_PER_STEP = 64;

/**
 * Builds the pure conversation engine. `decide` never performs I/O: it returns the next state,
 * the replies and the effects (at most one call per decision; the pipeline feeds its result back
 * as a `call.result`). Replies are produced only by the last decision of a turn, as one message.
 */
export function createEngine(): ConversationEngine<State> {
  return {
    stateSchema,
    initialState: createInitialState,
    expectation: expectationOf,
    decide,
  };
}

/** Given a state and an event, returns the next state, replies and effects. Pure: the input state is not mutated. */
export function decide(state: State, event: EngineEvent, ctx: EngineContext): Decision<State> {
  const t: TurnCtx = { s: structuredClone(state), ctx, effects: [] };
  switch (event.type) {
    case 'template':
      applyTemplate(t.s, event.template, event.metadata, event.at);
      return { state: t.s, replies: [], effects: [] };
    case 'message':
      startTurn(t, event.message, event.understanding);
      return run(t);
    case 'call.result':
      applyCallResult(t, event);
      return run(t);
  }
}

function startTurn(t: TurnCtx, message: InboundMessage, understanding: Understanding): void {
  t.s.phone = message.phone || t.s.phone;
  t.s.turn = {
    messageId: message.messageId,
    text: message.text,
    replyPayload: message.replyPayload ?? null,
    understanding: { ...understanding, finalizationTopics: { ...understanding.finalizationTopics } },
    queue: [{ t: 'op' }, { t: 'pending' }],
    awaiting: null,
    outcomes: [],
    bootstraps: 0,
    opDone: false,
    resumeFlow: null,
    notesTried: false,
    forcedResponse: null,
  };
}

/** Runs queued tasks until one needs a call (pause) or the queue is empty (end of turn). */
function run(t: TurnCtx): Decision<State> {
  for (let i = 0; i < MAX_TASKS_PER_STEP; i++) {
    const turn = t.s.turn;
    if (!turn) throw new Error('engine: no turn in progress');
    const task = turn.queue.shift();
    if (!task) return finish(t);
    const call = runTask(t, task);
    if (call) return { state: t.s, replies: [], effects: [...t.effects, call] };
  }
  throw new Error('engine: too many routing steps in one turn');
}

function finish(t: TurnCtx): Decision<State> {
  const reply = renderReply(t.s.turn?.outcomes ?? [], t.s);
  // A template's context applies to the one message that answers it.
  t.s.template.expecting = null;
  t.s.template.missingVitals = [];
  t.s.turn = null;
  return { state: t.s, replies: reply ? [reply] : [], effects: t.effects };
}
