import { AppError } from '../kernel/errors.js';

/** A journey ran out of retries or met a non-retryable error; `cause` is the step's last error. */
export class JourneyFailedError extends AppError<{ journeyId: string; step: string; status: string; attempts: number }> {
  constructor(journeyId: string, step: string, status: string, attempts: number, cause: unknown) {
    super(
      'journey.failed',
      `journey ${journeyId} failed at step ${step} after ${attempts} attempt(s): ${(cause as Error)?.message ?? String(cause)}`,
      { journeyId, step, status, attempts },
      { cause },
    );
  }
}

/** A job configuration file is invalid; `problems` lists every problem found, one line each. */
export class JobConfigError extends AppError<{ problems: string[] }> {
  constructor(
    readonly problems: string[],
    source = 'configuration',
  ) {
    super('job.configInvalid', `Invalid ${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}`, { problems });
  }
}
