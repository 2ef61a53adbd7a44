import type { ConversationEngine, Decision, EngineContext, EngineEvent } from '../contracts/engine.js';
import type { InboundMessage } from '../contracts/inbound.js';
import type { Understanding } from '../contracts/understanding.js';
import { expectationOf, identitiesOf } from './expectation.js';
import { renderReply } from './replies.js';
import { contentOf } from './content.js';
import { QUESTION_CODES, type ResultCode } from './result-codes.js';
import { applyCallResult, runTask } from './router.js';
import { createInitialState, stateSchema, type State } from './state.js';
import { applyTemplate } from './templates.js';
import { scratchOf, type TurnContext } from './turn-context.js';
import { cloneData } from './clone-data.js';

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
    identities: identitiesOf,
    decide,
  };
}

/** Given a state and an event, returns the next state, replies and effects. Pure: the input state is not mutated. */
function decide(state: State, event: EngineEvent, ctx: EngineContext): Decision<State> {
  const turn: TurnContext = { state: cloneData(state), env: ctx, effects: [] };
  switch (event.type) {
    case 'template':
      applyTemplate(turn.state, event.template, event.metadata, event.at);
      return { state: turn.state, replies: [], effects: [] };
    case 'message':
      startTurn(turn, event.message, event.understanding);
      return run(turn);
    case 'call.result':
      applyCallResult(turn, event);
      return run(turn);
  }
}

function startTurn(turn: TurnContext, message: InboundMessage, understanding: Understanding): void {
  turn.state.phone = message.phone || turn.state.phone;
  const content = contentOf(message);
  turn.state.turn = {
    messageId: message.messageId,
    text: message.text,
    replyPayload: message.replyPayload ?? null,
    // Opening the chat from an entry point is a greeting.
    understanding: {
      ...understanding,
      finalizationTopics: { ...understanding.finalizationTopics },
      ...(content.kind === 'welcome' && { intent: 'auxiliar' as const }),
    },
    content,
    queue: [{ t: 'content' }, { t: 'op' }, { t: 'pending' }],
    awaiting: null,
    outcomes: [],
    bootstraps: 0,
    opDone: false,
    resumeFlow: null,
    notesTried: false,
    forcedResponse: null,
  };
}

/** Runs queued tasks until one declared a call (pause: the pipeline performs it) or the queue is empty (end of turn). */
function run(turn: TurnContext): Decision<State> {
  for (let steps = 0; ; steps++) {
    const scratch = scratchOf(turn);
    if (scratch.awaiting) return { state: turn.state, replies: [], effects: turn.effects };
    const task = scratch.queue.shift();
    if (!task) return finish(turn);
    if (steps >= MAX_TASKS_PER_STEP) throw new Error('engine: too many routing steps in one turn');
    runTask(turn, task);
  }
}

function finish(turn: TurnContext): Decision<State> {
  const scratch = scratchOf(turn);
  const outcomes = scratch.outcomes;
  // A question built from a voice note quotes what was heard, so the caregiver can correct it.
  if (scratch.content.kind === 'heard' && outcomes.some((o) => QUESTION_CODES.has(o.code as ResultCode))) {
    outcomes.unshift({ code: 'TRANSCRIPT_QUOTED', params: { text: scratch.text } });
  }
  const reply = renderReply(outcomes, turn.state);
  // A template's context applies to the one message that answers it.
  turn.state.template.expecting = null;
  turn.state.template.missingVitals = [];
  turn.state.turn = null;
  return { state: turn.state, replies: reply ? [reply] : [], effects: turn.effects };
}
