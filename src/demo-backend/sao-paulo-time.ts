/** São Paulo is UTC−3 all year (Brazil dropped DST in 2019). */
const OFFSET_MS = -3 * 60 * 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;
const pad = (n: number) => String(n).padStart(2, '0');

/** Pure: São Paulo wall-clock parts of an instant. */
export function spParts(epochMs: number) {
  const d = new Date(epochMs + OFFSET_MS);
  const [year, month, dayOfMonth, hour, minute, second] = [
    d.getUTCFullYear(),
    d.getUTCMonth() + 1,
    d.getUTCDate(),
    d.getUTCHours(),
    d.getUTCMinutes(),
    d.getUTCSeconds(),
  ];
  return {
    hour,
    /** "DD/MM/YYYY", the backend's `day` format. */
    day: `${pad(dayOfMonth)}/${pad(month)}/${year}`,
    /** "YYYY-MM-DDTHH:MM:SS" in São Paulo time, the backend's `reportDate` format. */
    isoLocal: `${year}-${pad(month)}-${pad(dayOfMonth)}T${pad(hour)}:${pad(minute)}:${pad(second)}`,
  };
}

/** Pure: the instant of a São Paulo wall-clock "DD/MM/YYYY" + "HH:MM". */
export function spInstant(day: string, time: string): number {
  const [dd, mm, yyyy] = day.split('/').map(Number);
  const [hh, min] = time.split(':').map(Number);
  return Date.UTC(yyyy, mm - 1, dd, hh, min) - OFFSET_MS;
}

/**
 * Pure: the window in which a shift is eligible, [start − 3h, finish + 4h].
 * finish < start crosses midnight; finish == start is a 24 h shift.
 */
export function shiftWindow(day: string, start: string, finish: string): { from: number; to: number } {
  const startAt = spInstant(day, start);
  let finishAt = spInstant(day, finish);
  if (finishAt <= startAt) finishAt += 24 * HOUR_MS;
  return { from: startAt - 3 * HOUR_MS, to: finishAt + 4 * HOUR_MS };
}

export const formatHour = (hour: number) => `${pad(((hour % 24) + 24) % 24)}:00`;
