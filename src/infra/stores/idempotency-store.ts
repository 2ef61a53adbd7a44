import { DeleteCommand, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { canonicalHash } from '../../kernel/canonical-json.js';
import { ulid } from '../../kernel/ids.js';
import { epochSeconds } from '../../kernel/clock.js';
import { ConflictError } from '../../kernel/errors.js';
import { TABLE_DEFS } from '../tables.js';
import { guard, isExpired, wrap, type StoreDeps } from './store-deps.js';
import { conditionFailedItem, isConditionFailed, type TxOp } from './transaction.js';

const KEY = TABLE_DEFS.idempotency.partitionKey.name;
const PENDING_INDEX = TABLE_DEFS.idempotency.indexes[0].name;
const INBOX_SHARD = 'inbox';

/** Record states (Powertools' INPROGRESS/COMPLETED, plus `received` for the provider inbox). */
export const IDEMPOTENCY_STATUS = { received: 'received', inProgress: 'in_progress', completed: 'completed' } as const;

/** Key namespaces, so a header key can never collide with a provider message id. */
export const idempotencyKey = {
  ingest: (key: string) => `ingest:${key}`,
  template: (key: string) => `template:${key}`,
  wamid: (id: string) => `wamid:${id}`,
};

/** Pure: SHA-256 of a payload's canonical JSON (sorted keys), for "same key, different body" checks. */
export function payloadHash(payload: unknown): string {
  return canonicalHash(payload);
}

export type ClaimResult =
  | { outcome: 'new'; key: string; owner: string; attempt: number; event?: unknown }
  | { outcome: 'completed'; response: unknown }
  | { outcome: 'in_progress'; retryAfterMs: number }
  | { outcome: 'mismatch' };

export interface ClaimOptions {
  /** How long the claim is protected before a retry may take it over (a crashed owner's lease). */
  inProgressMs: number;
  /** How long the record (and its stored response) is kept. */
  ttlMs: number;
  owner?: string;
}

/**
 * At-most-once processing keyed by request/message id (Powertools idempotency semantics):
 *
 *   absent/expired ──claim──▶ in_progress(owner, lease) ──complete(owner)──▶ completed(response)
 *        ▲                         │ lease passes: a retry's claim takes over (new owner)
 *        └──────── release(owner) ─┘ (handler failed: let a retry start at once)
 *
 * `complete`/`release` are conditional on the claiming owner, so a stale owner whose claim was
 * taken over cannot overwrite the new owner's record (Powertools' zombie bug).
 */
export class IdempotencyStore {
  constructor(private readonly options: StoreDeps) {}

  /** Claims a key: `new` (go ahead), `completed` (replay), `in_progress` (409) or `mismatch` (422). */
  async claim(key: string, hash: string, options: ClaimOptions): Promise<ClaimResult> {
    const { doc, tableName, clock } = this.options;
    const now = clock.now();
    const owner = options.owner ?? ulid();
    try {
      const out = await doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { [KEY]: key },
          UpdateExpression:
            'SET #status = :inProgress, #owner = :owner, leaseExpiresAt = :lease, payloadHash = :hash, #ttl = :ttl, ' +
            'attempt = if_not_exists(attempt, :zero) + :one, firstSeenAt = if_not_exists(firstSeenAt, :now) REMOVE #response',
          ConditionExpression: [
            // Never seen, or its record outlived its TTL (DynamoDB Local never deletes).
            'attribute_not_exists(#key) OR #ttl < :nowSec',
            // Stored in the inbox and not yet picked up (same payload).
            '(#status = :received AND payloadHash = :hash)',
            // A crashed owner's lease passed: a retry with the same payload takes over.
            '(#status = :inProgress AND leaseExpiresAt < :now AND payloadHash = :hash)',
          ].join(' OR '),
          ExpressionAttributeNames: { '#key': KEY, '#status': 'status', '#owner': 'owner', '#ttl': 'ttl', '#response': 'response' },
          ExpressionAttributeValues: {
            ':inProgress': IDEMPOTENCY_STATUS.inProgress,
            ':received': IDEMPOTENCY_STATUS.received,
            ':owner': owner,
            ':lease': now + options.inProgressMs,
            ':hash': hash,
            ':ttl': epochSeconds(now + options.ttlMs),
            ':nowSec': epochSeconds(now),
            ':now': now,
            ':zero': 0,
            ':one': 1,
          },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { outcome: 'new', key, owner, attempt: out.Attributes!.attempt as number, event: out.Attributes!.event };
    } catch (error) {
      if (!isConditionFailed(error)) throw wrap(error);
      const current = conditionFailedItem(error) ?? {};
      if (current.payloadHash !== hash) return { outcome: 'mismatch' };
      if (current.status === IDEMPOTENCY_STATUS.completed) return { outcome: 'completed', response: current.response };
      return { outcome: 'in_progress', retryAfterMs: Math.max(0, Number(current.leaseExpiresAt ?? now) - now) };
    }
  }

  /** Pure: marks the claim completed with its response; conditional on the claiming owner. */
  completeOp(key: string, owner: string, response: unknown, ttlMs: number): TxOp {
    const now = this.options.clock.now();
    return {
      label: 'idempotency.complete',
      item: {
        Update: {
          TableName: this.options.tableName,
          Key: { [KEY]: key },
          UpdateExpression: 'SET #status = :completed, #response = :response, #ttl = :ttl, completedAt = :now REMOVE pendingShard, pendingSince',
          ConditionExpression: '#owner = :owner AND #status = :inProgress',
          ExpressionAttributeNames: { '#status': 'status', '#owner': 'owner', '#ttl': 'ttl', '#response': 'response' },
          ExpressionAttributeValues: {
            ':completed': IDEMPOTENCY_STATUS.completed,
            ':inProgress': IDEMPOTENCY_STATUS.inProgress,
            ':owner': owner,
            ':response': response ?? null,
            ':ttl': epochSeconds(now + ttlMs),
            ':now': now,
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
      onConditionFailed: (current) => notOwner(key, owner, current),
    };
  }

  /** Extends the in-progress lease of a claim the caller still holds (a long turn); ConflictError otherwise. */
  async renew(key: string, owner: string, inProgressMs: number): Promise<void> {
    const op: TxOp = { label: 'idempotency.renew', item: {}, onConditionFailed: (c) => notOwner(key, owner, c) };
    await this.sendOne(op, () =>
      this.options.doc.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: { [KEY]: key },
          UpdateExpression: 'SET leaseExpiresAt = :lease',
          ConditionExpression: '#owner = :owner AND #status = :inProgress',
          ExpressionAttributeNames: { '#owner': 'owner', '#status': 'status' },
          ExpressionAttributeValues: { ':owner': owner, ':inProgress': IDEMPOTENCY_STATUS.inProgress, ':lease': this.options.clock.now() + inProgressMs },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
    );
  }

  async complete(key: string, owner: string, response: unknown, ttlMs: number): Promise<void> {
    const op = this.completeOp(key, owner, response, ttlMs);
    await this.sendOne(op, () => this.options.doc.send(new UpdateCommand(op.item.Update!)));
  }

  /**
   * Gives the claim back after a failure so a retry can start at once. A plain claim is deleted;
   * an inbox record returns to `received` so the sweep still finds it (nothing acknowledged is lost).
   */
  async release(key: string, owner: string): Promise<void> {
    const { doc, tableName } = this.options;
    const names = { '#owner': 'owner', '#status': 'status' };
    const values = { ':owner': owner, ':inProgress': IDEMPOTENCY_STATUS.inProgress };
    const condition = '#owner = :owner AND #status = :inProgress';
    const op: TxOp = { label: 'idempotency.release', item: {}, onConditionFailed: (c) => notOwner(key, owner, c) };
    const current = await guard(() => doc.send(new GetCommand({ TableName: tableName, Key: { [KEY]: key }, ConsistentRead: true })));
    if (current.Item?.event !== undefined) {
      await this.sendOne(op, () =>
        doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { [KEY]: key },
            UpdateExpression: 'SET #status = :received REMOVE #owner, leaseExpiresAt',
            ConditionExpression: condition,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: { ...values, ':received': IDEMPOTENCY_STATUS.received },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        ),
      );
      return;
    }
    await this.sendOne(op, () =>
      doc.send(
        new DeleteCommand({
          TableName: tableName,
          Key: { [KEY]: key },
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
    );
  }

  /**
   * Stores a provider message durably before it is acknowledged (the inbox), deduplicated by key
   * for `ttlMs`, and claims it for this process in the same write (so processing needs no second
   * claim). `duplicate` when the key is already stored and live. Until completed it stays on the
   * pending index, where the recovery sweep finds it if this process dies.
   */
  async storeInbox(
    key: string,
    hash: string,
    event: unknown,
    options: { ttlMs: number; inProgressMs: number; owner: string },
  ): Promise<'stored' | 'duplicate'> {
    const { doc, tableName, clock } = this.options;
    const now = clock.now();
    try {
      await doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { [KEY]: key },
          UpdateExpression:
            'SET #status = :inProgress, #owner = :owner, leaseExpiresAt = :lease, attempt = :one, payloadHash = :hash, #event = :event, ' +
            '#ttl = :ttl, pendingShard = :shard, pendingSince = :now, firstSeenAt = :now REMOVE #response',
          ConditionExpression: 'attribute_not_exists(#key) OR #ttl < :nowSec',
          ExpressionAttributeNames: { '#key': KEY, '#status': 'status', '#event': 'event', '#ttl': 'ttl', '#owner': 'owner', '#response': 'response' },
          ExpressionAttributeValues: {
            ':inProgress': IDEMPOTENCY_STATUS.inProgress,
            ':owner': options.owner,
            ':lease': now + options.inProgressMs,
            ':one': 1,
            ':hash': hash,
            ':event': event,
            ':ttl': epochSeconds(now + options.ttlMs),
            ':shard': INBOX_SHARD,
            ':now': now,
            ':nowSec': epochSeconds(now),
          },
        }),
      );
      return 'stored';
    } catch (error) {
      if (isConditionFailed(error)) return 'duplicate';
      throw wrap(error);
    }
  }

  /** Inbox records stored before `before` (ms) and not completed: the crash-recovery sweep's work list. */
  async listPendingInbox(before: number, limit = 100): Promise<{ key: string; event: unknown; payloadHash: string; status: string }[]> {
    const out = await guard(() =>
      this.options.doc.send(
        new QueryCommand({
          TableName: this.options.tableName,
          IndexName: PENDING_INDEX,
          KeyConditionExpression: 'pendingShard = :shard AND pendingSince <= :before',
          ExpressionAttributeValues: { ':shard': INBOX_SHARD, ':before': before },
          Limit: limit,
        }),
      ),
    );
    const now = this.options.clock.now();
    return (out.Items ?? [])
      .filter((i) => !isExpired(i, now))
      .map((i) => ({ key: i[KEY] as string, event: i.event, payloadHash: i.payloadHash as string, status: i.status as string }));
  }

  /** The live record for a key, or null (for tests and debugging). */
  async get(key: string): Promise<Record<string, unknown> | null> {
    const out = await guard(() => this.options.doc.send(new GetCommand({ TableName: this.options.tableName, Key: { [KEY]: key }, ConsistentRead: true })));
    return out.Item && !isExpired(out.Item, this.options.clock.now()) ? out.Item : null;
  }

  private async sendOne(op: TxOp, send: () => Promise<unknown>) {
    try {
      await guard(send);
    } catch (error) {
      if (isConditionFailed(error)) throw op.onConditionFailed(conditionFailedItem(error));
      throw error;
    }
  }
}

function notOwner(key: string, owner: string, current: Record<string, unknown> | undefined) {
  return new ConflictError('idempotency.notOwner', 'the idempotency claim is held by another owner', {
    key,
    owner,
    current: current ? { status: current.status, owner: current.owner } : null,
  });
}
