import { describe, expect, it } from 'vitest';
import { createFakeClock } from '../../src/kernel/clock.js';
import { TurnScheduler } from '../../src/pipeline/turn-scheduler.js';
import { deferred, type Deferred } from '../support/events.js';

/** A scheduler whose drains run only when the test says so, with a fake clock and a scripted event-loop delay. */
function harness(maxConcurrent: number) {
  const drains: (() => void)[] = [];
  const clock = createFakeClock();
  const delay = { ms: 0, reads: 0 };
  const scheduler = new TurnScheduler({
    maxConcurrent,
    targetDelayMs: 10,
    ackTargetMs: 25,
    adaptEveryMs: 100,
    clock,
    probe: () => {
      delay.reads++;
      return delay.ms;
    },
    defer: (fn) => drains.push(fn),
  });
  const started: number[] = [];
  const gates = new Map<number, Deferred>();
  /** Queues turn `n`, which runs until its gate opens. */
  const queue = (n: number) => {
    const gate = deferred();
    gates.set(n, gate);
    return scheduler.run(async () => {
      started.push(n);
      await gate.promise;
      return n;
    });
  };
  /** Settles every pending promise reaction (a macrotask boundary, not a sleep). */
  const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
  /** Runs the queued drains until none is left, letting each started turn reach its body and each finished one give its slot back. */
  const drain = async () => {
    for (await settle(); drains.length; await settle()) drains.shift()!();
  };
  return { scheduler, clock, delay, drains, started, gates, queue, drain, settle };
}

describe('TurnScheduler', () => {
  it('when a turn is queued, then it starts only from the deferred drain, not where it was queued', async () => {
    const h = harness(4);
    void h.queue(1);
    await h.settle();
    expect(h.started).toEqual([]);
    expect(h.scheduler.backlog).toBe(1);
    await h.drain();
    expect(h.started).toEqual([1]);
  });

  it('when several turns are queued, then each drain starts one and yields again, in the order queued', async () => {
    const h = harness(4);
    for (const n of [1, 2, 3]) void h.queue(n);
    expect(h.drains).toHaveLength(1);
    h.drains.shift()!();
    await h.settle();
    expect(h.started).toEqual([1]);
    expect(h.drains).toHaveLength(1);
    await h.drain();
    expect(h.started).toEqual([1, 2, 3]);
  });

  it('when the limit is reached, then the next turn waits until a running one finishes', async () => {
    const h = harness(2);
    const results = [1, 2, 3].map((n) => h.queue(n));
    await h.drain();
    expect(h.started).toEqual([1, 2]);
    expect(h.scheduler.backlog).toBe(1);
    h.gates.get(1)!.resolve();
    expect(await results[0]).toBe(1);
    await h.drain();
    expect(h.started).toEqual([1, 2, 3]);
    expect(h.scheduler.running).toBe(2);
  });

  it('when a turn fails, then its error reaches the caller and its slot is given back', async () => {
    const h = harness(1);
    const failing = h.scheduler.run(() => Promise.reject(new Error('boom'))).catch((error: Error) => error.message);
    void h.queue(2);
    await h.drain();
    expect(await failing).toBe('boom');
    await h.drain();
    expect(h.started).toEqual([2]);
  });

  it('when the event loop lags beyond the target, then the limit halves each period down to one and later turns wait', async () => {
    const h = harness(8);
    h.delay.ms = 50;
    const limits: number[] = [];
    for (let i = 0; i < 5; i++) {
      h.clock.advance(100);
      void h.queue(i);
      await h.drain();
      limits.push(h.scheduler.limit);
    }
    expect(limits).toEqual([4, 2, 1, 1, 1]);
    // Turns 0 and 1 started while the limit was still above what was running; the rest wait.
    expect(h.started).toEqual([0, 1]);
    expect(h.scheduler.backlog).toBe(3);
  });

  it('when turns wait and the event loop keeps up, then the limit rises again, one step per period, up to the maximum', async () => {
    const h = harness(3);
    h.delay.ms = 50;
    h.clock.advance(100);
    void h.queue(0);
    await h.drain();
    expect(h.scheduler.limit).toBe(1);
    h.delay.ms = 0;
    for (let i = 1; i <= 4; i++) void h.queue(i);
    await h.drain();
    expect(h.started).toEqual([0]);
    h.clock.advance(100);
    h.gates.get(0)!.resolve();
    await h.drain();
    expect(h.scheduler.limit).toBe(2);
    expect(h.started).toEqual([0, 1, 2]);
    for (let i = 0; i < 3; i++) {
      h.clock.advance(100);
      void h.queue(10 + i);
      await h.drain();
    }
    expect(h.scheduler.limit).toBe(3);
  });

  it('when an ack write was slower than its target in the period, then the limit halves though the event loop keeps up', async () => {
    const h = harness(8);
    h.scheduler.observeAck(40);
    h.clock.advance(100);
    void h.queue(1);
    await h.drain();
    expect(h.scheduler.limit).toBe(4);
    // The next period's acks are fast again: the limit rises while turns wait.
    h.scheduler.observeAck(5);
    for (const n of [2, 3, 4, 5]) void h.queue(n);
    h.clock.advance(100);
    await h.drain();
    expect(h.scheduler.limit).toBe(5);
  });

  it('when the period has not elapsed, then the delay is not read and the limit stays', async () => {
    const h = harness(4);
    h.delay.ms = 50;
    for (const n of [1, 2]) void h.queue(n);
    await h.drain();
    expect(h.delay.reads).toBe(0);
    expect(h.scheduler.limit).toBe(4);
  });
});
