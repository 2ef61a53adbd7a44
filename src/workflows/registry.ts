import { AppError } from '../kernel/errors.js';
import type { WorkflowType } from './define.js';

/** The workflow types an instance runs, by name; composed once in compose.ts. */
export interface WorkflowRegistry {
  get(type: string): WorkflowType | undefined;
  names(): string[];
}

/** Builds the registry; a type registered twice is a programming error. */
export function createWorkflowRegistry(types: WorkflowType[]): WorkflowRegistry {
  const byName = new Map<string, WorkflowType>();
  for (const type of types) {
    if (byName.has(type.type)) throw new AppError('workflow.invalidDefinition', `workflow type ${type.type} is registered twice`);
    byName.set(type.type, type);
  }
  return { get: (type) => byName.get(type), names: () => [...byName.keys()].sort() };
}

/** How a finished run is reported to whoever asked (`notify` at start). */
export interface RunOutcome {
  workflowId: string;
  runId: string;
  type: string;
  status: 'COMPLETED' | 'FAILED' | 'COMPENSATION_FAILED' | 'TERMINATED';
  result?: unknown;
  error?: { failedStep?: string; message?: string };
  /** What the starter passed as `notify.data`. */
  data: unknown;
}

/**
 * Told of every finished run that named it, at least once (a crash re-delivers): make it
 * idempotent on `idempotencyKey` (the run id). A throw is retried later with backoff.
 */
export type WorkflowListener = (outcome: RunOutcome, meta: { idempotencyKey: string }) => Promise<void>;

/** Listeners by name, registered at compose time (e.g. flux control's cascade), before workers start. */
export interface ListenerRegistry {
  register(name: string, listener: WorkflowListener): void;
  get(name: string): WorkflowListener | undefined;
}

export function createListenerRegistry(): ListenerRegistry {
  const byName = new Map<string, WorkflowListener>();
  return {
    register(name, listener) {
      if (byName.has(name)) throw new AppError('workflow.invalidDefinition', `workflow listener ${name} is registered twice`);
      byName.set(name, listener);
    },
    get: (name) => byName.get(name),
  };
}
