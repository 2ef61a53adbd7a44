import { GetCommand, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { z } from 'zod';
import { AppError, ConflictError } from '../../kernel/errors.js';
import { epochSeconds } from '../../kernel/clock.js';
import { TABLE_DEFS, indexNamed } from '../tables.js';
import { LIVE, absentOrExpired, and, expressionsFor, nowValues, presentAndLive } from './expression.js';
import { guard, isExpired, type Item, type StoreDeps } from './store-deps.js';
import type { TxOp } from './transaction.js';

const DEF = TABLE_DEFS.sessions;
const KEY = DEF.partitionKey.name;
const TTL = DEF.ttlAttribute;
const expression = expressionsFor(DEF);
const BY_ACTIVITY = indexNamed(DEF, 'activity-index');
/**
 * Every session carries the same shard value, so one Query lists them by last save. A save is one
 * index write: a single partition takes ~1,000 of them a second, far above this service's turn rate.
 */
const ACTIVITY_SHARD = 'all';
const DAY_MS = 86_400_000;
/** DynamoDB's item limit is 400 KB; keep headroom for attribute names and the other attributes. */
const MAX_STATE_BYTES = 350 * 1024;
/** A save's condition: a new session must be absent (or expired); another must still be the version read. */
const CREATE = { condition: absentOrExpired(KEY) };
const REPLACE = { condition: and(presentAndLive(KEY), '#version = :expected') };

export interface StoredSession<S> {
  state: S;
  version: number;
  /** ISO-8601 UTC. */
  updatedAt: string;
}

export interface SessionConflictDetails {
  sessionId: string;
  expectedVersion: number;
  /** The version stored now; 0 when the item is absent or expired. */
  currentVersion: number;
}

export interface SessionStoreOptions<S> extends StoreDeps {
  schema: z.ZodType<S>;
  ttlDays: number;
}

/**
 * One read of a session: found, absent (or expired), or a stored state the schema no longer
 * accepts — with its version, so a caller that starts afresh can still save over it with OCC.
 */
type SessionRead<S> = { status: 'found'; session: StoredSession<S> } | { status: 'absent' } | { status: 'invalid'; version: number; issues: string[] };

/** A session in the activity list: its id and when it was last saved (ISO-8601). */
export interface RecentSession {
  sessionId: string;
  updatedAt: string;
}

/** Where a page of the activity list continues: the last entry it showed. */
export type RecentCursor = RecentSession;

/** A save ready to commit: the conditional Put, and the version and state it stores. */
export interface SessionSave<S> {
  op: TxOp;
  version: number;
  state: S;
}

/**
 * Conversation state with optimistic concurrency: `version` is 1 after the first save and grows
 * by one per save; a save with a stale expected version fails with a ConflictError that carries
 * the current version (from ReturnValuesOnConditionCheckFailure, no extra read).
 */
export interface SessionStore<S> {
  /** Strongly consistent read; an invalid stored state is one of its results (see SessionRead). */
  read(sessionId: string): Promise<SessionRead<S>>;
  /** `read` for callers that only show a session: null when absent; `session.invalidState` (with the version) when invalid. */
  get(sessionId: string): Promise<StoredSession<S> | null>;
  /** Pure: the conditional Put for a save, committed inside the turn's transaction. */
  saveOp(sessionId: string, state: S, expectedVersion: number): SessionSave<S>;
  /** Pure: the Put of an imported session (see `importOp`). */
  importOp(sessionId: string, state: S, imported: ImportedSession): TxOp;
  /** Live sessions by last save, newest first, through the activity index (never a Scan); `after` continues a page. */
  listRecent(limit: number, after?: RecentCursor): Promise<{ sessions: RecentSession[]; next?: RecentCursor }>;
}

/** Where an imported session came from; kept on the item until the first turn saves over it. */
export interface ImportOrigin {
  source: string;
  /** The key the state was read from. */
  key: string;
  /** The import run that wrote it, so a resumed run recognises its own writes. */
  run: string;
}

export interface ImportedSession {
  /** Epoch ms the item expires (the source's remaining lifetime), not the usual SESSION_TTL_DAYS. */
  expiresAt: number;
  origin: ImportOrigin;
}

/** An import found the session already stored (live): `current` is the item as it is. */
class SessionExistsError extends ConflictError<{ sessionId: string; current: Item }> {
  constructor(sessionId: string, current: Item) {
    super('conflict.generic', 'the session already exists', { sessionId, current });
  }
}

/** Builds the session store over the OrchestratorSessions table. */
export function createSessionStore<S>(options: SessionStoreOptions<S>): SessionStore<S> {
  const { doc, tableName, clock, schema, ttlDays } = options;

  async function read(sessionId: string): Promise<SessionRead<S>> {
    const out = await guard(() => doc.send(new GetCommand({ TableName: tableName, Key: { [KEY]: sessionId }, ConsistentRead: true })));
    const item = out.Item;
    if (!item || isExpired(item, clock.now(), TTL)) return { status: 'absent' };
    const parsed = schema.safeParse(item.state);
    if (!parsed.success) {
      return { status: 'invalid', version: item.version as number, issues: parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`) };
    }
    return { status: 'found', session: { state: parsed.data, version: item.version as number, updatedAt: item.updatedAt as string } };
  }

  return {
    read,

    async get(sessionId) {
      const result = await read(sessionId);
      if (result.status === 'invalid') {
        const { version, issues } = result;
        throw new AppError('session.invalidState', `stored state of ${sessionId} fails the schema`, { sessionId, version, issues });
      }
      return result.status === 'found' ? result.session : null;
    },

    saveOp(sessionId, state, expectedVersion) {
      const valid = storable(sessionId, state);
      const now = clock.now();
      const version = expectedVersion + 1;
      // Version 0 means "new": the item must be absent (or expired); otherwise it must still be the version read.
      const text = expectedVersion === 0 ? CREATE : REPLACE;
      return {
        version,
        state: valid,
        op: {
          label: 'session.save',
          item: {
            Put: {
              TableName: tableName,
              Item: {
                [KEY]: sessionId,
                state: valid,
                version,
                updatedAt: new Date(now).toISOString(),
                [TTL]: epochSeconds(now + ttlDays * DAY_MS),
                [BY_ACTIVITY.partitionKey.name]: ACTIVITY_SHARD,
              },
              ...expression(text, { ...nowValues(now), expected: expectedVersion }),
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            },
          },
          onConditionFailed: (current) => conflict(sessionId, expectedVersion, current, now),
        },
      };
    },

    importOp(sessionId, state, { expiresAt, origin }) {
      const now = clock.now();
      return {
        label: 'session.import',
        item: {
          Put: {
            TableName: tableName,
            Item: {
              [KEY]: sessionId,
              state: storable(sessionId, state),
              version: 1,
              updatedAt: new Date(now).toISOString(),
              [TTL]: epochSeconds(expiresAt),
              [BY_ACTIVITY.partitionKey.name]: ACTIVITY_SHARD,
              importedFrom: origin,
            },
            // Whatever is stored and live is newer than the import: never overwritten.
            ...expression({ condition: absentOrExpired(KEY) }, nowValues(now)),
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
        onConditionFailed: (current) => new SessionExistsError(sessionId, current ?? {}),
      };
    },

    async listRecent(limit, after) {
      const sessions: RecentSession[] = [];
      // Expired sessions are filtered after a page is read: keep reading until `limit` live ones, and
      // one more to know that a next page exists.
      let start = after ? activityKey(after) : undefined;
      do {
        const page = await guard(() => doc.send(new QueryCommand({ ...recentParams(tableName, clock.now(), limit + 1), ExclusiveStartKey: start })));
        for (const item of page.Items ?? []) {
          if (sessions.length === limit) return { sessions, next: sessions.at(-1) };
          sessions.push({ sessionId: item[KEY] as string, updatedAt: item.updatedAt as string });
        }
        start = page.LastEvaluatedKey;
      } while (start);
      return { sessions };
    },
  };

  /** The state as stored: valid and within the item budget. */
  function storable(sessionId: string, state: S): S {
    const valid = schema.parse(state);
    const size = Buffer.byteLength(JSON.stringify(valid));
    if (size > MAX_STATE_BYTES) {
      throw new AppError('session.tooLarge', `session state is ${size} bytes, above ${MAX_STATE_BYTES}`, { sessionId, size });
    }
    return valid;
  }
}

/** Pure: one Query page of the activity index, newest first. */
export function recentParams(tableName: string, now: number, limit: number): QueryCommandInput {
  return {
    TableName: tableName,
    IndexName: BY_ACTIVITY.name,
    ScanIndexForward: false,
    ...expression({ keyCondition: `#${BY_ACTIVITY.partitionKey.name} = :shard`, filter: LIVE }, { shard: ACTIVITY_SHARD, ...nowValues(now) }),
    Limit: limit,
  };
}

/** Pure: the index key of a listed session, where the next page starts. */
const activityKey = (at: RecentCursor) => ({ [KEY]: at.sessionId, [BY_ACTIVITY.sortKey.name]: at.updatedAt, [BY_ACTIVITY.partitionKey.name]: ACTIVITY_SHARD });

function conflict(sessionId: string, expectedVersion: number, current: Item | undefined, now: number) {
  const currentVersion = current && !isExpired(current, now, TTL) ? Number(current.version ?? 0) : 0;
  return new ConflictError<SessionConflictDetails>(
    'session.versionConflict',
    `session version conflict: expected ${expectedVersion}, found ${currentVersion}`,
    { sessionId, expectedVersion, currentVersion },
  );
}
