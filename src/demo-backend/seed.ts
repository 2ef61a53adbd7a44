import { formatHour, spInstant, spParts } from './sao-paulo-time.js';

export interface DemoCaregiver {
  id: string;
  firstName: string;
  fullName: string;
  /** Digits only, E.164 without "+". */
  phone: string;
  /** Patients this caregiver may cover (the backend builds `substituteInfo` from it). */
  patientIds: string[];
}

export interface DemoPatient {
  id: string;
  firstName: string;
  fullName: string;
}

export type ScheduleResponseValue = 'confirmado' | 'aguardando resposta' | 'cancelado' | 'sem lembretes';

export interface DemoSchedule {
  id: string;
  caregiverId: string;
  patientId: string;
  /** "DD/MM/YYYY", São Paulo. */
  day: string;
  /** "HH:MM", São Paulo. */
  start: string;
  finish: string;
  response: ScheduleResponseValue;
  scheduleStarted: boolean;
  finishReminderSent: boolean;
  finishReport: boolean;
}

export interface DemoNote {
  noteDescAI: string;
  timestamp: string;
  operational: boolean;
}

export interface DemoReport {
  id: string;
  /** "YYYY-MM-DDTHH:MM:SS", São Paulo, when the report was created. */
  reportDate: string;
  scheduleId: string;
  notes: DemoNote[];
  vitals: Record<string, unknown>[];
  summary?: Record<string, string>;
}

export interface DemoData {
  caregivers: DemoCaregiver[];
  patients: DemoPatient[];
  schedules: DemoSchedule[];
  reports: DemoReport[];
  /** Coordinators are not modelled beyond a company name; notifying them is counted and logged. */
  company: string;
}

export const DEMO_PHONES = {
  /** Ana: shift today awaiting confirmation. */
  ana: '5511999990001',
  /** Bruno: shift today confirmed, finish reminder already sent. */
  bruno: '5511999990002',
  /** Carla: no shift today; listed as a substitute for Ana's patient. */
  carla: '5511999990003',
} as const;

export const DEMO_IDS = {
  ana: 'cg-ana',
  bruno: 'cg-bruno',
  carla: 'cg-carla',
  patientJose: 'pt-jose',
  patientHelena: 'pt-helena',
} as const;

export interface DemoShiftIds {
  anaSchedule: string;
  brunoSchedule: string;
  brunoReport: string;
}

/**
 * The seeded shifts' ids, unique per seeding (`tag`, by default the seed instant in base 36). Each
 * start of the demo backend is a new demo day: the orchestrator keeps its conversations across a
 * restart, and a conversation that already finalized "today's" shift must see a NEW shift, not
 * the closed one again (it never reopens a finalized schedule id). Pure.
 */
export function demoShiftIds(tag: string): DemoShiftIds {
  return { anaSchedule: `sch-ana-${tag}`, brunoSchedule: `sch-bruno-${tag}`, brunoReport: `rep-bruno-${tag}` };
}

/** The default tag of a seeding at `now`. Pure. */
export const seedTag = (now: number): string => now.toString(36);

/**
 * Pure: the demo world at `now`. Both shifts are today (São Paulo), starting at the previous full
 * hour (not before 00:00) and lasting 12 h, so a demo started at any hour has an eligible shift.
 */
export function seedDemoData(now: number, tag: string = seedTag(now)): DemoData {
  const ids = demoShiftIds(tag);
  const today = spParts(now);
  const startHour = Math.max(0, today.hour - 1);
  const start = formatHour(startHour);
  const finish = formatHour(startHour + 12);
  const startedAt = spParts(spInstant(today.day, start));

  return {
    company: 'DEMO',
    patients: [
      { id: DEMO_IDS.patientJose, firstName: 'José', fullName: 'José Almeida' },
      { id: DEMO_IDS.patientHelena, firstName: 'Helena', fullName: 'Helena Costa' },
    ],
    caregivers: [
      { id: DEMO_IDS.ana, firstName: 'Ana', fullName: 'Ana Souza', phone: DEMO_PHONES.ana, patientIds: [DEMO_IDS.patientJose] },
      {
        id: DEMO_IDS.bruno,
        firstName: 'Bruno',
        fullName: 'Bruno Lima',
        phone: DEMO_PHONES.bruno,
        patientIds: [DEMO_IDS.patientHelena, DEMO_IDS.patientJose],
      },
      {
        id: DEMO_IDS.carla,
        firstName: 'Carla',
        fullName: 'Carla Mendes',
        phone: DEMO_PHONES.carla,
        patientIds: [DEMO_IDS.patientJose, DEMO_IDS.patientHelena],
      },
    ],
    schedules: [
      {
        id: ids.anaSchedule,
        caregiverId: DEMO_IDS.ana,
        patientId: DEMO_IDS.patientJose,
        day: today.day,
        start,
        finish,
        response: 'aguardando resposta',
        scheduleStarted: false,
        finishReminderSent: false,
        finishReport: false,
      },
      {
        id: ids.brunoSchedule,
        caregiverId: DEMO_IDS.bruno,
        patientId: DEMO_IDS.patientHelena,
        day: today.day,
        start,
        finish,
        response: 'confirmado',
        scheduleStarted: true,
        finishReminderSent: true,
        finishReport: false,
      },
    ],
    reports: [
      {
        id: ids.brunoReport,
        reportDate: startedAt.isoLocal,
        scheduleId: ids.brunoSchedule,
        vitals: [],
        notes: [
          { noteDescAI: 'Paciente acordou bem disposta, aceitou o café da manhã.', timestamp: startedAt.isoLocal, operational: false },
          { noteDescAI: 'Acabou a gaze; família avisada.', timestamp: startedAt.isoLocal, operational: true },
        ],
      },
    ],
  };
}
