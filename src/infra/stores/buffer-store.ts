import { monotonicFactory } from '../../kernel/ids.js';
import { epochSeconds } from '../../kernel/clock.js';
import { ConflictError } from '../../kernel/errors.js';
import { TABLE_DEFS } from '../tables.js';
import { LIVE, absentOrExpired, expressionsFor, nowValues } from './expression.js';
import { deliveryOf, unsentAttributes, type Delivery, type OutboxRecord } from './outbox-store.js';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { guard, queryPages, type Item, type StoreDeps } from './store-deps.js';
import type { TxOp } from './transaction.js';

const DEF = TABLE_DEFS.conversationBuffer;
const PK = DEF.partitionKey.name;
const SK = DEF.sortKey.name;
const TTL = DEF.ttlAttribute;
const expression = expressionsFor(DEF);
const DAY_MS = 86_400_000;
/** One Query page never asks for more than this many entries. */
const MAX_PAGE = 1000;

export type Role = 'user' | 'assistant' | 'system';

export interface BufferEntry {
  role: Role;
  text: string;
  meta?: Record<string, unknown>;
  /** Epoch milliseconds the message happened. */
  at: number;
  /** Provider message id (or another key): the same key is stored once. */
  dedupKey?: string;
  /** Outbound entries that still have to be sent through a provider carry an outbox record. */
  outbox?: OutboxRecord;
}

export interface StoredEntry extends Delivery {
  sessionId: string;
  sk: string;
  role: Role;
  text: string;
  meta: Record<string, unknown>;
  at: number;
}

export interface BufferStoreOptions extends StoreDeps {
  ttlDays: number;
}

/**
 * Every inbound and outbound message and template event, time-ordered per session.
 * Sort keys are "m#<13-digit ms>#<ULID>": time-sortable and unique even within one millisecond.
 * A dedup key is a second item "d#<key>" written in the same transaction, so it is stored once.
 */
export interface BufferStore {
  /** Pure: the Put ops for one entry (and its dedup marker); `sk` names the new item. */
  appendOps(sessionId: string, entry: BufferEntry): { sk: string; ops: TxOp[] };
  /** The last `limit` live entries, in chronological order. */
  listLast(sessionId: string, limit: number): Promise<StoredEntry[]>;
  /** Live entries with since ≤ at ≤ until (epoch ms), chronological, at most `limit`. */
  listRange(sessionId: string, since: number, until: number, limit?: number): Promise<StoredEntry[]>;
  /** Every live entry, chronological, a page at a time (an export streams them). */
  eachPage(sessionId: string, onPage: (entries: StoredEntry[]) => Promise<void> | void): Promise<void>;
}

/** Builds the buffer store over the ConversationBuffer table. */
export function createBufferStore(options: BufferStoreOptions): BufferStore {
  const { doc, tableName, clock, ttlDays } = options;
  const ulid = monotonicFactory();

  async function query(keyCondition: string, forward: boolean, values: Item, limit: number): Promise<StoredEntry[]> {
    const entries: StoredEntry[] = [];
    // Expired items are filtered after the page is read, so keep paging until `limit` live ones.
    await queryPages(
      doc,
      {
        TableName: tableName,
        ScanIndexForward: forward,
        ...expression({ keyCondition, filter: LIVE }, { ...values, ...nowValues(clock.now()) }),
        Limit: Math.min(limit, MAX_PAGE),
      },
      (page) => {
        for (const item of page.Items ?? []) if (entries.length < limit) entries.push(toEntry(item));
        return entries.length < limit;
      },
    );
    return entries;
  }

  return {
    appendOps(sessionId, entry) {
      const now = clock.now();
      const ttl = epochSeconds(now + ttlDays * DAY_MS);
      const sk = `m#${pad(entry.at)}#${ulid(entry.at)}`;
      const ops: TxOp[] = [];
      if (entry.dedupKey) {
        ops.push({
          label: 'buffer.dedup',
          item: {
            Put: {
              TableName: tableName,
              Item: { [PK]: sessionId, [SK]: `d#${entry.dedupKey}`, messageSk: sk, [TTL]: ttl },
              ...expression({ condition: absentOrExpired('sk') }, nowValues(now)),
            },
          },
          onConditionFailed: () => new DuplicateEntryError(sessionId, entry.dedupKey!),
        });
      }
      ops.push({
        label: 'buffer.append',
        item: {
          Put: {
            TableName: tableName,
            Item: {
              [PK]: sessionId,
              [SK]: sk,
              role: entry.role,
              text: entry.text,
              meta: entry.meta ?? {},
              at: entry.at,
              [TTL]: ttl,
              ...(entry.outbox ? unsentAttributes(entry.outbox, now) : {}),
            },
            ...expression({ condition: 'attribute_not_exists(#sk)' }),
          },
        },
        onConditionFailed: () => new ConflictError('conflict.generic', `buffer key ${sk} already exists`),
      });
      return { sk, ops };
    },

    async listLast(sessionId, limit) {
      const newestFirst = await query('#pk = :pk AND begins_with(#sk, :m)', false, { pk: sessionId, m: 'm#' }, limit);
      return newestFirst.reverse();
    },

    async listRange(sessionId, since, until, limit = MAX_PAGE) {
      return query('#pk = :pk AND #sk BETWEEN :from AND :to', true, { pk: sessionId, from: `m#${pad(since)}`, to: `m#${pad(until)}#~` }, limit);
    },

    async eachPage(sessionId, onPage) {
      let startKey: Item | undefined;
      do {
        const page = await guard(() =>
          doc.send(
            new QueryCommand({
              TableName: tableName,
              ...expression({ keyCondition: '#pk = :pk AND begins_with(#sk, :m)', filter: LIVE }, { pk: sessionId, m: 'm#', ...nowValues(clock.now()) }),
              Limit: MAX_PAGE,
              ExclusiveStartKey: startKey,
            }),
          ),
        );
        await onPage((page.Items ?? []).map(toEntry));
        startKey = page.LastEvaluatedKey;
      } while (startKey);
    },
  };
}

export class DuplicateEntryError extends ConflictError<{ sessionId: string; dedupKey: string }> {
  constructor(sessionId: string, dedupKey: string) {
    super('conflict.generic', 'an entry with this dedup key is already stored', { sessionId, dedupKey });
  }
}

/** Pure: epoch ms as 13 digits, so sort keys order by time. */
const pad = (ms: number) => String(Math.max(0, Math.floor(ms))).padStart(13, '0');

function toEntry(item: Item): StoredEntry {
  return {
    sessionId: item[PK] as string,
    sk: item[SK] as string,
    role: item.role as Role,
    text: item.text as string,
    meta: (item.meta as Record<string, unknown>) ?? {},
    at: item.at as number,
    ...deliveryOf(item),
  };
}
