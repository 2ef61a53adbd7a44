/** The JourneyControl item layout: one header item, one item per checkpointed step, one per history event, and the records callers see. */
import { AppError } from '../../kernel/errors.js';
import { TABLE_DEFS } from '../tables.js';
import type { Item } from './store-deps.js';

export const DEF = TABLE_DEFS.journeys;
export const PK = DEF.partitionKey.name;
export const SK = DEF.sortKey.name;
export const TTL = DEF.ttlAttribute;
export const HEADER_SK = 'journey';
export const STEP_PREFIX = 'step#';
export const EVENT_PREFIX = 'event#';
/** DynamoDB items stop at 400 KB; results above this budget are refused instead of failing the write. */
const MAX_RESULT_BYTES = 350_000;

export type JourneyStatus = 'PENDING' | 'IN_PROGRESS' | 'COMPLETED' | 'FAILED' | 'TERMINATED' | 'COMPENSATED';

/** The journey's header item, as callers see it. */
export interface JourneyRecord {
  journeyId: string;
  idempotencyKey: string;
  /** Identity of this incarnation of the key; checkpoints of an expired earlier one are ignored. */
  runId: string;
  status: JourneyStatus;
  metadata: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
  /** Bumped by every status transition (optimistic concurrency). */
  version: number;
  /** Runs acquired so far (first run = 1). */
  attempt: number;
  /** Failed step attempts that were retried, over the journey's life. */
  retryCount: number;
  leaseOwner?: string;
  /** Epoch ms. */
  leaseExpiresAt?: number;
  hasResult: boolean;
  result?: unknown;
  errorMessage?: string;
  failedStep?: string;
  reason?: string;
}

export interface StepRecord {
  name: string;
  index: number;
  status: 'COMPLETED' | 'COMPENSATED';
  result: unknown;
  completedAt: string;
  attempts: number;
}

export interface JourneyEvent {
  id: string;
  at: string;
  type: string;
  data?: Record<string, unknown>;
}

export interface StepCheckpoint {
  name: string;
  index: number;
  result: unknown;
  attempts: number;
}

/** Proof of ownership of a running journey; every owner-only write is conditioned on it. */
export interface JourneyLease {
  journeyId: string;
  runId: string;
  owner: string;
}

/** Throws a non-retryable journey.failed when `value` is not storable as a step or journey result. */
export function assertStorable(value: unknown, what: string): void {
  serialise(value, what);
}

/** Pure: `value` as the JSON string stored for it, within the item budget. */
export function serialise(value: unknown, what: string): string {
  const json = JSON.stringify(value ?? null);
  if (Buffer.byteLength(json) > MAX_RESULT_BYTES) {
    throw new AppError('journey.failed', `${what} is ${Buffer.byteLength(json)} bytes; the limit is ${MAX_RESULT_BYTES}`);
  }
  return json;
}

const parse = (json: unknown): unknown => (typeof json === 'string' ? JSON.parse(json) : undefined);

/** Pure: a header item as the record callers see. */
export function toRecord(item: Item): JourneyRecord {
  return {
    journeyId: item[PK] as string,
    idempotencyKey: item.idempotencyKey as string,
    runId: item.runId as string,
    status: item.status as JourneyStatus,
    metadata: (item.metadata as Record<string, unknown>) ?? {},
    createdAt: item.createdAt as string,
    updatedAt: item.updatedAt as string,
    version: item.version as number,
    attempt: (item.attempt as number) ?? 0,
    retryCount: (item.retryCount as number) ?? 0,
    leaseOwner: item.leaseOwner as string | undefined,
    leaseExpiresAt: item.leaseExpiresAt as number | undefined,
    hasResult: typeof item.resultJson === 'string',
    result: parse(item.resultJson),
    errorMessage: item.errorMessage as string | undefined,
    failedStep: item.failedStep as string | undefined,
    reason: item.reason as string | undefined,
  };
}

/** Pure: a step item as the record callers see. */
export function toStep(item: Item): StepRecord {
  return {
    name: item.stepName as string,
    index: item.stepIndex as number,
    status: item.stepStatus as StepRecord['status'],
    result: parse(item.resultJson),
    completedAt: item.completedAt as string,
    attempts: item.attempts as number,
  };
}

/** Pure: an event item as the record callers see. */
export function toEvent(item: Item): JourneyEvent {
  return { id: (item[SK] as string).slice(EVENT_PREFIX.length), at: item.at as string, type: item.type as string, data: item.data as Record<string, unknown> };
}
