/** The levels, most severe first (npm's, as LOG_LEVEL names them). */
const LEVELS = { error: 0, warn: 1, info: 2, debug: 3 } as const;
export type LogLevel = keyof typeof LEVELS;

type Fields = Record<string, unknown>;

/** JSON-lines logger; `child({ requestId })` adds fields to every line of its own. */
export interface Logger {
  error(message: string, fields?: Fields): void;
  warn(message: string, fields?: Fields): void;
  info(message: string, fields?: Fields): void;
  debug(message: string, fields?: Fields): void;
  child(fields: Fields): Logger;
}

/** Keys whose values are phone numbers or phone-derived ids: always masked. */
const PHONE_KEYS = new Set(['phone', 'phoneNumber', 'sessionId', 'session_id', 'from', 'wa_id', 'to', 'recipient_id']);
/** Keys whose values are message text: dropped unless the entry is at debug level. */
const TEXT_KEYS = new Set(['text', 'body', 'reply', 'replies', 'caption', 'messageText']);
/** 10–15 digit runs, optionally with "+": phone numbers embedded in free text. */
const PHONE_IN_TEXT = /\+?\d{10,15}/g;
/** Only a string with such a run needs the replace (most log strings have none). */
const HAS_PHONE = /\d{10}/;
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
export const maskPhonesIn = (text: string): string => (HAS_PHONE.test(text) ? text.replace(PHONE_IN_TEXT, (m) => maskPhone(m)) : text);

function scrub(value: unknown, keepText: boolean, depth = 0): unknown {
  if (depth > 6) return '[depth]';
  if (typeof value === 'string') return maskPhonesIn(value);
  if (Array.isArray(value)) return value.map((v) => scrub(v, keepText, depth + 1));
  if (value && typeof value === 'object' && !(value instanceof Error)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = scrubField(k, v, keepText, depth + 1);
    return out;
  }
  return value;
}

/** One field: message text omitted unless at debug, phone fields masked, everything else scrubbed. */
function scrubField(key: string, value: unknown, keepText: boolean, depth: number): unknown {
  if (TEXT_KEYS.has(key) && !keepText) return '[omitted]';
  if (PHONE_KEYS.has(key) && typeof value === 'string') return maskPhone(value);
  return scrub(value, keepText, depth);
}

/** JSON that never throws: a cycle becomes "[Circular]", a bigint its digits. */
function safeJson(entry: Fields): string {
  try {
    return JSON.stringify(entry);
  } catch {
    const seen = new WeakSet<object>();
    return JSON.stringify(entry, (_key, value: unknown) => {
      if (typeof value === 'bigint') return value.toString();
      if (value && typeof value === 'object') {
        if (seen.has(value)) return '[Circular]';
        seen.add(value);
      }
      return value;
    });
  }
}

/**
 * Writes the lines of one event-loop turn to stdout in one write: stdout to a pipe is a
 * synchronous syscall per write, and a busy turn logs several lines. Lines still waiting when the
 * process exits are written then.
 */
function batchedStdout(): (line: string) => void {
  let lines: string[] = [];
  const flush = () => {
    process.off('exit', flush);
    const text = lines.join('');
    lines = [];
    if (text) process.stdout.write(text);
  };
  return (line) => {
    if (lines.push(line) === 1) {
      setImmediate(flush);
      process.once('exit', flush);
    }
  };
}

export interface LoggerOptions {
  level?: string;
  /** Where each line goes (with its newline); default: stdout, batched per event-loop turn. Tests capture lines this way. */
  write?: (line: string) => void;
  silent?: boolean;
}

/**
 * Builds a JSON-lines logger: `{level, message, …fields, timestamp}`, phones masked everywhere,
 * message text omitted unless the entry is debug. An entry above the level costs one comparison.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const max = LEVELS[(options.level ?? 'info') as LogLevel] ?? LEVELS.info;
  const write = options.silent ? null : (options.write ?? batchedStdout());

  function emit(level: LogLevel, message: string, bound: Fields | null, fields: Fields | undefined) {
    if (write === null || LEVELS[level] > max) return;
    const keepText = level === 'debug';
    const entry: Fields = { level, message: scrub(message, keepText) };
    for (const source of [bound, fields]) {
      if (!source) continue;
      for (const key of Object.keys(source)) {
        if (key === 'level' || key === 'message') continue;
        const value = source[key];
        entry[key] = isUuidRequestId(key, value) ? value : scrubField(key, value, keepText, 0);
      }
    }
    entry.timestamp = new Date().toISOString();
    write(`${safeJson(entry)}\n`);
  }

  function make(bound: Fields | null): Logger {
    return {
      error: (message, fields) => emit('error', message, bound, fields),
      warn: (message, fields) => emit('warn', message, bound, fields),
      info: (message, fields) => emit('info', message, bound, fields),
      debug: (message, fields) => emit('debug', message, bound, fields),
      child: (fields) => make({ ...bound, ...fields }),
    };
  }
  return make(null);
}
