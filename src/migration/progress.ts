/**
 * The run's progress, checkpointed in a journey (one per Redis source): after every batch, a step
 * holding the pass, the family and SCAN cursor reached, the counts so far and that batch's report
 * entries. A crashed run leaves the journey IN_PROGRESS; the next run takes it over once the lease
 * passes and continues after the last checkpoint. Keys read after it are read again, which the
 * conditional writes make harmless (a run recognises its own writes, see classifyExisting).
 */
import type { Clock } from '../kernel/clock.js';
import { AppError, ConflictError } from '../kernel/errors.js';
import { sleep } from '../kernel/retry.js';
import type { JourneyLease, JourneyRecord, JourneyStore } from '../infra/stores/journey-store.js';
import { FAMILY_ORDER, type Family } from './legacy.js';
import { emptyCounts, type Counts, type ReportEntry } from './outcomes.js';

/** Where a pass stands. */
export interface Position {
  /** Full passes over the keyspace are numbered from 1; a run after a finished pass starts the next. */
  pass: number;
  family: Family;
  cursor: string;
  /** The pass reached the end of the last family. */
  finished: boolean;
  counts: Counts;
}

interface StepResult extends Position {
  entries: ReportEntry[];
}

/** Another live run holds the journey. */
export class MigrationBusyError extends Error {}

const RUNNABLE = new Set(['PENDING', 'IN_PROGRESS', 'FAILED']);

export const startOfPass = (pass: number): Position => ({ pass, family: FAMILY_ORDER[0], cursor: '0', finished: false, counts: emptyCounts() });

export interface OpenedJournal {
  /** Where this run starts, and whether it continues an interrupted pass. */
  start: Position;
  resumed: boolean;
  /** Identifies this pass's writes (stable across a crash and its resume). */
  run: string;
  /** Checkpoints a batch (`last`: completes the run with it). */
  save(position: Position, entries: ReportEntry[], last: boolean): Promise<void>;
  /** Every report entry of the pass, in batch order. */
  entries(pass: number): Promise<ReportEntry[]>;
  /** Stops the lease heartbeat (the run ended, or failed). */
  close(): void;
}

/** Opens (creating or taking over) the journey `journeyId` for `owner`. */
export async function openJournal(deps: {
  journeys: JourneyStore;
  clock: Clock;
  journeyId: string;
  owner: string;
  leaseMs: number;
  metadata: Record<string, unknown>;
  onWait?: (untilMs: number) => void;
}): Promise<OpenedJournal> {
  const { journeys, clock, journeyId, owner, leaseMs } = deps;
  const lease = await acquire();
  const journey = (await journeys.get(journeyId))!;
  const steps = await journeys.steps(journey);
  let index = (steps.at(-1)?.index ?? -1) + 1;
  const last = steps.at(-1)?.result as StepResult | undefined;
  const start: Position = !last ? startOfPass(1) : last.finished ? startOfPass(last.pass + 1) : { ...last };
  delete (start as Partial<StepResult>).entries;
  const resumed = Boolean(last && !last.finished);

  let lost: unknown;
  const heartbeat = setInterval(
    () => {
      journeys.heartbeat(lease, leaseMs).catch((error: unknown) => {
        lost = error;
      });
    },
    Math.max(100, Math.floor(leaseMs / 3)),
  );

  return {
    start,
    resumed,
    run: `${journey.runId}.p${start.pass}`,
    async save(position, entries, isLast) {
      if (lost) throw new AppError('journey.conflict', `the migration lost its lease: ${(lost as Error).message}`);
      const step = { name: `p${position.pass}.${String(index).padStart(6, '0')}`, index, result: { ...position, entries } satisfies StepResult, attempts: 1 };
      index++;
      if (isLast) await journeys.complete(lease, { pass: position.pass, finished: position.finished, counts: position.counts }, step);
      else await journeys.checkpoint(lease, step, leaseMs);
    },
    async entries(pass) {
      const all = await journeys.steps(journey);
      return all.flatMap((s) => ((s.result as StepResult).pass === pass ? (s.result as StepResult).entries : []));
    },
    close: () => clearInterval(heartbeat),
  };

  /** The journey, rearmed when its last run ended, acquired for `owner` — waiting once for a crashed run's lease. */
  async function acquire(): Promise<JourneyLease> {
    for (let attempt = 0; ; attempt++) {
      let journey: JourneyRecord = (await journeys.get(journeyId)) ?? (await journeys.create({ journeyId, metadata: deps.metadata })).journey;
      if (!RUNNABLE.has(journey.status)) {
        await journeys.rearm(journey, []);
        journey = (await journeys.get(journeyId))!;
      }
      const heldUntil = journey.status === 'IN_PROGRESS' ? (journey.leaseExpiresAt ?? 0) : 0;
      if (heldUntil >= clock.now()) {
        if (attempt > 0) throw new MigrationBusyError(`another migration run holds ${journeyId} (lease until ${new Date(heldUntil).toISOString()})`);
        // Either a live run (its heartbeat will renew the lease) or a crashed one (the lease will pass).
        deps.onWait?.(heldUntil);
        await sleep(heldUntil - clock.now() + 50);
        continue;
      }
      try {
        return await journeys.acquire(journey, owner, leaseMs);
      } catch (error) {
        if (!(error instanceof ConflictError) || attempt > 0) throw error;
      }
    }
  }
}
