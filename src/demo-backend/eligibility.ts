import type { DemoSchedule } from './seed.js';
import { shiftWindow, spInstant } from './sao-paulo-time.js';

/**
 * Pure, the choice the real `getScheduleStarted` makes (docs/decisions.md, Backends): the eligible
 * schedule with the latest start (not finished, response "confirmado"/"aguardando resposta", now
 * within [start − 3h, finish + 4h]) with `shiftAllow=true`; otherwise the most recent cancelled
 * schedule of any date with `shiftAllow=false`; otherwise none.
 */
export function chooseSchedule(schedules: DemoSchedule[], now: number): { schedule: DemoSchedule; shiftAllow: boolean } | undefined {
  const byLatestStart = (a: DemoSchedule, b: DemoSchedule) => spInstant(b.day, b.start) - spInstant(a.day, a.start);
  const eligible = schedules
    .filter((s) => !s.finishReport && (s.response === 'confirmado' || s.response === 'aguardando resposta'))
    .filter((s) => {
      const window = shiftWindow(s.day, s.start, s.finish);
      return now >= window.from && now <= window.to;
    })
    .sort(byLatestStart);
  if (eligible.length > 0) return { schedule: eligible[0], shiftAllow: true };
  const cancelled = schedules.filter((s) => s.response === 'cancelado').sort(byLatestStart);
  return cancelled.length > 0 ? { schedule: cancelled[0], shiftAllow: false } : undefined;
}

/** Pure: digits only; a national number (10–11 digits) gets Brazil's 55. */
export function normalisePhone(raw: string): string {
  const digits = raw.replace(/\D/g, '');
  return digits.length === 10 || digits.length === 11 ? `55${digits}` : digits;
}
