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
 * Copies a getScheduleStarted response into the state (mutates `current`). A schedule id
 * different from the known one starts a fresh shift state; the schedule finalized in this session
 * is not reopened.
 */
export function applyBootstrap(current: State, data: unknown, now: number): { state: State; result: BootstrapApplied } {
  const parsed = getScheduleResponse.safeParse(data);
  if (!parsed.success) return { state: current, result: 'invalid' };
  const found = parsed.data;
  const scheduleID = found.scheduleID ?? null;
  if (scheduleID && scheduleID === current.outcome.lastClosedScheduleID) {
    current.shift.bootstrappedAt = now;
    return { state: current, result: 'closedShift' };
  }
  let state = current;
  let result: BootstrapApplied = 'applied';
  if (scheduleID && current.shift.scheduleID && scheduleID !== current.shift.scheduleID) {
    state = freshShiftState({
      sessionId: current.sessionId,
      phone: current.phone,
      flows: current.flows,
      outcome: {
        presenceConfirmedAt: null,
        cancelledAt: null,
        substitution: null,
        finalizedAt: null,
        lastClosedScheduleID: current.outcome.lastClosedScheduleID,
      },
    });
    state.turn = current.turn;
    result = 'newShift';
  }
  state.shift = {
    caregiverID: found.caregiverID ?? null,
    caregiverFirstName: found.caregiverFirstName ?? null,
    scheduleID,
    reportID: found.reportID ?? null,
    reportDate: found.reportDate ?? null,
    patientID: found.patientID ?? null,
    patientFirstName: found.patientFirstName ?? null,
    day: found.day ?? null,
    start: found.start ?? null,
    finish: found.finish ?? null,
    response: found.response ?? null,
    // A missing flag on a found shift means allowed, as the backends have always been read (docs/decisions.md).
    shiftAllow: found.shiftAllow ?? Boolean(scheduleID),
    finishReminderSent: found.finishReminderSent === true,
    substitutes: parseSubstitutes(found.substituteInfo),
    company: found.company ?? null,
    cooperative: found.cooperative ?? null,
    caregiverNotFound: found.caregiverNotFound === true,
    bootstrappedAt: now,
  };
  return { state, result };
}

/** "YYYY-MM-DD" of an epoch-ms instant in São Paulo. Pure. */
function saoPauloDate(now: number): string {
  return new Date(now + SAO_PAULO_OFFSET_MS).toISOString().slice(0, 10);
}

/**
 * Whether a cancelled shift is too old to offer substitutes for: the backend returns the latest
 * cancelled shift of any date (docs/decisions.md). Yesterday still counts, because night shifts
 * cross midnight. Pure.
 */
export function shiftDayIsPast(day: string | null, now: number): boolean {
  const match = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(day ?? '');
  if (!match) return false;
  const shiftDate = `${match[3]}-${match[2]}-${match[1]}`;
  return shiftDate < saoPauloDate(now - DAY_MS);
}
