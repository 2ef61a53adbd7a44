import { randomBytes } from 'node:crypto';
import { expect, onTestFinished } from 'vitest';
import type { BackendOperation } from '../../src/contracts/backends.js';
import type { DemoBackend } from '../../src/demo-backend/index.js';
import type { DemoCounters } from '../../src/demo-backend/counters.js';
import { ingestBody, startTestService, type TestService } from '../support/service.js';

/**
 * End-to-end driver: the real service (HTTP → pipeline → DynamoDB Local) with the real engine,
 * the understanding built from config (rules, or OpenAI when the env says so) and the demo
 * backend. One service per test, stopped when the test ends, so every test starts from the seed.
 */

export const ANA = '+5511999990001';
export const BRUNO = '+5511999990002';
export const CARLA = '+5511999990003';
export const UNKNOWN = '+5511988887777';
export const ANA_ID = '5511999990001';
export const BRUNO_ID = '5511999990002';
export const MINUTE = 60_000;

export interface E2E extends TestService {
  demo: DemoBackend;
  /** Sends one message as `phone` (fresh idempotency key unless given) and returns the reply text. */
  say(phone: string, text: string, key?: string): Promise<string>;
  /** Sends one message and returns the whole HTTP answer. */
  send(phone: string, text: string, key?: string): ReturnType<TestService['post']>;
  /** Changes applied by the demo backend for an operation (replays and failures apply none). */
  effects(op: BackendOperation): number;
  /** Requests the demo backend received for an operation. */
  calls(op: BackendOperation): number;
  /** The engine state of a session, through the ops endpoint. */
  state(sessionId: string): Promise<Record<string, any>>;
  template(phone: string, template: string, metadata?: Record<string, unknown>): Promise<void>;
}

/** Starts a real service for this test and stops it when the test finishes. */
export async function startE2E(options: { env?: Record<string, string> } = {}): Promise<E2E> {
  const t = await startTestService({ real: true, env: options.env });
  onTestFinished(() => t.stop());
  const demo = t.service.demo;
  if (!demo) throw new Error('the demo backend did not start (are LAMBDA_* set?)');

  const send = (phone: string, text: string, key = `k-${randomBytes(6).toString('hex')}`) =>
    t.post('/webhook/ingest', ingestBody(text, phone), { 'X-Idempotency-Key': key });

  return {
    ...t,
    demo,
    send,
    async say(phone, text, key) {
      const res = await send(phone, text, key);
      expect(res.status, `${text} → ${JSON.stringify(res.body)}`).toBe(200);
      return (res.body.reply as string | null) ?? '';
    },
    effects: (op) => demo.counters[op].effects,
    calls: (op) => demo.counters[op].calls,
    async state(sessionId) {
      const res = await t.get(`/sessions/${sessionId}/state`);
      expect(res.status).toBe(200);
      return res.body.state as Record<string, any>;
    },
    async template(phone, template, metadata = {}) {
      const res = await t.post('/hooks/template-fired', { phoneNumber: phone, template, metadata });
      expect(res.status).toBe(200);
    },
  };
}

/** Ana confirms presence (cheguei → sim). */
export async function anaConfirmed(e: E2E): Promise<void> {
  await e.say(ANA, 'cheguei');
  expect(await e.say(ANA, 'sim')).toContain('Presença confirmada!');
}

/** Ana confirms presence and saves the first complete assessment. */
export async function anaFirstAssessmentDone(e: E2E): Promise<void> {
  await anaConfirmed(e);
  expect(await e.say(ANA, 'PA 120x80 FC 78 FR 18 Sat 97% Temp 36,5 ar ambiente, paciente consciente e orientado')).toContain('Confirma para salvar?');
  expect(await e.say(ANA, 'sim')).toBe('Dados clínicos salvos com sucesso!');
}

/** The report of a schedule in the demo backend's data. */
export function reportOf(e: E2E, scheduleId: string) {
  const report = e.demo.snapshot().reports.find((r) => r.scheduleId === scheduleId);
  if (!report) throw new Error(`no report for ${scheduleId}`);
  return report;
}

/** The demo backend's schedule. */
export function scheduleOf(e: E2E, scheduleId: string) {
  const schedule = e.demo.snapshot().schedules.find((s) => s.id === scheduleId);
  if (!schedule) throw new Error(`no schedule ${scheduleId}`);
  return schedule;
}

/** The documented walkthrough (Ana's and Bruno's shifts) done: each backend effect happened exactly once, in order. */
export function expectWalkthroughEffects(counters: DemoCounters, lines: Record<string, unknown>[]): void {
  expect(counters.getScheduleStarted.effects).toBe(1);
  expect(counters.updateWorkScheduleResponse).toMatchObject({ calls: 1, effects: 1 });
  expect(counters.updateClinicalData).toMatchObject({ calls: 2, effects: 2 });
  expect(counters.updatereportsummaryad).toMatchObject({ calls: 2, effects: 2, notifications: 2 });
  expect(counters.createNewSchedule.calls).toBe(0);
  const effects = lines.filter((l) => String(l.message).startsWith('demo backend effect: ')).map((l) => l.effect);
  expect(effects).toEqual(['report.started', 'schedule.confirmed', 'clinical.saved', 'note.operational', 'report.finished', 'report.finished']);
}
