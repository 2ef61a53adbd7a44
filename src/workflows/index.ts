/**
 * Step workflows on the journey store: one call builds the registry, listeners, executor, this
 * instance's workers and the use-case service. compose.ts, the CLIs and the tests build it alike.
 */
import { isFinished, type JourneyRecord, type JourneyStore } from '../infra/stores/journey-store.js';
import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/logger.js';
import { sleep } from '../kernel/retry.js';
import type { WorkflowType } from './define.js';
import { createExecutor, type ExecutorDeps } from './executor.js';
import { createListenerRegistry, createWorkflowRegistry } from './registry.js';
import { createWorkflowService } from './service.js';
import { createWorkerPool } from './workers.js';

export { defineWorkflow, type WorkflowType } from './define.js';
export type { Actor } from './events.js';
export type { RunOutcome } from './registry.js';
export type { RunRef, WorkflowService } from './service.js';
export type { HistoryEvent, WorkflowSummary, WorkflowView } from './views.js';

export interface WorkflowSettings {
  /** Runs executing at once in this instance; 0: none (runs started here wait for another instance). */
  workers: number;
  leaseMs: number;
  /** Longest wait between polls when idle. */
  pollMaxMs: number;
  /** First back-off step of an idle poll. */
  pollMinMs?: number;
}

export interface WorkflowsDeps {
  store: JourneyStore;
  types: WorkflowType[];
  clock: Clock;
  logger: Logger;
  /** Names this instance as a lease holder (with its process id). */
  instanceId: string;
  settings: WorkflowSettings;
  random?: () => number;
  /** Told when a run executing here ends. */
  onFinished?: ExecutorDeps['onFinished'];
}

export function createWorkflows(deps: WorkflowsDeps) {
  const { store, clock, logger, settings } = deps;
  const registry = createWorkflowRegistry(deps.types);
  const listeners = createListenerRegistry();
  const executor = createExecutor({
    store,
    registry,
    listeners,
    clock,
    logger,
    owner: deps.instanceId,
    leaseMs: settings.leaseMs,
    random: deps.random,
    // The pool is built below; a due time is only reported once runs execute.
    onDue: (at) => workers?.wakeAt(at),
    onFinished: deps.onFinished,
  });
  const workers =
    settings.workers > 0
      ? createWorkerPool({
          store,
          executor,
          clock,
          logger,
          size: settings.workers,
          pollMinMs: settings.pollMinMs ?? 25,
          pollMaxMs: settings.pollMaxMs,
          random: deps.random,
        })
      : undefined;
  const service = createWorkflowService({ store, registry, listeners, executor, clock, workers });

  /**
   * Runs one workflow here until it finishes (a CLI's way: it claims only this run, waits out its
   * retry delays, and waits while another instance holds it); the final header. Real time.
   */
  async function drive(workflowId: string): Promise<JourneyRecord> {
    for (;;) {
      const header = await store.get(workflowId);
      if (!header) throw new Error(`workflow ${workflowId} disappeared`);
      // A finished run's listener is told by the service's workers, not by a CLI.
      if (isFinished(header.status)) return header;
      const due = header.dueAt !== undefined && header.dueShard !== undefined ? header.dueAt : undefined;
      if (due !== undefined && due <= clock.now()) {
        const run = await executor.claim(header);
        if (run) await executor.execute(run);
        continue;
      }
      await sleep(Math.max(10, Math.min(settings.pollMaxMs, (due ?? clock.now() + settings.pollMaxMs) - clock.now())));
    }
  }

  return {
    service,
    /** Register listeners (flux control's cascade …) here, before `start()`. */
    listeners,
    registry,
    drive,
    /** Starts this instance's workers (none when `workers` is 0). */
    start: () => workers?.start(),
    /** Stops the workers; runs executing here are let go for another instance. */
    stop: async (waitMs?: number) => {
      await workers?.stop(waitMs);
    },
    /** Runs executing here now. */
    busy: () => workers?.busy() ?? 0,
  };
}

export type Workflows = ReturnType<typeof createWorkflows>;
