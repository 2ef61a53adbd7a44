/**
 * Where mapped keys go: DynamoDB through the stores (every write conditional, one transaction per
 * session), or — for a dry run — nowhere, with the same answers read instead of written.
 */
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../kernel/clock.js';
import { AppError, TransactionCancelledError } from '../kernel/errors.js';
import type { BufferEntry } from '../infra/stores/buffer-store.js';
import type { Stores } from '../infra/stores/index.js';
import type { ImportOrigin } from '../infra/stores/session-store.js';
import { guard, isExpired, type Item } from '../infra/stores/store-deps.js';
import { transactWrite, type TxOp } from '../infra/stores/transaction.js';
import { TABLE_DEFS, type TableNames } from '../infra/tables.js';
import type { State } from '../graph/state.js';
import type { LegacyCheckpoint } from './decode.js';
import type { MappedSession } from './map-state.js';
import type { SkipReason } from './outcomes.js';

const IMPORT_SOURCE = 'redis';

/** A mapped checkpoint ready to write. */
export interface SessionImport {
  session: MappedSession;
  format: LegacyCheckpoint['format'];
  key: string;
  /** Epoch ms the session expires: the legacy key's remaining TTL. */
  expiresAt: number;
}

export type WriteResult =
  { written: true } | { written: false; reason: Extract<SkipReason, 'session_exists' | 'already_imported' | 'open_action_exists' | 'delivery_exists'> };

export interface ImportTarget {
  /** Writes several sessions (one transaction when none exists yet); results in input order. */
  sessions(inputs: SessionImport[]): Promise<WriteResult[]>;
  /** A live `msg:` key as a completed delivery under `idempotencyKey` until `expiresAt`. */
  delivery(idempotencyKey: string, key: string, expiresAt: number): Promise<WriteResult>;
}

/** The yes/no buttons the engine recognises on a reply ("yes"/"no" payloads). */
const YES_NO = [
  { id: 'yes', title: 'Sim' },
  { id: 'no', title: 'Não' },
];

/**
 * Pure: how a refused conditional write reads. Our own write of this run (a run resumed after a
 * crash re-reads the keys after its last checkpoint) counts as imported; an earlier run's import
 * that nobody has talked over yet is `already_imported`; anything else is newer than Redis.
 */
export function classifyExisting(current: Item | undefined, run: string | null, exists: 'session_exists' | 'delivery_exists'): WriteResult {
  const origin = current?.importedFrom as ImportOrigin | undefined;
  if (origin && run && origin.run === run) return { written: true };
  if (origin && (current?.version === undefined || current.version === 1)) return { written: false, reason: 'already_imported' };
  return { written: false, reason: exists };
}

/** Pure: the buffer entries an imported session is written with. */
export function importEntries(input: SessionImport, now: number): BufferEntry[] {
  const { session, format, key } = input;
  const action = session.action;
  const legacyAt = new Date(session.writtenAt).toISOString();
  const record: BufferEntry = {
    role: 'system',
    text: `Conversa importada do orquestrador anterior (Redis, checkpoint de ${legacyAt}).`,
    // At the legacy time: the history reads in the order things happened.
    at: session.writtenAt,
    meta: {
      origin: 'redis_import',
      sourceKey: key,
      format,
      legacyWrittenAt: legacyAt,
      pendingAction: action ? { actionId: action.actionId, kind: action.kind, reconfirm: action.reconfirm, expiresAt: action.expiresAt } : null,
      actionNotStaged: session.actionSkipped?.reason ?? null,
    },
  };
  if (!action?.reconfirm) return [record];
  // The caregiver said "sim" and is waiting: ask again now (the service's outbox sends it).
  const reply = { text: action.description, buttons: YES_NO };
  const question: BufferEntry = {
    role: 'assistant',
    text: reply.text,
    at: now,
    meta: { origin: 'redis_import', channel: 'meta', delivery: 'outbox', buttons: YES_NO },
    outbox: { to: session.sessionId, payload: reply },
  };
  return [record, question];
}

/** Writes through the stores. `run` marks this run's writes (see classifyExisting). */
export function createDynamoTarget(deps: { stores: Stores<State>; clock: Clock; run: string }): ImportTarget {
  const { stores, clock, run } = deps;
  const origin = (key: string): ImportOrigin => ({ source: IMPORT_SOURCE, key, run });
  /** A session, its staged action and its buffer entries: written together or not at all. */
  const opsOf = (input: SessionImport): TxOp[] => {
    const { session, key, expiresAt } = input;
    const { sessionId, action } = session;
    return [
      stores.sessions.importOp(sessionId, session.state, { expiresAt, origin: origin(key) }),
      ...(action
        ? stores.pendingActions.turnOps(sessionId, {
            open: { actionId: action.actionId, kind: action.kind, description: action.description, call: action.call, expiresAt: action.expiresAt },
          })
        : []),
      ...importEntries(input, clock.now()).flatMap((entry) => stores.buffer.appendOps(sessionId, entry).ops),
    ];
  };
  const refusal = (label: string, current: Item | undefined): WriteResult => {
    if (label === 'session.import') return classifyExisting(current, run, 'session_exists');
    if (label === 'pendingAction.marker') return { written: false, reason: 'open_action_exists' };
    throw new AppError('internal.error', `unexpected refusal of ${label} in an import`);
  };
  return {
    /**
     * One transaction for the group. When some conditions fail, DynamoDB says which (with each
     * refused item): those sessions are classified, the others are written again without them.
     */
    async sessions(inputs) {
      const results = new Array<WriteResult>(inputs.length);
      let pending = inputs.map((input, index) => ({ index, ops: opsOf(input) }));
      while (pending.length) {
        const ops = pending.flatMap((p) => p.ops);
        try {
          await transactWrite(stores.doc, ops);
          for (const p of pending) results[p.index] = { written: true };
          return results;
        } catch (error) {
          const refused = refusedParts(error);
          if (!refused) throw error;
          const owners = pending.flatMap((p) => p.ops.map(() => p));
          // A session's first refused part decides: its session item (an earlier import, or this run's own
          // write before a crash) comes before its action marker, which that same import had opened.
          for (const part of refused) results[owners[part.index].index] ??= refusal(ops[part.index].label, part.item);
          pending = pending.filter((p) => results[p.index] === undefined);
        }
      }
      return results;
    },

    async delivery(idempotencyKey, key, expiresAt) {
      const result = await stores.idempotency.recordImported(idempotencyKey, expiresAt, origin(key));
      return result.written ? { written: true } : classifyExisting(result.current, run, 'delivery_exists');
    },
  };
}

/** Writes nothing: reads what a write would find and answers as the write would. */
export function createDryRunTarget(deps: { doc: DynamoDBDocumentClient; tables: TableNames; clock: Clock }): ImportTarget {
  const { doc, tables, clock } = deps;
  async function live(table: 'sessions' | 'idempotency', key: string): Promise<Item | undefined> {
    const def = TABLE_DEFS[table];
    const out = await guard(() => doc.send(new GetCommand({ TableName: tables[table], Key: { [def.partitionKey.name]: key }, ConsistentRead: true })));
    return out.Item && !isExpired(out.Item, clock.now(), def.ttlAttribute) ? out.Item : undefined;
  }
  return {
    sessions: (inputs) =>
      Promise.all(
        inputs.map(async ({ session }) => {
          const current = await live('sessions', session.sessionId);
          return current ? classifyExisting(current, null, 'session_exists') : ({ written: true } as const);
        }),
      ),
    async delivery(idempotencyKey) {
      const current = await live('idempotency', idempotencyKey);
      return current ? classifyExisting(current, null, 'delivery_exists') : { written: true };
    },
  };
}

/** The parts a cancelled transaction refused on their conditions, or undefined for any other failure. */
function refusedParts(error: unknown): { index: number; item?: Item }[] | undefined {
  const cancelled = error instanceof TransactionCancelledError ? error : (error as { cause?: unknown })?.cause;
  if (!(cancelled instanceof TransactionCancelledError)) return undefined;
  const refused = cancelled.failed.filter((f) => f.code === 'ConditionalCheckFailed');
  // Anything else (a conflicting transaction, a validation error) is not an answer about our items.
  return refused.length && refused.length === cancelled.failed.length ? refused : undefined;
}
