/**
 * The legacy keyspace as batches: one SCAN (MATCH per family, COUNT per batch — never KEYS) and
 * one pipeline that fetches every value and remaining TTL of the batch, with the other checkpoint
 * of the same phone so the newer one can win. Only the current batch is in memory.
 */
import { Redis } from 'ioredis';
import { FAMILIES, checkpointDigits, partnerKey, type Family } from './legacy.js';

/** What the import needs of a Redis client (ioredis, or ioredis-mock in tests). */
export type RedisClient = Pick<Redis, 'scan' | 'pipeline' | 'dbsize' | 'quit' | 'disconnect'>;

export interface StoredValue {
  value: Buffer | null;
  /** Remaining TTL in ms; -1 = no expiry, -2 = gone. */
  pttl: number;
  /** Set when Redis refused the read (e.g. WRONGTYPE: not a string). */
  error?: string;
}

export interface FetchedKey extends StoredValue {
  key: string;
  family: Family;
  /** The other family's checkpoint of the same phone (checkpoint families only). */
  partner?: StoredValue & { key: string };
}

export interface Batch {
  family: Family;
  /** The cursor after this batch; "0" when the family's scan is complete. */
  cursor: string;
  keys: FetchedKey[];
}

/** Redis could not be reached, or the URL is not a Redis URL: the CLI prints one line and exits 2. */
export class RedisUnavailableError extends Error {}

/** Pure: the URL, checked to be redis:// or rediss://. */
export function parseRedisUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new RedisUnavailableError(`not a URL: ${JSON.stringify(raw)} (expected redis://host:6379/0)`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:')
    throw new RedisUnavailableError(`not a Redis URL: ${url.protocol}// (expected redis://host:6379/0)`);
  if (!/^\/?\d*$/.test(url.pathname)) throw new RedisUnavailableError(`the database must be a number: ${url.pathname}`);
  return url;
}

/** Connects to the legacy Redis, failing fast (no retry loop) with RedisUnavailableError. */
export async function connectRedis(url: URL, describe: string, connectTimeoutMs = 3_000): Promise<Redis> {
  const redis = new Redis(url.toString(), {
    lazyConnect: true,
    connectTimeout: connectTimeoutMs,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    // A lost connection fails the run (it resumes from its checkpoint); no silent reconnect loop.
    retryStrategy: () => null,
  });
  // ioredis reports the cause (ECONNREFUSED, ENOTFOUND, auth…) as an event; connect() only says "closed".
  let cause: { code?: string; message?: string } | undefined;
  redis.on('error', (error) => (cause ??= error));
  try {
    await redis.connect();
    await redis.ping();
    return redis;
  } catch (error) {
    redis.disconnect();
    const e = cause ?? (error as { code?: string; message?: string });
    throw new RedisUnavailableError(`cannot reach Redis at ${describe}: ${e.code ?? e.message ?? String(error)}`);
  }
}

/** Reads the keyspace one batch at a time. */
export function createRedisSource(redis: RedisClient) {
  async function fetchValues(requests: string[]): Promise<StoredValue[]> {
    const pipeline = redis.pipeline();
    for (const key of requests) pipeline.getBuffer(key).pttl(key);
    const replies = (await pipeline.exec()) ?? [];
    const out: StoredValue[] = [];
    for (let i = 0; i < requests.length; i++) {
      const [valueError, value] = replies[2 * i] ?? [];
      const [, pttl] = replies[2 * i + 1] ?? [];
      out.push({ value: (value as Buffer | null) ?? null, pttl: typeof pttl === 'number' ? pttl : -2, ...(valueError ? { error: valueError.message } : {}) });
    }
    return out;
  }

  return {
    /** Keys in Redis now (the progress bar's scale). */
    size: () => redis.dbsize(),

    /** One SCAN of `family` from `cursor` (COUNT `count`), with every value fetched in one pipeline. */
    async batch(family: Family, cursor: string, count: number): Promise<Batch> {
      const [next, keys] = await redis.scan(cursor, 'MATCH', FAMILIES[family].match, 'COUNT', count);
      const partners = keys.map((key) => {
        const digits = family === 'msg' ? null : checkpointDigits(key);
        return digits ? partnerKey(family as 'pickle' | 'json', digits) : null;
      });
      const values = await fetchValues([...keys, ...partners.filter((p): p is string => p !== null)]);
      let p = keys.length;
      const fetched = keys.map((key, i): FetchedKey => {
        const partner = partners[i];
        return { key, family, ...values[i], ...(partner ? { partner: { key: partner, ...values[p++] } } : {}) };
      });
      return { family, cursor: next, keys: fetched };
    },
  };
}

export type RedisSource = ReturnType<typeof createRedisSource>;
