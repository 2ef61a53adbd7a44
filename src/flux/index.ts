/**
 * Flux control (seed 003) on the FluxControl table: one call builds its stores, use-cases and this
 * instance's sweeper, and registers the `flux` listener the workflow engine tells of the runs flux
 * started (the completion cascade). compose.ts, the bench and the tests build it alike.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createFluxExecutionStore } from '../infra/stores/flux-execution-store.js';
import { createFluxRegistryStore } from '../infra/stores/flux-registry-store.js';
import { createFluxScheduleStore } from '../infra/stores/flux-schedule-store.js';
import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/logger.js';
import type { Workflows } from '../workflows/index.js';
import { FLUX_LISTENER, type HttpSettings } from './executors.js';
import { createDefinitionsCache } from './definitions.js';
import { createFiring } from './firing.js';
import { createRegistry } from './registry.js';
import { createReports } from './reports.js';
import { createFluxService } from './service.js';

export type { FluxService } from './service.js';
export { SCHEDULE_STATUSES, APPROVAL_STATUSES } from './model.js';

export interface FluxSettings {
  /** Between sweeps when idle (FLUX_SWEEP_INTERVAL_MS); null: no sweeper loop (tests call `sweepOnce`). */
  sweepIntervalMs: number | null;
  /**
   * How long a claim holds a schedule before another sweeper may fire it again (FLUX_LEASE_MS): longer
   * than every HTTP attempt and backoff together, or a slow callee sees a second (same-key) request.
   */
  leaseMs: number;
  http: HttpSettings;
}

export interface FluxDeps {
  doc: DynamoDBDocumentClient;
  tableName: string;
  clock: Clock;
  logger: Logger;
  /** The workflow engine of this instance: `workflow` executors start runs on it, and it tells flux their outcome. */
  workflows: Pick<Workflows, 'service' | 'listeners' | 'registry'>;
  settings: FluxSettings;
  random?: () => number;
}

export function createFlux(deps: FluxDeps) {
  const { doc, tableName, clock, logger, workflows, settings } = deps;
  const store = { doc, tableName, clock };
  const registryStore = createFluxRegistryStore(store);
  const executions = createFluxExecutionStore(store);
  const schedules = createFluxScheduleStore(store);
  // The firing is built below; a due time set before it exists needs no wake-up.
  const onDue = (at: number, scheduleId: string) => firing?.wakeAt(at, scheduleId);
  // One cache of the registry per instance, checked against the registry version by each sweep and report batch.
  const definitions = createDefinitionsCache(registryStore);
  const reports = createReports({ definitions, executions, schedules, clock, logger, onDue });
  const registry = createRegistry({ registry: registryStore, clock, workflowTypes: () => workflows.registry.names() });
  const firing = createFiring({
    definitions,
    schedules,
    reports,
    workflows: workflows.service,
    keyedWorkflow: (type) => workflows.registry.get(type)?.businessKey !== undefined,
    clock,
    logger,
    settings: { intervalMs: settings.sweepIntervalMs, leaseMs: settings.leaseMs, http: settings.http },
    random: deps.random,
  });
  workflows.listeners.register(FLUX_LISTENER, (outcome) => firing.onOutcome(outcome));
  const service = createFluxService({ registry, reports, executions, schedules, clock, onDue });

  return {
    service,
    /** Fires what is due now; how many this instance fired. */
    sweepOnce: firing.sweepOnce,
    start: () => firing.start(),
    stop: () => firing.stop(),
  };
}

export type Flux = ReturnType<typeof createFlux>;
