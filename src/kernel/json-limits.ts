/**
 * The JSON a request may carry into the service: what JSON.parse reads faithfully (I-JSON,
 * RFC 7493: integers within ±(2^53 − 1), no overflow to ±Infinity) and what DynamoDB stores
 * (non-zero magnitudes from 1e-130; documents nested at most 32 levels, of which the items we
 * write use a few). A body outside these limits is a client error, found before anything is
 * hashed or stored.
 */
const JSON_LIMITS = {
  maxMagnitude: Number.MAX_SAFE_INTEGER,
  minMagnitude: 1e-130,
  maxDepth: 20,
} as const;

export interface JsonLimitProblem {
  /** Dotted path of the offending value ("metadata.size", "entry.0.id"); "" for the root. */
  path: string;
  message: string;
}

/** Pure: why `value` is out of range for a JSON number we can carry, or null. */
function numberProblem(value: number): string | null {
  if (!Number.isFinite(value)) return 'a number too large for a double (it overflowed to infinity)';
  const magnitude = Math.abs(value);
  if (magnitude > JSON_LIMITS.maxMagnitude) return `a number beyond ±${JSON_LIMITS.maxMagnitude} (not exact in JSON; send it as a string)`;
  if (magnitude !== 0 && magnitude < JSON_LIMITS.minMagnitude) return `a non-zero number smaller than ${JSON_LIMITS.minMagnitude} in magnitude`;
  return null;
}

/**
 * Pure: the first value of a parsed JSON document that is out of range — a number (see
 * `numberProblem`) or nesting deeper than `maxDepth` — or null. Iterative, so a hostile document
 * nested thousands of levels deep cannot exhaust the stack.
 */
export function findJsonLimitProblem(root: unknown, maxDepth: number = JSON_LIMITS.maxDepth): JsonLimitProblem | null {
  const stack: { value: unknown; path: string[]; depth: number }[] = [{ value: root, path: [], depth: 0 }];
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === 'number') {
      const message = numberProblem(value);
      if (message) return { path: path.join('.'), message };
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= maxDepth) return { path: path.join('.'), message: `nested deeper than ${maxDepth} levels` };
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
    for (let i = entries.length - 1; i >= 0; i--) stack.push({ value: entries[i][1], path: [...path, entries[i][0]], depth: depth + 1 });
  }
  return null;
}
