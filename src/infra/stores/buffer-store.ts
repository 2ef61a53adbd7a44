import { QueryCommand, TransactWriteCommand, UpdateCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { monotonicFactory } from '../../kernel/ids.js';
import { epochSeconds } from '../../kernel/clock.js';
import { TABLE_DEFS } from '../tables.js';
import { ABSENT_OR_EXPIRED, guard, isExpired, queryPages, type StoreDeps } from './store-deps.js';
import { isConditionFailed, type TxOp } from './transaction.js';
import { ConflictError } from '../../kernel/errors.js';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';

const PK = TABLE_DEFS.conversationBuffer.partitionKey.name;
const SK = TABLE_DEFS.conversationBuffer.sortKey.name;
const BY_PROVIDER_ID = TABLE_DEFS.conversationBuffer.indexes[0].name;
const OUTBOX_PENDING = TABLE_DEFS.conversationBuffer.indexes[1].name;
/** Value of the sparse `outboxPending` key while an outbound entry is unsent (one shard suffices here). */
const PENDING_SHARD = 'pending';

export const ROLES = ['user', 'assistant', 'system'] as const;
export type Role = (typeof ROLES)[number];

/** Delivery states of an outbound entry, in the order statuses may advance. `failed` is terminal. */
export const OUTBOX_RANK = { pending: 0, sent: 1, delivered: 2, read: 3, failed: 9 } as const;
export type OutboxStatus = keyof typeof OUTBOX_RANK;

export interface BufferEntry {
  role: Role;
  text: string;
  meta?: Record<string, unknown>;
  /** Epoch milliseconds the message happened. */
  at: number;
  /** Provider message id (or another key): the same key is stored once. */
  dedupKey?: string;
  /** Outbound entries that still have to be sent through a provider carry an outbox record. */
  outbox?: { to: string; payload: Record<string, unknown> };
}

export interface StoredEntry {
  sessionId: string;
  sk: string;
  role: Role;
  text: string;
  meta: Record<string, unknown>;
  at: number;
  outboxStatus?: OutboxStatus;
  outboxError?: Record<string, unknown>;
  providerMessageId?: string;
  outbox?: { to: string; payload: Record<string, unknown> };
  /** While unsent: since when (epoch ms), the outbox sweep's clock. */
  outboxSince?: number;
}

export interface BufferStoreOptions extends StoreDeps {
  ttlDays: number;
}

/**
 * Every inbound and outbound message and template event, time-ordered per session.
 * Sort keys are "m#<13-digit ms>#<ULID>": time-sortable and unique even within one millisecond.
 * A dedup key is a second item "d#<key>" written in the same transaction, so it is stored once.
 */
export class ConversationBufferStore {
  private readonly ulid = monotonicFactory();

  constructor(private readonly options: BufferStoreOptions) {}

  /** Pure: the sort key for a message at `at` (ms). */
  sortKey(at: number): string {
    return `m#${String(Math.max(0, Math.floor(at))).padStart(13, '0')}#${this.ulid(at)}`;
  }

  /** Pure: the Put ops for one entry (and its dedup marker); `sk` names the new item. */
  appendOps(sessionId: string, entry: BufferEntry): { sk: string; ops: TxOp[] } {
    const { tableName, clock, ttlDays } = this.options;
    const now = clock.now();
    const ttl = epochSeconds(now) + ttlDays * 86_400;
    const sk = this.sortKey(entry.at);
    const ops: TxOp[] = [];
    if (entry.dedupKey) {
      ops.push({
        label: 'buffer.dedup',
        item: {
          Put: {
            TableName: tableName,
            Item: { [PK]: sessionId, [SK]: `d#${entry.dedupKey}`, messageSk: sk, ttl },
            ConditionExpression: ABSENT_OR_EXPIRED(SK),
            ExpressionAttributeNames: { [`#${SK}`]: SK, '#ttl': 'ttl' },
            ExpressionAttributeValues: { ':nowSec': epochSeconds(now) },
          },
        },
        onConditionFailed: () => new DuplicateEntryError(sessionId, entry.dedupKey!),
      });
    }
    const outbox = entry.outbox
      ? { outbox: entry.outbox, outboxStatus: 'pending', outboxRank: 0, outboxPending: PENDING_SHARD, outboxSince: now }
      : {};
    ops.push({
      label: 'buffer.append',
      item: {
        Put: {
          TableName: tableName,
          Item: { [PK]: sessionId, [SK]: sk, role: entry.role, text: entry.text, meta: entry.meta ?? {}, at: entry.at, ttl, ...outbox },
          ConditionExpression: `attribute_not_exists(#${SK})`,
          ExpressionAttributeNames: { [`#${SK}`]: SK },
        },
      },
      onConditionFailed: () => new ConflictError('conflict.generic', `buffer key ${sk} already exists`),
    });
    return { sk, ops };
  }

  /** Appends one entry; `stored: false` when its dedup key was already stored. */
  async append(sessionId: string, entry: BufferEntry): Promise<{ sk: string; stored: boolean }> {
    const { sk, ops } = this.appendOps(sessionId, entry);
    try {
      await guard(() => this.options.doc.send(new TransactWriteCommand({ TransactItems: ops.map((o) => o.item) })));
      return { sk, stored: true };
    } catch (error) {
      const reasons = error instanceof TransactionCanceledException ? (error.CancellationReasons ?? []) : [];
      if (entry.dedupKey && reasons[0]?.Code === 'ConditionalCheckFailed') return { sk, stored: false };
      throw error;
    }
  }

  /** The last `limit` live entries, in chronological order. */
  async listLast(sessionId: string, limit: number): Promise<StoredEntry[]> {
    const newestFirst = await this.query(
      { KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :m)', ScanIndexForward: false },
      { ':pk': sessionId, ':m': 'm#' },
      limit,
    );
    return newestFirst.reverse();
  }

  /** Live entries with since ≤ at ≤ until (epoch ms), chronological, at most `limit`. */
  async listRange(sessionId: string, since: number, until: number, limit = 1000): Promise<StoredEntry[]> {
    return this.query(
      { KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to', ScanIndexForward: true },
      { ':pk': sessionId, ':from': `m#${pad(since)}`, ':to': `m#${pad(until)}#~` },
      limit,
    );
  }

  /** Outbound entries not yet handed to the provider, oldest first (the outbox sweep). */
  async listUnsent(olderThanMs: number, limit = 100): Promise<StoredEntry[]> {
    const out = await guard(() =>
      this.options.doc.send(
        new QueryCommand({
          TableName: this.options.tableName,
          IndexName: OUTBOX_PENDING,
          KeyConditionExpression: 'outboxPending = :p AND outboxSince <= :t',
          ExpressionAttributeValues: { ':p': PENDING_SHARD, ':t': olderThanMs },
          Limit: limit,
        }),
      ),
    );
    return (out.Items ?? []).filter((i) => !isExpired(i, this.options.clock.now())).map(toEntry);
  }

  /**
   * Takes a listed unsent entry for a resend: moves its `outboxSince` to now, only if it is still
   * pending and unchanged since it was listed. Of several sweeps (processes) that listed it, one
   * wins; the next sweep waits a whole threshold again.
   */
  async claimUnsent(entry: { sessionId: string; sk: string; outboxSince: number }): Promise<boolean> {
    try {
      await guard(() =>
        this.options.doc.send(
          new UpdateCommand({
            TableName: this.options.tableName,
            Key: { [PK]: entry.sessionId, [SK]: entry.sk },
            UpdateExpression: 'SET outboxSince = :now',
            ConditionExpression: 'outboxPending = :p AND outboxSince = :listed',
            ExpressionAttributeValues: { ':now': this.options.clock.now(), ':p': PENDING_SHARD, ':listed': entry.outboxSince },
          }),
        ),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }

  /** Records the provider's answer to a send; leaves the pending index. Monotonic like statuses. */
  async markSent(sessionId: string, sk: string, providerMessageId: string): Promise<void> {
    await this.advance(sessionId, sk, 'sent', { providerMessageId });
  }

  async markFailed(sessionId: string, sk: string, error: Record<string, unknown>): Promise<void> {
    await this.advance(sessionId, sk, 'failed', { outboxError: error });
  }

  /**
   * Applies a provider status webhook (sent < delivered < read; failed is terminal). Out-of-order
   * or repeated statuses are ignored: returns false when nothing changed or the entry is unknown.
   */
  async applyStatus(
    providerMessageId: string,
    status: Exclude<OutboxStatus, 'pending'>,
    error?: Record<string, unknown>,
    at?: { sessionId: string; sk: string },
  ): Promise<boolean> {
    // With the entry's key (from biz_opaque_callback_data) no index read is needed, and a status
    // that overtakes our own markSent still lands.
    if (at) return this.advance(at.sessionId, at.sk, status, { providerMessageId, ...(error ? { outboxError: error } : {}) });
    const found = await guard(() =>
      this.options.doc.send(
        new QueryCommand({
          TableName: this.options.tableName,
          IndexName: BY_PROVIDER_ID,
          KeyConditionExpression: 'providerMessageId = :id',
          ExpressionAttributeValues: { ':id': providerMessageId },
          Limit: 1,
        }),
      ),
    );
    const item = found.Items?.[0];
    if (!item) return false;
    return this.advance(item[PK] as string, item[SK] as string, status, error ? { outboxError: error } : {});
  }

  private async advance(sessionId: string, sk: string, status: Exclude<OutboxStatus, 'pending'>, extra: Record<string, unknown>) {
    const rank = OUTBOX_RANK[status];
    const names: Record<string, string> = { '#sk': SK };
    const values: Record<string, unknown> = { ':status': status, ':rank': rank, ':failed': OUTBOX_RANK.failed };
    const sets = ['outboxStatus = :status', 'outboxRank = :rank'];
    for (const [k, v] of Object.entries(extra)) {
      names[`#${k}`] = k;
      values[`:${k}`] = v;
      sets.push(`#${k} = :${k}`);
    }
    try {
      await this.options.doc.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: { [PK]: sessionId, [SK]: sk },
          UpdateExpression: `SET ${sets.join(', ')} REMOVE outboxPending`,
          // Only forward: a lower or equal rank never overwrites, and failed is final.
          ConditionExpression: 'attribute_exists(#sk) AND outboxRank < :rank AND outboxRank <> :failed',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }

  private async query(input: Partial<QueryCommandInput>, values: Record<string, unknown>, limit: number): Promise<StoredEntry[]> {
    const { doc, tableName, clock } = this.options;
    const entries: StoredEntry[] = [];
    // Expired items are filtered after the page is read, so keep paging until `limit` live ones.
    await queryPages(
      doc,
      {
        ...input,
        TableName: tableName,
        ExpressionAttributeNames: { '#pk': PK, '#sk': SK, '#ttl': 'ttl' },
        ExpressionAttributeValues: { ...values, ':nowSec': epochSeconds(clock.now()) },
        FilterExpression: '#ttl >= :nowSec',
        Limit: Math.min(limit, 1000),
      },
      (page) => {
        for (const item of page.Items ?? []) if (entries.length < limit) entries.push(toEntry(item));
        return entries.length < limit;
      },
    );
    return entries;
  }
}

export class DuplicateEntryError extends ConflictError<{ sessionId: string; dedupKey: string }> {
  constructor(sessionId: string, dedupKey: string) {
    super('conflict.generic', 'an entry with this dedup key is already stored', { sessionId, dedupKey });
  }
}

const pad = (ms: number) => String(Math.max(0, Math.floor(ms))).padStart(13, '0');

function toEntry(item: Record<string, unknown>): StoredEntry {
  return {
    sessionId: item[PK] as string,
    sk: item[SK] as string,
    role: item.role as Role,
    text: item.text as string,
    meta: (item.meta as Record<string, unknown>) ?? {},
    at: item.at as number,
    outboxStatus: item.outboxStatus as OutboxStatus | undefined,
    outboxError: item.outboxError as Record<string, unknown> | undefined,
    providerMessageId: item.providerMessageId as string | undefined,
    outbox: item.outbox as StoredEntry['outbox'],
    outboxSince: item.outboxSince as number | undefined,
  };
}
