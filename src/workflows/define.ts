/**
 * Workflow types as data: `defineWorkflow({ type, version, input, businessKey?, steps })`. A step
 * is a function of its context (input, earlier results, attempt, ids, heartbeat, abort signal,
 * waitForSignal); its retry policy is validated data. The engine runs the steps; nothing here does I/O.
 */
import { z } from 'zod';
import { AppError } from '../kernel/errors.js';
import type { Logger } from '../kernel/logger.js';
import { retryPolicySchema } from '../kernel/retry.js';

/**
 * A step's retry policy (Temporal's names): `maxAttempts` counts every attempt (default 3, as the
 * seed), delays grow from `initialDelayMs` by `backoffCoefficient` up to `maxDelayMs`;
 * `nonRetryable` lists error names, types or codes that fail the step at once.
 */
export const stepRetrySchema = retryPolicySchema.extend({ nonRetryable: z.array(z.string().min(1)).default([]) });
export type StepRetry = z.infer<typeof stepRetrySchema>;
export type StepRetryInput = z.input<typeof stepRetrySchema>;

/** What every step (and compensation) receives. */
export interface StepContext<I = unknown> {
  input: I;
  /** Results of the steps before this one, by step name (the seed's previous_results). */
  previousResults: Readonly<Record<string, unknown>>;
  /** 1 for the first attempt of this step since its last success. */
  attempt: number;
  /** 1 for the workflow's first run; each resume or rerun adds one. */
  run: number;
  workflowId: string;
  runId: string;
  step: string;
  /** `<workflowId>:<step>`: the same on every attempt and run; pass it to external calls so a re-run does not repeat them. */
  idempotencyKey: string;
  /** Says the step is alive; renews the lease when it needs it. Call it in long loops. */
  heartbeat(): Promise<void>;
  /** Aborted when the run is terminated or taken over, the step timed out, or the worker stops: stop and return. */
  signal: AbortSignal;
  /**
   * The payload of the signal `name` sent to this run. When none has arrived, the run parks (no
   * worker held) and this step is run again from the start once it arrives, or once `timeoutMs`
   * passes (then this throws `workflow.signalTimeout`). Code before the call must be safe to repeat.
   */
  waitForSignal<T = unknown>(name: string, options?: { timeoutMs?: number }): Promise<T>;
  logger: Logger;
}

/** What a compensation receives: the context of the step it undoes, with that step's result. */
export interface CompensationContext<I = unknown> extends Omit<StepContext<I>, 'waitForSignal'> {
  /** The stored result of the step being undone. */
  result: unknown;
  /** Why the run is being compensated (the failed step's error, or the termination reason). */
  reason: string;
}

export interface StepDefinition<I = unknown> {
  /** Letters, digits, `_` and `-`; unique in the type. */
  name: string;
  run(ctx: StepContext<I>): unknown;
  /** Undoes the step after a later step failed for good (or on terminate with compensation); reverse order. */
  compensate?(ctx: CompensationContext<I>): unknown;
  /** A policy, or one computed from the run's input (a job config may set it). */
  retry?: StepRetryInput | ((input: I) => StepRetryInput);
  /** An attempt running longer is aborted and counts as failed (retryable). */
  timeoutMs?: number;
  /** An attempt that does not call `heartbeat()` within this is aborted and counts as failed (retryable). */
  heartbeatTimeoutMs?: number;
}

export interface WorkflowDefinition<S extends z.ZodType> {
  /** Lower-case letters, digits and `-`. */
  type: string;
  version: string | number;
  description?: string;
  input: S;
  /** The workflow id for an input (e.g. `order:<order_id>`), so a second start of the same business item finds the first. */
  businessKey?: (input: z.output<S>) => string | undefined;
  steps: StepDefinition<z.output<S>>[];
  /** The workflow's result from its steps' results; default: every step's result by name. */
  result?: (results: Record<string, unknown>, input: z.output<S>) => unknown;
}

/** A workflow type as the engine sees it (validated, input type erased). */
export interface WorkflowType {
  type: string;
  version: string;
  description?: string;
  input: z.ZodType;
  businessKey?: (input: unknown) => string | undefined;
  steps: StepDefinition[];
  result: (results: Record<string, unknown>, input: unknown) => unknown;
  /** Pure: the step's retry policy for a run's input. */
  retryOf(step: StepDefinition, input: unknown): StepRetry;
}

const TYPE_NAME = /^[a-z][a-z0-9-]{0,63}$/;
/** A signal's name: a letter, then letters, digits or `_` (it keys a map in the run's header). */
export const SIGNAL_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
const STEP_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/** Validates a definition (throws `workflow.invalidDefinition` listing every problem) and returns the type. */
export function defineWorkflow<S extends z.ZodType>(definition: WorkflowDefinition<S>): WorkflowType {
  const problems: string[] = [];
  if (!TYPE_NAME.test(definition.type)) problems.push(`type "${definition.type}": lower-case letters, digits and - only`);
  if (definition.steps.length === 0) problems.push('at least one step is needed');
  const seen = new Set<string>();
  for (const step of definition.steps) {
    if (!STEP_NAME.test(step.name)) problems.push(`step "${step.name}": letters, digits, _ and - only`);
    if (seen.has(step.name)) problems.push(`step "${step.name}" is defined twice`);
    seen.add(step.name);
    if (step.retry && typeof step.retry !== 'function') {
      const parsed = stepRetrySchema.safeParse(step.retry);
      if (!parsed.success) problems.push(...parsed.error.issues.map((i) => `step "${step.name}" retry.${i.path.join('.')}: ${i.message}`));
    }
    for (const key of ['timeoutMs', 'heartbeatTimeoutMs'] as const) {
      const value = step[key];
      if (value !== undefined && !(Number.isInteger(value) && value > 0)) problems.push(`step "${step.name}" ${key}: a positive whole number of milliseconds`);
    }
  }
  if (problems.length) throw new AppError('workflow.invalidDefinition', `workflow type ${definition.type}: ${problems.join('; ')}`, { problems });
  return {
    type: definition.type,
    version: String(definition.version),
    description: definition.description,
    input: definition.input,
    businessKey: definition.businessKey as WorkflowType['businessKey'],
    // The engine hands every step the input parsed by `input`, so the steps' input type can be erased here.
    steps: definition.steps as StepDefinition[],
    result: (definition.result as WorkflowType['result']) ?? ((results) => results),
    retryOf: (step, input) => stepRetrySchema.parse((typeof step.retry === 'function' ? step.retry(input) : step.retry) ?? {}),
  };
}

/**
 * The failure a step throws to say what went wrong (Temporal's ApplicationFailure): `type` is
 * matched against the policy's `nonRetryable`; `nonRetryable: true` skips the remaining attempts.
 */
export class StepFailure extends Error {
  readonly type: string;
  readonly nonRetryable: boolean;
  readonly details?: unknown;
  constructor(message: string, options: { type?: string; nonRetryable?: boolean; details?: unknown; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'StepFailure';
    this.type = options.type ?? 'StepFailure';
    this.nonRetryable = options.nonRetryable ?? false;
    this.details = options.details;
  }

  static nonRetryable(message: string, options: { type?: string; details?: unknown; cause?: unknown } = {}) {
    return new StepFailure(message, { ...options, nonRetryable: true });
  }
}

/** Pure: the type an error is known by (a StepFailure's type, an AppError's code, else its name). */
export function errorType(error: unknown): string {
  if (error instanceof StepFailure) return error.type;
  if (error instanceof AppError) return error.code;
  return (error as Error)?.name ?? 'Error';
}

/** Pure: whether another attempt may fix the error under `policy`. */
export function isRetryable(error: unknown, policy: StepRetry): boolean {
  if (error instanceof StepFailure && error.nonRetryable) return false;
  if (error instanceof AppError && !error.retryable) return false;
  const names = [errorType(error), (error as Error)?.name].filter(Boolean);
  return !names.some((name) => policy.nonRetryable.includes(name));
}

/** Pure: an error's message, bounded for storage. */
export const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 2_000);
