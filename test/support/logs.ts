import { createLogger } from '../../src/kernel/logger.js';

/** Captures the JSON lines a logger writes. */
export function captureLogger(level = 'debug') {
  const lines: Record<string, unknown>[] = [];
  return { logger: createLogger({ level, write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) }), lines };
}
