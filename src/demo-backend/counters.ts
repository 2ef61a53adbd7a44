import { BACKEND_CONTRACTS, type BackendOperation } from '../contracts/backends.js';

export interface OperationCounters {
  /** Requests received on the operation's path (including injected failures and replays). */
  calls: number;
  /** Changes applied to the demo data (a replayed or rejected request applies none). */
  effects: number;
  /** Requests answered from the Idempotency-Key store. */
  dedupHits: number;
  /** Coordinator / caregiver notifications "sent" (counted and logged, nothing leaves the machine). */
  notifications: number;
  /** Requests failed on purpose through `POST /__fail`. */
  injectedFailures: number;
}

export type DemoCounters = Record<BackendOperation, OperationCounters>;

export const OPERATIONS = Object.keys(BACKEND_CONTRACTS) as BackendOperation[];

/** Fresh zeroed counters for the six operations. */
export function createCounters(): DemoCounters {
  return Object.fromEntries(OPERATIONS.map((op) => [op, { calls: 0, effects: 0, dedupHits: 0, notifications: 0, injectedFailures: 0 }])) as DemoCounters;
}

/** Zeroes the counters in place, so references handed out earlier stay live. */
export function zeroCounters(counters: DemoCounters): void {
  for (const op of OPERATIONS) Object.assign(counters[op], createCounters()[op]);
}
