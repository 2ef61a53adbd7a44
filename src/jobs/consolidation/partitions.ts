import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const PARTITION_DIR = /^anomesdia=(\d{8})$/;

/** Pure: true for a real calendar date written YYYYMMDD. */
export function isPartitionDate(value: string): boolean {
  if (!/^\d{8}$/.test(value)) return false;
  const [y, m, d] = [Number(value.slice(0, 4)), Number(value.slice(4, 6)), Number(value.slice(6, 8))];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/** Pure: the UTC calendar date of an epoch-ms instant as YYYYMMDD. */
export function partitionOf(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10).replaceAll('-', '');
}

/** Pure: the greatest partition value at or before `upTo` (string order equals date order for YYYYMMDD). */
export function latestPartition(values: string[], upTo: string): string | null {
  let best: string | null = null;
  for (const value of values) if (value <= upTo && (best === null || value > best)) best = value;
  return best;
}

/** The `anomesdia=YYYYMMDD` folders under an origin (every one: there is no paging or window to miss). */
export function listPartitions(originPath: string): string[] {
  return readdirSync(originPath, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => PARTITION_DIR.exec(entry.name)?.[1])
    .filter((value): value is string => value !== undefined && isPartitionDate(value));
}

/** Data files of one partition folder, sorted; hidden and `_`-prefixed files (markers) are skipped. */
export function partitionFiles(originPath: string, partition: string, format: 'parquet' | 'csv'): string[] {
  const dir = join(originPath, `anomesdia=${partition}`);
  const suffix = format === 'parquet' ? /\.parquet$/i : /\.csv(\.gz)?$/i;
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && !e.name.startsWith('.') && !e.name.startsWith('_') && suffix.test(e.name))
    .map((e) => join(dir, e.name))
    .sort();
}
