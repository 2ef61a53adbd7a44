import type { Clock } from '../../kernel/clock.js';
import type { Logger } from '../../kernel/logger.js';
import type { JourneyEvent, JourneyRecord, JourneyStatus, JourneyStore, StepRecord } from '../../infra/stores/journey-store.js';

// The journey controller's contract: what steps receive, what callers pass and get back.

/** What a step (or a single-function journey) receives. */
export interface StepContext {
  journeyId: string;
  step: string;
  /** 1 for the first attempt of this step in this run. */
  attempt: number;
  /** Results of the steps before this one, by name (checkpointed ones come from DynamoDB). */
  results: Record<string, unknown>;
  metadata: Record<string, unknown>;
  /** Aborted when the lease is lost (taken over or terminated): stop and do not publish. */
  signal: AbortSignal;
}

export interface CompensationContext {
  journeyId: string;
  step: string;
  /** The stored result of the step being undone. */
  result: unknown;
  results: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

export interface JourneyStep<T = unknown> {
  name: string;
  run(ctx: StepContext): Promise<T> | T;
  /** Undoes the step after a later step failed for good; called in reverse step order. */
  compensate?(ctx: CompensationContext): Promise<void> | void;
  /** Overrides the controller's `maxRetries` for this step. */
  maxRetries?: number;
}

/** A function (one step named "main") or ordered steps; a steps journey returns its last step's result. */
export type JourneyWork<T> = ((ctx: StepContext) => Promise<T> | T) | readonly JourneyStep[];

export interface ExecuteOptions {
  /** The business key; it becomes the journey id. Include the run's date or partition in it. */
  idempotencyKey?: string;
  journeyId?: string;
  metadata?: Record<string, unknown>;
}

export interface JourneyOutcome<T> {
  journeyId: string;
  result: T;
  /** True when the journey had already completed and its stored result was returned. */
  replayed: boolean;
}

export interface JourneyView extends JourneyRecord {
  steps: StepRecord[];
}

/** Runs `fn` every `ms`; returns a stop function. Tests inject a manual ticker. */
export interface Scheduler {
  every(ms: number, fn: () => void): () => void;
}

export interface JourneyControllerOptions {
  store: JourneyStore;
  clock: Clock;
  logger?: Logger;
  /** Identifies this process as lease owner. */
  owner?: string;
  /** How long a run is owned without a heartbeat; a crashed owner is taken over after this. */
  leaseMs?: number;
  /** Heartbeat period; defaults to a third of the lease. */
  heartbeatMs?: number;
  /** Retries after the first attempt, not attempts: 0 runs the work once (docs/decisions.md, Retry). */
  maxRetries?: number;
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** Waits between attempts; the signal aborts the wait when the lease is lost. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  scheduler?: Scheduler;
  /** Errors that are not worth retrying fail the step at once. Default: AppErrors marked non-retryable. */
  isRetryable?: (error: unknown) => boolean;
}

export interface JourneyController {
  /** Creates the journey (PENDING) unless it exists; returns its id either way. */
  startJourney(input?: { idempotencyKey?: string; metadata?: Record<string, unknown> }): Promise<string>;
  /** Runs the work under the journey and tells whether the result was replayed. */
  execute<T>(work: JourneyWork<T>, options: ExecuteOptions): Promise<JourneyOutcome<T>>;
  /** Runs the work under the journey; a completed journey returns its stored result without running. */
  executeWithJourney<T>(work: JourneyWork<T>, options: ExecuteOptions): Promise<T>;
  getJourney(journeyId: string): Promise<JourneyView | null>;
  getHistory(journeyId: string): Promise<JourneyEvent[]>;
  listJourneys(query: { status: JourneyStatus; limit?: number; cursor?: string }): Promise<{ journeys: JourneyRecord[]; cursor?: string }>;
  /**
   * Re-arms a FAILED, COMPENSATED or crashed (lease expired) journey to PENDING so the next
   * execute continues after the last completed step; `fromStep` also drops the checkpoints of
   * that step and the later ones (allowed on a COMPLETED journey too, to redo its tail).
   */
  resume(journeyId: string, fromStep?: string): Promise<JourneyView>;
  /** Stops a PENDING, IN_PROGRESS or FAILED journey for good; a running owner loses its lease. */
  terminate(journeyId: string, reason: string): Promise<JourneyView>;
}
