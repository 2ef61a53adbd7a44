import type { FinalizationTopic, UnderstandingContext } from '../contracts/understanding.js';

/**
 * The shared context, plus what the rules can use when the engine knows it. `missingTopics` lets
 * a bare "sem informações" / "o resto sem informações" fill exactly the topics still missing.
 */
export interface NluContext extends UnderstandingContext {
  missingTopics?: readonly FinalizationTopic[];
}
