import { describe, expect, it } from 'vitest';
import { chooseSchedule, normalisePhone } from '../../src/demo-backend/eligibility.js';
import { shiftWindow, spInstant, spParts } from '../../src/demo-backend/sao-paulo-time.js';
import { seedDemoData, type DemoSchedule } from '../../src/demo-backend/seed.js';

const HOUR = 3_600_000;

describe('São Paulo time and eligibility', () => {
  it('when formatting an instant, then São Paulo is UTC−3', () => {
    expect(spParts(Date.UTC(2026, 0, 1, 2, 30, 5))).toMatchObject({ day: '31/12/2025', hour: 23, isoLocal: '2025-12-31T23:30:05' });
    expect(spInstant('01/01/2026', '00:00')).toBe(Date.UTC(2026, 0, 1, 3, 0));
  });

  it('when a shift crosses midnight or starts and finishes at the same time, then its window spans into the next day', () => {
    const night = shiftWindow('23/11/2026', '19:00', '07:00');
    expect(night.to - night.from).toBe((12 + 7) * HOUR);
    const full = shiftWindow('23/11/2026', '07:00', '07:00');
    expect(full.to - full.from).toBe((24 + 7) * HOUR);
  });

  it('when two schedules are eligible, then the latest start wins; when none is, then the latest cancelled one is chosen with shiftAllow false', () => {
    const base: DemoSchedule = {
      id: 'a',
      caregiverId: 'c',
      patientId: 'p',
      day: '23/11/2026',
      start: '07:00',
      finish: '19:00',
      response: 'confirmado',
      scheduleStarted: false,
      finishReminderSent: false,
      finishReport: false,
    };
    const now = spInstant('23/11/2026', '12:00');
    const later = { ...base, id: 'b', start: '11:00', finish: '23:00' };
    expect(chooseSchedule([base, later], now)).toMatchObject({ schedule: { id: 'b' }, shiftAllow: true });
    const cancelledOld = { ...base, id: 'old', day: '01/11/2026', response: 'cancelado' as const };
    const cancelledNew = { ...base, id: 'new', day: '20/11/2026', response: 'cancelado' as const };
    const finished = { ...base, finishReport: true };
    expect(chooseSchedule([finished, cancelledOld, cancelledNew], now)).toMatchObject({ schedule: { id: 'new' }, shiftAllow: false });
    expect(chooseSchedule([finished], now)).toBeUndefined();
  });

  it('when the demo is seeded late at night, then the shift still covers now, crossing midnight', () => {
    const now = Date.UTC(2026, 10, 24, 2, 30); // 23:30 in São Paulo
    const data = seedDemoData(now);
    expect(data.schedules[0]).toMatchObject({ day: '23/11/2026', start: '22:00', finish: '10:00' });
    expect(chooseSchedule(data.schedules.slice(0, 1), now)?.shiftAllow).toBe(true);
  });

  it('when a phone comes formatted or without the country code, then it is normalised to E.164 digits', () => {
    expect(normalisePhone('+55 (11) 99999-0001')).toBe('5511999990001');
    expect(normalisePhone('11999990001')).toBe('5511999990001');
    expect(normalisePhone('5511999990001')).toBe('5511999990001');
  });
});
