/** Columns the job sets itself; an input column with one of these names is replaced. */
export const RESERVED_COLUMNS = ['anomesdia', 'origem'] as const;

export interface OriginSource {
  name: string;
  format: 'parquet' | 'csv';
  files: string[];
  preference: number;
  /** The origin's columns (from DESCRIBE), reserved ones excluded. */
  columns: string[];
}

/** Pure: a DuckDB identifier, quoted. */
export const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;
/** Pure: a DuckDB string literal. */
export const literal = (value: string) => `'${value.replaceAll("'", "''")}'`;

/** Pure: the table function that reads one origin's files (no hive columns: the partition is chosen by path). */
export function readFunction(format: 'parquet' | 'csv', files: string[]): string {
  const list = `[${files.map(literal).join(', ')}]`;
  return format === 'parquet' ? `read_parquet(${list}, hive_partitioning = false)` : `read_csv(${list}, header = true, hive_partitioning = false)`;
}

/**
 * Pure: the consolidation query. Every origin's rows are labelled with `origem`, unioned by
 * column name, and per key the first row wins ordering by each decision field descending with
 * nulls last, then the origin preference (1 first), then a content hash so the result never
 * depends on file layout or thread timing.
 */
export function consolidationSelect(input: { origins: OriginSource[]; keys: string[]; decisions: string[] }): string {
  const branches = input.origins.map((origin) => {
    const cols = origin.columns.map(ident).join(', ');
    return `SELECT ${cols}, ${literal(origin.name)} AS origem, ${origin.preference} AS __preference, hash(${cols}) AS __tie FROM ${readFunction(origin.format, origin.files)}`;
  });
  const order = [...input.decisions.map((d) => `${ident(d)} DESC NULLS LAST`), '__preference ASC', '__tie ASC'].join(', ');
  return [
    'SELECT * EXCLUDE (__preference, __tie) FROM (',
    branches.join('\nUNION ALL BY NAME\n'),
    `) QUALIFY row_number() OVER (PARTITION BY ${input.keys.map(ident).join(', ')} ORDER BY ${order}) = 1`,
  ].join('\n');
}

/** Pure: COPY of a query to one snappy Parquet file. */
export function copyToParquet(select: string, file: string): string {
  return `COPY (${select}) TO ${literal(file)} (FORMAT parquet, COMPRESSION snappy)`;
}
