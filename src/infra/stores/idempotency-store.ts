import { GetCommand, PutCommand, UpdateCommand, type PutCommandInput, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { canonicalHash } from '../../kernel/canonical-json.js';
import { ulid } from '../../kernel/ids.js';
import { epochSeconds } from '../../kernel/clock.js';
import { ConflictError } from '../../kernel/errors.js';
import { TABLE_DEFS, indexNamed } from '../tables.js';
import { absentOrExpired, expressionsFor, nowValues, or, update } from './expression.js';
import { guard, writeIf, type Item, type StoreDeps, type Written } from './store-deps.js';
import type { ImportOrigin } from './session-store.js';
import { sendOne, type TxOp } from './transaction.js';

const DEF = TABLE_DEFS.idempotency;
const KEY = DEF.partitionKey.name;
const PENDING = indexNamed(DEF, 'pending-index');
const expression = expressionsFor(DEF);

/** Record states (Powertools' INPROGRESS/COMPLETED, plus `received` for the provider inbox). */
const IDEMPOTENCY_STATUS = { received: 'received', inProgress: 'in_progress', completed: 'completed' } as const;
/** The statuses as expression values (`:received`, `:inProgress`, `:completed`). */
const statusValues = { ...IDEMPOTENCY_STATUS };

/** Key namespaces, so a header key can never collide with a provider message id. */
export const idempotencyKey = {
  ingest: (key: string) => `ingest:${key}`,
  template: (key: string) => `template:${key}`,
  wamid: (id: string) => `wamid:${id}`,
  twilioSid: (sid: string) => `twsid:${sid}`,
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

// Conditions, joined from named parts:
/** Stored in the inbox and not yet picked up (same payload). */
const RECEIVED = '(#status = :received AND payloadHash = :hash)';
/** A crashed owner's lease passed: a retry with the same payload takes over. */
const LEASE_PASSED = '(#status = :inProgress AND leaseExpiresAt < :now AND payloadHash = :hash)';
/** The caller still holds the claim. */
const HELD = '#owner = :owner AND #status = :inProgress';

/** The SET clauses of a record claimed by `:owner`: in progress until `:lease`, for payload `:hash`, kept until `:ttl`. */
export const CLAIMED = ['#status = :inProgress', '#owner = :owner', 'leaseExpiresAt = :lease', 'payloadHash = :hash', '#ttl = :ttl'];

/** Pure: the values CLAIMED (and the named condition parts) use. */
export function claimedValues(owner: string, hash: string, now: number, options: { inProgressMs: number; ttlMs: number }) {
  return { ...statusValues, ...nowValues(now), owner, hash, lease: now + options.inProgressMs, ttl: epochSeconds(now + options.ttlMs) };
}

/** The claim's texts (built once: a constant keeps its hash, so finding its parsed form is cheap). */
const CLAIM = {
  update: update({
    set: [...CLAIMED, 'attempt = if_not_exists(attempt, :zero) + :one', 'firstSeenAt = if_not_exists(firstSeenAt, :now)'],
    remove: ['#response'],
  }),
  condition: or(absentOrExpired(KEY), RECEIVED, LEASE_PASSED),
};

/** Pure: the claim of `key` for `owner` (absent/expired, received, or a passed lease), returning the record either way. */
export function claimParams(tableName: string, key: string, hash: string, owner: string, options: ClaimOptions, now: number): UpdateCommandInput {
  return {
    TableName: tableName,
    Key: { [KEY]: key },
    ...expression(CLAIM, { ...claimedValues(owner, hash, now, options), zero: 0, one: 1 }),
    ReturnValues: 'ALL_NEW',
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  };
}

const COMPLETE = update({
  set: ['#status = :completed', '#response = :response', '#ttl = :ttl', 'completedAt = :now'],
  remove: [PENDING.partitionKey.name, PENDING.sortKey.name],
});

/** Pure: marks the claim completed with its response (leaving the inbox's pending index); conditional on the claiming owner. */
function completeOp(tableName: string, key: string, owner: string, response: unknown, ttlMs: number, now: number): TxOp {
  return heldOp(tableName, 'idempotency.complete', key, owner, COMPLETE, { response: response ?? null, ttl: epochSeconds(now + ttlMs), now });
}

/** Pure: extends the in-progress lease of a claim the owner still holds. */
export function renewOp(tableName: string, key: string, owner: string, leaseExpiresAt: number): TxOp {
  return heldOp(tableName, 'idempotency.renew', key, owner, 'SET leaseExpiresAt = :lease', { lease: leaseExpiresAt });
}

/**
 * Pure: gives the claim back. A plain claim is deleted; an inbox record (it carries its event)
 * returns to `received` so the recovery sweep still finds it.
 */
export function releaseOp(tableName: string, key: string, owner: string, inbox: boolean): TxOp {
  if (inbox) return heldOp(tableName, 'idempotency.release', key, owner, 'SET #status = :received REMOVE #owner, leaseExpiresAt', {});
  return {
    label: 'idempotency.release',
    item: {
      Delete: {
        TableName: tableName,
        Key: { [KEY]: key },
        ...expression({ condition: HELD }, { ...statusValues, owner }),
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    },
    onConditionFailed: (current) => notOwner(key, owner, current),
  };
}

/**
 * Pure: a delivery another system already processed, recorded as completed until `expiresAt`
 * (epoch ms) so a provider retry is a duplicate; a live record is never overwritten.
 */
export function importedCompletionParams(tableName: string, key: string, expiresAt: number, origin: ImportOrigin, now: number): PutCommandInput {
  return {
    TableName: tableName,
    Item: {
      [KEY]: key,
      status: IDEMPOTENCY_STATUS.completed,
      response: null,
      completedAt: now,
      [DEF.ttlAttribute]: epochSeconds(expiresAt),
      importedFrom: origin,
    },
    ...expression({ condition: absentOrExpired(KEY) }, nowValues(now)),
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  };
}

/**
 * At-most-once processing keyed by request/message id (Powertools idempotency semantics):
 *
 *   absent/expired ──claim──▶ in_progress(owner, lease) ──complete(owner)──▶ completed(response)
 *        ▲                         │ lease passes: a retry's claim takes over (new owner)
 *        └──────── release(owner) ─┘ (handler failed: let a retry start at once)
 *
 * `complete`/`release` are conditional on the claiming owner, so a stale owner whose claim was
 * taken over cannot overwrite the new owner's record.
 */
export interface IdempotencyStore {
  /** Claims a key: `new` (go ahead), `completed` (replay), `in_progress` (409) or `mismatch` (422). */
  claim(key: string, hash: string, options: ClaimOptions): Promise<ClaimResult>;
  /** Pure: the completion of a claim, committed inside the turn's transaction. */
  completeOp(key: string, owner: string, response: unknown, ttlMs: number): TxOp;
  /** Extends the in-progress lease of a claim the caller still holds (a long turn); ConflictError otherwise. */
  renew(key: string, owner: string, inProgressMs: number): Promise<void>;
  /** Gives the claim back after a failure so a retry can start at once (see `releaseOp`). */
  release(key: string, owner: string): Promise<void>;
  /** Records a delivery processed elsewhere as completed (see `importedCompletionParams`); refused with the live record as it is. */
  recordImported(key: string, expiresAt: number, origin: ImportOrigin): Promise<Written<unknown>>;
}

/** Builds the idempotency store over the Idempotency table. */
export function createIdempotencyStore({ doc, tableName, clock }: StoreDeps): IdempotencyStore {
  return {
    async claim(key, hash, options) {
      const now = clock.now();
      const owner = options.owner ?? ulid();
      const result = await writeIf(() => doc.send(new UpdateCommand(claimParams(tableName, key, hash, owner, options, now))));
      if (result.written) return { outcome: 'new', key, owner, attempt: result.output.Attributes!.attempt as number, event: result.output.Attributes!.event };
      const current = result.current ?? {};
      if (current.payloadHash !== hash) return { outcome: 'mismatch' };
      if (current.status === IDEMPOTENCY_STATUS.completed) return { outcome: 'completed', response: current.response };
      return { outcome: 'in_progress', retryAfterMs: Math.max(0, Number(current.leaseExpiresAt ?? now) - now) };
    },

    completeOp: (key, owner, response, ttlMs) => completeOp(tableName, key, owner, response, ttlMs, clock.now()),

    async renew(key, owner, inProgressMs) {
      await sendOne(doc, renewOp(tableName, key, owner, clock.now() + inProgressMs));
    },

    async release(key, owner) {
      const current = await guard(() => doc.send(new GetCommand({ TableName: tableName, Key: { [KEY]: key }, ConsistentRead: true })));
      await sendOne(doc, releaseOp(tableName, key, owner, current.Item?.event !== undefined));
    },

    recordImported: (key, expiresAt, origin) =>
      writeIf(() => doc.send(new PutCommand(importedCompletionParams(tableName, key, expiresAt, origin, clock.now())))),
  };
}

/** An update of the record that only its claiming owner may make while it is in progress. */
function heldOp(tableName: string, label: string, key: string, owner: string, updateExpression: string, values: Item): TxOp {
  return {
    label,
    item: {
      Update: {
        TableName: tableName,
        Key: { [KEY]: key },
        ...expression({ update: updateExpression, condition: HELD }, { ...statusValues, ...values, owner }),
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    },
    onConditionFailed: (current) => notOwner(key, owner, current),
  };
}

function notOwner(key: string, owner: string, current: Item | undefined) {
  return new ConflictError('idempotency.notOwner', 'the idempotency claim is held by another owner', {
    key,
    owner,
    current: current ? { status: current.status, owner: current.owner } : null,
  });
}
