import { z } from 'zod';
import { BACKEND_CONTRACTS, type BackendCall } from '../contracts/backends.js';
import { FINALIZATION_TOPICS, INTENTS, RESPIRATORY_CONDITIONS, understandingSchema, vitalsSchema } from '../contracts/understanding.js';

/**
 * The conversation state of one session, versioned and validated with zod on load.
 * Conversation history is NOT kept here (the buffer table holds it); this is only what the
 * engine needs to decide the next turn. Times are epoch milliseconds.
 */

const STATE_SCHEMA_VERSION = 1 as const;
/** How many executed flow names are kept (a bounded audit trail, not the history). */
const MAX_FLOW_HISTORY = 20;
/** How many existing shift notes (getNoteReport) are kept in state. */
export const MAX_EXISTING_NOTES = 50;

const str = z.string().nullable();

/** A backend call as data; validated against the contract of its operation. */
const backendCallSchema = z.custom<BackendCall>((value) => {
  if (typeof value !== 'object' || value === null) return false;
  const { operation, request } = value as { operation?: unknown; request?: unknown };
  if (typeof operation !== 'string' || !(operation in BACKEND_CONTRACTS)) return false;
  return BACKEND_CONTRACTS[operation as keyof typeof BACKEND_CONTRACTS].request.safeParse(request).success;
}, 'invalid backend call');

const substituteSchema = z.object({ id: z.string(), name: z.string() });
export type Substitute = z.infer<typeof substituteSchema>;

/** Shift identity as returned by getScheduleStarted. */
const shiftSchema = z.object({
  caregiverID: str,
  caregiverFirstName: str,
  scheduleID: str,
  reportID: str,
  reportDate: str,
  patientID: str,
  patientFirstName: str,
  /** "DD/MM/YYYY". */
  day: str,
  /** "HH:MM". */
  start: str,
  finish: str,
  /** "confirmado" | "aguardando resposta" | "cancelado" | "sem lembretes" | null. */
  response: str,
  shiftAllow: z.boolean(),
  finishReminderSent: z.boolean(),
  substitutes: z.array(substituteSchema),
  company: str,
  cooperative: str,
  caregiverNotFound: z.boolean(),
  /** When getScheduleStarted last answered; null = never. */
  bootstrappedAt: z.number().nullable(),
});
export type Shift = z.infer<typeof shiftSchema>;

const clinicalSchema = z.object({
  vitals: vitalsSchema,
  respiratoryCondition: z.enum(RESPIRATORY_CONDITIONS).nullable(),
  note: str,
  /** The first complete assessment of this shift was saved. */
  firstAssessmentDone: z.boolean(),
});
export type Clinical = z.infer<typeof clinicalSchema>;

const topicsSchema = z.partialRecord(z.enum(FINALIZATION_TOPICS), z.string());

const finalizationSchema = z.object({
  existingNotes: z.array(z.string()),
  notesFetched: z.boolean(),
  topics: topicsSchema,
  /**
   * When the finalization gate was passed (topics are being collected), even before any topic
   * arrived: the next messages are read as topics. Defaulted for states saved before the field.
   */
  startedAt: z.number().nullable().default(null),
});

/** The mirror of the session's one open pending action (the store holds the authoritative row). */
const pendingMirrorSchema = z.object({
  actionId: z.string(),
  kind: z.enum(['escala.confirm', 'escala.cancel', 'clinico.save', 'clinico.note', 'finalizar.summary', 'substituto.create']),
  description: z.string(),
  call: backendCallSchema,
  expiresAt: z.number(),
  /** Set on the cancellation question that follows a "não" to the presence question. */
  secondConfirmation: z.boolean().optional(),
});
export type PendingMirror = z.infer<typeof pendingMirrorSchema>;
export type PendingKind = PendingMirror['kind'];

const resumePayloadSchema = z.object({
  vitals: vitalsSchema,
  respiratoryCondition: z.enum(RESPIRATORY_CONDITIONS).nullable(),
  clinicalNote: str,
  topics: topicsSchema,
  intent: z.enum(INTENTS).nullable(),
});
export type ResumePayload = z.infer<typeof resumePayloadSchema>;

/** Left by a diversion (presence first, first assessment before finalization); resumed once it is done. */
const resumeSchema = z.object({
  flow: z.enum(['clinico', 'finalizar']),
  reason: z.enum(['presence_required', 'first_assessment_required']),
  payload: resumePayloadSchema,
  createdAt: z.number(),
});

const templateContextSchema = z.object({
  last: z.string().nullable(),
  at: z.number().nullable(),
  expecting: z.enum(['presence', 'vitals', 'clinical_note', 'finalization']).nullable(),
  missingVitals: z.array(z.string()),
});

const substitutionSchema = z.object({
  awaitingChoice: z.boolean(),
  chosen: substituteSchema.nullable(),
});

const outcomeSchema = z.object({
  presenceConfirmedAt: z.number().nullable(),
  cancelledAt: z.number().nullable(),
  substitution: z.enum(['created', 'refused']).nullable(),
  finalizedAt: z.number().nullable(),
  /** The shift finalized in this session; a bootstrap returning it again is not reopened. */
  lastClosedScheduleID: str,
});

/** A rendered-later result of a flow: a code plus the few parameters its template needs. */
const outcomeEntrySchema = z.object({
  code: z.string(),
  params: z.record(z.string(), z.union([z.string(), z.number(), z.array(z.string())])).optional(),
});
export type OutcomeEntry = z.infer<typeof outcomeEntrySchema>;

/** A unit of work of the current turn; the queue is data so a turn can pause on a call. */
const taskSchema = z.discriminatedUnion('t', [
  z.object({ t: z.literal('content') }),
  z.object({ t: z.literal('op') }),
  z.object({ t: z.literal('pending') }),
  z.object({ t: z.literal('route') }),
  z.object({ t: z.literal('bootstrap'), force: z.boolean() }),
  z.object({ t: z.literal('gate') }),
  z.object({ t: z.literal('afterPresence') }),
  z.object({ t: z.literal('flow'), flow: z.enum(['escala', 'clinico', 'operacional', 'finalizar', 'fora_escala', 'auxiliar']) }),
]);
export type Task = z.infer<typeof taskSchema>;
export type FlowName = Extract<Task, { t: 'flow' }>['flow'];

const awaitingSchema = z.object({
  callId: z.string(),
  purpose: z.enum(['op', 'bootstrap', 'notes', 'execute', 'presenceDirect']),
  actionId: z.string().optional(),
});
/** Why the turn waits for a call: its result goes back to the step or flow that asked. */
export type CallPurpose = z.infer<typeof awaitingSchema>['purpose'];

/** Understanding as stored in the turn scratch (finalization topics are partial in practice). */
const storedUnderstandingSchema = understandingSchema.extend({ finalizationTopics: topicsSchema });
export type StoredUnderstanding = z.infer<typeof storedUnderstandingSchema>;

/**
 * What a message carries, as the router sees it: text (typed, a reply, a welcome), a voice note
 * heard (its transcript is the text) or not heard, a file with or without a caption, a location,
 * contacts, something that needs no answer (reaction, sticker, system notice, deletion), or
 * something that cannot be read.
 */
const CONTENT_KINDS = ['text', 'welcome', 'heard', 'unheard', 'captioned', 'media', 'location', 'contacts', 'silent', 'unsupported'] as const;
export const messageContentSchema = z.object({
  kind: z.enum(CONTENT_KINDS),
  /** The media kind, why a voice note was not heard, or how many contacts. */
  detail: z.string().nullable(),
});
export type MessageContent = z.infer<typeof messageContentSchema>;

/** Scratch of the turn in progress; always null in a committed state. */
const turnSchema = z.object({
  messageId: z.string(),
  text: z.string(),
  replyPayload: z.string().nullable(),
  understanding: storedUnderstandingSchema,
  queue: z.array(taskSchema),
  awaiting: awaitingSchema.nullable(),
  outcomes: z.array(outcomeEntrySchema),
  bootstraps: z.number().int(),
  opDone: z.boolean(),
  /** The flow picked by a resume marker at routing time. */
  resumeFlow: z.enum(['clinico', 'finalizar']).nullable(),
  /** getNoteReport was already attempted this turn (it is not retried within a turn). */
  notesTried: z.boolean(),
  /** A schedule update this turn succeeded; a lagging re-bootstrap must not undo it. */
  forcedResponse: z.enum(['confirmado', 'cancelado']).nullable(),
  content: messageContentSchema.default({ kind: 'text', detail: null }),
});
export type TurnScratch = z.infer<typeof turnSchema>;

export const stateSchema = z.object({
  schemaVersion: z.literal(STATE_SCHEMA_VERSION),
  sessionId: z.string(),
  phone: z.string(),
  shift: shiftSchema,
  clinical: clinicalSchema,
  finalization: finalizationSchema,
  pending: pendingMirrorSchema.nullable(),
  resume: resumeSchema.nullable(),
  template: templateContextSchema,
  substitution: substitutionSchema,
  outcome: outcomeSchema,
  flows: z.array(z.string()),
  turn: turnSchema.nullable(),
});
export type State = z.infer<typeof stateSchema>;

/** Returns the empty shift block (pure). */
function emptyShift(): Shift {
  return {
    caregiverID: null,
    caregiverFirstName: null,
    scheduleID: null,
    reportID: null,
    reportDate: null,
    patientID: null,
    patientFirstName: null,
    day: null,
    start: null,
    finish: null,
    response: null,
    shiftAllow: false,
    finishReminderSent: false,
    substitutes: [],
    company: null,
    cooperative: null,
    caregiverNotFound: false,
    bootstrappedAt: null,
  };
}

/** Returns the empty clinical block (pure). */
export function emptyClinical(firstAssessmentDone = false): Clinical {
  return { vitals: {}, respiratoryCondition: null, note: null, firstAssessmentDone };
}

/** Returns a fresh per-shift state that keeps the session identity and the flow history (pure). */
export function freshShiftState(prev: Pick<State, 'sessionId' | 'phone' | 'flows' | 'outcome'>): State {
  return {
    schemaVersion: STATE_SCHEMA_VERSION,
    sessionId: prev.sessionId,
    phone: prev.phone,
    shift: emptyShift(),
    clinical: emptyClinical(),
    finalization: { existingNotes: [], notesFetched: false, topics: {}, startedAt: null },
    pending: null,
    resume: null,
    template: { last: null, at: null, expecting: null, missingVitals: [] },
    substitution: { awaitingChoice: false, chosen: null },
    outcome: { ...prev.outcome },
    flows: [...prev.flows],
    turn: null,
  };
}

/** Returns the initial state of a new session (pure). */
export function createInitialState(sessionId: string, phone: string): State {
  return freshShiftState({
    sessionId,
    phone,
    flows: [],
    outcome: { presenceConfirmedAt: null, cancelledAt: null, substitution: null, finalizedAt: null, lastClosedScheduleID: null },
  });
}

/** The shift ids every write needs are known. */
export function shiftKnown(state: State): boolean {
  const { scheduleID, reportID, reportDate, patientID, caregiverID } = state.shift;
  return Boolean(scheduleID && reportID && reportDate && patientID && caregiverID);
}

/** The shift's presence is confirmed. */
export function isConfirmed(state: State): boolean {
  return (state.shift.response ?? '').toLowerCase() === 'confirmado';
}

/** Topics are being collected: the gate was passed, or some topic is already kept. */
export function finalizationStarted(state: State): boolean {
  return state.finalization.startedAt !== null || Object.keys(state.finalization.topics).length > 0;
}

/** Appends a flow name to the bounded history. */
export function recordFlow(state: State, flow: string): void {
  state.flows.push(flow);
  if (state.flows.length > MAX_FLOW_HISTORY) state.flows.splice(0, state.flows.length - MAX_FLOW_HISTORY);
}
