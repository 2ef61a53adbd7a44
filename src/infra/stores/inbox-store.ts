import { UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { TABLE_DEFS, indexNamed } from '../tables.js';
import { absentOrExpired, expressionsFor, update } from './expression.js';
import { CLAIMED, claimedValues } from './idempotency-store.js';
import { queryDue, writeIf, type DueIndex, type StoreDeps } from './store-deps.js';

const DEF = TABLE_DEFS.idempotency;
const KEY = DEF.partitionKey.name;
/** Sparse: only inbox records stored and not yet completed carry its keys. */
const PENDING = indexNamed(DEF, 'pending-index');
const SHARD = PENDING.partitionKey.name;
const SINCE = PENDING.sortKey.name;
const expression = expressionsFor(DEF);
/** Value of the pending index's partition key for inbox records (one shard suffices here). */
const INBOX_SHARD = 'inbox';
const PENDING_DUE: DueIndex = { def: DEF, index: PENDING, shard: INBOX_SHARD };

export interface InboxOptions {
  /** How long the message id is remembered (deduplicated). */
  ttlMs: number;
  /** How long the storer's claim is protected before the sweep may take it over. */
  inProgressMs: number;
  owner: string;
}

/** A stored message the recovery sweep may take over. */
export interface PendingInboxRecord {
  key: string;
  event: unknown;
  payloadHash: string;
  status: string;
}

/**
 * Pure: stores a provider message under `key` unless it is stored and live, claimed for `owner`
 * in the same write and put on the pending index.
 */
export function storeParams(tableName: string, key: string, hash: string, event: unknown, options: InboxOptions, now: number): UpdateCommandInput {
  return {
    TableName: tableName,
    Key: { [KEY]: key },
    ...expression(
      {
        update: update({
          set: [...CLAIMED, 'attempt = :one', '#event = :event', `${SHARD} = :shard`, `${SINCE} = :now`, 'firstSeenAt = :now'],
          remove: ['#response'],
        }),
        condition: absentOrExpired(KEY),
      },
      { ...claimedValues(options.owner, hash, now, options), one: 1, event, shard: INBOX_SHARD },
    ),
  };
}

/**
 * The provider inbox on the Idempotency table: a message is stored durably before it is
 * acknowledged, as an idempotency record already claimed by the storer; the idempotency store
 * completes or releases it like any claim.
 */
export interface InboxStore {
  /**
   * Stores a provider message, deduplicated by key for `ttlMs`, and claims it for this process in
   * the same write (so processing needs no second claim). `duplicate` when the key is already
   * stored and live. Until completed it stays on the pending index, where the recovery sweep
   * finds it if this process dies.
   */
  store(key: string, hash: string, event: unknown, options: InboxOptions): Promise<'stored' | 'duplicate'>;
  /** Records stored before `before` (ms) and not completed: the crash-recovery sweep's work list. */
  listPending(before: number, limit?: number): Promise<PendingInboxRecord[]>;
}

/** Builds the inbox store over the Idempotency table. */
export function createInboxStore(deps: StoreDeps): InboxStore {
  const { doc, tableName, clock } = deps;
  return {
    async store(key, hash, event, options) {
      const result = await writeIf(() => doc.send(new UpdateCommand(storeParams(tableName, key, hash, event, options, clock.now()))));
      return result.written ? 'stored' : 'duplicate';
    },

    async listPending(before, limit = 100) {
      const items = await queryDue(deps, PENDING_DUE, before, limit);
      return items.map((i) => ({ key: i[KEY] as string, event: i.event, payloadHash: i.payloadHash as string, status: i.status as string }));
    },
  };
}
