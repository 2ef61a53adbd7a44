/**
 * The closed catalogue of error codes. Each code says why it happens and what to do;
 * the HTTP error middleware maps `status` and `code` to `{error:{code,message,details}}`.
 */
export const ERROR_CATALOGUE = {
  'request.invalid': { status: 400, retryable: false, why: 'the body or a header failed validation; fix the request' },
  'request.tooLarge': { status: 413, retryable: false, why: 'the body exceeds the route limit; send less' },
  'auth.unauthorized': { status: 401, retryable: false, why: 'missing or wrong credentials or signature' },
  'auth.forbidden': { status: 403, retryable: false, why: 'the verify token did not match' },
  'resource.notFound': { status: 404, retryable: false, why: 'no such session, route or item' },
  'session.versionConflict': { status: 409, retryable: true, why: 'another writer saved the session first; reload and retry' },
  'session.invalidState': { status: 500, retryable: false, why: 'the stored state fails the current schema; the turn starts afresh at the stored version' },
  'session.tooLarge': { status: 500, retryable: false, why: 'the state exceeds the 350 KB budget; trim history kept in state' },
  'lock.notAcquired': { status: 409, retryable: true, why: 'another turn holds the conversation; retry later' },
  'lock.lost': { status: 409, retryable: true, why: 'the lease expired or was taken over; the work must not commit' },
  'idempotency.inProgress': { status: 409, retryable: true, why: 'the same key is being processed; retry after a moment' },
  'idempotency.payloadMismatch': { status: 422, retryable: false, why: 'the key was used with a different body; use a new key' },
  'idempotency.notOwner': { status: 409, retryable: false, why: 'the claim was taken over by a retry; the stale owner must stop' },
  'pendingAction.conflict': { status: 409, retryable: false, why: 'the action is not in the state this transition needs' },
  'pendingAction.notFound': { status: 404, retryable: false, why: 'no such pending action (or it expired)' },
  'pendingAction.openExists': { status: 409, retryable: false, why: 'the session already has an open action' },
  'transaction.cancelled': { status: 409, retryable: true, why: 'a condition of the atomic turn failed; nothing was written' },
  'store.unavailable': { status: 503, retryable: true, why: 'DynamoDB did not answer; the provider should retry' },
  'conflict.generic': { status: 409, retryable: true, why: 'a conditional write lost to a concurrent one' },
  'backend.http': { status: 502, retryable: false, why: 'a backend answered with an error status' },
  'backend.timeout': { status: 504, retryable: true, why: 'a backend did not answer in time' },
  'backend.invalidResponse': { status: 502, retryable: false, why: 'a backend answered with an unexpected body' },
  'backend.circuitOpen': { status: 503, retryable: true, why: 'a backend failed repeatedly; calls fail fast for a while' },
  'backend.unreachable': { status: 503, retryable: true, why: 'a backend could not be reached (connection refused or reset); retry later' },
  'backend.invalidRequest': { status: 500, retryable: false, why: 'we built a request that breaks the backend contract; a bug in the caller' },
  'journey.conflict': { status: 409, retryable: true, why: 'another owner runs the journey, or its status changed' },
  'journey.tooLarge': {
    status: 413,
    retryable: false,
    why: 'a workflow input, result or payload exceeds the 350 KB item budget; pass a reference (a path, a key) instead',
  },
  'workflow.notFound': { status: 404, retryable: false, why: 'no workflow with this id (or it expired)' },
  'workflow.inputMismatch': {
    status: 409,
    retryable: false,
    why: 'a workflow with this id exists with another type or input; use another id, or the same input',
  },
  'workflow.running': { status: 409, retryable: true, why: 'the workflow is still running; wait for it to finish (or terminate it) first' },
  'workflow.notResumable': { status: 409, retryable: false, why: 'only a FAILED, TERMINATED or COMPENSATION_FAILED workflow can be resumed' },
  'workflow.finished': { status: 409, retryable: false, why: 'the workflow has finished; it takes no signal or termination (resume it to run again)' },
  'workflow.unknownStep': { status: 400, retryable: false, why: "the step is not one of the workflow type's steps; see GET /workflows/:id" },
  'workflow.leaseLost': { status: 409, retryable: true, why: 'the run was taken over or terminated while this worker ran it; the worker stops' },
  'workflow.stepTimeout': { status: 504, retryable: true, why: 'a step ran past its timeoutMs or stopped heartbeating within heartbeatTimeoutMs' },
  'workflow.signalTimeout': { status: 504, retryable: false, why: 'a step waited for a signal that did not arrive before its timeout' },
  'workflow.invalidDefinition': { status: 500, retryable: false, why: 'a workflow type is defined wrongly (duplicate names, no steps); fix the code' },
  'congregado.conflict': { status: 409, retryable: true, why: 'another writer saved different content for the congregado first; reload and retry' },
  'job.failed': { status: 500, retryable: false, why: "a batch job's workflow ended FAILED or TERMINATED; see its history, fix, then resume or rerun it" },
  'job.configInvalid': { status: 400, retryable: false, why: 'the job configuration file is invalid; see the listed problems' },
  'flux.conflict': {
    status: 409,
    retryable: false,
    why: 'the approval, schedule or table is not in the state this action needs (already decided, already finished, changed meanwhile)',
  },
  'privacy.erasureFailed': {
    status: 503,
    retryable: true,
    why: "the subject's erasure stopped before the end (see the privacy-erasure workflow's history); send the same DELETE again to finish it",
  },
  'internal.error': { status: 500, retryable: false, why: 'an unexpected failure; see the logs with the request id' },
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** Base of every named error: a stable `code`, its HTTP status, a retryable flag and typed details. */
export class AppError<D = unknown> extends Error {
  readonly status: number;
  readonly retryable: boolean;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: D,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
    this.status = ERROR_CATALOGUE[code].status;
    this.retryable = ERROR_CATALOGUE[code].retryable;
  }
}

export class ValidationError extends AppError<unknown> {
  constructor(message: string, details?: unknown) {
    super('request.invalid', message, details);
  }
}

export class NotFoundError extends AppError<unknown> {
  constructor(message: string, details?: unknown) {
    super('resource.notFound', message, details);
  }
}

/** A conditional write lost; `current` carries the item DynamoDB returned, when it did. */
export class ConflictError<D = { current?: Record<string, unknown> | null }> extends AppError<D> {
  constructor(code: ErrorCode, message: string, details?: D, options?: { cause?: unknown }) {
    super(code, message, details, options);
  }
}

export class LockNotAcquiredError extends AppError<{ resource: string; waitedMs: number }> {
  constructor(resource: string, waitedMs: number) {
    super('lock.notAcquired', `lock on ${resource} not acquired within ${waitedMs} ms`, { resource, waitedMs });
  }
}

export class LockLostError extends AppError<{ resource: string; fence: number }> {
  constructor(resource: string, fence: number) {
    super('lock.lost', `lock on ${resource} (fence ${fence}) is no longer held`, { resource, fence });
  }
}

export class IdempotencyInProgressError extends AppError<{ key: string; retryAfterSeconds: number }> {
  constructor(key: string, retryAfterSeconds: number) {
    super('idempotency.inProgress', 'a request with this key is in progress', { key, retryAfterSeconds });
  }
}

export class IdempotencyMismatchError extends AppError<{ key: string }> {
  constructor(key: string) {
    super('idempotency.payloadMismatch', 'this idempotency key was used with a different payload', { key });
  }
}

export class StoreUnavailableError extends AppError<unknown> {
  constructor(cause: unknown) {
    super('store.unavailable', 'DynamoDB is unavailable', undefined, { cause });
  }
}

/**
 * A TransactWriteItems was cancelled (a failed condition, a conflicting transaction …); `failed`
 * lists only the parts DynamoDB gave a reason for, with the item when it returned one.
 */
export class TransactionCancelledError extends AppError<{
  failed: { index: number; label: string; code: string; item?: Record<string, unknown> }[];
}> {
  constructor(
    readonly failed: { index: number; label: string; code: string; item?: Record<string, unknown> }[],
    cause: unknown,
  ) {
    super(
      'transaction.cancelled',
      `transaction cancelled: ${failed.map((f) => `${f.label} (${f.code})`).join(', ') || 'unknown reason'}`,
      { failed },
      { cause },
    );
  }
}

const NETWORK_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND']);

/** True when an AWS SDK error means "DynamoDB could not be reached" rather than "it said no". */
export function isUnavailable(error: unknown): boolean {
  const e = error as { name?: string; code?: string; $metadata?: { httpStatusCode?: number }; cause?: unknown } | undefined;
  if (!e) return false;
  if (e.code && NETWORK_ERROR_CODES.has(e.code)) return true;
  if (e.name === 'TimeoutError' || e.name === 'RequestTimeout' || e.name === 'ServiceUnavailable') return true;
  if ((e.$metadata?.httpStatusCode ?? 0) >= 500) return true;
  if (e.name === 'AggregateError' || e.cause) return isUnavailable(e.cause ?? (e as { errors?: unknown[] }).errors?.[0]);
  return false;
}
