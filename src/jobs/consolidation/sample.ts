/** Pure: the first rows of `rows` that fit both limits (rows and UTF-8 JSON bytes of the array). */
export function capSample<T>(rows: T[], maxRows: number, maxBytes: number): { rows: T[]; bytes: number; truncated: boolean } {
  const kept: T[] = [];
  let bytes = 2; // "[]"
  for (const row of rows.slice(0, maxRows)) {
    const size = Buffer.byteLength(JSON.stringify(row)) + (kept.length ? 1 : 0);
    if (bytes + size > maxBytes) return { rows: kept, bytes, truncated: true };
    kept.push(row);
    bytes += size;
  }
  return { rows: kept, bytes, truncated: rows.length > maxRows };
}
