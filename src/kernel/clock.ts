/** The only source of time in the service; tests pass a fake one. Milliseconds since epoch. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told to; for lease and TTL scenarios without sleeping. */
export function createFakeClock(start = Date.UTC(2026, 10, 23, 12, 0, 0)) {
  let current = start;
  return {
    now: () => current,
    advance(ms: number) {
      current += ms;
    },
    set(ms: number) {
      current = ms;
    },
  };
}
export type FakeClock = ReturnType<typeof createFakeClock>;

/** Epoch seconds, the unit DynamoDB TTL attributes use. */
export const epochSeconds = (ms: number) => Math.floor(ms / 1000);
