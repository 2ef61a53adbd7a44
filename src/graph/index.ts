/** The pure conversation engine: public surface. */
export { createEngine, decide } from './engine.js';
export { stateSchema, createInitialState, STATE_SCHEMA_VERSION, type State } from './state.js';
export { RESULT_CODES, type ResultCode } from './result-codes.js';
export { YES_NO_BUTTONS } from './replies.js';
export { SHIFT_REFRESH_MS } from './shift.js';
export { TEMPLATE_CONTEXT_TTL_MS } from './templates.js';
