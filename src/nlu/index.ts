/** The understanding layer: one interface (`UnderstandingService`), rules and OpenAI implementations. */
export { createUnderstanding } from './create-understanding.js';
export { createOpenAIUnderstanding, type OpenAIUnderstanding } from './openai-understanding.js';
export { createRulesUnderstanding, analyseWithRules } from './rules/rules-understanding.js';
export { NO_INFORMATION } from './rules/finalization-topics.js';
export { checkVital } from './rules/vital-ranges.js';
export type { NluContext } from './context.js';
export { createOpenAITranscriber } from './openai-transcriber.js';
