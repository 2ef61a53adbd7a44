import { AppError } from '../kernel/errors.js';

/** A job configuration file is invalid; `problems` lists every problem found, one line each. */
export class JobConfigError extends AppError<{ problems: string[] }> {
  constructor(
    readonly problems: string[],
    source = 'configuration',
  ) {
    super('job.configInvalid', `Invalid ${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}`, { problems });
  }
}
