import { hostname } from 'node:os';
import { ulid } from '../../kernel/ids.js';
import { AppError, ConflictError, StoreUnavailableError, ValidationError } from '../../kernel/errors.js';
import { backoffDelay, retryPolicySchema, sleep } from '../../kernel/retry.js';
import { assertStorable, type JourneyLease, type JourneyRecord, type StepCheckpoint } from '../../infra/stores/journey-store.js';
import { JourneyFailedError } from '../errors.js';
import type {
  ExecuteOptions,
  JourneyController,
  JourneyControllerOptions,
  JourneyOutcome,
  JourneyStep,
  JourneyView,
  JourneyWork,
  Scheduler,
} from './journey-types.js';

const realScheduler: Scheduler = {
  every(ms, fn) {
    const timer = setInterval(fn, ms);
    timer.unref();
    return () => clearInterval(timer);
  },
};

/** Bookkeeping writes (status, checkpoint) retried on their own while DynamoDB is unavailable. */
const BOOKKEEPING_RETRY = retryPolicySchema.parse({ maxAttempts: 5, initialDelayMs: 200, maxDelayMs: 5_000, jitter: 'full' });

const defaultRetryable = (error: unknown) => !(error instanceof AppError && !error.retryable);
const message = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 2_000);

/** Builds the journey controller over a journey store. */
export function createJourneyController(options: JourneyControllerOptions): JourneyController {
  const { store, clock, logger } = options;
  const owner = options.owner ?? `${hostname()}:${process.pid}:${ulid()}`;
  const leaseMs = options.leaseMs ?? 60_000;
  const heartbeatMs = options.heartbeatMs ?? Math.max(1, Math.floor(leaseMs / 3));
  const maxDelayMs = options.maxRetryDelayMs ?? 30_000;
  const policy = retryPolicySchema.parse({
    maxAttempts: (options.maxRetries ?? 3) + 1,
    // A first delay above the cap was always capped: clamping it keeps every delay as it was.
    initialDelayMs: Math.min(options.retryDelayMs ?? 1_000, maxDelayMs),
    maxDelayMs,
    jitter: 'full',
  });
  const wait = options.sleep ?? sleep;
  const random = options.random ?? Math.random;
  const scheduler = options.scheduler ?? realScheduler;
  const isRetryable = options.isRetryable ?? defaultRetryable;

  /** Bookkeeping writes are retried on their own: the work is never re-run because a status write failed. */
  async function persist(what: string, write: () => Promise<unknown>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await write();
        return;
      } catch (error) {
        if (!(error instanceof StoreUnavailableError) || attempt >= BOOKKEEPING_RETRY.maxAttempts) throw error;
        logger?.warn('journey bookkeeping write failed; retrying it', { what, attempt });
        await wait(backoffDelay(BOOKKEEPING_RETRY, attempt, random));
      }
    }
  }

  async function mustGet(journeyId: string): Promise<JourneyRecord> {
    const journey = await store.get(journeyId);
    if (!journey) throw new AppError('journey.notFound', `journey ${journeyId} not found`, { journeyId });
    return journey;
  }

  const leaseLive = (j: JourneyRecord) => j.leaseExpiresAt !== undefined && j.leaseExpiresAt >= clock.now();

  /** Takes the run, or says why not: a completed journey is returned for replay. */
  async function claim(journeyId: string, known?: JourneyRecord): Promise<{ lease: JourneyLease; journey: JourneyRecord } | { completed: JourneyRecord }> {
    // A lost race re-reads and decides again; three rounds cover every legal interleaving.
    for (let round = 0; round < 3; round++) {
      const journey = round === 0 && known ? known : await mustGet(journeyId);
      if (journey.status === 'COMPLETED') return { completed: journey };
      if (journey.status === 'TERMINATED' || journey.status === 'COMPENSATED') {
        throw new ConflictError('journey.conflict', `journey ${journeyId} is ${journey.status}; resume it to run again`, {
          current: { status: journey.status },
        });
      }
      if (leaseLive(journey)) {
        throw new ConflictError(
          'journey.conflict',
          `journey ${journeyId} is being run by ${journey.leaseOwner} until ${new Date(journey.leaseExpiresAt!).toISOString()}`,
          {
            current: { status: journey.status, leaseOwner: journey.leaseOwner, leaseExpiresAt: journey.leaseExpiresAt },
          },
        );
      }
      try {
        const lease = await store.acquire(journey, owner, leaseMs);
        return { lease, journey };
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
      }
    }
    throw new ConflictError('journey.conflict', `journey ${journeyId} kept changing while it was being claimed`);
  }

  function normalise<T>(work: JourneyWork<T>): readonly JourneyStep[] {
    const steps = typeof work === 'function' ? [{ name: 'main', run: work }] : work;
    if (steps.length === 0) throw new ValidationError('a journey needs at least one step');
    const names = new Set(steps.map((s) => s.name));
    if (names.size !== steps.length) throw new ValidationError('step names must be unique');
    return steps;
  }

  async function run<T>(work: JourneyWork<T>, execOptions: ExecuteOptions): Promise<JourneyOutcome<T>> {
    const steps = normalise(work);
    const { idempotencyKey, journeyId: givenId, metadata = {} } = execOptions;
    if (idempotencyKey && givenId && idempotencyKey !== givenId) {
      throw new ValidationError('journeyId and idempotencyKey name different journeys; the key is the journey id', { journeyId: givenId, idempotencyKey });
    }
    const journeyId = idempotencyKey ?? givenId ?? ulid();
    // Create-if-absent is one conditional write; a journey we just created needs no re-read.
    const { created, journey: fresh } = await store.create({ journeyId, metadata });

    const claimed = await claim(journeyId, created ? fresh : undefined);
    if ('completed' in claimed) {
      logger?.info('journey already completed; replaying its result', { journeyId });
      return { journeyId, result: claimed.completed.result as T, replayed: true };
    }
    const { lease, journey } = claimed;
    const lost = new AbortController();
    const stopHeartbeat = scheduler.every(heartbeatMs, () => {
      store.heartbeat(lease, leaseMs).catch((error) => {
        if (error instanceof ConflictError) lost.abort(error);
        else logger?.warn('journey heartbeat failed', { journeyId, error: message(error) });
      });
    });
    try {
      // Checkpoints exist only if some owner ran this incarnation before (attempt counts acquisitions).
      const stored = journey.attempt === 0 ? [] : await store.steps(journey);
      const done = new Map(stored.filter((s) => s.status === 'COMPLETED').map((s) => [s.name, s]));
      const results: Record<string, unknown> = {};
      const finished: JourneyStep[] = [];
      let last: unknown;
      let lastCheckpoint: StepCheckpoint | undefined;
      for (const [index, step] of steps.entries()) {
        const checkpoint = done.get(step.name);
        if (checkpoint) {
          results[step.name] = last = checkpoint.result;
          finished.push(step);
          logger?.info('journey step skipped: checkpointed earlier', { journeyId, step: step.name });
          continue;
        }
        const isLast = index === steps.length - 1;
        const outcome = await runStep(step, index, isLast, { lease, journey, results, signal: lost.signal });
        if (!outcome.ok) {
          await failAndCompensate(lease, journey, step, finished, results, outcome);
          throw new JourneyFailedError(journeyId, step.name, (await store.get(journeyId))?.status ?? 'FAILED', outcome.attempts, outcome.error);
        }
        results[step.name] = last = outcome.result;
        finished.push(step);
        if (isLast) lastCheckpoint = { name: step.name, index, result: outcome.result, attempts: outcome.attempts };
      }
      // The last step's checkpoint and the completion are one write: one round trip less.
      await persist('complete', () => store.complete(lease, last, lastCheckpoint));
      return { journeyId, result: last as T, replayed: false };
    } finally {
      stopHeartbeat();
    }
  }

  type StepOutcome = { ok: true; result: unknown; attempts: number } | { ok: false; error: unknown; attempts: number };

  async function runStep(
    step: JourneyStep,
    index: number,
    isLast: boolean,
    ctx: { lease: JourneyLease; journey: JourneyRecord; results: Record<string, unknown>; signal: AbortSignal },
  ): Promise<StepOutcome> {
    const stepPolicy = step.maxRetries === undefined ? policy : { ...policy, maxAttempts: step.maxRetries + 1 };
    for (let attempt = 1; ; attempt++) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      let result: unknown;
      try {
        result = await step.run({
          journeyId: ctx.lease.journeyId,
          step: step.name,
          attempt,
          results: { ...ctx.results },
          metadata: ctx.journey.metadata,
          signal: ctx.signal,
        });
        // A result DynamoDB cannot hold is a permanent failure of the step, not of the bookkeeping.
        assertStorable(result, `the result of step ${step.name}`);
      } catch (error) {
        if (ctx.signal.aborted) throw ctx.signal.reason;
        if (!isRetryable(error) || attempt >= stepPolicy.maxAttempts) return { ok: false, error, attempts: attempt };
        const delayMs = backoffDelay(stepPolicy, attempt, random);
        logger?.warn('journey step failed; retrying', { journeyId: ctx.lease.journeyId, step: step.name, attempt, delayMs, error: message(error) });
        await persist('retry', () => store.recordRetry(ctx.lease, { step: step.name, attempt, error: message(error), delayMs }));
        await wait(delayMs, ctx.signal);
        continue;
      }
      // A failed checkpoint is a bookkeeping problem, not a failed step: the step is not re-run.
      if (!isLast) await persist('checkpoint', () => store.checkpoint(ctx.lease, { name: step.name, index, result, attempts: attempt }, leaseMs));
      return { ok: true, result, attempts: attempt };
    }
  }

  async function failAndCompensate(
    lease: JourneyLease,
    journey: JourneyRecord,
    failed: JourneyStep,
    finished: JourneyStep[],
    results: Record<string, unknown>,
    outcome: { error: unknown; attempts: number },
  ): Promise<void> {
    await persist('fail', () => store.fail(lease, { step: failed.name, error: message(outcome.error) }));
    logger?.error('journey step failed for good', { journeyId: lease.journeyId, step: failed.name, attempts: outcome.attempts, error: message(outcome.error) });
    let compensated = 0;
    for (const step of [...finished].reverse()) {
      if (!step.compensate) continue;
      try {
        await step.compensate({ journeyId: lease.journeyId, step: step.name, result: results[step.name], results: { ...results }, metadata: journey.metadata });
      } catch (error) {
        logger?.error('journey compensation failed; the journey stays FAILED', { journeyId: lease.journeyId, step: step.name, error: message(error) });
        await persist('compensationFailed', () => store.recordEvent(lease, 'step.compensationFailed', { step: step.name, error: message(error) }));
        await persist('finishFailure', () => store.finishFailure(lease, 'FAILED'));
        return;
      }
      await persist('compensated', () => store.markCompensated(lease, step.name));
      compensated++;
    }
    await persist('finishFailure', () => store.finishFailure(lease, compensated > 0 ? 'COMPENSATED' : 'FAILED'));
  }

  const view = async (journeyId: string): Promise<JourneyView | null> => {
    const journey = await store.get(journeyId);
    return journey ? { ...journey, steps: await store.steps(journey) } : null;
  };

  return {
    async startJourney(input = {}) {
      const journeyId = input.idempotencyKey ?? ulid();
      const { journey } = await store.create({ journeyId, metadata: input.metadata });
      return journey.journeyId;
    },

    execute: run,

    async executeWithJourney(work, execOptions) {
      return (await run(work, execOptions)).result;
    },

    getJourney: view,

    getHistory: (journeyId) => store.history(journeyId),

    listJourneys: (query) => store.list(query),

    async resume(journeyId, fromStep) {
      const journey = await mustGet(journeyId);
      const crashed = journey.status === 'IN_PROGRESS' && !leaseLive(journey);
      const allowed =
        journey.status === 'FAILED' ||
        journey.status === 'COMPENSATED' ||
        journey.status === 'PENDING' ||
        crashed ||
        (journey.status === 'COMPLETED' && fromStep !== undefined);
      if (!allowed || ((journey.status === 'FAILED' || journey.status === 'COMPENSATED') && leaseLive(journey))) {
        throw new ConflictError(
          'journey.conflict',
          `journey ${journeyId} cannot be resumed from ${journey.status}${leaseLive(journey) ? ' while its lease is held' : ''}`,
          {
            current: { status: journey.status },
          },
        );
      }
      const steps = await store.steps(journey);
      let drop: string[] = [];
      if (fromStep !== undefined) {
        const from = steps.find((s) => s.name === fromStep);
        drop = from ? steps.filter((s) => s.index >= from.index).map((s) => s.name) : [];
      }
      await store.rearm(journey, drop, fromStep);
      return (await view(journeyId))!;
    },

    async terminate(journeyId, reason) {
      const journey = await mustGet(journeyId);
      await store.terminate(journey, reason);
      return (await view(journeyId))!;
    },
  };
}
