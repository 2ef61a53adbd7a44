import type { Config } from '../config.js';
import type { UnderstandingService } from '../contracts/understanding.js';
import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/logger.js';
import { createOpenAIUnderstanding } from './openai-understanding.js';
import { createRulesUnderstanding } from './rules/rules-understanding.js';

export interface UnderstandingDeps {
  logger: Logger;
  clock?: Clock;
}

/** OpenAI (with the rules first and as fallback) when `OPENAI_API_KEY` is set, else the rules alone. */
export function createUnderstanding(
  config: Pick<Config, 'OPENAI_API_KEY' | 'OPENAI_BASE_URL' | 'OPENAI_MODEL' | 'OPENAI_TIMEOUT_MS'>,
  deps: UnderstandingDeps,
): UnderstandingService {
  if (!config.OPENAI_API_KEY) {
    deps.logger.info('nlu.mode', { mode: 'rules' });
    return createRulesUnderstanding();
  }
  deps.logger.info('nlu.mode', { mode: 'openai', model: config.OPENAI_MODEL });
  return createOpenAIUnderstanding({
    apiKey: config.OPENAI_API_KEY,
    baseURL: config.OPENAI_BASE_URL,
    model: config.OPENAI_MODEL,
    timeoutMs: config.OPENAI_TIMEOUT_MS,
    logger: deps.logger,
    clock: deps.clock,
  });
}
