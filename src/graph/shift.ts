import { getScheduleResponse } from '../contracts/backends.js';
import { freshShiftState, type State, type Substitute } from './state.js';

/** Unconfirmed, cancelled or out-of-schedule shifts are re-read from the backend after this long. */
export const SHIFT_REFRESH_MS = 15 * 60_000;
/** São Paulo has had no daylight saving time since 2019: UTC−3 all year. */
const SAO_PAULO_OFFSET_MS = -3 * 3_600_000;
const DAY_MS = 86_400_000;

/** Parses `substituteInfo` (a JSON array string, possibly with escaped quotes, or a "none" sentence). Pure. */
export function parseSubstitutes(info: string | null | undefined): Substitute[] {
  const raw = (info ?? '').trim();
  if (!raw.startsWith('[')) return [];
  for (const candidate of [raw, raw.replace(/\\"/g, '"')]) {
    try {
      const parsed: unknown = JSON.parse(candidate);
      if (!Array.isArray(parsed)) return [];
      return parsed.flatMap((item: unknown) => {
        if (typeof item !== 'object' || item === null) return [];
        const { caregiverIdentifier, caregiverName } = item as Record<string, unknown>;
        if (typeof caregiverIdentifier !== 'string' || typeof caregiverName !== 'string') return [];
        return [{ id: caregiverIdentifier, name: caregiverName.trim() }];
      });
    } catch {
      // try the un-escaped form next
    }
  }
  return [];
}

export type BootstrapApplied = 'applied' | 'newShift' | 'closedShift' | 'invalid';

/**
 * Copies a getScheduleStarted response into the state (mutates `s`). A schedule id different from
 * the known one starts a fresh shift state; the schedule finalized in this session is not reopened.
 */
export function applyBootstrap(s: State, data: unknown, now: number): { state: State; result: BootstrapApplied } {
  const parsed = getScheduleResponse.safeParse(data);
  if (!parsed.success) return { state: s, result: 'invalid' };
  const r = parsed.data;
  const scheduleID = r.scheduleID ?? null;
  if (scheduleID && scheduleID === s.outcome.lastClosedScheduleID) {
    s.shift.bootstrappedAt = now;
    return { state: s, result: 'closedShift' };
  }
  let state = s;
  let result: BootstrapApplied = 'applied';
  if (scheduleID && s.shift.scheduleID && scheduleID !== s.shift.scheduleID) {
    state = freshShiftState({
      sessionId: s.sessionId,
      phone: s.phone,
      flows: s.flows,
      outcome: {
        presenceConfirmedAt: null,
        cancelledAt: null,
        substitution: null,
        finalizedAt: null,
        lastClosedScheduleID: s.outcome.lastClosedScheduleID,
      },
    });
    state.turn = s.turn;
    result = 'newShift';
  }
  state.shift = {
    caregiverID: r.caregiverID ?? null,
    caregiverFirstName: r.caregiverFirstName ?? null,
    scheduleID,
    reportID: r.reportID ?? null,
    reportDate: r.reportDate ?? null,
    patientID: r.patientID ?? null,
    patientFirstName: r.patientFirstName ?? null,
    day: r.day ?? null,
    start: r.start ?? null,
    finish: r.finish ?? null,
    response: r.response ?? null,
    // A missing flag on a found shift means allowed (the original defaulted it to true).
    shiftAllow: r.shiftAllow ?? Boolean(scheduleID),
    finishReminderSent: r.finishReminderSent === true,
    substitutes: parseSubstitutes(r.substituteInfo),
    company: r.company ?? null,
    cooperative: r.cooperative ?? null,
    caregiverNotFound: r.caregiverNotFound === true,
    bootstrappedAt: now,
  };
  return { state, result };
}

/** "YYYY-MM-DD" of an epoch-ms instant in São Paulo. Pure. */
export function saoPauloDate(now: number): string {
  return new Date(now + SAO_PAULO_OFFSET_MS).toISOString().slice(0, 10);
}

/**
 * Whether a cancelled shift is too old to offer substitutes for (original bug H‑14: any past
 * cancelled shift was offered). Yesterday still counts, because night shifts cross midnight.
 */
export function shiftDayIsPast(day: string | null, now: number): boolean {
  const m = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(day ?? '');
  if (!m) return false;
  const shiftDate = `${m[3]}-${m[2]}-${m[1]}`;
  return shiftDate < saoPauloDate(now - DAY_MS);
}
