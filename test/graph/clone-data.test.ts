import { describe, expect, it } from 'vitest';
import { cloneData } from '../../src/graph/clone-data.js';
import { createEngine } from '../../src/graph/index.js';

describe('cloneData', () => {
  it('when a session state is copied, then the copy is equal and shares no object or array with it', () => {
    const state = createEngine().initialState('5511999990001', '5511999990001') as Record<string, unknown>;
    const original = { ...state, nested: { list: [{ a: 1 }, [2, 3]], none: null, gone: undefined } };
    const copy = cloneData(original);
    expect(copy).toStrictEqual(original);
    (copy.nested.list[0] as { a: number }).a = 9;
    (copy.nested.list[1] as number[]).push(4);
    expect(original.nested.list).toEqual([{ a: 1 }, [2, 3]]);
    expect(Object.keys(copy.nested)).toEqual(['list', 'none', 'gone']);
  });

  it('when the data holds something that is not plain (a Date, a Map), then it is refused', () => {
    expect(() => cloneData({ at: new Date(0) })).toThrow(TypeError);
    expect(() => cloneData([new Map()])).toThrow(TypeError);
  });
});
