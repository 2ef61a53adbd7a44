import { GetCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import type { PendingActionDraft } from '../../src/contracts/engine.js';
import type { Clock } from '../../src/kernel/clock.js';
import { ConflictError } from '../../src/kernel/errors.js';
import { TABLE_DEFS } from '../../src/infra/tables.js';
import { isExpired } from '../../src/infra/stores/store-deps.js';
import { transactWrite } from '../../src/infra/stores/transaction.js';
import { openMarkerOp, toAction, transitionOp, type CloseChange, type PendingAction } from '../../src/infra/stores/pending-action-requests.js';
import type { PendingActionStore } from '../../src/infra/stores/pending-action-store.js';

const { partitionKey, sortKey, ttlAttribute } = TABLE_DEFS.pendingActions;

/** A draft action made at `clock`'s now, to confirm within 10 minutes: presence confirmed for schedule sch-1. */
export function draftAction(clock: Clock, overrides: Partial<PendingActionDraft> = {}): PendingActionDraft {
  return {
    actionId: ulid(clock.now()),
    kind: 'clinico.save',
    description: 'Salvar os seguintes sinais vitais?',
    call: { operation: 'updateWorkScheduleResponse', request: { scheduleID: 'sch-1', responseValue: 'confirmado' } },
    expiresAt: clock.now() + 600_000,
    ...overrides,
  };
}

/**
 * The pending-action operations only the tests use (the turn opens and closes actions through
 * `turnOps` in its own transaction), built from the store's request builders.
 */
export function pendingActionTestApi(store: PendingActionStore, deps: { doc: DynamoDBDocumentClient; tableName: string; clock: Clock }) {
  const { doc, tableName, clock } = deps;
  const close = (sessionId: string, change: CloseChange) => transactWrite(doc, store.turnOps(sessionId, { close: change }));

  /** Strongly consistent read of one action. */
  async function get(sessionId: string, actionId: string): Promise<PendingAction | null> {
    const out = await doc.send(
      new GetCommand({ TableName: tableName, Key: { [partitionKey.name]: sessionId, [sortKey.name]: actionId }, ConsistentRead: true }),
    );
    return out.Item && !isExpired(out.Item, clock.now(), ttlAttribute) ? toAction(out.Item) : null;
  }

  /** The ops that create `draft` as the open action, aborting `previous` (open, not executing) if given. */
  const createOps = (sessionId: string, draft: PendingActionDraft, previous?: string) =>
    store.turnOps(sessionId, { open: draft, close: previous ? { actionId: previous, to: 'aborted' } : undefined });

  return {
    ...store,
    get,
    createOps,

    /** Creates the session's open action; with `supersede` (default) an open staged/confirmed one is aborted. */
    async create(sessionId: string, draft: PendingActionDraft, options: { supersede?: boolean } = {}): Promise<PendingAction> {
      const previous = options.supersede === false ? null : await store.getOpen(sessionId);
      if (previous?.status === 'executing') {
        throw new ConflictError('pendingAction.openExists', 'the open action is executing', { sessionId, actionId: previous.actionId });
      }
      await transactWrite(doc, createOps(sessionId, draft, previous?.actionId));
      return (await get(sessionId, draft.actionId))!;
    },

    complete: (sessionId: string, actionId: string, owner: string, result: unknown) => close(sessionId, { actionId, to: 'executed', owner, result }),
    fail: (sessionId: string, actionId: string, owner: string, error: unknown) => close(sessionId, { actionId, to: 'failed', owner, error }),
    abort: (sessionId: string, actionId: string) => close(sessionId, { actionId, to: 'aborted' }),
    expire: (sessionId: string, actionId: string) => close(sessionId, { actionId, to: 'expired' }),

    /** failed → confirmed with a new deadline; it becomes the open action again. */
    async retry(sessionId: string, actionId: string, expiresAt: number): Promise<void> {
      const now = clock.now();
      await transactWrite(doc, [
        transitionOp(tableName, now, sessionId, actionId, 'confirmed', { from: ['failed'], set: { expiresAt } }),
        openMarkerOp(tableName, now, sessionId, actionId, expiresAt),
      ]);
    },

    /** One action by id alone (a Scan: fine on a test's own small table). */
    async getById(actionId: string): Promise<PendingAction | null> {
      const out = await doc.send(
        new ScanCommand({
          TableName: tableName,
          FilterExpression: '#sk = :id',
          ExpressionAttributeNames: { '#sk': sortKey.name },
          ExpressionAttributeValues: { ':id': actionId },
        }),
      );
      const item = out.Items?.[0];
      return item && !isExpired(item, clock.now(), ttlAttribute) ? toAction(item) : null;
    },
  };
}
