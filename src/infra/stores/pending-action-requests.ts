/** The PendingActions item layout and the pure builders of every write to it; the store sends what they return. */
import type { PendingActionDraft } from '../../contracts/engine.js';
import { epochSeconds } from '../../kernel/clock.js';
import { ConflictError } from '../../kernel/errors.js';
import { TABLE_DEFS } from '../tables.js';
import { LIVE, and, assignments, expressionsFor, isOneOf, nowValues, or, update } from './expression.js';
import type { Item } from './store-deps.js';
import type { TxOp } from './transaction.js';

const DEF = TABLE_DEFS.pendingActions;
export const PK = DEF.partitionKey.name;
export const SK = DEF.sortKey.name;
const TTL = DEF.ttlAttribute;
const expression = expressionsFor(DEF);
/** The per-session marker item naming the one open action (ULIDs never start with "#"). */
const MARKER = '#open';
/** Executing actions stay open until completed or failed, whatever their confirmation deadline. */
const FOREVER = Number.MAX_SAFE_INTEGER;
/** Closed actions are kept a day for audit and for the ops endpoint, then TTL may delete them. */
const RETENTION_MS = 86_400_000;
/** How long an executing claim is protected before another worker may take it over (a crashed worker's). */
const CLAIM_MS = 60_000;

const ACTION_STATUS = {
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
  /** Epoch ms of the confirmation, and of the last transition (the status history the console shows). */
  confirmedAt?: number;
  updatedAt?: number;
  result?: unknown;
  error?: unknown;
}

/** How a turn closes the current action. */
export type CloseChange =
  | { actionId: string; to: 'executed'; owner: string; result: unknown }
  | { actionId: string; to: 'failed'; owner: string; error: unknown }
  | { actionId: string; to: 'aborted' | 'expired' };

/** What a transition requires of the stored action, and what it records. */
export interface TransitionRule {
  from: ActionStatus[];
  /** Only the claiming worker may make it. */
  owner?: string;
  /** The confirmation deadline must not have passed, or must have passed. */
  deadline?: 'notPassed' | 'passed';
  set?: Record<string, unknown>;
}

/** Pure: the rule of each way a turn closes an action. */
function closeRule(close: CloseChange): TransitionRule {
  switch (close.to) {
    case 'executed':
      return { from: ['executing'], owner: close.owner, set: { result: close.result ?? null } };
    case 'failed':
      return { from: ['executing'], owner: close.owner, set: { error: close.error ?? null } };
    case 'aborted':
      return { from: ['staged', 'confirmed'], deadline: 'notPassed' };
    case 'expired':
      return { from: ['staged', 'confirmed'], deadline: 'passed' };
  }
}

/** Pure: moves one action to `to` under `rule`. */
export function transitionOp(tableName: string, now: number, sessionId: string, actionId: string, to: ActionStatus, rule: TransitionRule): TxOp {
  const from = isOneOf('#status', 'from', rule.from);
  const set = rule.set ?? {};
  const deadline = rule.deadline === 'passed' ? 'expiresAt < :now' : rule.deadline === 'notPassed' ? 'expiresAt >= :now' : undefined;
  return {
    label: `pendingAction.${to}`,
    item: {
      Update: {
        TableName: tableName,
        Key: { [PK]: sessionId, [SK]: actionId },
        ...expression(
          {
            update: update({ set: ['#status = :to', 'updatedAt = :now', ...assignments(set)] }),
            condition: and(LIVE, from.text, deadline, rule.owner && '#owner = :owner'),
          },
          { ...set, ...from.values, ...nowValues(now), to, owner: rule.owner },
        ),
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    },
    onConditionFailed: (current) => transitionConflict(sessionId, actionId, to, current),
  };
}

/**
 * Pure: an update of the session's marker item under `condition`. Every write sets its expiry
 * (like every item holding personal data): a day past `keepUntil`, when what it names is long closed.
 */
function markerOp(
  tableName: string,
  sessionId: string,
  change: { set?: string[]; remove?: string[] },
  condition: string,
  values: Item,
  onFail: () => Error,
  keepUntil: number,
): TxOp {
  const updateExpression = update({ set: [...(change.set ?? []), '#ttl = :markerTtl'], remove: change.remove });
  return {
    label: 'pendingAction.marker',
    item: {
      Update: {
        TableName: tableName,
        Key: { [PK]: sessionId, [SK]: MARKER },
        ...expression({ update: updateExpression, condition }, { ...values, markerTtl: epochSeconds(keepUntil + RETENTION_MS) }),
      },
    },
    onConditionFailed: onFail,
  };
}

const openExists = (sessionId: string) => () => new ConflictError('pendingAction.openExists', 'the session already has an open action', { sessionId });
const noLongerOpen = (sessionId: string, actionId: string) => () =>
  new ConflictError('pendingAction.conflict', 'the action is no longer the open one', { sessionId, actionId });

/** Pure: the marker names `actionId` as the open one, if no live action is open (or the open one is `previous`). */
export function openMarkerOp(tableName: string, now: number, sessionId: string, actionId: string, until: number, previous?: string): TxOp {
  return markerOp(
    tableName,
    sessionId,
    { set: ['openActionId = :id', 'openUntil = :until'] },
    or('attribute_not_exists(openActionId)', 'openUntil < :now', previous && 'openActionId = :prev'),
    { id: actionId, until, now, prev: previous },
    openExists(sessionId),
    Math.max(now, until),
  );
}

/**
 * Pure: the pending-action part of one turn's transaction — close the current action (if any)
 * and/or open a new one, touching the marker item once (a transaction may not touch an item twice).
 */
export function turnOps(tableName: string, now: number, sessionId: string, change: { close?: CloseChange; open?: PendingActionDraft }): TxOp[] {
  const { close, open } = change;
  const closing = close ? [transitionOp(tableName, now, sessionId, close.actionId, close.to, closeRule(close))] : [];
  if (!open) {
    if (!close) return [];
    return [
      ...closing,
      markerOp(
        tableName,
        sessionId,
        { remove: ['openActionId', 'openUntil'] },
        'openActionId = :id',
        { id: close.actionId },
        noLongerOpen(sessionId, close.actionId),
        now,
      ),
    ];
  }
  const created: TxOp = {
    label: 'pendingAction.create',
    item: {
      Put: {
        TableName: tableName,
        Item: {
          [PK]: sessionId,
          [SK]: open.actionId,
          kind: open.kind,
          description: open.description,
          call: open.call,
          expiresAt: open.expiresAt,
          status: ACTION_STATUS.staged,
          createdAt: new Date(now).toISOString(),
          updatedAt: now,
          attempt: 0,
          [TTL]: epochSeconds(Math.max(now, open.expiresAt) + RETENTION_MS),
        },
        ...expression({ condition: 'attribute_not_exists(#sk)' }),
      },
    },
    onConditionFailed: () => new ConflictError('pendingAction.conflict', `action ${open.actionId} already exists`),
  };
  return [openMarkerOp(tableName, now, sessionId, open.actionId, open.expiresAt, close?.actionId), created, ...closing];
}

/** Pure: staged → confirmed before the deadline; an action already confirmed stays confirmed. */
export function confirmOp(tableName: string, now: number, sessionId: string, actionId: string): TxOp {
  return transitionOp(tableName, now, sessionId, actionId, 'confirmed', { from: ['staged', 'confirmed'], deadline: 'notPassed', set: { confirmedAt: now } });
}

/**
 * Pure: confirmed → executing (recording owner and attempt) before the deadline, or the takeover
 * of an executing claim whose window passed; the marker keeps it open whatever the deadline.
 */
export function claimOps(tableName: string, now: number, sessionId: string, actionId: string, owner: string): TxOp[] {
  const claim: TxOp = {
    label: 'pendingAction.claim',
    item: {
      Update: {
        TableName: tableName,
        Key: { [PK]: sessionId, [SK]: actionId },
        ...expression(
          {
            update: 'SET #status = :executing, #owner = :owner, attempt = attempt + :one, claimExpiresAt = :claimUntil, updatedAt = :now',
            condition: and(LIVE, '((#status = :confirmed AND expiresAt >= :now) OR (#status = :executing AND claimExpiresAt < :now))'),
          },
          { ...ACTION_STATUS, ...nowValues(now), owner, one: 1, claimUntil: now + CLAIM_MS },
        ),
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    },
    onConditionFailed: (current) => transitionConflict(sessionId, actionId, 'executing', current),
  };
  const marker = markerOp(
    tableName,
    sessionId,
    { set: ['openUntil = :forever'] },
    'openActionId = :id',
    { id: actionId, forever: FOREVER },
    noLongerOpen(sessionId, actionId),
    now + CLAIM_MS,
  );
  return [claim, marker];
}

function transitionConflict(sessionId: string, actionId: string, to: string, current: Item | undefined) {
  if (!current) return new ConflictError('pendingAction.notFound', `action ${actionId} not found`, { sessionId, actionId, current: null });
  return new ConflictError('pendingAction.conflict', `action ${actionId} cannot become ${to} from ${String(current.status)}`, {
    sessionId,
    actionId,
    current: { status: current.status, expiresAt: current.expiresAt, owner: current.owner },
  });
}

/** Pure: a stored item as an action. */
export function toAction(item: Item): PendingAction {
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
    confirmedAt: item.confirmedAt as number | undefined,
    updatedAt: item.updatedAt as number | undefined,
    result: item.result,
    error: item.error,
  };
}
