import type { BackendCall, BackendOperation } from '../../src/contracts/backends.js';
import type { CallResult, Effect, EngineContext, PendingActionDraft, Reply } from '../../src/contracts/engine.js';
import type { InboundMessage } from '../../src/contracts/inbound.js';
import { emptyUnderstanding, type Understanding } from '../../src/contracts/understanding.js';
import { createEngine } from '../../src/graph/engine.js';
import type { State } from '../../src/graph/state.js';

/**
 * The engine's own test driver: runs the decide → call → decide loop the pipeline runs, against
 * an in-memory scripted backend and an in-memory pending-action table with the same
 * transitions as the real store (staged → executing → executed | failed; aborted; expired).
 * State is persisted as JSON and re-parsed with the engine's schema between turns.
 */

export const T0 = Date.UTC(2025, 4, 10, 13, 0, 0); // 10:00 in São Paulo, 10/05/2025
export const PENDING_TTL_MS = 10 * 60_000;
export const RESUME_TTL_MS = 30 * 60_000;
export const MINUTE = 60_000;

/** An Understanding with nothing recognised, overridden by `over`. */
export function u(
  over: Partial<Omit<Understanding, 'finalizationTopics'>> & { finalizationTopics?: Partial<Understanding['finalizationTopics']> } = {},
): Understanding {
  return {
    ...emptyUnderstanding(),
    ...over,
    finalizationTopics: over.finalizationTopics ?? {},
  };
}
export const YES = u({ yesNo: 'yes' });
export const NO = u({ yesNo: 'no' });
export const ALL_TOPICS = {
  alimentacao_hidratacao: 'comeu bem e tomou água',
  evacuacoes: 'urinou normal',
  sono: 'dormiu à tarde',
  humor: 'calmo',
  medicacoes: 'dipirona às 14h',
  atividades: 'fisioterapia',
  informacoes_clinicas_adicionais: 'sem intercorrências',
  informacoes_administrativas: 'familiar visitou',
};

export const SUBSTITUTES = [
  { caregiverIdentifier: 'c2', caregiverName: 'Maria Souza' },
  { caregiverIdentifier: 'c3', caregiverName: 'João Lima' },
];

/** A getScheduleStarted body for a shift of today, awaiting the presence confirmation. */
export function scheduleBody(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    caregiverID: 'cg1',
    caregiverFirstName: 'Ana',
    scheduleID: 'sch1',
    reportID: 'rep1',
    reportDate: '2025-05-10T07:00:00',
    patientID: 'pt1',
    patientFirstName: 'José',
    day: '10/05/2025',
    start: '07:00',
    finish: '19:00',
    response: 'aguardando resposta',
    shiftAllow: true,
    finishReminderSent: false,
    scheduleStarted: true,
    substituteInfo: JSON.stringify(SUBSTITUTES),
    company: 'DEMO',
    cooperative: 'DEMO',
    ...over,
  };
}

export interface RecordedCall {
  via: 'backend.query' | 'backend.command' | 'pending.execute';
  call: BackendCall;
  idempotencyKey: string;
}

type Outcome = { ok: true; data: unknown } | { ok: false; error: { code: string; message: string; retryable: boolean } };
type Handler = (request: Record<string, unknown>) => Outcome;

interface StoredAction {
  draft: PendingActionDraft;
  status: 'staged' | 'executing' | 'executed' | 'failed' | 'aborted' | 'expired' | 'superseded';
}

export interface TurnResult {
  replies: Reply[];
  text: string;
  effects: Effect[];
  decisions: number;
}

/** Builds a driver around a fresh engine and session. */
/** Freezes a value and everything reachable from it. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

export function createHarness(options: { schedule?: Record<string, unknown> | null; phone?: string } = {}) {
  const engine = createEngine();
  const sessionId = '5511999990001';
  const phone = options.phone ?? '+5511999990001';
  let persisted = JSON.stringify(engine.initialState(sessionId, phone));
  let now = T0;
  let seq = 0;
  const calls: RecordedCall[] = [];
  const actions = new Map<string, StoredAction>();
  const failures: Partial<Record<BackendOperation, Outcome[]>> = {};
  const world = {
    schedule: options.schedule === undefined ? scheduleBody() : options.schedule,
    notes: [{ noteDescAI: 'Paciente tossiu pela manhã', timestamp: '2025-05-10T08:00:00' }] as unknown[],
  };

  const handlers: Record<BackendOperation, Handler> = {
    getScheduleStarted: () =>
      world.schedule
        ? { ok: true, data: { ...world.schedule } }
        : { ok: true, data: { caregiverID: null, shiftAllow: false, caregiverNotFound: true, message: 'Nenhum schedule encontrado' } },
    updateWorkScheduleResponse: (req) => {
      if (world.schedule) world.schedule.response = req.responseValue;
      return { ok: true, data: { message: 'Schedule updated successfully' } };
    },
    updateClinicalData: () => ({ ok: true, data: { message: 'ok' } }),
    getNoteReport: () => ({ ok: true, data: { notes: world.notes } }),
    updatereportsummaryad: () => ({ ok: true, data: { message: 'ok' } }),
    createNewSchedule: () => ({ ok: true, data: {} }),
  };

  const ctx = (): EngineContext => ({
    now,
    newId: () => `id${String(++seq).padStart(4, '0')}`,
    pendingActionTtlMs: PENDING_TTL_MS,
    resumeTtlMs: RESUME_TTL_MS,
    buttons: true,
  });

  function perform(call: BackendCall): Outcome {
    const queued = failures[call.operation]?.shift();
    if (queued) return queued;
    return handlers[call.operation](call.request);
  }

  function load(): State {
    return engine.stateSchema.parse(JSON.parse(persisted));
  }

  /** Claims and runs a committed action, as the pipeline does for `pending.execute`. */
  function execute(actionId: string): Outcome {
    const row = actions.get(actionId);
    if (!row) return { ok: false, error: { code: 'pendingAction.notFound', message: 'no such action', retryable: false } };
    if (row.status !== 'staged' || row.draft.expiresAt <= now) {
      return { ok: false, error: { code: 'pendingAction.conflict', message: `status ${row.status}`, retryable: false } };
    }
    row.status = 'executing';
    calls.push({ via: 'pending.execute', call: row.draft.call, idempotencyKey: actionId });
    const outcome = perform(row.draft.call);
    row.status = outcome.ok ? 'executed' : 'failed';
    return outcome;
  }

  function commit(effects: Effect[]): void {
    for (const e of effects) {
      if (e.type === 'pending.stage') {
        if (e.supersedes) {
          const old = actions.get(e.supersedes);
          if (old && old.status === 'staged') old.status = 'superseded';
        }
        actions.set(e.action.actionId, { draft: e.action, status: 'staged' });
      } else if (e.type === 'pending.abort' || e.type === 'pending.expire') {
        const row = actions.get(e.actionId);
        if (row && row.status === 'staged') row.status = e.type === 'pending.abort' ? 'aborted' : 'expired';
      }
    }
  }

  /** Runs one whole turn for an event and commits it; returns the replies and every effect. */
  function turn(first: Parameters<typeof engine.decide>[1], state: State = load()): TurnResult & { state: State } {
    const all: Effect[] = [];
    const replies: Reply[] = [];
    // Frozen: the pipeline keeps the committed state object as its cache, so the engine must never
    // mutate what it is given; in strict mode any attempt throws here.
    let decision = engine.decide(deepFreeze(state), first, ctx());
    let decisions = 1;
    for (;;) {
      replies.push(...decision.replies);
      const callEffects = decision.effects.filter((e) => e.type === 'backend.query' || e.type === 'backend.command' || e.type === 'pending.execute');
      all.push(...decision.effects);
      if (callEffects.length === 0) break;
      if (callEffects.length > 1) throw new Error('more than one call in a decision');
      const e = callEffects[0];
      let outcome: Outcome;
      if (e.type === 'pending.execute') outcome = execute(e.actionId);
      else {
        calls.push({ via: e.type, call: e.call, idempotencyKey: e.idempotencyKey });
        outcome = perform(e.call);
      }
      const result: CallResult = outcome.ok
        ? { type: 'call.result', callId: e.callId, ok: true, data: outcome.data }
        : { type: 'call.result', callId: e.callId, ok: false, error: outcome.error };
      decision = engine.decide(deepFreeze(decision.state), result, ctx());
      decisions += 1;
      if (decisions > 20) throw new Error('loop did not end');
    }
    commit(all);
    persisted = JSON.stringify(decision.state);
    return { replies, text: replies.map((r) => r.text).join('\n'), effects: all, decisions, state: decision.state };
  }

  let messageSeq = 0;
  return {
    engine,
    world,
    calls,
    actions,
    handlers,
    /** Sends a caregiver message with its (already computed) understanding. */
    send(text: string, understanding: Understanding = u(), extra: { replyPayload?: string; messageId?: string; message?: Partial<InboundMessage> } = {}) {
      const messageId = extra.messageId ?? `wamid.${++messageSeq}`;
      return turn({
        type: 'message',
        understanding,
        message: {
          provider: 'ingest',
          messageId,
          sessionId,
          phone,
          text,
          type: extra.replyPayload ? 'button' : 'text',
          timestamp: now,
          replyPayload: extra.replyPayload,
          ...extra.message,
        },
      });
    },
    /** Records an outbound template. */
    template(template: string, metadata: Record<string, unknown> = {}) {
      return turn({ type: 'template', template, metadata, at: now });
    },
    /** Makes the next calls of `op` fail (one per entry). */
    failNext(op: BackendOperation, count = 1, code = 'backend.http') {
      failures[op] = Array.from({ length: count }, () => ({ ok: false as const, error: { code, message: 'HTTP 500', retryable: false } }));
    },
    advance(ms: number) {
      now += ms;
    },
    now: () => now,
    state: load,
    /** Replaces the persisted state (e.g. to replay an older copy, as a concurrent turn would see it). */
    setState(s: State) {
      persisted = JSON.stringify(s);
    },
    expectation: () => engine.expectation(load(), now),
    /** How many times `op` really reached the backend. */
    count(op: BackendOperation) {
      return calls.filter((c) => c.call.operation === op).length;
    },
    callsOf(op: BackendOperation) {
      return calls.filter((c) => c.call.operation === op);
    },
  };
}

export type Harness = ReturnType<typeof createHarness>;

/** Walks a fresh harness through presence confirmation (cheguei → sim). */
export function confirmed(h: Harness): Harness {
  h.send('cheguei', u({ intent: 'escala' }));
  h.send('sim', YES);
  return h;
}

export const FULL_VITALS = { PA: '120x80', FC: 78, FR: 18, Sat: 97, Temp: 36.5 };
