import { GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { PendingActionDraft } from '../../contracts/engine.js';
import { epochSeconds } from '../../kernel/clock.js';
import { ConflictError } from '../../kernel/errors.js';
import { TABLE_DEFS } from '../tables.js';
import { guard, isExpired, queryPages, type StoreDeps } from './store-deps.js';
import { conditionFailedItem, isConditionFailed, transactWrite, type TxOp } from './transaction.js';

const PK = TABLE_DEFS.pendingActions.partitionKey.name;
const SK = TABLE_DEFS.pendingActions.sortKey.name;
const BY_ID = TABLE_DEFS.pendingActions.indexes[0].name;
const BY_STATUS = TABLE_DEFS.pendingActions.indexes[1].name;
/** The per-session marker item naming the one open action (ULIDs never start with "#"). */
const MARKER = '#open';
/** Executing actions stay open until completed or failed, whatever their confirmation deadline. */
const FOREVER = Number.MAX_SAFE_INTEGER;
/** Closed actions are kept a day for audit and for the ops endpoint, then TTL may delete them. */
const RETENTION_MS = 86_400_000;

export const ACTION_STATUS = {
  staged: 'staged',
  confirmed: 'confirmed',
  executing: 'executing',
  executed: 'executed',
  failed: 'failed',
  aborted: 'aborted',
  expired: 'expired',
} as const;
export type ActionStatus = (typeof ACTION_STATUS)[keyof typeof ACTION_STATUS];
export const OPEN_STATUSES: ActionStatus[] = ['staged', 'confirmed', 'executing'];

export interface PendingAction extends PendingActionDraft {
  sessionId: string;
  status: ActionStatus;
  /** ISO-8601 UTC. */
  createdAt: string;
  owner?: string;
  attempt: number;
  /** Epoch ms until which an executing claim is protected from takeover. */
  claimExpiresAt?: number;
  result?: unknown;
  error?: unknown;
}

export interface PendingActionStoreOptions extends StoreDeps {
  /** How long an executing claim is protected before another worker may take it over. */
  claimMs?: number;
}

/**
 * Two-phase commit records. At most one open action (staged|confirmed|executing) per session,
 * enforced by a marker item written in the same transaction as every open/close transition.
 * A new action SUPERSEDES an open staged/confirmed one (aborting it atomically); an executing
 * one is never superseded (ConflictError `pendingAction.openExists`).
 *
 *   staged ─confirm─▶ confirmed ─claim─▶ executing ─complete─▶ executed
 *     │                  │                  └──fail──▶ failed ─retry─▶ confirmed
 *     ├──abort/expire────┴──▶ aborted / expired          (confirm/claim/abort need the deadline
 *                                                         not passed; expire needs it passed)
 */
export class PendingActionStore {
  constructor(private readonly options: PendingActionStoreOptions) {}

  /** Pure: the ops that create `draft` as the open action, aborting `previous` (open, not executing) if given. */
  createOps(sessionId: string, draft: PendingActionDraft, previous?: string): TxOp[] {
    const now = this.now();
    const item: Record<string, unknown> = {
      [PK]: sessionId,
      [SK]: draft.actionId,
      kind: draft.kind,
      description: draft.description,
      call: draft.call,
      expiresAt: draft.expiresAt,
      status: ACTION_STATUS.staged,
      createdAt: new Date(now).toISOString(),
      updatedAt: now,
      attempt: 0,
      ttl: epochSeconds(Math.max(now, draft.expiresAt) + RETENTION_MS),
    };
    const ops: TxOp[] = [
      this.markerOp(sessionId, 'SET openActionId = :id, openUntil = :until', {
        condition: `attribute_not_exists(openActionId) OR openUntil < :now${previous ? ' OR openActionId = :prev' : ''}`,
        values: { ':id': draft.actionId, ':until': draft.expiresAt, ':now': now, ...(previous ? { ':prev': previous } : {}) },
        onFail: () => new ConflictError('pendingAction.openExists', 'the session already has an open action', { sessionId }),
      }),
      {
        label: 'pendingAction.create',
        item: {
          Put: {
            TableName: this.options.tableName,
            Item: item,
            ConditionExpression: `attribute_not_exists(#sk)`,
            ExpressionAttributeNames: { '#sk': SK },
          },
        },
        onConditionFailed: () => new ConflictError('pendingAction.conflict', `action ${draft.actionId} already exists`),
      },
    ];
    if (previous) ops.push(this.transitionOp(sessionId, previous, 'aborted', { from: ['staged', 'confirmed'] }));
    return ops;
  }

  /**
   * Pure: the pending-action part of one turn's transaction — close the current action (if any)
   * and/or open a new one, touching the marker item once (a transaction may not touch an item twice).
   */
  turnOps(sessionId: string, change: { close?: CloseChange; open?: PendingActionDraft }): TxOp[] {
    const { close, open } = change;
    if (!open) return close ? this.closeOps(sessionId, close.actionId, close.to, closeOptions(close)) : [];
    const ops = this.createOps(sessionId, open, close?.actionId);
    if (!close) return ops;
    // createOps aborts `previous`; replace that with the transition this turn decided.
    ops[2] = this.transitionOp(sessionId, close.actionId, close.to, closeOptions(close));
    return ops;
  }

  /** Creates the session's open action; with `supersede` (default) an open staged/confirmed one is aborted. */
  async create(sessionId: string, draft: PendingActionDraft, options: { supersede?: boolean } = {}): Promise<PendingAction> {
    const previous = options.supersede === false ? null : await this.getOpen(sessionId);
    if (previous?.status === 'executing') {
      throw new ConflictError('pendingAction.openExists', 'the open action is executing', { sessionId, actionId: previous.actionId });
    }
    await transactWrite(this.options.doc, this.createOps(sessionId, draft, previous?.actionId));
    return (await this.get(sessionId, draft.actionId))!;
  }

  /** staged → confirmed, before the deadline. */
  async confirm(sessionId: string, actionId: string): Promise<void> {
    await this.sendSingle(this.transitionOp(sessionId, actionId, 'confirmed', { from: ['staged'], set: { confirmedAt: this.now() } }));
  }

  /**
   * confirmed → executing (recording owner and attempt), before the deadline; also takes over an
   * executing claim whose owner's claim window passed (a crashed worker). Returns the stored action,
   * whose `call` is exactly what was confirmed.
   */
  async claim(sessionId: string, actionId: string, owner: string): Promise<PendingAction> {
    const now = this.now();
    const claimOp: TxOp = {
      label: 'pendingAction.claim',
      item: {
        Update: {
          TableName: this.options.tableName,
          Key: { [PK]: sessionId, [SK]: actionId },
          UpdateExpression: 'SET #status = :executing, #owner = :owner, attempt = attempt + :one, claimExpiresAt = :claimUntil, updatedAt = :now',
          ConditionExpression:
            '#ttl >= :nowSec AND ((#status = :confirmed AND expiresAt >= :now) OR (#status = :executing AND claimExpiresAt < :now))',
          ExpressionAttributeNames: { '#status': 'status', '#owner': 'owner', '#ttl': 'ttl' },
          ExpressionAttributeValues: {
            ':executing': ACTION_STATUS.executing,
            ':confirmed': ACTION_STATUS.confirmed,
            ':owner': owner,
            ':one': 1,
            ':claimUntil': now + (this.options.claimMs ?? 60_000),
            ':now': now,
            ':nowSec': epochSeconds(now),
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
      onConditionFailed: (current) => transitionConflict(sessionId, actionId, 'executing', current),
    };
    const markerOp = this.markerOp(sessionId, 'SET openUntil = :forever', {
      condition: 'openActionId = :id',
      values: { ':id': actionId, ':forever': FOREVER },
      onFail: () => new ConflictError('pendingAction.conflict', 'the action is no longer the open one', { sessionId, actionId }),
    });
    await transactWrite(this.options.doc, [claimOp, markerOp]);
    return (await this.get(sessionId, actionId))!;
  }

  /** Pure: executing → executed with the backend's result; conditional on the claiming owner. */
  completeOps(sessionId: string, actionId: string, owner: string, result: unknown): TxOp[] {
    return this.turnOps(sessionId, { close: { actionId, to: 'executed', owner, result } });
  }

  async complete(sessionId: string, actionId: string, owner: string, result: unknown): Promise<void> {
    await transactWrite(this.options.doc, this.completeOps(sessionId, actionId, owner, result));
  }

  /** Pure: executing → failed with the error; conditional on the claiming owner. */
  failOps(sessionId: string, actionId: string, owner: string, error: unknown): TxOp[] {
    return this.turnOps(sessionId, { close: { actionId, to: 'failed', owner, error } });
  }

  async fail(sessionId: string, actionId: string, owner: string, error: unknown): Promise<void> {
    await transactWrite(this.options.doc, this.failOps(sessionId, actionId, owner, error));
  }

  /** failed → confirmed with a new deadline (the user asked to try again); it becomes the open action again. */
  async retry(sessionId: string, actionId: string, expiresAt: number): Promise<void> {
    const now = this.now();
    await transactWrite(this.options.doc, [
      this.transitionOp(sessionId, actionId, 'confirmed', { from: ['failed'], set: { expiresAt }, ignoreDeadline: true }),
      this.markerOp(sessionId, 'SET openActionId = :id, openUntil = :until', {
        condition: 'attribute_not_exists(openActionId) OR openUntil < :now',
        values: { ':id': actionId, ':until': expiresAt, ':now': now },
        onFail: () => new ConflictError('pendingAction.openExists', 'the session already has an open action', { sessionId }),
      }),
    ]);
  }

  /** Pure: staged|confirmed → aborted, before the deadline. */
  abortOps(sessionId: string, actionId: string): TxOp[] {
    return this.turnOps(sessionId, { close: { actionId, to: 'aborted' } });
  }

  async abort(sessionId: string, actionId: string): Promise<void> {
    await transactWrite(this.options.doc, this.abortOps(sessionId, actionId));
  }

  /** Pure: staged|confirmed → expired, only once the deadline passed. */
  expireOps(sessionId: string, actionId: string): TxOp[] {
    return this.turnOps(sessionId, { close: { actionId, to: 'expired' } });
  }

  async expire(sessionId: string, actionId: string): Promise<void> {
    await transactWrite(this.options.doc, this.expireOps(sessionId, actionId));
  }

  /**
   * The open action, or null. Reads every action of the session (a handful, kept a day), so a
   * closed newest action never hides an older open one (the original's Limit-before-filter bug).
   * A staged/confirmed action past its deadline is not open.
   */
  async getOpen(sessionId: string): Promise<PendingAction | null> {
    const now = this.now();
    const open = (await this.listBySession(sessionId)).filter(
      (a) => a.status === 'executing' || ((a.status === 'staged' || a.status === 'confirmed') && a.expiresAt >= now),
    );
    return open.at(-1) ?? null;
  }

  /** All live actions of a session, oldest first. */
  async listBySession(sessionId: string): Promise<PendingAction[]> {
    const items: Record<string, unknown>[] = [];
    await queryPages(
      this.options.doc,
      {
        TableName: this.options.tableName,
        KeyConditionExpression: '#pk = :pk AND #sk >= :first',
        ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
        // ULIDs start with a digit; the "#open" marker sorts before them.
        ExpressionAttributeValues: { ':pk': sessionId, ':first': '0' },
        ConsistentRead: true,
      },
      (page) => void items.push(...(page.Items ?? [])),
    );
    const now = this.now();
    return items.filter((i) => !isExpired(i, now)).map(toAction);
  }

  /** One action by id through the actionId GSI (eventually consistent), never a Scan. */
  async getById(actionId: string): Promise<PendingAction | null> {
    const out = await guard(() =>
      this.options.doc.send(
        new QueryCommand({
          TableName: this.options.tableName,
          IndexName: BY_ID,
          KeyConditionExpression: '#sk = :id',
          ExpressionAttributeNames: { '#sk': SK },
          ExpressionAttributeValues: { ':id': actionId },
          Limit: 1,
        }),
      ),
    );
    const item = out.Items?.[0];
    return item && !isExpired(item, this.now()) ? toAction(item) : null;
  }

  /** Strongly consistent read of one action. */
  async get(sessionId: string, actionId: string): Promise<PendingAction | null> {
    const out = await guard(() =>
      this.options.doc.send(new GetCommand({ TableName: this.options.tableName, Key: { [PK]: sessionId, [SK]: actionId }, ConsistentRead: true })),
    );
    return out.Item && !isExpired(out.Item, this.now()) ? toAction(out.Item) : null;
  }

  /** Count of open actions by status across sessions, through the status GSI (for metrics). */
  async countByStatus(statuses: ActionStatus[] = OPEN_STATUSES): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    await Promise.all(
      statuses.map(async (status) => {
        let total = 0;
        await queryPages(
          this.options.doc,
          {
            TableName: this.options.tableName,
            IndexName: BY_STATUS,
            KeyConditionExpression: '#status = :status',
            FilterExpression: '#ttl >= :nowSec',
            ExpressionAttributeNames: { '#status': 'status', '#ttl': 'ttl' },
            ExpressionAttributeValues: { ':status': status, ':nowSec': epochSeconds(this.now()) },
            Select: 'COUNT',
          },
          (page) => void (total += page.Count ?? 0),
        );
        counts[status] = total;
      }),
    );
    return counts;
  }

  private now() {
    return this.options.clock.now();
  }

  /** A close transition: the action's update plus clearing the marker, in one transaction. */
  private closeOps(
    sessionId: string,
    actionId: string,
    to: ActionStatus,
    options: { from: ActionStatus[]; owner?: string; set?: Record<string, unknown>; pastDeadline?: boolean },
  ): TxOp[] {
    return [
      this.transitionOp(sessionId, actionId, to, options),
      this.markerOp(sessionId, 'REMOVE openActionId, openUntil', {
        condition: 'openActionId = :id',
        values: { ':id': actionId },
        onFail: () => new ConflictError('pendingAction.conflict', 'the action is no longer the open one', { sessionId, actionId }),
      }),
    ];
  }

  private transitionOp(
    sessionId: string,
    actionId: string,
    to: ActionStatus,
    options: { from: ActionStatus[]; owner?: string; set?: Record<string, unknown>; pastDeadline?: boolean; ignoreDeadline?: boolean },
  ): TxOp {
    const now = this.now();
    const names: Record<string, string> = { '#status': 'status', '#ttl': 'ttl' };
    const values: Record<string, unknown> = { ':to': to, ':now': now, ':nowSec': epochSeconds(now) };
    const from = options.from.map((status, i) => {
      values[`:from${i}`] = status;
      return `:from${i}`;
    });
    const conditions = ['#ttl >= :nowSec', `#status IN (${from.join(', ')})`];
    // Deadlines matter only while awaiting the user: staged/confirmed.
    if (options.pastDeadline) conditions.push('expiresAt < :now');
    else if (!options.ignoreDeadline && options.from.every((s) => s === 'staged' || s === 'confirmed')) conditions.push('expiresAt >= :now');
    if (options.owner) {
      names['#owner'] = 'owner';
      values[':owner'] = options.owner;
      conditions.push('#owner = :owner');
    }
    const sets = ['#status = :to', 'updatedAt = :now'];
    for (const [key, value] of Object.entries(options.set ?? {})) {
      names[`#${key}`] = key;
      values[`:${key}`] = value;
      sets.push(`#${key} = :${key}`);
    }
    return {
      label: `pendingAction.${to}`,
      item: {
        Update: {
          TableName: this.options.tableName,
          Key: { [PK]: sessionId, [SK]: actionId },
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: conditions.join(' AND '),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
      onConditionFailed: (current) => transitionConflict(sessionId, actionId, to, current),
    };
  }

  private markerOp(
    sessionId: string,
    update: string,
    options: { condition: string; values: Record<string, unknown>; onFail: () => Error },
  ): TxOp {
    return {
      label: 'pendingAction.marker',
      item: {
        Update: {
          TableName: this.options.tableName,
          Key: { [PK]: sessionId, [SK]: MARKER },
          UpdateExpression: update,
          ConditionExpression: options.condition,
          ExpressionAttributeValues: options.values,
        },
      },
      onConditionFailed: options.onFail,
    };
  }

  private async sendSingle(op: TxOp) {
    try {
      await guard(() => this.options.doc.send(new UpdateCommand(op.item.Update!)));
    } catch (error) {
      if (isConditionFailed(error)) throw op.onConditionFailed(conditionFailedItem(error));
      throw error;
    }
  }
}

/** How a turn closes the current action. */
export type CloseChange =
  | { actionId: string; to: 'executed'; owner: string; result: unknown }
  | { actionId: string; to: 'failed'; owner: string; error: unknown }
  | { actionId: string; to: 'aborted' | 'expired' };

function closeOptions(close: CloseChange) {
  switch (close.to) {
    case 'executed':
      return { from: ['executing'] as ActionStatus[], owner: close.owner, set: { result: close.result ?? null } };
    case 'failed':
      return { from: ['executing'] as ActionStatus[], owner: close.owner, set: { error: close.error ?? null } };
    case 'aborted':
      return { from: ['staged', 'confirmed'] as ActionStatus[] };
    case 'expired':
      return { from: ['staged', 'confirmed'] as ActionStatus[], pastDeadline: true };
  }
}

function transitionConflict(sessionId: string, actionId: string, to: string, current: Record<string, unknown> | undefined) {
  if (!current) return new ConflictError('pendingAction.notFound', `action ${actionId} not found`, { sessionId, actionId, current: null });
  return new ConflictError('pendingAction.conflict', `action ${actionId} cannot become ${to} from ${String(current.status)}`, {
    sessionId,
    actionId,
    current: { status: current.status, expiresAt: current.expiresAt, owner: current.owner },
  });
}

function toAction(item: Record<string, unknown>): PendingAction {
  return {
    sessionId: item[PK] as string,
    actionId: item[SK] as string,
    kind: item.kind as string,
    description: item.description as string,
    call: item.call as PendingAction['call'],
    expiresAt: item.expiresAt as number,
    status: item.status as ActionStatus,
    createdAt: item.createdAt as string,
    owner: item.owner as string | undefined,
    attempt: (item.attempt as number) ?? 0,
    claimExpiresAt: item.claimExpiresAt as number | undefined,
    result: item.result,
    error: item.error,
  };
}
