import { decodeTime, isValid } from 'ulid';
import { describe, expect, it } from 'vitest';
import { monotonicFactory, ulid } from '../../src/kernel/ids.js';

describe('ids', () => {
  it('when many ULIDs are made from the pooled source, then they are valid and distinct across pool refills', () => {
    const ids = Array.from({ length: 10_000 }, () => ulid());
    expect(ids.every((id) => isValid(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    // The random part uses the whole alphabet (a stuck or zeroed pool would not).
    expect(new Set(ids.flatMap((id) => [...id.slice(10)])).size).toBe(32);
  });

  it('when a time is given, then it is encoded; monotonic ids increase within one millisecond', () => {
    expect(decodeTime(ulid(1_795_000_000_123))).toBe(1_795_000_000_123);
    const next = monotonicFactory();
    const ids = Array.from({ length: 1000 }, () => next(1_795_000_000_000));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(1000);
  });
});
