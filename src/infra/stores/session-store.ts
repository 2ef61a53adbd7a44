import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { z } from 'zod';
import { AppError, ConflictError } from '../../kernel/errors.js';
import { epochSeconds } from '../../kernel/clock.js';
import { TABLE_DEFS } from '../tables.js';
import { ABSENT_OR_EXPIRED, PRESENT_AND_LIVE, guard, isExpired, wrap, type StoreDeps } from './store-deps.js';
import { conditionFailedItem, isConditionFailed, type TxOp } from './transaction.js';

const KEY = TABLE_DEFS.sessions.partitionKey.name;
/** DynamoDB's item limit is 400 KB; keep headroom for attribute names and the other attributes. */
export const MAX_STATE_BYTES = 350 * 1024;

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
 * Conversation state with optimistic concurrency: `version` is 1 after the first save and grows
 * by one per save; a save with a stale expected version fails with a ConflictError that carries
 * the current version (from ReturnValuesOnConditionCheckFailure, no extra read).
 */
export class SessionStore<S> {
  constructor(private readonly options: SessionStoreOptions<S>) {}

  /** Strongly consistent read; null when absent or expired; `session.invalidState` (with the version) when the state fails the schema. */
  async get(sessionId: string): Promise<StoredSession<S> | null> {
    const { doc, tableName, clock, schema } = this.options;
    const out = await guard(() => doc.send(new GetCommand({ TableName: tableName, Key: { [KEY]: sessionId }, ConsistentRead: true })));
    const item = out.Item;
    if (!item || isExpired(item, clock.now())) return null;
    const parsed = schema.safeParse(item.state);
    if (!parsed.success) {
      // Keep the version: a caller that starts afresh can still save over it with OCC.
      throw new AppError('session.invalidState', `stored state of ${sessionId} fails the schema`, {
        sessionId,
        version: item.version as number,
        issues: parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`),
      });
    }
    return { state: parsed.data, version: item.version as number, updatedAt: item.updatedAt as string };
  }

  /** Pure: the conditional Put for a save, usable alone or inside the turn's transaction. */
  saveOp(sessionId: string, state: S, expectedVersion: number): { op: TxOp; version: number; state: S } {
    const { tableName, clock, schema, ttlDays } = this.options;
    const valid = schema.parse(state);
    const size = Buffer.byteLength(JSON.stringify(valid));
    if (size > MAX_STATE_BYTES) {
      throw new AppError('session.tooLarge', `session state is ${size} bytes, above ${MAX_STATE_BYTES}`, { sessionId, size });
    }
    const now = clock.now();
    const version = expectedVersion + 1;
    const condition = expectedVersion === 0 ? ABSENT_OR_EXPIRED(KEY) : `${PRESENT_AND_LIVE(KEY)} AND #version = :expected`;
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
              ttl: epochSeconds(now) + ttlDays * 86_400,
            },
            ConditionExpression: condition,
            ExpressionAttributeNames: { [`#${KEY}`]: KEY, '#ttl': 'ttl', ...(expectedVersion ? { '#version': 'version' } : {}) },
            ExpressionAttributeValues: { ':nowSec': epochSeconds(now), ...(expectedVersion ? { ':expected': expectedVersion } : {}) },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
        onConditionFailed: (current) => conflict(sessionId, expectedVersion, current, now),
      },
    };
  }

  /** Saves with OCC and returns the new version; ConflictError (`session.versionConflict`) when stale. */
  async save(sessionId: string, state: S, expectedVersion: number): Promise<number> {
    const { op, version } = this.saveOp(sessionId, state, expectedVersion);
    try {
      await this.options.doc.send(new PutCommand(op.item.Put!));
    } catch (error) {
      if (isConditionFailed(error)) throw op.onConditionFailed(conditionFailedItem(error));
      throw wrap(error);
    }
    return version;
  }

  async delete(sessionId: string): Promise<void> {
    const { doc, tableName } = this.options;
    await guard(() => doc.send(new DeleteCommand({ TableName: tableName, Key: { [KEY]: sessionId } })));
  }
}

function conflict(sessionId: string, expectedVersion: number, current: Record<string, unknown> | undefined, now: number) {
  const currentVersion = current && !isExpired(current, now) ? Number(current.version ?? 0) : 0;
  return new ConflictError<SessionConflictDetails>(
    'session.versionConflict',
    `session version conflict: expected ${expectedVersion}, found ${currentVersion}`,
    { sessionId, expectedVersion, currentVersion },
  );
}
