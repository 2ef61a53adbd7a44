/**
 * The run's progress, checkpointed in a journal (one per Redis source, on the journeys table): after
 * every batch, an entry holding the pass, the family and SCAN cursor reached, the counts so far and
 * that batch's report entries. A crashed run leaves the journal IN_PROGRESS; the next run takes it
 * over once the lease passes and continues after the last entry. Keys read after it are read again,
 * which the conditional writes make harmless (a run recognises its own writes, see classifyExisting).
 */
import type { Clock } from '../kernel/clock.js';
import { AppError } from '../kernel/errors.js';
import { sleep } from '../kernel/retry.js';
import type { JournalLease, JournalRecord, JournalStore } from '../infra/stores/journal-store.js';
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

/** Another live run holds the journal. */
export class MigrationBusyError extends Error {}

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

/** Opens (creating, reopening or taking over) the journal `journeyId` for `owner`. */
export async function openJournal(deps: {
  journals: JournalStore;
  clock: Clock;
  journeyId: string;
  owner: string;
  leaseMs: number;
  metadata: Record<string, unknown>;
  onWait?: (untilMs: number) => void;
}): Promise<OpenedJournal> {
  const { journals, clock, journeyId, owner, leaseMs } = deps;
  const { journal, lease } = await acquire();
  const written = (await journals.entries(journeyId)) as StepResult[];
  let seq = journal.entries;
  const last = written.at(-1);
  const start: Position = !last ? startOfPass(1) : last.finished ? startOfPass(last.pass + 1) : { ...last };
  delete (start as Partial<StepResult>).entries;
  const resumed = Boolean(last && !last.finished);

  let lost: unknown;
  const takenOver = () => new Error('another run took the journal over');
  const lostLease = () => new AppError('journey.conflict', `the migration lost its lease: ${(lost as Error).message}`);

  const heartbeat = setInterval(
    () => {
      journals.heartbeat(lease, leaseMs).then(
        (held) => void (held || (lost ??= takenOver())),
        (error: unknown) => void (lost ??= error),
      );
    },
    Math.max(100, Math.floor(leaseMs / 3)),
  );

  return {
    start,
    resumed,
    run: `${journal.runId}.p${start.pass}`,
    async save(position, entries, isLast) {
      if (lost) throw lostLease();
      const entry = { ...position, entries } satisfies StepResult;
      const held = isLast
        ? await journals.complete(lease, seq, entry, { pass: position.pass, finished: position.finished, counts: position.counts })
        : await journals.append(lease, seq, entry, leaseMs);
      if (!held) {
        lost ??= takenOver();
        throw lostLease();
      }
      seq++;
    },
    async entries(pass) {
      const all = (await journals.entries(journeyId)) as StepResult[];
      return all.flatMap((s) => (s.pass === pass ? s.entries : []));
    },
    close: () => clearInterval(heartbeat),
  };

  /** The journal, taken for `owner` — waiting once for a crashed run's lease to pass. */
  async function acquire(): Promise<{ journal: JournalRecord; lease: JournalLease }> {
    for (let attempt = 0; ; attempt++) {
      const outcome = await journals.open(journeyId, owner, leaseMs, deps.metadata);
      if (outcome.opened) return outcome;
      if (attempt > 0) throw new MigrationBusyError(`another migration run holds ${journeyId} (lease until ${new Date(outcome.heldUntil).toISOString()})`);
      // Either a live run (its heartbeat will renew the lease) or a crashed one (the lease will pass).
      deps.onWait?.(outcome.heldUntil);
      await sleep(outcome.heldUntil - clock.now() + 50);
    }
  }
}
