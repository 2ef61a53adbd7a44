import { randomBytes } from 'node:crypto';
import { vi } from 'vitest';
import { createJourneyStore, type JourneyStore } from '../../src/infra/stores/journey-store.js';
import { createFakeClock, type Clock, type FakeClock } from '../../src/kernel/clock.js';
import { createWorkflows, type Workflows, type WorkflowSettings } from '../../src/workflows/index.js';
import type { WorkflowType } from '../../src/workflows/define.js';
import type { Actor } from '../../src/workflows/events.js';
import type { HistoryEvent } from '../../src/workflows/views.js';
import { captureLogger } from './logs.js';
import { journeyTtlDays } from './stores.js';
import type { TestDynamo } from './dynamo.js';

export const ACTOR: Actor = { id: 'test' };

/** Settings for tests: a short idle poll, so a due run is taken within tens of ms of real time. */
const TEST_SETTINGS: WorkflowSettings = { workers: 4, leaseMs: 30_000, pollMaxMs: 50, pollMinMs: 5 };

/** One "instance" of the workflow engine (its own DynamoDB client, workers and id) on the test's tables. */
export function startInstance(dynamo: TestDynamo, types: WorkflowType[], options: { clock?: Clock; settings?: Partial<WorkflowSettings>; name?: string } = {}) {
  const clock = options.clock ?? createFakeClock(Date.now());
  const store: JourneyStore = createJourneyStore({ doc: dynamo.doc, tableName: dynamo.tables.journeys, clock, ttlDays: journeyTtlDays });
  const { logger, lines } = captureLogger('debug');
  const workflows: Workflows = createWorkflows({
    store,
    types,
    clock,
    logger,
    instanceId: options.name ?? `i-${randomBytes(3).toString('hex')}`,
    settings: { ...TEST_SETTINGS, ...options.settings },
  });
  workflows.start();
  return { ...workflows, store, clock, lines };
}

export type Instance = ReturnType<typeof startInstance>;

/** Waits (bounded, real time) until the workflow reaches one of `statuses`; returns its view. */
export async function untilStatus(source: Pick<Workflows, 'service'> & { store?: JourneyStore }, workflowId: string, statuses: string[], timeout = 10_000) {
  // The header alone when the store is at hand: one read per poll instead of the whole view.
  const statusOf = async () => (source.store ? (await source.store.get(workflowId))?.status : (await source.service.get(workflowId)).status);
  await vi.waitFor(
    async () => {
      const status = await statusOf();
      if (!status || !statuses.includes(status)) throw new Error(`${workflowId} is ${status}, waiting for ${statuses.join('|')}`);
    },
    { timeout, interval: 10 },
  );
  return source.service.get(workflowId);
}

/**
 * Time-skipping (as Temporal's test environment does): until the workflow reaches one of
 * `statuses`, whenever it waits on a due time (a retry delay, a signal timeout) the fake clock jumps
 * to it. Bounded in real time.
 */
export async function skipUntil(instance: Instance, clock: FakeClock, workflowId: string, statuses: string[], timeout = 10_000) {
  return vi.waitFor(
    async () => {
      const header = await instance.store.get(workflowId);
      if (header && statuses.includes(header.status)) return instance.service.get(workflowId);
      if (header && !header.leaseOwner && header.dueAt !== undefined && header.dueAt > clock.now()) clock.set(header.dueAt);
      throw new Error(`${workflowId} is ${header?.status}, waiting for ${statuses.join('|')}`);
    },
    { timeout, interval: 10 },
  );
}

/** Every event of a run, following the history's pages. */
export async function allHistory(instance: Pick<Workflows, 'service'>, workflowId: string, runId?: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let cursor: string | undefined;
  do {
    const page = await instance.service.history(workflowId, { runId, cursor, limit: 7 });
    events.push(...page.events);
    cursor = page.nextCursor;
  } while (cursor);
  return events;
}

/** Pure: events as short lines (`ActivityTaskCompleted ProcessData#2`, `MarkerRecorded ROLLBACK_INITIATED`) for readable assertions. */
export function lines(events: HistoryEvent[]): string[] {
  return events.map((e) => {
    const a = e.attributes;
    if (a.markerName) return `${e.eventType} ${a.markerName}`;
    if (a.activityType) return `${e.eventType} ${a.compensation ? 'undo ' : ''}${a.activityType}#${a.attempt}`;
    if (a.timerId) return `${e.eventType} ${a.timerId}`;
    if (a.signalName) return `${e.eventType} ${a.signalName}`;
    return e.eventType;
  });
}

/** Pure: the history lines of a failed attempt of `step` and the start of the next one. */
export function retryLines(step: string, attempt: number, failed: 'ActivityTaskFailed' | 'ActivityTaskTimedOut'): string[] {
  const next = attempt + 1;
  return [
    `ActivityTaskStarted ${step}#${attempt}`,
    `${failed} ${step}#${attempt}`,
    `TimerStarted retry:${step}:${next}`,
    `TimerFired retry:${step}:${next}`,
    `ActivityTaskScheduled ${step}#${next}`,
  ];
}

export type { FakeClock };
