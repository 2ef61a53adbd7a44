import type { UnderstandingService } from '../contracts/understanding.js';
import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/logger.js';
import { createOpenAIUnderstanding, type OpenAIUnderstandingOptions } from './openai-understanding.js';
import { createRulesUnderstanding } from './rules/rules-understanding.js';

/** The OpenAI settings; without an API key the rules work alone. */
type UnderstandingOptions = Omit<OpenAIUnderstandingOptions, 'apiKey' | 'logger' | 'clock' | 'onRedaction'> & { apiKey?: string };

export interface UnderstandingDeps {
  logger: Logger;
  clock?: Clock;
  onRedaction?: OpenAIUnderstandingOptions['onRedaction'];
}

/** OpenAI (with the rules first and as fallback) when an API key is given, else the rules alone. */
export function createUnderstanding(options: UnderstandingOptions, deps: UnderstandingDeps): UnderstandingService {
  const { apiKey } = options;
  if (!apiKey) {
    deps.logger.info('nlu.mode', { mode: 'rules' });
    return createRulesUnderstanding();
  }
  deps.logger.info('nlu.mode', { mode: 'openai', model: options.model });
  return createOpenAIUnderstanding({ ...options, apiKey, logger: deps.logger, clock: deps.clock, onRedaction: deps.onRedaction });
}
