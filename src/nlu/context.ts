import type { FinalizationTopic, Understanding, UnderstandingContext } from '../contracts/understanding.js';

/**
 * The shared context, plus what the rules can use when the engine knows it. `missingTopics` lets
 * a bare "sem informações" / "o resto sem informações" fill exactly the topics still missing.
 */
export interface NluContext extends UnderstandingContext {
  missingTopics?: readonly FinalizationTopic[];
}

/**
 * The contract's `finalizationTopics` is `z.record(z.enum(...))`, which zod 4 makes exhaustive
 * (all 8 keys required), but a message names only some topics. We return only the topics found;
 * this cast is the one place that bridges the two (reported to the lead: it should be
 * `z.partialRecord`).
 */
export function asTopics(found: Partial<Record<FinalizationTopic, string>>): Understanding['finalizationTopics'] {
  return found as Understanding['finalizationTopics'];
}
