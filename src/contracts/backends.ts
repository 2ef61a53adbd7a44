import { z } from 'zod';
import { canonicalJson } from '../kernel/canonical-json.js';

/**
 * The six backend ("Lambda") contracts of DOMAIN.md: request and response schemas, pure data.
 * Both the engine (which builds requests) and the HTTP clients (which validate responses) use them.
 * Responses are parsed leniently (`passthrough`, optional fields) because the real Lambdas add fields.
 */

const nullableString = z.string().nullish();

const getScheduleRequest = z.object({ phoneNumber: z.string().min(1) });
export const getScheduleResponse = z
  .object({
    caregiverID: nullableString,
    caregiverFirstName: nullableString,
    scheduleID: nullableString,
    reportID: nullableString,
    reportDate: nullableString,
    patientID: nullableString,
    patientFirstName: nullableString,
    day: nullableString,
    start: nullableString,
    finish: nullableString,
    /** 'confirmado', 'aguardando resposta', 'cancelado' or 'sem lembretes'. */
    response: nullableString,
    shiftAllow: z.boolean().nullish(),
    finishReminderSent: z.boolean().nullish(),
    scheduleStarted: z.boolean().nullish(),
    /** A JSON string `[{caregiverIdentifier, caregiverName}]`, a sentence saying there are none, or "". */
    substituteInfo: nullableString,
    company: nullableString,
    cooperative: nullableString,
    caregiverNotFound: z.boolean().nullish(),
    message: nullableString,
  })
  .passthrough();

const updateScheduleRequest = z.object({
  scheduleID: z.string().min(1),
  responseValue: z.enum(['confirmado', 'cancelado']),
});
const updateScheduleResponse = z.object({ message: z.string().optional() }).passthrough();

const updateClinicalRequest = z.object({
  reportID: z.string().min(1),
  reportDate: z.string().min(1),
  scheduleID: z.string().min(1),
  caregiverIdentifier: z.string().min(1),
  patientIdentifier: z.string().min(1),
  bloodPressure: z.string().optional(),
  heartRate: z.number().optional(),
  respRate: z.number().optional(),
  saturationO2: z.number().optional(),
  temperature: z.number().optional(),
  supplementaryOxygen: z.string().optional(),
  clinicalNote: z.string().optional(),
  operationalNote: z.boolean().optional(),
});
const updateClinicalResponse = z.object({ message: z.string().optional() }).passthrough();

const getNoteReportRequest = z.object({ reportID: z.string().min(1), reportDate: z.string().min(1) });
export const getNoteReportResponse = z
  .object({ notes: z.array(z.object({ noteDescAI: z.string(), timestamp: z.string().nullish() }).passthrough()).default([]) })
  .passthrough();

const updateSummaryRequest = z.object({
  reportID: z.string().min(1),
  reportDate: z.string().min(1),
  scheduleID: z.string().min(1),
  caregiverID: z.string().min(1),
  patientFirstName: z.string(),
  caregiverFirstName: z.string(),
  shiftDay: z.string(),
  shiftStart: z.string(),
  shiftEnd: z.string(),
  foodHydrationSpecification: z.string(),
  stoolUrineSpecification: z.string(),
  sleepSpecification: z.string(),
  moodSpecification: z.string(),
  medicationsSpecification: z.string(),
  activitiesSpecification: z.string(),
  additionalInformationSpecification: z.string(),
  administrativeInfo: z.string(),
});
const updateSummaryResponse = z.object({ message: z.string().optional() }).passthrough();

const createScheduleRequest = z.object({ scheduleIdentifier: z.string().min(1), newCaregiverID: z.string().min(1) });
const createScheduleResponse = z.object({}).passthrough();

/** Operation name → request/response schemas. */
export const BACKEND_CONTRACTS = {
  getScheduleStarted: { request: getScheduleRequest, response: getScheduleResponse },
  updateWorkScheduleResponse: { request: updateScheduleRequest, response: updateScheduleResponse },
  updateClinicalData: { request: updateClinicalRequest, response: updateClinicalResponse },
  getNoteReport: { request: getNoteReportRequest, response: getNoteReportResponse },
  updatereportsummaryad: { request: updateSummaryRequest, response: updateSummaryResponse },
  createNewSchedule: { request: createScheduleRequest, response: createScheduleResponse },
} as const;

export type BackendOperation = keyof typeof BACKEND_CONTRACTS;
export type BackendRequest<Op extends BackendOperation> = z.infer<(typeof BACKEND_CONTRACTS)[Op]['request']>;
export type BackendResponse<Op extends BackendOperation> = z.infer<(typeof BACKEND_CONTRACTS)[Op]['response']>;

/** A call as data: what the engine asks for and the pipeline performs. */
export type BackendCall = {
  [Op in BackendOperation]: { operation: Op; request: BackendRequest<Op> };
}[BackendOperation];

/**
 * Pure: true when two calls are the same operation with the same request, whatever the key order
 * or `undefined` members (a staged confirmation is kept when the very same call is asked again).
 */
export const sameBackendCall = (a: BackendCall, b: BackendCall): boolean => canonicalJson(a) === canonicalJson(b);

/** The env variable that holds each operation's URL. */
export const BACKEND_ENV: Record<BackendOperation, string> = {
  getScheduleStarted: 'LAMBDA_GET_SCHEDULE',
  updateWorkScheduleResponse: 'LAMBDA_UPDATE_SCHEDULE',
  updateClinicalData: 'LAMBDA_UPDATE_CLINICAL',
  getNoteReport: 'LAMBDA_GET_NOTE_REPORT',
  updatereportsummaryad: 'LAMBDA_UPDATE_SUMMARY',
  createNewSchedule: 'LAMBDA_CREATE_SCHEDULE',
};

/**
 * What the pipeline (and the engine) sees of a backend: one method that performs a call.
 * `idempotencyKey` is sent as the `Idempotency-Key` header. Failures throw a BackendError.
 */
export interface Backends {
  call<Op extends BackendOperation>(operation: Op, request: BackendRequest<Op>, options: { idempotencyKey: string }): Promise<BackendResponse<Op>>;
}
