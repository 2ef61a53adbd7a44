import { z } from 'zod';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../../kernel/clock.js';
import type { TableNames } from '../tables.js';
import { createBufferStore } from './buffer-store.js';
import { createIdempotencyStore } from './idempotency-store.js';
import { createInboxStore } from './inbox-store.js';
import { createLockStore } from './lock-store.js';
import { createOutboxStore } from './outbox-store.js';
import { createPendingActionStore } from './pending-action-store.js';
import { createSessionStore } from './session-store.js';

/** Every value comes from the config (its defaults live there, not here). */
export interface StoresOptions<S> {
  doc: DynamoDBDocumentClient;
  tables: TableNames;
  clock: Clock;
  /** The engine's state schema; any record when absent. */
  sessionSchema?: z.ZodType<S>;
  sessionTtlDays: number;
  bufferTtlDays: number;
  lockLeaseMs: number;
}

/** Builds the conversation stores over one DocumentClient. */
export function createStores<S = Record<string, unknown>>(options: StoresOptions<S>) {
  const { doc, tables, clock } = options;
  return {
    /** For composing one transaction from several stores' ops. */
    doc,
    sessions: createSessionStore<S>({
      doc,
      clock,
      tableName: tables.sessions,
      schema: options.sessionSchema ?? (z.record(z.string(), z.unknown()) as unknown as z.ZodType<S>),
      ttlDays: options.sessionTtlDays,
    }),
    pendingActions: createPendingActionStore({ doc, clock, tableName: tables.pendingActions }),
    buffer: createBufferStore({ doc, clock, tableName: tables.conversationBuffer, ttlDays: options.bufferTtlDays }),
    outbox: createOutboxStore({ doc, clock, tableName: tables.conversationBuffer }),
    locks: createLockStore({ doc, clock, tableName: tables.locks, leaseMs: options.lockLeaseMs }),
    idempotency: createIdempotencyStore({ doc, clock, tableName: tables.idempotency }),
    inbox: createInboxStore({ doc, clock, tableName: tables.idempotency }),
  };
}

export type Stores<S = Record<string, unknown>> = ReturnType<typeof createStores<S>>;
