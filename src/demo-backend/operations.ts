import type { BackendOperation, BackendRequest } from '../contracts/backends.js';
import { chooseSchedule, normalisePhone } from './eligibility.js';
import { spParts } from './sao-paulo-time.js';
import type { DemoData, DemoReport, DemoSchedule } from './seed.js';

export interface OperationResult {
  status: number;
  body: Record<string, unknown>;
}

/** What a handler may do besides reading/mutating the data: record effects and notifications. */
export interface OperationContext {
  now: number;
  newId(prefix: string): string;
  effect(name: string, fields: Record<string, unknown>, options?: { notifications?: number }): void;
}

type Handler<Op extends BackendOperation> = (data: DemoData, request: BackendRequest<Op>, ctx: OperationContext) => OperationResult;

const ok = (body: Record<string, unknown>): OperationResult => ({ status: 200, body });
const fail = (status: number, error: string, details?: unknown): OperationResult => ({
  status,
  body: details === undefined ? { error } : { error, details },
});

const NO_SUBSTITUTES = 'Nao há profissionais substitutos';

/** Ranges of DOMAIN.md; the real Lambda rejects out-of-range vitals too. */
const VITAL_RANGES = {
  heartRate: [40, 190],
  respRate: [8, 50],
  saturationO2: [70, 100],
  temperature: [34, 41],
} as const;

function vitalProblems(request: BackendRequest<'updateClinicalData'>): string[] {
  const problems: string[] = [];
  if (request.bloodPressure !== undefined) {
    const match = /^(\d{2,3})\s*[x/]\s*(\d{2,3})$/i.exec(request.bloodPressure.trim());
    if (!match) problems.push('bloodPressure must look like 120x80');
    else {
      const [sys, dia] = [Number(match[1]), Number(match[2])];
      if (sys < 60 || sys > 220) problems.push('bloodPressure systolic out of 60–220');
      if (dia < 40 || dia > 130) problems.push('bloodPressure diastolic out of 40–130');
      if (sys <= dia) problems.push('bloodPressure systolic must exceed diastolic');
    }
  }
  for (const [field, [min, max]] of Object.entries(VITAL_RANGES)) {
    const value = request[field as keyof typeof VITAL_RANGES];
    if (value !== undefined && (value < min || value > max)) problems.push(`${field} out of ${min}–${max}`);
  }
  return problems;
}

const findReport = (data: DemoData, reportID: string, reportDate: string): DemoReport | undefined =>
  data.reports.find((r) => r.id === reportID && r.reportDate === reportDate);

function substituteInfo(data: DemoData, schedule: DemoSchedule): string {
  const substitutes = data.caregivers
    .filter((c) => c.id !== schedule.caregiverId && c.patientIds.includes(schedule.patientId))
    .map((c) => ({ caregiverIdentifier: c.id, caregiverName: c.fullName }));
  return substitutes.length > 0 ? JSON.stringify(substitutes) : NO_SUBSTITUTES;
}

const getScheduleStarted: Handler<'getScheduleStarted'> = (data, request, ctx) => {
  const caregiver = data.caregivers.find((c) => c.phone === normalisePhone(request.phoneNumber));
  if (!caregiver) {
    return ok({
      caregiverID: null,
      shiftAllow: false,
      caregiverNotFound: true,
      message: 'Nenhum schedule encontrado para este telefone',
      company: null,
      cooperative: null,
    });
  }
  const base = {
    caregiverID: caregiver.id,
    caregiverFirstName: caregiver.firstName,
    caregiverFullName: caregiver.fullName,
    company: data.company,
    cooperative: data.company,
    caregiverNotFound: false,
  };
  const chosen = chooseSchedule(
    data.schedules.filter((s) => s.caregiverId === caregiver.id),
    ctx.now,
  );
  if (!chosen) return ok({ ...base, shiftAllow: false, response: null, message: 'Nenhum schedule encontrado' });

  const { schedule, shiftAllow } = chosen;
  const patient = data.patients.find((p) => p.id === schedule.patientId);
  const startedBefore = schedule.scheduleStarted;
  let report = data.reports.find((r) => r.scheduleId === schedule.id);
  if (schedule.response !== 'cancelado') {
    if (!report) {
      // The documented side effect: the first lookup of a shift creates its report.
      report = { id: ctx.newId('rep'), reportDate: spParts(ctx.now).isoLocal, scheduleId: schedule.id, notes: [], vitals: [] };
      data.reports.push(report);
      ctx.effect('report.started', { scheduleID: schedule.id, reportID: report.id });
    }
    schedule.scheduleStarted = true;
  }
  return ok({
    ...base,
    scheduleID: schedule.id,
    reportID: report?.id ?? null,
    reportDate: report?.reportDate ?? null,
    patientID: schedule.patientId,
    patientFirstName: patient?.firstName ?? null,
    patientFullName: patient?.fullName ?? null,
    day: schedule.day,
    start: schedule.start,
    finish: schedule.finish,
    response: schedule.response,
    shiftAllow,
    finishReminderSent: schedule.finishReminderSent,
    scheduleStarted: startedBefore,
    substituteInfo: substituteInfo(data, schedule),
    message: shiftAllow ? 'Schedule encontrado' : 'Plantão cancelado',
  });
};

const updateWorkScheduleResponse: Handler<'updateWorkScheduleResponse'> = (data, request, ctx) => {
  const schedule = data.schedules.find((s) => s.id === request.scheduleID);
  if (!schedule) return fail(400, 'Schedule not found');
  schedule.response = request.responseValue;
  if (request.responseValue === 'cancelado') {
    ctx.effect('schedule.cancelled', { scheduleID: schedule.id, notified: 'coordinators' }, { notifications: 1 });
  } else {
    ctx.effect('schedule.confirmed', { scheduleID: schedule.id });
  }
  return ok({ message: 'Schedule updated successfully' });
};

const updateClinicalData: Handler<'updateClinicalData'> = (data, request, ctx) => {
  const report = findReport(data, request.reportID, request.reportDate);
  if (!report) return fail(404, 'Report not found');
  const vitals = {
    bloodPressure: request.bloodPressure,
    heartRate: request.heartRate,
    respRate: request.respRate,
    saturationO2: request.saturationO2,
    temperature: request.temperature,
  };
  const hasVitals = Object.values(vitals).some((v) => v !== undefined);
  const note = request.clinicalNote?.trim() ?? '';
  if (!hasVitals && note === '') return fail(400, 'Cenário não identificado: envie sinais vitais ou nota');
  const problems = vitalProblems(request);
  if (problems.length > 0) return fail(400, 'Sinais vitais fora do padrão', problems);

  const timestamp = spParts(ctx.now).isoLocal;
  if (hasVitals) {
    report.vitals.push({ ...vitals, supplementaryOxygen: request.supplementaryOxygen ?? 'Nao analisado', timestamp });
  }
  if (note !== '') report.notes.push({ noteDescAI: note, timestamp, operational: request.operationalNote === true });
  const scenario = hasVitals && note ? 'VITAL_SIGNS_NOTE' : hasVitals ? 'VITAL_SIGNS_ONLY' : 'NOTE_ONLY';
  ctx.effect(request.operationalNote ? 'note.operational' : 'clinical.saved', {
    reportID: report.id,
    scenario,
    notes: report.notes.length,
  });
  return ok({ message: 'Clinical data saved', scenario, timestamp });
};

const getNoteReport: Handler<'getNoteReport'> = (data, request) => {
  const report = findReport(data, request.reportID, request.reportDate);
  if (!report) return fail(404, 'Report not found');
  return ok({ notes: report.notes.map(({ noteDescAI, timestamp }) => ({ noteDescAI, timestamp })) });
};

const updatereportsummaryad: Handler<'updatereportsummaryad'> = (data, request, ctx) => {
  const report = findReport(data, request.reportID, request.reportDate);
  if (!report) return fail(404, 'Report not found');
  const schedule = data.schedules.find((s) => s.id === request.scheduleID);
  if (!schedule) return fail(404, 'Schedule not found');
  // The real Lambda's update is conditional on the schedule not being finished yet.
  if (schedule.finishReport) return fail(409, 'Schedule already finished');
  const { reportID, reportDate, scheduleID, caregiverID, ...summary } = request;
  report.summary = summary;
  schedule.finishReport = true;
  ctx.effect('report.finished', { scheduleID, reportID, notified: 'coordinators and caregivers' }, { notifications: 1 });
  return ok({ message: 'Report summary updated', currentCaregiverIncluded: true, nextCaregiverIncluded: false });
};

const createNewSchedule: Handler<'createNewSchedule'> = (data, request, ctx) => {
  const source = data.schedules.find((s) => s.id === request.scheduleIdentifier);
  if (!source) return fail(404, 'Schedule not found');
  if (!data.caregivers.some((c) => c.id === request.newCaregiverID)) return fail(404, 'Caregiver not found');
  if (source.response !== 'cancelado') return fail(409, 'Only a cancelled schedule can be reassigned');
  const created: DemoSchedule = {
    ...source,
    id: ctx.newId('sch'),
    caregiverId: request.newCaregiverID,
    response: 'aguardando resposta',
    scheduleStarted: false,
    finishReminderSent: false,
    finishReport: false,
  };
  data.schedules.push(created);
  ctx.effect(
    'schedule.created',
    { fromScheduleID: source.id, scheduleID: created.id, caregiverID: created.caregiverId, notified: 'substitute' },
    { notifications: 1 },
  );
  return ok({ message: 'Schedule created', scheduleID: created.id });
};

/** The six contracts over the demo data. Handlers mutate `data` and report effects through `ctx`. */
export const DEMO_OPERATIONS: { [Op in BackendOperation]: Handler<Op> } = {
  getScheduleStarted,
  updateWorkScheduleResponse,
  updateClinicalData,
  getNoteReport,
  updatereportsummaryad,
  createNewSchedule,
};
