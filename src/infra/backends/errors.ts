import type { BackendOperation } from '../../contracts/backends.js';
import { AppError, type ErrorCode } from '../../kernel/errors.js';

export interface BackendErrorDetails {
  operation: BackendOperation;
  /** How many HTTP attempts were made (0 when the call failed before sending). */
  attempts: number;
  status?: number;
  /** zod issues, for invalid requests/responses (field paths and messages only, never values). */
  issues?: { path: string; message: string }[];
}

/** Base of every backend failure; `retryable` says whether trying the same call later may help. */
export class BackendError extends AppError<BackendErrorDetails> {
  constructor(code: ErrorCode, message: string, details: BackendErrorDetails, options?: { cause?: unknown }) {
    super(code, message, details, options);
  }
  get operation(): BackendOperation {
    return this.details!.operation;
  }
}

/** The backend answered with a non-2xx status; 5xx is retryable, 4xx is not. */
export class BackendHttpError extends BackendError {
  override readonly retryable: boolean;
  constructor(
    operation: BackendOperation,
    readonly httpStatus: number,
    attempts: number,
  ) {
    super('backend.http', `${operation} answered HTTP ${httpStatus}`, { operation, attempts, status: httpStatus });
    this.retryable = httpStatus >= 500;
  }
}

export class BackendTimeoutError extends BackendError {
  constructor(operation: BackendOperation, timeoutMs: number, attempts: number, cause?: unknown) {
    super('backend.timeout', `${operation} did not answer within ${timeoutMs} ms`, { operation, attempts }, { cause });
  }
}

export class BackendUnreachableError extends BackendError {
  constructor(operation: BackendOperation, attempts: number, cause?: unknown) {
    super('backend.unreachable', `${operation} could not be reached`, { operation, attempts }, { cause });
  }
}

export class BackendInvalidResponseError extends BackendError {
  constructor(operation: BackendOperation, reason: string, attempts: number, issues?: BackendErrorDetails['issues']) {
    super('backend.invalidResponse', `${operation} answered an unexpected body: ${reason}`, { operation, attempts, issues });
  }
}

export class BackendInvalidRequestError extends BackendError {
  constructor(operation: BackendOperation, issues: BackendErrorDetails['issues']) {
    super('backend.invalidRequest', `the ${operation} request breaks its contract`, { operation, attempts: 0, issues });
  }
}

export class CircuitOpenError extends BackendError {
  constructor(
    operation: BackendOperation,
    readonly retryInMs: number,
    attempts: number,
  ) {
    super('backend.circuitOpen', `${operation} circuit is open; failing fast`, { operation, attempts });
  }
}
