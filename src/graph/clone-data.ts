/**
 * A deep copy of plain data (objects, arrays, primitives), as structuredClone makes of it at a
 * fraction of the cost: the engine copies the session state on every turn. Anything else (a Date,
 * a Map, a class instance) is refused, so a state that stops being plain data is noticed.
 * Each level is copied whole (spread, slice) and only its objects are copied again: adding the
 * keys one by one to an empty object cost more than the rest of the copy.
 */
export function cloneData<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const out: unknown[] = value.slice();
    for (let i = 0; i < out.length; i++) {
      const item = out[i];
      if (item !== null && typeof item === 'object') out[i] = cloneData(item);
    }
    return out as T;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) throw new TypeError('cloneData copies plain objects, arrays and primitives only');
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const key in out) {
    const item = out[key];
    if (item !== null && typeof item === 'object') out[key] = cloneData(item);
  }
  return out as T;
}
