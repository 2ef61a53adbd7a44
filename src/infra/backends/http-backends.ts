import type { z } from 'zod';
import { BACKEND_CONTRACTS, type BackendOperation, type BackendRequest, type BackendResponse, type Backends } from '../../contracts/backends.js';
import { systemClock, type Clock } from '../../kernel/clock.js';
import type { Logger } from '../../kernel/logger.js';
import { backoffDelay, retryPolicySchema, sleep, type RetryPolicyInput } from '../../kernel/retry.js';
import { createJsonPoster } from '../http/post-json.js';
import { createCircuitBreaker, DEFAULT_BREAKER, type CircuitBreaker, type CircuitState } from '../http/circuit-breaker.js';
import {
  BackendError,
  BackendHttpError,
  BackendInvalidRequestError,
  BackendInvalidResponseError,
  BackendTimeoutError,
  BackendUnreachableError,
  CircuitOpenError,
} from './errors.js';

export interface BackendsOptions {
  /** One URL per operation (the six `LAMBDA_*` variables). */
  urls: Record<BackendOperation, string>;
  /** Per attempt (`BACKEND_TIMEOUT_MS`). */
  timeoutMs: number;
  /** Makes the per-attempt timeout signal; tests inject one they expire by hand. Default: the poster's own timer. */
  timeoutSignal?: (ms: number) => AbortSignal;
  /** Retries after the first attempt (`BACKEND_MAX_RETRIES`); only 5xx, timeouts and network errors. */
  maxRetries: number;
  logger: Logger;
  clock?: Clock;
  sleep?: (ms: number) => Promise<void>;
  /** Uniform in [0, 1); drives the backoff jitter. */
  random?: () => number;
  /** The delays between attempts (`maxRetries` sets the attempts); defaults: BACKEND_RETRY. */
  retry?: Omit<RetryPolicyInput, 'maxAttempts'>;
  breaker?: { failureThreshold: number; coolDownMs: number };
}

/** The HTTP implementation of `Backends`, plus the breaker states for health and metrics. */
export interface HttpBackends extends Backends {
  circuitState(operation: BackendOperation): CircuitState;
}

/** 100 ms doubling up to 2 s, full jitter: a backend call waits for it while the turn holds its lock. */
const BACKEND_RETRY = { initialDelayMs: 100, maxDelayMs: 2_000, jitter: 'full' } as const;

type Attempt<T> = { ok: true; value: T } | { ok: false; error: BackendError; transient: boolean };

const issuesOf = (error: z.ZodError) => error.issues.slice(0, 10).map((i) => ({ path: i.path.join('.'), message: i.message }));

/** Builds the six backend clients: POST JSON with timeout, retries with full-jitter backoff and a breaker each. */
export function createBackends(options: BackendsOptions): HttpBackends {
  const clock = options.clock ?? systemClock;
  const wait = options.sleep ?? sleep;
  const random = options.random ?? Math.random;
  const policy = retryPolicySchema.parse({ ...BACKEND_RETRY, ...options.retry, maxAttempts: options.maxRetries + 1 });
  const breakerOptions = options.breaker ?? DEFAULT_BREAKER;
  const poster = createJsonPoster({ timeoutSignal: options.timeoutSignal });
  const breakers = new Map<BackendOperation, CircuitBreaker>();
  const breakerFor = (operation: BackendOperation) => {
    let breaker = breakers.get(operation);
    if (!breaker) {
      breaker = createCircuitBreaker({ ...breakerOptions, clock });
      breakers.set(operation, breaker);
    }
    return breaker;
  };

  async function attemptOnce<Op extends BackendOperation>(
    operation: Op,
    body: string,
    idempotencyKey: string,
    attempt: number,
  ): Promise<Attempt<BackendResponse<Op>>> {
    let status: number;
    let text: string;
    try {
      const answer = await poster.post(
        options.urls[operation],
        { 'content-type': 'application/json', accept: 'application/json', 'idempotency-key': idempotencyKey, 'user-agent': 'whatsapp-orchestrator/0.1' },
        body,
        // Per attempt, and it also bounds reading the body.
        options.timeoutMs,
      );
      status = answer.status;
      text = answer.text;
    } catch (error) {
      const timedOut = (error as { name?: string }).name === 'TimeoutError';
      return {
        ok: false,
        transient: true,
        error: timedOut ? new BackendTimeoutError(operation, options.timeoutMs, attempt, error) : new BackendUnreachableError(operation, attempt, error),
      };
    }
    if (status < 200 || status > 299) {
      return { ok: false, transient: status >= 500, error: new BackendHttpError(operation, status, attempt) };
    }
    let json: unknown;
    try {
      // Some Lambdas answer 200 with an empty body (createNewSchedule's response is unspecified).
      json = text.trim() === '' ? {} : JSON.parse(text);
    } catch {
      return { ok: false, transient: false, error: new BackendInvalidResponseError(operation, 'not JSON', attempt) };
    }
    const parsed = BACKEND_CONTRACTS[operation].response.safeParse(json);
    if (!parsed.success) {
      return {
        ok: false,
        transient: false,
        error: new BackendInvalidResponseError(operation, 'schema mismatch', attempt, issuesOf(parsed.error)),
      };
    }
    return { ok: true, value: parsed.data as BackendResponse<Op> };
  }

  return {
    circuitState: (operation) => breakerFor(operation).state(),

    async call<Op extends BackendOperation>(operation: Op, request: BackendRequest<Op>, callOptions: { idempotencyKey: string }): Promise<BackendResponse<Op>> {
      const parsedRequest = BACKEND_CONTRACTS[operation].request.safeParse(request);
      if (!parsedRequest.success) throw new BackendInvalidRequestError(operation, issuesOf(parsedRequest.error));
      const body = JSON.stringify(parsedRequest.data);
      const breaker = breakerFor(operation);
      // Fields of every line about this call (not a child logger: one per call costs more than the lines).
      const about = { backend: operation, idempotencyKey: callOptions.idempotencyKey };
      const log = options.logger;

      for (let attempt = 1; ; attempt++) {
        const permit = breaker.tryAcquire();
        if (!permit) {
          log.warn('backend circuit open; failing fast', { ...about, attempt });
          throw new CircuitOpenError(operation, breaker.retryInMs(), attempt - 1);
        }
        const startedAt = clock.now();
        const outcome = await attemptOnce(operation, body, callOptions.idempotencyKey, attempt);
        const durationMs = clock.now() - startedAt;
        // Only transient failures say the backend is unhealthy; a 4xx or a bad body is our problem or a contract one.
        if (!outcome.ok && outcome.transient) permit.failure();
        else permit.success();

        if (outcome.ok) {
          log.debug('backend call succeeded', { ...about, attempt, durationMs });
          return outcome.value;
        }
        const { error } = outcome;
        if (!outcome.transient || attempt >= policy.maxAttempts) {
          log.warn('backend call failed', { ...about, attempt, durationMs, code: error.code, status: error.details?.status });
          throw error;
        }
        const delayMs = backoffDelay(policy, attempt, random);
        log.warn('backend call failed; retrying', {
          ...about,
          attempt,
          durationMs,
          code: error.code,
          status: error.details?.status,
          delayMs,
        });
        await wait(delayMs);
      }
    },
  };
}
