/**
 * The workflow use-cases, one rule for every door (HTTP routes, the ops console, the CLIs, flux
 * control): start, read, list, history, terminate, resume, signal. Each action names its actor,
 * recorded in the run's history. The read side (get, list, history, types) is queries.ts.
 */
import {
  isFinished,
  type JourneyRecord,
  type JourneyStatus,
  type JourneyStore,
  type NewEvent,
  type NewRun,
  type NotifyTarget,
  type StoredCheckpoint,
} from '../infra/stores/journey-store.js';
import { canonicalHash } from '../kernel/canonical-json.js';
import type { Clock } from '../kernel/clock.js';
import { AppError, ConflictError, ValidationError } from '../kernel/errors.js';
import { ulid } from '../kernel/ids.js';
import { SIGNAL_NAME, type WorkflowType } from './define.js';
import { firstRun, signalled, termination, type NewRunParams } from './decisions.js';
import { MARKER, eventsAt, type Actor } from './events.js';
import type { Executor } from './executor.js';
import type { ListenerRegistry, WorkflowRegistry } from './registry.js';
import { createWorkflowQueries, getWorkflow } from './queries.js';
import type { WorkerPool } from './workers.js';

export interface StartRequest {
  type: string;
  input: unknown;
  /** Only for types without a business key (their id comes from the input). */
  workflowId?: string;
  /** A listener told of the run's outcome when it finishes (at least once). */
  notify?: NotifyTarget;
  /** Start a finished workflow again from its first step (a new run, history linked). */
  rerun?: boolean;
}

/** What start, resume and rerun answer; `created: false` when the workflow already existed (same input). */
export interface RunRef {
  created: boolean;
  workflowId: string;
  runId: string;
  status: JourneyStatus;
}

export interface WorkflowServiceDeps {
  store: JourneyStore;
  registry: WorkflowRegistry;
  listeners: ListenerRegistry;
  executor: Executor;
  clock: Clock;
  /** This instance's workers; absent when it runs none (a run started here then waits for another instance). */
  workers?: WorkerPool;
}

/** Letters, digits and `_ - . : # / @`; a business key usually namespaces itself (`order:ORD-1`). */
const WORKFLOW_ID = /^[A-Za-z0-9_\-.:#/@]{1,200}$/;
const RESUMABLE: readonly JourneyStatus[] = ['FAILED', 'TERMINATED', 'COMPENSATION_FAILED'];
/** Rounds of read-and-write an external action makes when a worker's write races it. */
const EXTERNAL_ROUNDS = 5;

export function createWorkflowService(deps: WorkflowServiceDeps) {
  const { store, registry, listeners, executor, clock, workers } = deps;
  const iso = () => new Date(clock.now()).toISOString();
  const queries = createWorkflowQueries({ store, registry });
  const mustGet = (workflowId: string) => getWorkflow(store, workflowId);

  const typeOf = (h: JourneyRecord): WorkflowType => {
    const def = registry.get(h.workflowType);
    if (!def) throw new AppError('workflow.notResumable', `workflow type ${h.workflowType} is not registered in this instance`, { type: h.workflowType });
    return def;
  };

  /** A new run of `def`, already held when this instance has a free worker. */
  const newRunOf = (def: WorkflowType, p: NewRunParams): NewRun =>
    firstRun(def, p, { now: clock.now(), runId: ulid(clock.now()), claim: p.held ? executor.leaseFor(p.workflowId) : undefined });

  /** Runs a run just written already held, or queues it for this instance's next free worker. */
  function hand(journey: JourneyRecord, held: boolean) {
    if (held) workers!.runReserved(executor.adopt(journey));
    else workers?.enqueue(journey);
  }

  /** A new run replacing the finished `h` (resume, rerun). */
  async function replaceRun(
    h: JourneyRecord,
    def: WorkflowType,
    p: { input: unknown; inputHash: string; stepIndex: number; seed: StoredCheckpoint[]; fromStep: string; actor: Actor },
  ): Promise<RunRef> {
    if (h.notifyPending)
      throw new AppError('workflow.running', `workflow ${h.journeyId}: the outcome of run ${h.runId} is still being delivered; try again in a moment`);
    const held = workers?.reserve() ?? false;
    const runs = h.runs.map((r) => (r.runId === h.runId ? { ...r, closedStatus: h.status } : r));
    const run = newRunOf(def, {
      workflowId: h.journeyId,
      ...p,
      runNumber: h.runNumber + 1,
      runs,
      notify: h.notify,
      createdAt: h.createdAt,
      held,
      continued: { runId: h.runId, fromStep: p.fromStep, seed: p.seed },
    });
    const closing = [eventsAt(iso()).marker(MARKER.resumed, { newRunId: run.runId, fromStep: p.fromStep, actor: p.actor })];
    const outcome = await store.newRun(h, run, closing).catch((error: unknown) => {
      if (held) workers!.unreserve();
      throw error;
    });
    if (!outcome.ok) {
      if (held) workers!.unreserve();
      throw new ConflictError('journey.conflict', `workflow ${h.journeyId} changed while a new run was being started; read it again`, { current: null });
    }
    hand(outcome.journey, held);
    return { created: true, workflowId: h.journeyId, runId: run.runId, status: 'RUNNING' };
  }

  /** Reads, decides and writes an action by someone who does not hold the run, again when a worker's write raced it. */
  async function external(
    workflowId: string,
    label: string,
    decide: (h: JourneyRecord) => { change: Parameters<JourneyStore['external']>[2]; events: NewEvent[] },
  ): Promise<RunRef> {
    for (let round = 0; round < EXTERNAL_ROUNDS; round++) {
      const h = await mustGet(workflowId);
      if (isFinished(h.status)) throw new AppError('workflow.finished', `workflow ${workflowId} is ${h.status}`, { status: h.status, runId: h.runId });
      const { change, events } = decide(h);
      const outcome = await store.external(h, label, change, events);
      if (outcome.ok) return { created: false, workflowId, runId: h.runId, status: change.status ?? h.status };
    }
    throw new ConflictError('journey.conflict', `workflow ${workflowId} kept changing; try again`, { current: null });
  }

  return {
    ...queries,

    /** Starts a workflow, or answers the existing one for the same id and input (never a duplicate). */
    async start(request: StartRequest, actor: Actor): Promise<RunRef> {
      const problems: { path: string; message: string }[] = [];
      const def = registry.get(request.type);
      if (!def) problems.push({ path: 'type', message: `unknown workflow type "${request.type}"; known: ${registry.names().join(', ')}` });
      let input: unknown;
      if (def) {
        const parsed = def.input.safeParse(request.input);
        if (parsed.success) input = parsed.data;
        else problems.push(...parsed.error.issues.map((i) => ({ path: ['input', ...i.path].join('.'), message: i.message })));
      }
      if (request.workflowId !== undefined && !WORKFLOW_ID.test(request.workflowId))
        problems.push({ path: 'workflowId', message: 'letters, digits and _ - . : # / @ only, at most 200' });
      const key = def && input !== undefined ? def.businessKey?.(input) : undefined;
      if (key && request.workflowId !== undefined && key !== request.workflowId)
        problems.push({ path: 'workflowId', message: `workflows of type ${request.type} are keyed by their input: this one is ${key}` });
      if (request.notify && !listeners.get(request.notify.listener))
        problems.push({ path: 'notify.listener', message: `no listener named ${request.notify.listener}` });
      if (problems.length || !def) throw new ValidationError('invalid workflow start', problems);

      const workflowId = key ?? request.workflowId ?? `${def.type}:${ulid(clock.now())}`;
      const inputHash = canonicalHash({ type: def.type, input });
      const held = workers?.reserve() ?? false;
      const run = newRunOf(def, { workflowId, input, inputHash, runNumber: 1, runs: [], stepIndex: 0, notify: request.notify, actor, held });
      const outcome = await store.start(run).catch((error: unknown) => {
        if (held) workers!.unreserve();
        throw error;
      });
      if (outcome.created) {
        hand(outcome.journey, held);
        return { created: true, workflowId, runId: run.runId, status: 'RUNNING' };
      }
      if (held) workers!.unreserve();
      const existing = outcome.existing;
      const sameType = existing.workflowType === def.type;
      if (request.rerun && sameType) {
        if (!isFinished(existing.status))
          throw new AppError('workflow.running', `workflow ${workflowId} is ${existing.status}; it can be rerun once finished`, {
            status: existing.status,
            runId: existing.runId,
          });
        return replaceRun(existing, def, { input, inputHash, stepIndex: 0, seed: [], fromStep: def.steps[0].name, actor });
      }
      if (!sameType || existing.inputHash !== inputHash) {
        throw new AppError(
          'workflow.inputMismatch',
          `workflow ${workflowId} exists with another ${sameType ? 'input' : `type (${existing.workflowType ?? 'a batch journey'})`}`,
          {
            workflowId,
            status: existing.status,
            runId: existing.runId,
          },
        );
      }
      return { created: false, workflowId, runId: existing.runId, status: existing.status };
    },

    /** Stops a running workflow; the running step's signal aborts at its next heartbeat; `compensate` undoes completed steps first. */
    async terminate(workflowId: string, request: { reason: string; compensate?: boolean }, actor: Actor): Promise<RunRef> {
      // Compensating needs the type's steps; stopping does not (a type this instance lacks can still be stopped).
      const ref = await external(workflowId, 'journey.terminate', (h) =>
        termination(h, request.compensate ? typeOf(h) : registry.get(h.workflowType), request.reason, request.compensate ?? false, actor, clock.now()),
      );
      executor.interrupt(workflowId);
      workers?.wake();
      return ref;
    },

    /** A new run of a FAILED, TERMINATED or COMPENSATION_FAILED workflow from `fromStep` (default: where it failed), reusing earlier results. */
    async resume(workflowId: string, request: { fromStep?: string }, actor: Actor): Promise<RunRef> {
      const h = await mustGet(workflowId);
      if (!RESUMABLE.includes(h.status)) {
        throw new AppError(
          'workflow.notResumable',
          `workflow ${workflowId} is ${h.status}; only a FAILED, TERMINATED or COMPENSATION_FAILED one can be resumed`,
          { status: h.status },
        );
      }
      const def = typeOf(h);
      const names = def.steps.map((s) => s.name);
      const fromStep = request.fromStep ?? h.failedStep ?? names[h.stepIndex];
      const index = names.indexOf(fromStep);
      if (index < 0) throw new AppError('workflow.unknownStep', `${def.type} has no step ${fromStep}`, { step: fromStep, steps: names });
      const { steps } = await store.checkpoints(h);
      const missing = names.slice(0, index).filter((name) => !steps.some((c) => c.step === name));
      if (missing.length)
        throw new AppError('workflow.notResumable', `cannot resume from ${fromStep}: ${missing.join(', ')} did not complete in run ${h.runId}`, { missing });
      // Carried over as they are; the new run has no event completing them.
      const seed = steps.filter((c) => c.index < index).map((c) => ({ ...c, seeded: true, eventId: 0, inItem: undefined }));
      return replaceRun(h, def, { input: h.input, inputHash: h.inputHash, stepIndex: index, seed, fromStep, actor });
    },

    /** Records a signal in the history; a run parked waiting for it becomes due at once. */
    async signal(workflowId: string, request: { name: string; payload?: unknown }, actor: Actor): Promise<RunRef> {
      if (!SIGNAL_NAME.test(request.name))
        throw new ValidationError('invalid signal', [{ path: 'name', message: 'a letter, then letters, digits or _ (at most 64)' }]);
      const ref = await external(workflowId, 'journey.signal', (h) => signalled(h, request.name, request.payload ?? null, actor, clock.now()));
      if (ref.status === 'RUNNING') workers?.wake();
      return ref;
    },
  };
}

export type WorkflowService = ReturnType<typeof createWorkflowService>;
