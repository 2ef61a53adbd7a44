/**
 * Runs claimed workflow runs: each step attempt under the run's lease (renewed as it needs, by the
 * step's heartbeat or a timer), then one write per transition (header change + history item +
 * checkpoint in one transaction) as the decider says, until the run parks, waits out a retry
 * delay, finishes or is lost. A run's steps run in one worker until then: a claim per run, not per step.
 */
import { isFinished, type JourneyLease, type JourneyRecord, type JourneyStore, type RunChange } from '../infra/stores/journey-store.js';
import type { Clock } from '../kernel/clock.js';
import { AppError, StoreUnavailableError } from '../kernel/errors.js';
import { ulid } from '../kernel/ids.js';
import type { Logger } from '../kernel/logger.js';
import { backoffDelay, retryPolicySchema, sleep } from '../kernel/retry.js';
import { runAttempt, type AttemptDeps, type ClaimedRun, type StopReason } from './attempt.js';
import { errorMessage } from './define.js';
import { afterCompensation, afterFailure, afterNotify, afterPark, afterSuccess, entry, type Decision, type Next, type Now } from './decisions.js';
import type { ListenerRegistry, RunOutcome, WorkflowRegistry } from './registry.js';

export interface ExecutorDeps {
  store: JourneyStore;
  registry: WorkflowRegistry;
  listeners: ListenerRegistry;
  clock: Clock;
  logger: Logger;
  /** This instance's id; it names the lease holder in the history. */
  owner: string;
  /** How long a claim holds a run without renewal; a dead worker's run is taken over after it. */
  leaseMs: number;
  random?: () => number;
  /** Told of each due time this instance set (a retry delay, a signal timeout), so its workers can wake then. */
  onDue?: (at: number) => void;
  /** Told when a run this instance holds ends (metrics, the benchmark); never awaited. */
  onFinished?: (run: { workflowId: string; runId: string; type: string; status: string }) => void;
}

/** Bookkeeping writes retried on their own while DynamoDB is unavailable: a step is never re-run because a status write failed. */
const BOOKKEEPING_RETRY = retryPolicySchema.parse({ maxAttempts: 5, initialDelayMs: 200, maxDelayMs: 5_000, jitter: 'full' });

export function createExecutor(deps: ExecutorDeps) {
  const { store, registry, listeners, clock, logger, leaseMs } = deps;
  const random = deps.random ?? Math.random;
  const renewEveryMs = Math.max(1, Math.floor(leaseMs / 3));
  /** Runs executing here, by workflow id: how to stop the current attempt. */
  const active = new Map<string, { stop: (why: StopReason) => void; done: Promise<void> }>();
  let stopping = false;
  const now = (): Now => ({ now: clock.now(), worker: deps.owner, random });

  async function persist<T>(write: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await write();
      } catch (error) {
        if (!(error instanceof StoreUnavailableError) || attempt >= BOOKKEEPING_RETRY.maxAttempts) throw error;
        logger.warn('workflow bookkeeping write failed; retrying it', { attempt });
        await sleep(backoffDelay(BOOKKEEPING_RETRY, attempt, random));
      }
    }
  }

  const newLease = (h: JourneyRecord): JourneyLease => ({ journeyId: h.journeyId, runId: h.runId, owner: deps.owner, token: ulid(clock.now()) });

  /** Takes a run read from its header, if it is due and still as read and of a type registered here; null when another worker was first. */
  async function claim(seen: JourneyRecord): Promise<ClaimedRun | null> {
    const def = registry.get(seen.workflowType);
    if (!def || seen.dueShard === undefined || seen.dueAt === undefined || seen.dueAt > clock.now()) return null;
    const lease = newLease(seen);
    const decision = entry(seen, def, now());
    const outcome = await persist(() => store.claim(seen, lease, leaseMs, registry.names(), decision.change, decision.events));
    if (!outcome.ok) return null;
    return { header: outcome.journey, lease, def, next: decision.next, renewedAt: clock.now() };
  }

  /** A run created already held by this instance (a local start): no claim needed. */
  function adopt(header: JourneyRecord): ClaimedRun {
    const def = registry.get(header.workflowType)!;
    return {
      header,
      def,
      lease: { journeyId: header.journeyId, runId: header.runId, owner: header.leaseOwner!, token: header.leaseToken! },
      next: { kind: 'run' },
      renewedAt: clock.now(),
    };
  }

  /**
   * Writes the decision for the run's current header; if someone else wrote an event meanwhile (a
   * signal) it decides again on the header as it now is. `'rerun'` when the step should run again
   * instead (its signal arrived); a stop when the lease was lost.
   */
  async function commit(run: ClaimedRun, decide: (h: JourneyRecord) => Decision | 'rerun'): Promise<Next | 'rerun'> {
    for (let round = 0; round < 10; round++) {
      const decision = decide(run.header);
      if (decision === 'rerun') return 'rerun';
      const holding = (decision.next.kind === 'run' || decision.next.kind === 'compensate') && !decision.change.release && decision.change.due === undefined;
      const change: RunChange =
        holding && clock.now() - run.renewedAt >= renewEveryMs ? { ...decision.change, leaseUntil: clock.now() + leaseMs } : decision.change;
      const outcome = await persist(() => store.transition(run.lease, run.header, change, decision.events, decision.checkpoint));
      if (outcome.ok) {
        run.header = outcome.journey;
        if (change.leaseUntil) run.renewedAt = clock.now();
        if (typeof change.due === 'number' && change.due > clock.now()) deps.onDue?.(change.due);
        if (change.status && isFinished(change.status))
          deps.onFinished?.({ workflowId: run.header.journeyId, runId: run.header.runId, type: run.header.workflowType, status: change.status });
        return decision.next;
      }
      if (!outcome.current || outcome.current.leaseToken !== run.lease.token) {
        logger.warn('workflow run lost (terminated or taken over); this worker stops', { workflowId: run.lease.journeyId, status: outcome.current?.status });
        return { kind: 'stop' };
      }
      run.header = outcome.current;
    }
    throw new AppError('journey.conflict', `workflow ${run.lease.journeyId}: the header kept changing while a transition was written`);
  }

  /** Tells the run's listener its outcome (idempotency key: the run id), then settles or schedules a retry. */
  async function notify(run: ClaimedRun): Promise<void> {
    const h = run.header;
    const listener = h.notify && listeners.get(h.notify.listener);
    const outcome: RunOutcome = {
      workflowId: h.journeyId,
      runId: h.runId,
      type: h.workflowType,
      status: h.status as RunOutcome['status'],
      ...(h.hasResult ? { result: h.result } : {}),
      ...(h.status === 'COMPLETED' ? {} : { error: { failedStep: h.failedStep, message: h.errorMessage ?? h.terminateReason } }),
      data: h.notify?.data ?? null,
    };
    let delivered = false;
    try {
      if (!listener) throw new Error(`no listener named ${h.notify?.listener} is registered`);
      await listener(outcome, { idempotencyKey: h.runId });
      delivered = true;
    } catch (error) {
      logger.warn('workflow listener failed; delivery will be retried', { workflowId: h.journeyId, listener: h.notify?.listener, error: errorMessage(error) });
    }
    await commit(run, (current) => afterNotify(current, delivered, now()));
  }

  /** Executes a claimed run until it parks, waits, finishes or is lost; never throws. */
  async function execute(run: ClaimedRun): Promise<void> {
    const id = run.lease.journeyId;
    let finished!: () => void;
    const done = new Promise<void>((resolve) => (finished = resolve));
    active.set(id, { stop: () => undefined, done });
    try {
      await drive(run);
    } catch (error) {
      // The lease expires and another worker takes the run over from its last checkpoint.
      logger.error('workflow run failed in the worker; its lease will expire', { workflowId: id, error: errorMessage(error) });
    } finally {
      active.delete(id);
      finished();
    }
  }

  async function drive(run: ClaimedRun): Promise<void> {
    const h = run.header;
    // From the header (a query only when some result left it).
    const { results } = await store.checkpoints(h);
    const attemptDeps: AttemptDeps = {
      store,
      clock,
      logger,
      leaseMs,
      renewEveryMs,
      onStop: (stop) => {
        const handle = active.get(h.journeyId);
        if (handle) handle.stop = stop;
      },
    };
    let next: Next | 'rerun' = run.next;
    for (;;) {
      if (next === 'rerun') next = { kind: 'run' };
      if (next.kind === 'stop') return;
      if (next.kind === 'notify') return notify(run);
      if (next.kind === 'fail') {
        const { error } = next;
        next = await commit(run, (current) => afterFailure(current, run.def, error, now(), 'LEASE_EXPIRED'));
        continue;
      }
      if (stopping) {
        await commit(run, () => ({ change: { release: true, due: clock.now() }, events: [], next: { kind: 'stop' } }));
        return;
      }
      const compensation = next.kind === 'compensate';
      const outcome = await runAttempt(attemptDeps, run, results, compensation);
      switch (outcome.kind) {
        case 'lost':
          return;
        case 'shutdown':
          await commit(run, () => ({ change: { release: true, due: clock.now() }, events: [], next: { kind: 'stop' } }));
          return;
        case 'park':
          next = await commit(run, (current) =>
            current.signals[outcome.signal] ? 'rerun' : afterPark(current, run.def, outcome.signal, outcome.deadline, now()),
          );
          break;
        case 'fail':
          next = await commit(run, (current) => afterFailure(current, run.def, outcome.error, now(), outcome.timedOut));
          break;
        case 'ok': {
          const name = run.def.steps[compensation ? run.header.compensateIndex! : run.header.stepIndex].name;
          if (compensation) next = await commit(run, (current) => afterCompensation(current, run.def, now()));
          else {
            next = await commit(run, (current) => afterSuccess(current, run.def, outcome.value, results, outcome.consumed, now()));
            results[name] = outcome.value;
          }
          break;
        }
      }
    }
  }

  return {
    claim,
    adopt,
    execute,
    /** A new lease holder for a run this instance starts and runs at once. */
    leaseFor: (journeyId: string) => ({ owner: deps.owner, token: ulid(clock.now()), leaseMs, journeyId }),
    /** Stops the attempt of a run executing here (it was terminated through this instance). */
    interrupt(journeyId: string) {
      active.get(journeyId)?.stop('lost');
    },
    runningHere: () => active.size,
    /** Stops every attempt executing here; each run is let go (due now) for another worker; waits up to `waitMs`. */
    async shutdown(waitMs: number): Promise<void> {
      stopping = true;
      for (const handle of active.values()) handle.stop('shutdown');
      const done = new AbortController();
      await Promise.race([Promise.all([...active.values()].map((h) => h.done)), sleep(waitMs, done.signal).catch(() => undefined)]);
      done.abort();
    },
  };
}

export type Executor = ReturnType<typeof createExecutor>;
