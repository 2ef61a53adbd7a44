import { describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../../src/kernel/errors.js';
import { guard, writeIf } from '../../src/infra/stores/store-deps.js';

const unreachable = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8000'), { code: 'ECONNREFUSED' });
const conditionFailed = (item?: Record<string, unknown>) =>
  Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException', Item: item });

describe('guard and writeIf', () => {
  it('when the call answers, then guard gives its answer and writeIf says written', async () => {
    await expect(guard(() => Promise.resolve({ Item: { a: 1 } }))).resolves.toEqual({ Item: { a: 1 } });
    await expect(writeIf(() => Promise.resolve({ Attributes: { v: 2 } }))).resolves.toEqual({ written: true, output: { Attributes: { v: 2 } } });
  });

  it('when DynamoDB is unreachable, rejected or thrown before the call starts, then it is a StoreUnavailableError', async () => {
    await expect(guard(() => Promise.reject(unreachable()))).rejects.toBeInstanceOf(StoreUnavailableError);
    const throwing = () => {
      throw unreachable();
    };
    const call = guard(throwing);
    expect(call).toBeInstanceOf(Promise);
    await expect(call).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(writeIf(() => Promise.reject(unreachable()))).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it('when a condition fails, then writeIf returns the item as it was (marshalled or not); other errors pass unchanged', async () => {
    await expect(writeIf(() => Promise.reject(conditionFailed({ owner: { S: 'a' }, fence: { N: '3' } })))).resolves.toEqual({
      written: false,
      current: { owner: 'a', fence: 3 },
    });
    await expect(writeIf(() => Promise.reject(conditionFailed()))).resolves.toEqual({ written: false, current: undefined });
    const validation = Object.assign(new Error('One or more parameter values were invalid'), { name: 'ValidationException' });
    await expect(writeIf(() => Promise.reject(validation))).rejects.toBe(validation);
  });
});
