import { QueryCommand, UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import type { WebhookProvider } from '../../contracts/inbound.js';
import { TABLE_DEFS, indexNamed } from '../tables.js';
import { assignments, expressionsFor, update } from './expression.js';
import { guard, queryDue, writeIf, type DueIndex, type Item, type StoreDeps } from './store-deps.js';

const DEF = TABLE_DEFS.conversationBuffer;
const PK = DEF.partitionKey.name;
const SK = DEF.sortKey.name;
const BY_PROVIDER_ID = indexNamed(DEF, 'providerMessageId-index');
const UNSENT = indexNamed(DEF, 'outboxPending-index');
/** Sparse keys of the unsent index: only outbound entries not yet sent carry them. */
const SHARD = UNSENT.partitionKey.name;
const SINCE = UNSENT.sortKey.name;
const PROVIDER_ID = BY_PROVIDER_ID.partitionKey.name;
const expression = expressionsFor(DEF);
/** Value of the sparse `outboxPending` key while an outbound entry is unsent (one shard suffices here). */
const PENDING_SHARD = 'pending';
const UNSENT_DUE: DueIndex = { def: DEF, index: UNSENT, shard: PENDING_SHARD };

/** Delivery states of an outbound entry, in the order statuses may advance. `failed` is terminal. */
const OUTBOX_RANK = { pending: 0, sent: 1, delivered: 2, read: 3, failed: 9 } as const;
export type OutboxStatus = keyof typeof OUTBOX_RANK;

/** What an outbound entry must still send through a provider. */
export interface OutboxRecord {
  to: string;
  payload: Record<string, unknown>;
  /** The provider that sends it (the one the conversation came in on); absent on entries written before Twilio: Meta. */
  channel?: WebhookProvider;
}

/** The delivery side of a buffer entry, as the buffer's readers see it. */
export interface Delivery {
  outboxStatus?: OutboxStatus;
  outboxError?: Record<string, unknown>;
  providerMessageId?: string;
  outbox?: OutboxRecord;
  /** While unsent: since when (epoch ms), the outbox sweep's clock. */
  outboxSince?: number;
}

/** An outbound entry not yet handed to the provider. */
export interface UnsentEntry {
  sessionId: string;
  sk: string;
  text: string;
  outbox?: OutboxRecord;
  outboxSince: number;
}

/**
 * Pure: the attributes that make a new buffer entry an unsent outbox entry (written in the entry's
 * own Put: a transaction may not touch one item twice).
 */
export function unsentAttributes(outbox: OutboxRecord, now: number): Item {
  return { outbox, outboxStatus: 'pending', outboxRank: OUTBOX_RANK.pending, [SHARD]: PENDING_SHARD, [SINCE]: now };
}

/** Pure: the delivery attributes of a stored buffer item. */
export function deliveryOf(item: Item): Delivery {
  return {
    outboxStatus: item.outboxStatus as OutboxStatus | undefined,
    outboxError: item.outboxError as Record<string, unknown> | undefined,
    providerMessageId: item[PROVIDER_ID] as string | undefined,
    outbox: item.outbox as OutboxRecord | undefined,
    outboxSince: item[SINCE] as number | undefined,
  };
}

/** Pure: takes a listed unsent entry for a resend, if it is still pending and unchanged since listed. */
export function claimUnsentParams(tableName: string, entry: { sessionId: string; sk: string; outboxSince: number }, now: number): UpdateCommandInput {
  return {
    TableName: tableName,
    Key: { [PK]: entry.sessionId, [SK]: entry.sk },
    ...expression(
      { update: `SET ${SINCE} = :now`, condition: `${SHARD} = :shard AND ${SINCE} = :listed` },
      { now, shard: PENDING_SHARD, listed: entry.outboxSince },
    ),
  };
}

/**
 * Pure: moves an entry's delivery status forward (and leaves the unsent index); `extra` is
 * recorded with it. A lower or equal rank never overwrites, and failed is final.
 */
export function advanceParams(
  tableName: string,
  at: { sessionId: string; sk: string },
  status: Exclude<OutboxStatus, 'pending'>,
  extra: Record<string, unknown>,
): UpdateCommandInput {
  return {
    TableName: tableName,
    Key: { [PK]: at.sessionId, [SK]: at.sk },
    ...expression(
      {
        update: update({ set: ['outboxStatus = :status', 'outboxRank = :rank', ...assignments(extra)], remove: [SHARD] }),
        condition: 'attribute_exists(#sk) AND outboxRank < :rank AND outboxRank <> :failed',
      },
      { ...extra, status, rank: OUTBOX_RANK[status], failed: OUTBOX_RANK.failed },
    ),
  };
}

/** Outbound entries of the ConversationBuffer table on their way through a provider. */
export interface OutboxStore {
  /** Outbound entries not yet handed to the provider since `olderThanMs`, oldest first (the outbox sweep). */
  listUnsent(olderThanMs: number, limit?: number): Promise<UnsentEntry[]>;
  /**
   * Takes a listed unsent entry for a resend: moves its `outboxSince` to now, only if it is still
   * pending and unchanged since it was listed. Of several sweeps (processes) that listed it, one
   * wins (true); the next sweep waits a whole threshold again.
   */
  claimUnsent(entry: { sessionId: string; sk: string; outboxSince: number }): Promise<boolean>;
  /** Records the provider's answer to a send; leaves the unsent index. Monotonic like statuses. */
  markSent(sessionId: string, sk: string, providerMessageId: string): Promise<void>;
  markFailed(sessionId: string, sk: string, error: Record<string, unknown>): Promise<void>;
  /**
   * Applies a provider status webhook (sent < delivered < read; failed is terminal). Out-of-order
   * or repeated statuses are ignored: false when nothing changed or the entry is unknown.
   */
  applyStatus(
    providerMessageId: string,
    status: Exclude<OutboxStatus, 'pending'>,
    error?: Record<string, unknown>,
    at?: { sessionId: string; sk: string },
  ): Promise<boolean>;
}

/** Builds the outbox store over the ConversationBuffer table. */
export function createOutboxStore(deps: StoreDeps): OutboxStore {
  const { doc, tableName, clock } = deps;
  async function advance(at: { sessionId: string; sk: string }, status: Exclude<OutboxStatus, 'pending'>, extra: Record<string, unknown>) {
    return (await writeIf(() => doc.send(new UpdateCommand(advanceParams(tableName, at, status, extra))))).written;
  }

  return {
    async listUnsent(olderThanMs, limit = 100) {
      const items = await queryDue(deps, UNSENT_DUE, olderThanMs, limit);
      return items.map((i) => ({
        sessionId: i[PK] as string,
        sk: i[SK] as string,
        text: i.text as string,
        outbox: i.outbox as OutboxRecord | undefined,
        outboxSince: i[SINCE] as number,
      }));
    },

    async claimUnsent(entry) {
      return (await writeIf(() => doc.send(new UpdateCommand(claimUnsentParams(tableName, entry, clock.now()))))).written;
    },

    async markSent(sessionId, sk, providerMessageId) {
      await advance({ sessionId, sk }, 'sent', { [PROVIDER_ID]: providerMessageId });
    },

    async markFailed(sessionId, sk, error) {
      await advance({ sessionId, sk }, 'failed', { outboxError: error });
    },

    async applyStatus(providerMessageId, status, error, at) {
      const outboxError = error ? { outboxError: error } : {};
      // With the entry's key (from biz_opaque_callback_data) no index read is needed, and a status
      // that overtakes our own markSent still lands.
      if (at) return advance(at, status, { [PROVIDER_ID]: providerMessageId, ...outboxError });
      const found = await guard(() =>
        doc.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: BY_PROVIDER_ID.name,
            ...expression({ keyCondition: `${PROVIDER_ID} = :id` }, { id: providerMessageId }),
            Limit: 1,
          }),
        ),
      );
      const item = found.Items?.[0];
      if (!item) return false;
      return advance({ sessionId: item[PK] as string, sk: item[SK] as string }, status, outboxError);
    },
  };
}
