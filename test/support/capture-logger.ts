import { Writable } from 'node:stream';
import winston from 'winston';
import { createLogger, type Logger } from '../../src/kernel/logger.js';

/** A real logger whose JSON lines are captured for assertions. */
export function createCapturingLogger(level = 'debug'): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      raw.push(String(chunk));
      done();
    },
  });
  const logger = createLogger({ level, transports: [new winston.transports.Stream({ stream })] });
  return {
    logger,
    lines: () =>
      raw
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
  };
}
