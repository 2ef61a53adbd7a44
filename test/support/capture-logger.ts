import { createLogger, type Logger } from '../../src/kernel/logger.js';

/** A real logger whose JSON lines are captured for assertions. */
export function createCapturingLogger(level = 'debug'): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const raw: string[] = [];
  const logger = createLogger({ level, write: (line) => raw.push(line) });
  return {
    logger,
    lines: () =>
      raw
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}
