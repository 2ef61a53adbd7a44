import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { PendingActionDraft } from '../../contracts/engine.js';
import { TABLE_DEFS, indexNamed } from '../tables.js';
import { LIVE, expressionsFor, nowValues } from './expression.js';
import {
  OPEN_STATUSES,
  PK,
  SK,
  claimOps,
  confirmOp,
  toAction,
  turnOps,
  type ActionStatus,
  type CloseChange,
  type PendingAction,
} from './pending-action-requests.js';
import { guard, isExpired, queryAll, queryPages, type StoreDeps } from './store-deps.js';
import { sendOne, transactWrite, type TxOp } from './transaction.js';

export type { CloseChange } from './pending-action-requests.js';

const DEF = TABLE_DEFS.pendingActions;
const TTL = DEF.ttlAttribute;
const BY_STATUS = indexNamed(DEF, 'status-index');
const expression = expressionsFor(DEF);

/**
 * Two-phase commit records. At most one open action (staged|confirmed|executing) per session,
 * enforced by a marker item written in the same transaction as every open/close transition.
 * A new action SUPERSEDES an open staged/confirmed one (aborting it atomically); an executing
 * one is never superseded (ConflictError `pendingAction.openExists`).
 *
 *   staged ─confirm─▶ confirmed ─claim─▶ executing ─complete─▶ executed
 *     │                  │                  └──fail──▶ failed
 *     ├──abort/expire────┴──▶ aborted / expired          (confirm/claim/abort need the deadline
 *                                                         not passed; expire needs it passed)
 */
export interface PendingActionStore {
  /** Pure: the turn's pending-action changes, committed inside its transaction (see `turnOps`). */
  turnOps(sessionId: string, change: { close?: CloseChange; open?: PendingActionDraft }): TxOp[];
  /** staged → confirmed, before the deadline; an action already confirmed (a retried turn) stays confirmed. */
  confirm(sessionId: string, actionId: string): Promise<void>;
  /**
   * confirmed → executing (recording owner and attempt), before the deadline; also takes over an
   * executing claim whose window passed (a crashed worker). Returns the stored action, whose
   * `call` is exactly what was confirmed.
   */
  claim(sessionId: string, actionId: string, owner: string): Promise<PendingAction>;
  /** The open action, or null. A staged/confirmed action past its deadline is not open. */
  getOpen(sessionId: string): Promise<PendingAction | null>;
  /** All live actions of a session, oldest first. */
  listBySession(sessionId: string): Promise<PendingAction[]>;
  /** Count of open actions by status across sessions, through the status GSI (for metrics). */
  countByStatus(statuses?: ActionStatus[]): Promise<Record<string, number>>;
}

/** Builds the pending-action store over the PendingActions table. */
export function createPendingActionStore({ doc, tableName, clock }: StoreDeps): PendingActionStore {
  async function listBySession(sessionId: string): Promise<PendingAction[]> {
    const items = await queryAll(doc, {
      TableName: tableName,
      // ULIDs start with a digit; the "#open" marker sorts before them.
      ...expression({ keyCondition: '#pk = :pk AND #sk >= :first' }, { pk: sessionId, first: '0' }),
      ConsistentRead: true,
    });
    const now = clock.now();
    return items.filter((i) => !isExpired(i, now, TTL)).map(toAction);
  }

  return {
    turnOps: (sessionId, change) => turnOps(tableName, clock.now(), sessionId, change),

    async confirm(sessionId, actionId) {
      await sendOne(doc, confirmOp(tableName, clock.now(), sessionId, actionId));
    },

    async claim(sessionId, actionId, owner) {
      await transactWrite(doc, claimOps(tableName, clock.now(), sessionId, actionId, owner));
      const out = await guard(() => doc.send(new GetCommand({ TableName: tableName, Key: { [PK]: sessionId, [SK]: actionId }, ConsistentRead: true })));
      return toAction(out.Item!);
    },

    // Reads every action of the session (a handful, kept a day), so a closed newest action never hides an older open one.
    async getOpen(sessionId) {
      const now = clock.now();
      const open = (await listBySession(sessionId)).filter(
        (a) => a.status === 'executing' || ((a.status === 'staged' || a.status === 'confirmed') && a.expiresAt >= now),
      );
      return open.at(-1) ?? null;
    },

    listBySession,

    async countByStatus(statuses = OPEN_STATUSES) {
      const counts: Record<string, number> = {};
      await Promise.all(
        statuses.map(async (status) => {
          let total = 0;
          await queryPages(
            doc,
            {
              TableName: tableName,
              IndexName: BY_STATUS.name,
              ...expression({ keyCondition: '#status = :status', filter: LIVE }, { status, ...nowValues(clock.now()) }),
              Select: 'COUNT',
            },
            (page) => void (total += page.Count ?? 0),
          );
          counts[status] = total;
        }),
      );
      return counts;
    },
  };
}
