import { z } from 'zod';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../../kernel/clock.js';
import type { TableNames } from '../tables.js';
import { ConversationBufferStore } from './buffer-store.js';
import { IdempotencyStore } from './idempotency-store.js';
import { LockStore } from './lock-store.js';
import { PendingActionStore } from './pending-action-store.js';
import { SessionStore } from './session-store.js';

export interface StoresOptions<S> {
  doc: DynamoDBDocumentClient;
  tables: TableNames;
  clock: Clock;
  sessionSchema?: z.ZodType<S>;
  sessionTtlDays?: number;
  bufferTtlDays?: number;
  lockLeaseMs?: number;
}

/** Builds the five conversation stores over one DocumentClient. */
export function createStores<S = Record<string, unknown>>(options: StoresOptions<S>) {
  const { doc, tables, clock } = options;
  return {
    /** For composing one transaction from several stores' ops. */
    doc,
    sessions: new SessionStore<S>({
      doc,
      clock,
      tableName: tables.sessions,
      schema: options.sessionSchema ?? (z.record(z.string(), z.unknown()) as unknown as z.ZodType<S>),
      ttlDays: options.sessionTtlDays ?? 7,
    }),
    pendingActions: new PendingActionStore({ doc, clock, tableName: tables.pendingActions }),
    buffer: new ConversationBufferStore({ doc, clock, tableName: tables.conversationBuffer, ttlDays: options.bufferTtlDays ?? 7 }),
    locks: new LockStore({ doc, clock, tableName: tables.locks, leaseMs: options.lockLeaseMs ?? 10_000 }),
    idempotency: new IdempotencyStore({ doc, clock, tableName: tables.idempotency }),
  };
}

export type Stores<S = Record<string, unknown>> = ReturnType<typeof createStores<S>>;

export { SessionStore, PendingActionStore, ConversationBufferStore, LockStore, IdempotencyStore };
