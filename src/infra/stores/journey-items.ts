/**
 * The JourneyControl item layout. A journey is one workflow: a header item (`sk = "journey"`) holds
 * its current run, with the run's newest events (`tail`) and its steps' checkpoints (`results`), so
 * a step's transition is one conditional UpdateItem. When the tail grows past a few dozen events
 * (or a result is large, or a new run replaces this one), the events move to a history item
 * (`sk = "h#<runId>#<first event id>"`) in the same transaction.
 */
import { AppError } from '../../kernel/errors.js';
import { TABLE_DEFS, indexNamed } from '../tables.js';
import type { Item } from './store-deps.js';

export const DEF = TABLE_DEFS.journeys;
export const PK = DEF.partitionKey.name;
export const SK = DEF.sortKey.name;
export const TTL = DEF.ttlAttribute;
export const HEADER_SK = 'journey';
export const BY_STATUS = indexNamed(DEF, 'status-index');
export const BY_TYPE = indexNamed(DEF, 'type-index');
export const DUE = indexNamed(DEF, 'due-index');
export const DUE_SHARD = DUE.partitionKey.name;
export const DUE_AT = DUE.sortKey.name;
/** Partitions of the sparse due index: claims spread over a few keys instead of one hot one. */
export const DUE_SHARDS = 4;
/** DynamoDB items stop at 400 KB; a JSON value above this budget is refused instead of failing the write. */
const MAX_JSON_BYTES = 350_000;
/** Events a header keeps before they move to a history item. */
export const TAIL_MAX = 48;
/** Events one history item may hold (a full tail, the write that moved it, a closing marker); history pages look back this far. */
export const MAX_EVENTS_PER_ITEM = 64;
/** A checkpoint's result is kept in the header up to this size, and the header's results up to the total; larger ones go to a history item. */
export const INLINE_RESULT_BYTES = 16_000;
export const INLINE_RESULTS_TOTAL = 64_000;

const HISTORY_PREFIX = 'h#';
/** Pure: the sort-key prefix of one run's history items. */
export const historyPrefix = (runId: string) => `${HISTORY_PREFIX}${runId}#`;
/** Pure: the sort key of the history item whose first event is `firstEventId` (zero-padded so keys sort by id). */
export const historySk = (runId: string, firstEventId: number) => `${historyPrefix(runId)}${String(firstEventId).padStart(8, '0')}`;
/** Pure: the due-index shard of a workflow (a stable spread over DUE_SHARDS). */
export function dueShardOf(journeyId: string): string {
  let hash = 0;
  for (const char of journeyId) hash = (hash * 31 + char.charCodeAt(0)) | 0;
  return `due#${Math.abs(hash) % DUE_SHARDS}`;
}

export const ACTIVE_STATUSES = ['RUNNING', 'RETRYING', 'WAITING', 'COMPENSATING'] as const;
export const FINISHED_STATUSES = ['COMPLETED', 'FAILED', 'COMPENSATION_FAILED', 'TERMINATED'] as const;
export const JOURNEY_STATUSES = [...ACTIVE_STATUSES, ...FINISHED_STATUSES] as const;
export type JourneyStatus = (typeof JOURNEY_STATUSES)[number];
export const isFinished = (status: JourneyStatus) => (FINISHED_STATUSES as readonly string[]).includes(status);

/** One event of a run's history, as stored (ids are per run, from 1, without gaps). */
export interface StoredEvent {
  id: number;
  type: string;
  /** ISO-8601. */
  at: string;
  attrs: Record<string, unknown>;
}

/** An event to append: the store numbers it. */
export type NewEvent = Omit<StoredEvent, 'id'>;

/** A completed step's checkpoint, written with the event that completed it. */
export interface Checkpoint {
  step: string;
  index: number;
  result: unknown;
  attempts: number;
}

/** A checkpoint as stored: with the id of the event that completed the step. */
export interface StoredCheckpoint extends Checkpoint {
  eventId: number;
  /** Carried over from an earlier run by a resume (its result, not run again). */
  seeded?: boolean;
  /** The result is in a history item, not the header (`result` is then absent here). */
  inItem?: boolean;
}

export interface RunSummary {
  runId: string;
  number: number;
  startedAt: string;
  /** The step a resumed run started from. */
  fromStep?: string;
  /** Set when a later run replaced this one. */
  closedStatus?: JourneyStatus;
}

export interface ReceivedSignal {
  payload: unknown;
  at: string;
  eventId: number;
}

/** Where a parked run waits: a signal for a step, until `deadline` (epoch ms) when given. */
export interface Waiting {
  signal: string;
  step: string;
  deadline?: number;
}

/** A delay the run waits out: a retry's backoff or a signal's timeout. */
export interface Timer {
  id: string;
  /** Epoch ms. */
  fireAt: number;
}

/** Who is told when a run finishes, and what they asked to be given back. */
export interface NotifyTarget {
  listener: string;
  data: unknown;
}

/** The header item: the workflow and its current run, as callers see it. */
export interface JourneyRecord {
  journeyId: string;
  workflowType: string;
  typeVersion: string;
  input: unknown;
  inputHash: string;
  runId: string;
  /** 1 for the first run; a resume or rerun adds one. */
  runNumber: number;
  runs: RunSummary[];
  status: JourneyStatus;
  /** Index of the step the run is at (the next to run, or the one running). */
  stepIndex: number;
  /** Attempts started of that step since its last success (0 before the first). */
  attempt: number;
  /** Events written in this run so far (the next event's id is this + 1): the header's version. */
  eventCount: number;
  /** Events of this run already moved to history items (ids 1 … flushed). */
  flushed: number;
  /** The run's events not yet moved (ids flushed + 1 … eventCount). */
  tail: StoredEvent[];
  /** The run's checkpoints (and seeded results), in step order. */
  checkpoints: StoredCheckpoint[];
  failedStep?: string;
  errorMessage?: string;
  /** While compensating: index of the next completed step to undo, going down. */
  compensateIndex?: number;
  /** Attempts started of that compensation. */
  compensateAttempt: number;
  terminateReason?: string;
  waiting?: Waiting;
  timer?: Timer;
  /** Signals received in this run and not yet consumed by a completed step, by name. */
  signals: Record<string, ReceivedSignal>;
  leaseOwner?: string;
  leaseToken?: string;
  /** Epoch ms. */
  leaseExpiresAt?: number;
  dueShard?: string;
  /** Epoch ms: when a worker may claim the run (a held run's is its lease expiry). */
  dueAt?: number;
  notify?: NotifyTarget;
  /** The run finished and its listener has not yet confirmed delivery. */
  notifyPending: boolean;
  notifyAttempts: number;
  hasResult: boolean;
  result?: unknown;
  createdAt: string;
  /** The last status change (ISO-8601); the list indexes sort by it. */
  updatedAt: string;
}

/** Pure: `value` as the JSON string stored for it, within the item budget. */
export function serialise(value: unknown, what: string): string {
  const json = JSON.stringify(value ?? null);
  const bytes = Buffer.byteLength(json);
  if (bytes > MAX_JSON_BYTES)
    throw new AppError('journey.tooLarge', `${what} is ${bytes} bytes; the limit is ${MAX_JSON_BYTES}`, { bytes, limit: MAX_JSON_BYTES });
  return json;
}

const parse = (json: unknown): unknown => (typeof json === 'string' ? JSON.parse(json) : undefined);

/** Pure: a stored signals map as callers see it. */
function toSignals(stored: unknown): Record<string, ReceivedSignal> {
  const signals: Record<string, ReceivedSignal> = {};
  // Keys carry a prefix (see signalKey in journey-changes).
  for (const [key, value] of Object.entries((stored as Record<string, Item>) ?? {})) {
    signals[key.slice(2)] = { payload: parse(value.payloadJson), at: value.at as string, eventId: value.eventId as number };
  }
  return signals;
}

/** Pure: a header item as the record callers see. */
export function toRecord(item: Item): JourneyRecord {
  return {
    journeyId: item[PK] as string,
    workflowType: item.workflowType as string,
    typeVersion: item.typeVersion as string,
    input: parse(item.inputJson),
    inputHash: item.inputHash as string,
    runId: item.runId as string,
    runNumber: (item.runNumber as number) ?? 1,
    runs: (item.runs as RunSummary[]) ?? [],
    status: item.status as JourneyStatus,
    stepIndex: (item.stepIndex as number) ?? 0,
    attempt: (item.attempt as number) ?? 0,
    eventCount: (item.eventCount as number) ?? 0,
    flushed: (item.flushed as number) ?? 0,
    tail: ((item.tail as string[]) ?? []).map((json) => JSON.parse(json) as StoredEvent),
    checkpoints: toCheckpoints(item.results),
    failedStep: item.failedStep as string | undefined,
    errorMessage: item.errorMessage as string | undefined,
    compensateIndex: item.compensateIndex as number | undefined,
    compensateAttempt: (item.compensateAttempt as number) ?? 0,
    terminateReason: item.terminateReason as string | undefined,
    waiting: item.waiting as Waiting | undefined,
    timer: item.timer as Timer | undefined,
    signals: toSignals(item.signals),
    leaseOwner: item.leaseOwner as string | undefined,
    leaseToken: item.leaseToken as string | undefined,
    leaseExpiresAt: item.leaseExpiresAt as number | undefined,
    dueShard: item[DUE_SHARD] as string | undefined,
    dueAt: item[DUE_AT] as number | undefined,
    notify: item.notifyJson ? (parse(item.notifyJson) as NotifyTarget) : undefined,
    notifyPending: item.notifyPending === true,
    notifyAttempts: (item.notifyAttempts as number) ?? 0,
    hasResult: typeof item.resultJson === 'string',
    result: parse(item.resultJson),
    createdAt: item.createdAt as string,
    updatedAt: item.updatedAt as string,
  };
}

/** Pure: a history item's events, in order. */
export const toEvents = (item: Item): StoredEvent[] => (parse(item.eventsJson) as StoredEvent[]) ?? [];

/** Pure: a header's results map (keys `r<step index>`) as checkpoints in step order. */
function toCheckpoints(stored: unknown): StoredCheckpoint[] {
  return Object.values((stored as Record<string, Item>) ?? {})
    .map((v) => ({
      step: v.step as string,
      index: v.index as number,
      attempts: v.attempts as number,
      eventId: v.eventId as number,
      ...(typeof v.resultJson === 'string' ? { result: JSON.parse(v.resultJson) as unknown } : { result: undefined, inItem: true }),
      ...(v.seeded ? { seeded: true } : {}),
    }))
    .sort((a, b) => a.index - b.index);
}

/** Pure: a checkpoint as the header's results map stores it (without its result when that is in a history item). */
export function storedCheckpoint(cp: StoredCheckpoint, inline: boolean): Item {
  return {
    step: cp.step,
    index: cp.index,
    attempts: cp.attempts,
    eventId: cp.eventId,
    ...(inline ? { resultJson: serialise(cp.result, `the result of step ${cp.step}`) } : {}),
    ...(cp.seeded ? { seeded: true } : {}),
  };
}

/** Pure: a history item's checkpoints (results moved out of the header). */
export const toItemCheckpoints = (item: Item): StoredCheckpoint[] => (parse(item.checkpointsJson) as StoredCheckpoint[]) ?? [];
