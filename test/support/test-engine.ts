import { z } from 'zod';
import type { ConversationEngine } from '../../src/contracts/engine.js';
import { emptyUnderstanding, type UnderstandingService } from '../../src/contracts/understanding.js';
import { deferred, type Deferred } from './events.js';

const state = z.object({ count: z.number(), texts: z.array(z.string()), templates: z.array(z.string()) });
export type TestState = z.infer<typeof state>;

/**
 * The pipeline's test engine: echoes each message, records what it saw, and can be told to
 * throw (for the next N messages). It is pure like the real one; "taking time" is done by the
 * test understanding below, since decide is synchronous by contract.
 */
export function createTestEngine() {
  const seen: string[] = [];
  const control = { throwNext: 0 };
  const engine: ConversationEngine<TestState> = {
    stateSchema: state,
    initialState: () => ({ count: 0, texts: [], templates: [] }),
    expectation: () => ({ expecting: 'none' }),
    decide(s, event) {
      if (event.type === 'template') return { state: { ...s, templates: [...s.templates, event.template] }, replies: [], effects: [] };
      if (event.type !== 'message') return { state: s, replies: [], effects: [] };
      seen.push(event.message.text);
      if (control.throwNext > 0) {
        control.throwNext--;
        throw new Error('test engine told to throw');
      }
      const text = event.message.text;
      return { state: { ...s, count: s.count + 1, texts: [...s.texts, text].slice(-100) }, replies: [{ text: `eco: ${text}` }], effects: [] };
    },
  };
  return { engine: engine as ConversationEngine<unknown>, seen, control };
}

/**
 * An understanding service that records when each message's turn was inside it (start/end) and can
 * hold a message until the test releases it — the way to make a turn "take time".
 */
export function createTestUnderstanding() {
  const spans: { text: string; start: number; end: number }[] = [];
  const holds = new Map<string, { released: Deferred; reached: Deferred }>();
  const service: UnderstandingService = {
    async understand(text) {
      const start = performance.now();
      const hold = holds.get(text);
      if (hold) {
        hold.reached.resolve();
        await hold.released.promise;
      } else {
        // One macrotask, so overlapping turns would interleave here.
        await new Promise((r) => setImmediate(r));
      }
      spans.push({ text, start, end: performance.now() });
      return emptyUnderstanding();
    },
  };
  return {
    service,
    spans,
    /** Makes the turn of `text` wait until `release()`; `reached` resolves when it starts waiting. */
    hold(text: string) {
      const hold = { released: deferred(), reached: deferred() };
      holds.set(text, hold);
      return { release: () => hold.released.resolve(), reached: hold.reached.promise };
    },
  };
}
