import { mkdirSync } from 'node:fs';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

export type JsonRow = Record<string, unknown>;

export interface EngineOptions {
  /** DuckDB `memory_limit`, e.g. "512MB": larger sorts and windows spill to `tempDirectory`. */
  memoryLimit: string;
  tempDirectory: string;
  threads?: number;
}

/** An embedded DuckDB (in memory; Parquet and CSV readers are built in, nothing is downloaded). */
export interface Engine {
  run(sql: string): Promise<void>;
  /** Rows as JSON-safe objects: BIGINTs that fit a JS number become numbers, dates/timestamps strings. */
  rows(sql: string): Promise<JsonRow[]>;
  /** The first column of the first row, as a number. */
  scalar(sql: string): Promise<number>;
  close(): void;
}

const WIDE_INTEGERS = new Set(['BIGINT', 'UBIGINT', 'HUGEINT', 'UHUGEINT']);

/** Opens an in-memory DuckDB with a memory limit and a spill folder. */
export async function openEngine(options: EngineOptions): Promise<Engine> {
  mkdirSync(options.tempDirectory, { recursive: true });
  const instance = await DuckDBInstance.create(':memory:', {
    memory_limit: options.memoryLimit,
    temp_directory: options.tempDirectory,
    // Order of the output rows carries no meaning; dropping it lets COPY stream with less memory.
    preserve_insertion_order: 'false',
    ...(options.threads ? { threads: String(options.threads) } : {}),
  });
  const connection: DuckDBConnection = await instance.connect();
  return {
    async run(sql) {
      await connection.run(sql);
    },
    async rows(sql) {
      const reader = await connection.runAndReadAll(sql);
      const wide = reader.columnTypes().map((t) => WIDE_INTEGERS.has(t.toString()));
      const names = reader.columnNames();
      return reader.getRowsJson().map((row) =>
        Object.fromEntries(
          row.map((value, i) => {
            const asNumber = wide[i] && typeof value === 'string' ? Number(value) : NaN;
            return [names[i], Number.isSafeInteger(asNumber) ? asNumber : value];
          }),
        ),
      );
    },
    async scalar(sql) {
      const reader = await connection.runAndReadAll(sql);
      return Number(reader.getRows()[0]?.[0] ?? 0);
    },
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}
