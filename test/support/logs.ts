import Transport from 'winston-transport';
import { createLogger } from '../../src/kernel/logger.js';

/** Captures the JSON lines a logger writes. */
export function captureLogger(level = 'debug') {
  const lines: Record<string, unknown>[] = [];
  const transport = new (class extends Transport {
    override log(info: Record<string | symbol, unknown>, next: () => void) {
      lines.push(JSON.parse(String(info[Symbol.for('message')])));
      next();
    }
  })();
  return { logger: createLogger({ level, transports: [transport] }), lines };
}
