import { afterEach, describe, expect, it } from 'vitest';
import { createBackends } from '../../src/infra/backends/index.js';
import { createFakeClock } from '../../src/kernel/clock.js';
import { createLogger } from '../../src/kernel/logger.js';
import { createDemoBackend, DEMO_IDS, DEMO_PHONES, seedDemoData } from '../../src/demo-backend/index.js';
import { failure } from '../support/backend-errors.js';
import { manualTimeouts } from '../support/events.js';

const HOUR = 3_600_000;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** 2026-11-23 12:00 UTC = 09:00 in São Paulo: both demo shifts run 08:00–20:00. */
async function setup(options: { timeoutMs?: number; maxRetries?: number } = {}) {
  const clock = createFakeClock(Date.UTC(2026, 10, 23, 12, 0, 0));
  const lines: string[] = [];
  const logger = createLogger({ write: (line) => lines.push(line.trimEnd()) });
  // An injected late answer (`delayMs`) outlasts the client's timeout: holding it expires that timeout, no real wait.
  const timeouts = manualTimeouts();
  const demo = await createDemoBackend({ clock, logger, sleep: async () => timeouts.expire() });
  closers.push(() => demo.close());
  const backends = createBackends({
    urls: demo.urls,
    timeoutMs: options.timeoutMs ?? 2_000,
    timeoutSignal: timeouts.signal,
    maxRetries: options.maxRetries ?? 2,
    logger: createLogger({ silent: true }),
    sleep: async () => {},
  });
  let n = 0;
  const key = () => `key-${++n}`;
  return { clock, demo, backends, key, lines };
}

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

describe('demo backend getScheduleStarted', () => {
  it('when Ana looks up her shift the first time, then it is awaiting confirmation and the call starts its report once', async () => {
    const { demo, backends, key } = await setup();
    const first = await backends.call('getScheduleStarted', { phoneNumber: `+${DEMO_PHONES.ana}` }, { idempotencyKey: key() });
    expect(first).toMatchObject({
      caregiverID: DEMO_IDS.ana,
      caregiverFirstName: 'Ana',
      scheduleID: demo.ids.anaSchedule,
      patientID: DEMO_IDS.patientJose,
      patientFirstName: 'José',
      day: '23/11/2026',
      start: '08:00',
      finish: '20:00',
      response: 'aguardando resposta',
      shiftAllow: true,
      finishReminderSent: false,
      scheduleStarted: false,
      caregiverNotFound: false,
      company: 'DEMO',
    });
    expect(first.reportID).toBeTruthy();
    expect(first.reportDate).toBe('2026-11-23T09:00:00');
    expect(JSON.parse(first.substituteInfo!)).toEqual([
      { caregiverIdentifier: DEMO_IDS.bruno, caregiverName: 'Bruno Lima' },
      { caregiverIdentifier: DEMO_IDS.carla, caregiverName: 'Carla Mendes' },
    ]);
    const second = await backends.call('getScheduleStarted', { phoneNumber: DEMO_PHONES.ana }, { idempotencyKey: key() });
    expect(second.scheduleStarted).toBe(true);
    expect(second.reportID).toBe(first.reportID);
    expect(demo.counters.getScheduleStarted).toMatchObject({ calls: 2, effects: 1 });
  });

  it('when Bruno looks up his shift, then it is confirmed with the finish reminder sent and its existing notes are readable', async () => {
    const { backends, key, demo } = await setup();
    const shift = await backends.call('getScheduleStarted', { phoneNumber: DEMO_PHONES.bruno }, { idempotencyKey: key() });
    expect(shift).toMatchObject({
      scheduleID: demo.ids.brunoSchedule,
      reportID: demo.ids.brunoReport,
      response: 'confirmado',
      finishReminderSent: true,
      shiftAllow: true,
      scheduleStarted: true,
      patientFirstName: 'Helena',
    });
    const { notes } = await backends.call('getNoteReport', { reportID: shift.reportID!, reportDate: shift.reportDate! }, { idempotencyKey: key() });
    expect(notes).toHaveLength(2);
    expect(demo.counters.getScheduleStarted.effects).toBe(0);
  });

  it('when the phone is unknown, then caregiverNotFound is true and shiftAllow false, with no response key', async () => {
    const { backends, key } = await setup();
    const result = await backends.call('getScheduleStarted', { phoneNumber: '5511888887777' }, { idempotencyKey: key() });
    expect(result).toMatchObject({ caregiverNotFound: true, shiftAllow: false });
    expect(result.response).toBeUndefined();
  });

  it('when Carla (a substitute with no shift) looks up, then she is found but has no shift', async () => {
    const { backends, key } = await setup();
    const result = await backends.call('getScheduleStarted', { phoneNumber: DEMO_PHONES.carla }, { idempotencyKey: key() });
    expect(result).toMatchObject({ caregiverID: DEMO_IDS.carla, caregiverNotFound: false, shiftAllow: false, response: null });
    expect(result.scheduleID).toBeUndefined();
  });

  it('when now is outside [start − 3h, finish + 4h], then the shift is not eligible; inside, it is', async () => {
    const { backends, key, clock, demo } = await setup();
    const lookup = () => backends.call('getScheduleStarted', { phoneNumber: DEMO_PHONES.ana }, { idempotencyKey: key() });
    const start = Date.UTC(2026, 10, 23, 11, 0, 0); // 08:00 in São Paulo
    clock.set(start - 3 * HOUR - 60_000);
    expect((await lookup()).shiftAllow).toBe(false);
    expect(demo.counters.getScheduleStarted.effects).toBe(0);
    clock.set(start - 3 * HOUR);
    expect((await lookup()).shiftAllow).toBe(true);
    clock.set(start + 12 * HOUR + 4 * HOUR);
    expect((await lookup()).shiftAllow).toBe(true);
    clock.set(start + 12 * HOUR + 4 * HOUR + 60_000);
    const late = await lookup();
    expect(late).toMatchObject({ shiftAllow: false, response: null });
  });
});

describe('demo backend side effects', () => {
  it('when Ana cancels, then coordinators are notified once and the lookup offers substitutes; choosing Carla creates her shift', async () => {
    const { backends, key, demo, lines } = await setup();
    await backends.call('updateWorkScheduleResponse', { scheduleID: demo.ids.anaSchedule, responseValue: 'cancelado' }, { idempotencyKey: key() });
    expect(demo.counters.updateWorkScheduleResponse).toMatchObject({ calls: 1, effects: 1, notifications: 1 });

    const cancelled = await backends.call('getScheduleStarted', { phoneNumber: DEMO_PHONES.ana }, { idempotencyKey: key() });
    expect(cancelled).toMatchObject({ scheduleID: demo.ids.anaSchedule, response: 'cancelado', shiftAllow: false });
    expect(JSON.parse(cancelled.substituteInfo!).map((s: { caregiverIdentifier: string }) => s.caregiverIdentifier)).toEqual([DEMO_IDS.bruno, DEMO_IDS.carla]);
    expect(demo.counters.getScheduleStarted.effects).toBe(0);

    await backends.call('createNewSchedule', { scheduleIdentifier: demo.ids.anaSchedule, newCaregiverID: DEMO_IDS.carla }, { idempotencyKey: key() });
    expect(demo.counters.createNewSchedule).toMatchObject({ effects: 1, notifications: 1 });
    const carla = await backends.call('getScheduleStarted', { phoneNumber: DEMO_PHONES.carla }, { idempotencyKey: key() });
    expect(carla).toMatchObject({ response: 'aguardando resposta', shiftAllow: true, patientID: DEMO_IDS.patientJose });

    expect(lines.some((l) => l.includes('schedule.cancelled'))).toBe(true);
    expect(lines.join('\n')).not.toMatch(/5511999990001|5511999990003/);
  });

  it('when Ana confirms, then the lookup says confirmado and no one is notified', async () => {
    const { backends, key, demo } = await setup();
    await backends.call('updateWorkScheduleResponse', { scheduleID: demo.ids.anaSchedule, responseValue: 'confirmado' }, { idempotencyKey: key() });
    const shift = await backends.call('getScheduleStarted', { phoneNumber: DEMO_PHONES.ana }, { idempotencyKey: key() });
    expect(shift.response).toBe('confirmado');
    expect(demo.counters.updateWorkScheduleResponse).toMatchObject({ effects: 1, notifications: 0 });
  });

  it('when a substitute is chosen for a shift that is not cancelled, then the backend refuses with 409', async () => {
    const { backends, key, demo } = await setup();
    const error = await failure(
      backends.call('createNewSchedule', { scheduleIdentifier: demo.ids.anaSchedule, newCaregiverID: DEMO_IDS.carla }, { idempotencyKey: key() }),
    );
    expect(error.details?.status).toBe(409);
    expect(demo.counters.createNewSchedule.effects).toBe(0);
  });

  it('when vitals and a note are saved, then they are stored and the note is listed; out-of-range vitals get 400 and store nothing', async () => {
    const { backends, key, demo } = await setup();
    const shift = await backends.call('getScheduleStarted', { phoneNumber: DEMO_PHONES.ana }, { idempotencyKey: key() });
    const ids = {
      reportID: shift.reportID!,
      reportDate: shift.reportDate!,
      scheduleID: shift.scheduleID!,
      caregiverIdentifier: shift.caregiverID!,
      patientIdentifier: shift.patientID!,
    };
    const saved = await backends.call(
      'updateClinicalData',
      {
        ...ids,
        bloodPressure: '120x80',
        heartRate: 78,
        respRate: 18,
        saturationO2: 97,
        temperature: 36.5,
        supplementaryOxygen: 'Ar ambiente',
        clinicalNote: 'paciente consciente, sem queixas',
      },
      { idempotencyKey: key() },
    );
    expect(saved).toMatchObject({ scenario: 'VITAL_SIGNS_NOTE' });
    await backends.call('updateClinicalData', { ...ids, clinicalNote: 'acabou a gaze', operationalNote: true }, { idempotencyKey: key() });

    const bad = await failure(backends.call('updateClinicalData', { ...ids, bloodPressure: '80x120', heartRate: 300 }, { idempotencyKey: key() }));
    expect(bad.code).toBe('backend.http');
    expect(bad.details?.status).toBe(400);

    const { notes } = await backends.call('getNoteReport', { reportID: ids.reportID, reportDate: ids.reportDate }, { idempotencyKey: key() });
    expect(notes.map((n) => n.noteDescAI)).toEqual(['paciente consciente, sem queixas', 'acabou a gaze']);
    const report = demo.snapshot().reports.find((r) => r.id === ids.reportID)!;
    expect(report.vitals).toHaveLength(1);
    expect(report.notes[1].operational).toBe(true);
    expect(demo.counters.updateClinicalData).toMatchObject({ calls: 3, effects: 2 });
  });

  it('when Bruno finishes the report, then coordinators are notified once, his shift closes, and a second finish is refused', async () => {
    const { backends, key, demo } = await setup();
    const shift = await backends.call('getScheduleStarted', { phoneNumber: DEMO_PHONES.bruno }, { idempotencyKey: key() });
    const summary = {
      reportID: shift.reportID!,
      reportDate: shift.reportDate!,
      scheduleID: shift.scheduleID!,
      caregiverID: shift.caregiverID!,
      patientFirstName: shift.patientFirstName!,
      caregiverFirstName: shift.caregiverFirstName!,
      shiftDay: shift.day!,
      shiftStart: shift.start!,
      shiftEnd: shift.finish!,
      foodHydrationSpecification: 'comeu bem',
      stoolUrineSpecification: 'normal',
      sleepSpecification: 'dormiu à tarde',
      moodSpecification: 'calma',
      medicationsSpecification: 'dipirona 14h',
      activitiesSpecification: 'fisioterapia',
      additionalInformationSpecification: 'Sem informações',
      administrativeInfo: 'familiar visitou',
    };
    await backends.call('updatereportsummaryad', summary, { idempotencyKey: key() });
    expect(demo.counters.updatereportsummaryad).toMatchObject({ effects: 1, notifications: 1 });
    const after = await backends.call('getScheduleStarted', { phoneNumber: DEMO_PHONES.bruno }, { idempotencyKey: key() });
    expect(after.shiftAllow).toBe(false);
    expect(demo.snapshot().reports.find((r) => r.id === summary.reportID)!.summary?.moodSpecification).toBe('calma');

    const again = await failure(backends.call('updatereportsummaryad', summary, { idempotencyKey: key() }));
    expect(again.details?.status).toBe(409);
    expect(demo.counters.updatereportsummaryad).toMatchObject({ effects: 1, notifications: 1 });
  });
});

describe('demo backend idempotency, failures and reset', () => {
  const cancelOf = (demo: { ids: { anaSchedule: string } }) => ({ scheduleID: demo.ids.anaSchedule, responseValue: 'cancelado' });

  it('when the same Idempotency-Key arrives twice, then the stored answer is replayed and coordinators are notified once', async () => {
    const { demo } = await setup();
    const first = await post(demo.urls.updateWorkScheduleResponse, cancelOf(demo), { 'idempotency-key': 'action-1' });
    const second = await post(demo.urls.updateWorkScheduleResponse, cancelOf(demo), { 'idempotency-key': 'action-1' });
    expect(second.status).toBe(first.status);
    expect(await second.json()).toEqual(await first.json());
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(demo.counters.updateWorkScheduleResponse).toMatchObject({ calls: 2, effects: 1, dedupHits: 1, notifications: 1 });

    const different = await post(demo.urls.updateWorkScheduleResponse, { ...cancelOf(demo), responseValue: 'confirmado' }, { 'idempotency-key': 'action-1' });
    expect(different.status).toBe(422);
    // A fresh key is a new request: without our own at-most-once, coordinators would be notified again.
    await post(demo.urls.updateWorkScheduleResponse, cancelOf(demo), { 'idempotency-key': 'action-2' });
    expect(demo.counters.updateWorkScheduleResponse).toMatchObject({ effects: 2, notifications: 2 });
  });

  it('when failures are injected, then the client retries through them and the effect happens once', async () => {
    const { demo, backends } = await setup();
    const injected = await post(`${demo.url}/__fail`, { operation: 'updateWorkScheduleResponse', times: 2, status: 503 });
    expect(injected.status).toBe(200);
    await backends.call('updateWorkScheduleResponse', { scheduleID: demo.ids.anaSchedule, responseValue: 'confirmado' }, { idempotencyKey: 'act-1' });
    expect(demo.counters.updateWorkScheduleResponse).toMatchObject({ calls: 3, injectedFailures: 2, effects: 1 });
  });

  it('when the answer is lost after the effect (timeout), then the retry with the same key is replayed, not applied again', async () => {
    const { demo, backends } = await setup({ timeoutMs: 150 });
    demo.injectFailure({ operation: 'updateWorkScheduleResponse', times: 1, delayMs: 600 });
    await backends.call('updateWorkScheduleResponse', cancelOf(demo) as never, { idempotencyKey: 'act-1' });
    expect(demo.counters.updateWorkScheduleResponse).toMatchObject({ calls: 2, effects: 1, dedupHits: 1, notifications: 1 });
  });

  it('when the counters are read over HTTP and the backend is reset, then counts and data start over', async () => {
    const { demo, backends, key } = await setup();
    await backends.call('updateWorkScheduleResponse', cancelOf(demo) as never, { idempotencyKey: key() });
    const counters = (await (await fetch(`${demo.url}/__counters`)).json()) as typeof demo.counters;
    expect(counters.updateWorkScheduleResponse.effects).toBe(1);

    expect((await post(`${demo.url}/__reset`, {})).status).toBe(200);
    expect(demo.counters.updateWorkScheduleResponse.effects).toBe(0);
    const shift = await backends.call('getScheduleStarted', { phoneNumber: DEMO_PHONES.ana }, { idempotencyKey: key() });
    expect(shift.response).toBe('aguardando resposta');
  });

  it('when a request is malformed or the path unknown, then the backend answers 400 / 404 without effects', async () => {
    const { demo } = await setup();
    expect((await post(demo.urls.updateWorkScheduleResponse, { scheduleID: demo.ids.anaSchedule })).status).toBe(400);
    expect((await post(demo.urls.updateWorkScheduleResponse, { scheduleID: 'nope', responseValue: 'confirmado' })).status).toBe(400);
    expect((await post(`${demo.url}/somethingElse`, {})).status).toBe(404);
    expect((await post(`${demo.url}/__fail`, { operation: 'nope' })).status).toBe(400);
    expect(demo.counters.updateWorkScheduleResponse.effects).toBe(0);
  });
});

describe('demo backend seeding', () => {
  it("when the demo backend is reseeded or seeded at another instant, then today's shifts get new ids (a new demo day), while people keep theirs", async () => {
    const { demo, backends, key } = await setup();
    const before = demo.ids;
    const first = await backends.call('getScheduleStarted', { phoneNumber: DEMO_PHONES.ana }, { idempotencyKey: key() });
    demo.reset();
    expect(demo.ids.anaSchedule).not.toBe(before.anaSchedule);
    const again = await backends.call('getScheduleStarted', { phoneNumber: DEMO_PHONES.ana }, { idempotencyKey: key() });
    expect(again.scheduleID).toBe(demo.ids.anaSchedule);
    expect(again.reportID).not.toBe(first.reportID);
    expect(again.caregiverID).toBe(DEMO_IDS.ana);
    // Seeds at different instants (two starts of `npm start`) never share shift ids.
    expect(seedDemoData(1_000).schedules.map((sc) => sc.id)).not.toEqual(seedDemoData(2_000).schedules.map((sc) => sc.id));
  });
});
