import { describe, expect, it } from 'vitest';
import type { EngineContext } from '../../src/contracts/engine.js';
import { createEngine } from '../../src/graph/engine.js';
import { createHarness, deepFreeze, MINUTE, PENDING_TTL_MS, RESUME_TTL_MS, scheduleBody, u, YES } from './harness.js';

const engine = createEngine();

function ctxAt(now: number): EngineContext {
  let n = 0;
  return { now, newId: () => `e${++n}`, pendingActionTtlMs: PENDING_TTL_MS, resumeTtlMs: RESUME_TTL_MS, buttons: true };
}

describe('one effect channel', () => {
  it('when a decision closes an expired confirmation and then needs the shift, then it declares both in order and ends with the call it waits for', () => {
    const h = createHarness();
    h.send('cheguei', u({ intent: 'escala' }));
    const expired = h.state().pending!.actionId;
    const now = h.now() + 20 * MINUTE;
    const message = {
      provider: 'ingest' as const,
      messageId: 'm9',
      sessionId: '5511999990001',
      phone: '+5511999990001',
      text: 'sim',
      type: 'text',
      timestamp: now,
    };

    const paused = engine.decide(deepFreeze(h.state()), { type: 'message', message, understanding: YES }, ctxAt(now));
    expect(paused.effects.map((e) => e.type)).toEqual(['pending.expire', 'backend.query']);
    expect(paused.effects[0]).toEqual({ type: 'pending.expire', actionId: expired });
    expect(paused.replies).toEqual([]);

    const call = paused.effects[1];
    if (call.type !== 'backend.query') throw new Error('expected the bootstrap query');
    const resumed = engine.decide(deepFreeze(paused.state), { type: 'call.result', callId: call.callId, ok: true, data: scheduleBody() }, ctxAt(now));
    expect(resumed.effects.map((e) => e.type)).toEqual(['pending.stage']);
    expect(resumed.replies[0].text).toMatch(/^A confirmação anterior expirou e nada foi salvo\.\nConfirma sua presença/);
  });
});
