import { expect } from 'vitest';
import { BackendError } from '../../src/infra/backends/index.js';

/** Awaits a backend call that must fail and returns its BackendError. */
export async function failure(promise: Promise<unknown>): Promise<BackendError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(BackendError);
    return error as BackendError;
  }
  throw new Error('expected the call to fail');
}
