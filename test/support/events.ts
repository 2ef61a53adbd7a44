import type { EventEmitter } from 'node:events';
import { onTestFinished, vi } from 'vitest';

/**
 * Waiting without the wall clock: a test goes on when something happened, never after a sleep or
 * a polling loop. For "once an emitter says X" use `once(emitter, 'x')` from node:events.
 */

export interface Deferred<T = void> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
}

/** A promise settled from outside: the code under test (or a fake peer) says "it happened". */
export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * Resolves once `check()` holds, checking now and after every `event` of `emitter` (e.g. a child's
 * stdout 'data'); rejects when `emitter` emits `end` first, so a peer that dies fails the test at once.
 */
export function until(check: () => boolean, emitter: EventEmitter, event = 'data', end = 'end'): Promise<void> {
  return new Promise((resolve, reject) => {
    const stop = () => {
      emitter.off(event, onEvent);
      emitter.off(end, onEnd);
    };
    const onEvent = () => {
      if (!check()) return;
      stop();
      resolve();
    };
    const onEnd = () => {
      stop();
      reject(new Error(`'${end}' came before the awaited condition held`));
    };
    emitter.on(event, onEvent);
    emitter.once(end, onEnd);
    onEvent();
  });
}

type AsyncMethod<T> = { [K in keyof T]: T[K] extends (...args: never[]) => Promise<unknown> ? K : never }[keyof T];

/**
 * Watches the real `object[method]` (it still runs) and keeps each call's promise, to await work
 * that the code under test starts without handing out a promise: a renewal timer's write, a
 * webhook's fire-and-forget status update. Restored when the test finishes.
 */
export function watchCalls<T extends object>(object: T, method: AsyncMethod<T> & string) {
  const spy = vi.spyOn(object as Record<string, (...args: unknown[]) => Promise<unknown>>, method);
  onTestFinished(() => spy.mockRestore());
  return {
    /** Resolves once every call made so far has settled; rejects when there was none to wait for. */
    async settled(): Promise<void> {
      if (spy.mock.results.length === 0) throw new Error(`expected a call of ${method}; there was none`);
      await Promise.allSettled(spy.mock.results.map((r) => r.value));
    },
  };
}

/**
 * Per-request timeouts that run out when the test says so, not after real time. Pass `signal`
 * where the client takes its timeout signal (`timeoutSignal`; by default the poster's own timer),
 * then call `expire()` once the peer holds the request (an event: it arrived, the effect happened).
 */
export function manualTimeouts() {
  const running = new Set<AbortController>();
  return {
    signal: (_ms: number): AbortSignal => {
      const controller = new AbortController();
      running.add(controller);
      return controller.signal;
    },
    /** Every timeout started so far runs out now, as AbortSignal.timeout would: a TimeoutError. */
    expire(): void {
      for (const controller of running) controller.abort(new DOMException('The operation timed out.', 'TimeoutError'));
      running.clear();
    },
  };
}
