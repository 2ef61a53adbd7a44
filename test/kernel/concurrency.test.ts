import { describe, expect, it } from 'vitest';
import { mapWithConcurrency } from '../../src/kernel/concurrency.js';
import { deferred, type Deferred } from '../support/events.js';

describe('mapWithConcurrency', () => {
  it('when more items than the limit are mapped, then at most the limit run at once and the results keep the input order', async () => {
    const gates: Deferred[] = Array.from({ length: 5 }, () => deferred());
    let running = 0;
    let most = 0;
    const done = mapWithConcurrency([0, 1, 2, 3, 4], 2, async (item, index) => {
      running++;
      most = Math.max(most, running);
      await gates[index].promise;
      running--;
      return item * 10;
    });
    // Released last to first: a later item finishing first must not move its result.
    for (const gate of [...gates].reverse()) gate.resolve();
    expect(await done).toEqual([0, 10, 20, 30, 40]);
    expect(most).toBe(2);
  });

  it('when the list is empty, then the result is empty and nothing is called', async () => {
    let calls = 0;
    expect(await mapWithConcurrency([], 4, async () => ++calls)).toEqual([]);
    expect(calls).toBe(0);
  });
});
