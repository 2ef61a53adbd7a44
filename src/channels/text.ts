/** Text limits of the providers count characters (code points), not UTF-16 units. */
export const charLength = (s: string) => Array.from(s).length;

const ELLIPSIS = '…';

/** Pure: cuts to at most `max` code points, ending with "…" when cut (never splits an emoji's surrogates). */
export function truncateChars(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : chars.slice(0, max - 1).join('') + ELLIPSIS;
}
