/**
 * The workers of one instance: up to `size` runs executing at once, claimed from the sparse due
 * index (never a Scan). The poll is adaptive: again at once while it finds work, backing off to
 * `pollMaxMs` when idle; a local start, signal or due time wakes it at once.
 */
import { DUE_SHARDS, type JourneyRecord, type JourneyStore } from '../infra/stores/journey-store.js';
import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/logger.js';
import { sleep } from '../kernel/retry.js';
import { errorMessage } from './define.js';
import type { ClaimedRun } from './attempt.js';
import type { Executor } from './executor.js';

export interface WorkerPoolDeps {
  store: JourneyStore;
  executor: Executor;
  clock: Clock;
  logger: Logger;
  /** Runs executing at once in this instance (WORKFLOW_WORKERS). */
  size: number;
  /** First back-off step of an idle poll, ms. */
  pollMinMs: number;
  /** Longest wait between polls when idle, ms (WORKFLOW_POLL_MAX_MS). */
  pollMaxMs: number;
  random?: () => number;
}

export interface WorkerPool {
  start(): void;
  /** Polls now (a run was signalled or became due here). */
  wake(): void;
  /** A run started here while every worker was busy: the next free worker here claims it first, without a query. */
  enqueue(run: JourneyRecord): void;
  /** Wakes the poll at epoch ms `at`. */
  wakeAt(at: number): void;
  /** Takes a free slot for a run this instance starts already held; false when none is free. */
  reserve(): boolean;
  /** Gives back a reserved slot that was not used. */
  unreserve(): void;
  /** Executes a run started already held in a reserved slot. */
  runReserved(run: ClaimedRun): void;
  /** Stops polling and lets every run here go (due now, for another worker); waits up to `waitMs`. */
  stop(waitMs?: number): Promise<void>;
  busy(): number;
}

const SHARDS = Array.from({ length: DUE_SHARDS }, (_, i) => `due#${i}`);
/** Runs started here and waiting for a worker here, at most (beyond, the due index finds them). */
const LOCAL_QUEUE_MAX = 10_000;

export function createWorkerPool(deps: WorkerPoolDeps): WorkerPool {
  const { store, executor, clock, logger, size } = deps;
  const random = deps.random ?? Math.random;
  let busy = 0;
  let running = false;
  let woken = false;
  let pollNow = true;
  let wakeSleeper: (() => void) | undefined;
  let loopDone: Promise<void> = Promise.resolve();
  const timers = new Set<NodeJS.Timeout>();
  /** Headers of runs started here that no worker held yet, oldest first. */
  const queue: JourneyRecord[] = [];
  /** The last poll left due runs unclaimed for want of a worker: a freed worker polls again at once. */
  let backlog = false;

  /** Polls the due index at once (a signal, a due time). */
  function wake() {
    pollNow = true;
    nudge();
  }

  /** Runs the loop at once, for work known here (a run queued here, a freed worker). */
  function nudge() {
    woken = true;
    wakeSleeper?.();
  }

  /** Waits `ms`, or less when nudged. */
  async function nap(ms: number) {
    const early = new AbortController();
    wakeSleeper = () => early.abort();
    await sleep(ms, early.signal).catch(() => undefined);
    wakeSleeper = undefined;
  }

  function execute(run: ClaimedRun) {
    void executor.execute(run).finally(() => {
      busy--;
      // A freed worker looks again at once only when work is known to wait; otherwise the idle poll finds it.
      if (backlog) wake();
      else if (queue.length) nudge();
    });
  }

  /** Claims runs started here (their headers are known: no query, no read). */
  async function claimQueued(): Promise<number> {
    let claimed = 0;
    while (queue.length && busy < size && running) {
      const batch = queue.splice(0, size - busy);
      busy += batch.length;
      const runs = await Promise.all(batch.map((seen) => executor.claim(seen).catch(() => null)));
      for (const run of runs) {
        if (run) {
          claimed++;
          execute(run);
        } else busy--;
      }
    }
    return claimed;
  }

  /** Claims due runs into the free slots; how many it got. */
  async function pollOnce(): Promise<number> {
    const free = size - busy;
    const listed = (await Promise.all(SHARDS.map((shard) => store.due(shard, clock.now(), free * 2)))).flat();
    // Instances see the same list: shuffled, they mostly try different runs first.
    const candidates = listed
      .map((id) => ({ id, k: random() }))
      .sort((a, b) => a.k - b.k)
      .map((x) => x.id);
    let claimed = 0;
    backlog = false;
    while (candidates.length && busy < size && running) {
      const batch = candidates.splice(0, size - busy);
      busy += batch.length;
      const runs = await Promise.all(
        batch.map(async (id) => {
          try {
            // The index holds keys only: read the header, then claim it as read.
            const seen = await store.get(id);
            return seen ? await executor.claim(seen) : null;
          } catch (error) {
            logger.warn('workflow claim failed', { workflowId: id, error: errorMessage(error) });
            return null;
          }
        }),
      );
      for (const run of runs) {
        if (run) {
          claimed++;
          execute(run);
        } else busy--;
      }
    }
    backlog = candidates.length > 0;
    return claimed;
  }

  async function loop() {
    let idleMs = deps.pollMinMs;
    let nextPoll = 0;
    while (running) {
      woken = false;
      if (busy >= size) {
        await nap(deps.pollMaxMs);
        continue;
      }
      try {
        await claimQueued();
        if (busy < size && (pollNow || performance.now() >= nextPoll)) {
          pollNow = false;
          const claimed = await pollOnce();
          // Again at once while the index has work; backing off to pollMaxMs while it has none.
          idleMs = claimed > 0 ? deps.pollMinMs : Math.min(deps.pollMaxMs, idleMs * 2);
          nextPoll = performance.now() + (claimed > 0 ? 0 : idleMs);
          if (claimed > 0) continue;
        }
      } catch (error) {
        logger.warn('workflow poll failed', { error: errorMessage(error) });
        nextPoll = performance.now() + deps.pollMaxMs;
      }
      if (!running) break;
      if (!woken) await nap(Math.max(0, nextPoll - performance.now()));
    }
  }

  return {
    start() {
      if (running || size <= 0) return;
      running = true;
      loopDone = loop();
    },
    wake,
    enqueue(run) {
      if (queue.length < LOCAL_QUEUE_MAX) queue.push(run);
      nudge();
    },
    wakeAt(at) {
      const timer = setTimeout(
        () => {
          timers.delete(timer);
          wake();
        },
        Math.max(0, at - clock.now()),
      );
      timer.unref();
      timers.add(timer);
    },
    reserve() {
      if (!running || busy >= size) return false;
      busy++;
      return true;
    },
    unreserve() {
      busy--;
    },
    runReserved: execute,
    async stop(waitMs = 5_000) {
      running = false;
      wake();
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await executor.shutdown(waitMs);
      await loopDone;
    },
    busy: () => busy,
  };
}
