import winston from 'winston';
import Transport from 'winston-transport';

export type Logger = winston.Logger;

/** Keys whose values are phone numbers or phone-derived ids: always masked. */
const PHONE_KEYS = new Set(['phone', 'phoneNumber', 'sessionId', 'session_id', 'from', 'wa_id', 'to', 'recipient_id']);
/** Keys whose values are message text: dropped unless the entry is at debug level. */
const TEXT_KEYS = new Set(['text', 'body', 'reply', 'replies', 'caption', 'messageText']);
/** 10–15 digit runs, optionally with "+": phone numbers embedded in free text. */
const PHONE_IN_TEXT = /\+?\d{10,15}/g;
/**
 * A UUID request id is random, never a phone, and must match the X-Request-Id the client got:
 * kept as is. (About 1 in 60 has a 10–12 digit run in its last group that PHONE_IN_TEXT would mask.)
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isUuidRequestId = (key: string, value: unknown) => key === 'requestId' && typeof value === 'string' && UUID.test(value);

/** Pure: "5511999990001" → "*********0001" (keeps the last 4 digits). */
export function maskPhone(value: string): string {
  return value.length <= 4 ? '****' : '*'.repeat(value.length - 4) + value.slice(-4);
}

/** Pure: every phone number in a text (a log line, a Redis key) masked as `maskPhone` does. */
export const maskPhonesIn = (text: string): string => text.replace(PHONE_IN_TEXT, (m) => maskPhone(m));

function scrub(value: unknown, keepText: boolean, depth = 0): unknown {
  if (depth > 6) return '[depth]';
  if (typeof value === 'string') return maskPhonesIn(value);
  if (Array.isArray(value)) return value.map((v) => scrub(v, keepText, depth + 1));
  if (value && typeof value === 'object' && !(value instanceof Error)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (TEXT_KEYS.has(k) && !keepText) out[k] = '[omitted]';
      else if (PHONE_KEYS.has(k) && typeof v === 'string') out[k] = maskPhone(v);
      else out[k] = scrub(v, keepText, depth + 1);
    }
    return out;
  }
  return value;
}

/** winston format: masks phones everywhere and omits message text unless the entry is debug. */
const privacy = winston.format((info) => {
  const keepText = info.level === 'debug';
  for (const key of Object.keys(info)) {
    if (key === 'level' || isUuidRequestId(key, info[key])) continue;
    (info as Record<string, unknown>)[key] =
      TEXT_KEYS.has(key) && !keepText ? '[omitted]' : PHONE_KEYS.has(key) && typeof info[key] === 'string' ? maskPhone(info[key]) : scrub(info[key], keepText);
  }
  return info;
});

const MESSAGE = Symbol.for('message');

/**
 * Writes the lines of one event-loop turn to stdout in one write: stdout to a pipe is a
 * synchronous syscall per write, and a busy turn logs several lines. Lines still waiting when the
 * process exits are written then.
 */
class BatchedStdout extends Transport {
  private lines: string[] = [];
  private readonly flush = () => {
    process.off('exit', this.flush);
    const text = this.lines.join('');
    this.lines = [];
    if (text) process.stdout.write(text);
  };

  override log(info: Record<PropertyKey, unknown>, callback: () => void) {
    if (this.lines.push(`${String(info[MESSAGE])}\n`) === 1) {
      setImmediate(this.flush);
      process.once('exit', this.flush);
    }
    callback();
  }
}

export interface LoggerOptions {
  level?: string;
  /** Extra transports (tests capture the lines this way). */
  transports?: Transport[];
  silent?: boolean;
}

/**
 * Drops an entry above the logger's level before anything else: winston runs the formats first and
 * lets the transports filter by level, so every debug line cost its scrub and JSON at info.
 */
const levelGate = winston.format((info, opts) => ((winston.config.npm.levels[info.level] ?? 0) <= (opts as { max: number }).max ? info : false));

/** Builds a JSON-lines logger; use `logger.child({ requestId })` for correlation. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  return winston.createLogger({
    level,
    silent: options.silent,
    format: winston.format.combine(
      levelGate({ max: winston.config.npm.levels[level] ?? winston.config.npm.levels.info }),
      winston.format.errors({ stack: true }),
      privacy(),
      winston.format.timestamp(),
      winston.format.json(),
    ),
    transports: options.transports ?? [new BatchedStdout()],
  });
}
