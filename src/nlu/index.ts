/** The understanding layer: one interface (`UnderstandingService`), rules and OpenAI implementations. */
export { createUnderstanding, type UnderstandingDeps } from './create-understanding.js';
export { createOpenAIUnderstanding, type OpenAIUnderstanding, type OpenAIUnderstandingOptions, type OpenAIUnderstandingStats } from './openai-understanding.js';
export { createRulesUnderstanding, analyseWithRules, type RulesAnalysis } from './rules/rules-understanding.js';
export { NO_INFORMATION } from './rules/finalization-topics.js';
export { VITAL_RANGES, checkVital, validateVitals, type InvalidVital } from './rules/vital-ranges.js';
export type { NluContext } from './context.js';
export { createOpenAITranscriber, type OpenAITranscriberOptions } from './openai-transcriber.js';
