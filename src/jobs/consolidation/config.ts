import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { z } from 'zod';
import { JobConfigError } from '../errors.js';

/** SQL identifiers we interpolate (quoted) into DuckDB SQL: plain column names only. */
const column = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a column name: letters, digits and _, not starting with a digit');
/** Names that end up in keys, paths and SQL literals. */
const name = z.string().regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only');

const originSchema = z.object({
  /** Label of the origin (e.g. `sor` online, `sot` batch); written to the `origem` column. */
  name,
  /** Folder holding `anomesdia=YYYYMMDD/` sub-folders; relative to the config file. */
  path: z.string().min(1),
  format: z.enum(['parquet', 'csv']),
  /** Final tie-break: 1 is preferred over 2 when every decision field ties. */
  preference: z.number().int().min(1),
});

const consolidationSchema = z.object({
  database: name,
  /** Folder of the consolidated table; the job writes `anomesdia=YYYYMMDD/` under it. */
  output_path: z.string().min(1),
  origins: z.array(originSchema).min(1, 'at least one origin'),
  /** Grouping keys: one winner per distinct combination. */
  chaves_principais: z.array(column).min(1, 'at least one key column'),
  /** Ordered decision fields, each descending with nulls last; may be empty (then the preference decides). */
  campos_decisao: z.array(column).default([]),
});

const engineSchema = z
  .object({
    /** DuckDB `memory_limit`; above it, sorts and windows spill to `temp_directory`. */
    memory_limit: z
      .string()
      .regex(/^\d+(\.\d+)?\s*(KB|MB|GB|KiB|MiB|GiB)$/i, 'like "512MB" or "2GB"')
      .default('512MB'),
    /** Spill folder; relative to the config file. */
    temp_directory: z.string().min(1).default('./.duckdb-tmp'),
    threads: z.number().int().min(1).max(64).optional(),
  })
  .default({ memory_limit: '512MB', temp_directory: './.duckdb-tmp' });

/**
 * The consolidation config file: entries keyed by the consolidated table's name, the layout of the
 * batch job this one replaces (docs/batch.md).
 */
const consolidationConfigSchema = z.object({
  /** Job name; part of every journey key. */
  job: name,
  engine: engineSchema,
  consolidacoes: z.record(name, consolidationSchema).refine((v) => Object.keys(v).length > 0, 'at least one table'),
  /** Journey retry policy for the job's steps. */
  retries: z
    .object({ max_retries: z.number().int().min(0).max(10).default(2), retry_delay_ms: z.number().int().min(0).default(2_000) })
    .default({ max_retries: 2, retry_delay_ms: 2_000 }),
});

export type OriginConfig = z.infer<typeof originSchema>;

/** One consolidated table with every path made absolute. */
export interface TableConsolidation {
  table: string;
  database: string;
  outputPath: string;
  origins: OriginConfig[];
  keys: string[];
  decisions: string[];
}

export interface ConsolidationConfig {
  job: string;
  engine: { memoryLimit: string; tempDirectory: string; threads?: number };
  retries: { maxRetries: number; retryDelayMs: number };
  tables: TableConsolidation[];
}

function zodProblems(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`);
}

const inside = (child: string, parent: string) => {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
};

/** Pure apart from existence checks: validates a parsed config; every problem is listed at once. */
function validateConsolidationConfig(raw: unknown, baseDir: string): ConsolidationConfig {
  const parsed = consolidationConfigSchema.safeParse(raw);
  if (!parsed.success) throw new JobConfigError(zodProblems(parsed.error), 'consolidation config');
  const file = parsed.data;
  const problems: string[] = [];
  const tables: TableConsolidation[] = Object.entries(file.consolidacoes).map(([table, entry]) => {
    const at = `consolidacoes.${table}`;
    const origins = entry.origins.map((o) => ({ ...o, path: resolve(baseDir, o.path) }));
    const outputPath = resolve(baseDir, entry.output_path);
    const seen = (values: (string | number)[]) => values.filter((v, i) => values.indexOf(v) !== i);
    for (const dup of new Set(seen(origins.map((o) => o.name)))) problems.push(`${at}.origins: the name "${dup}" is used twice`);
    for (const dup of new Set(seen(origins.map((o) => o.preference))))
      problems.push(`${at}.origins: preference ${dup} is used twice (the tie-break must be total)`);
    origins.forEach((o, i) => {
      if (!existsSync(o.path)) problems.push(`${at}.origins.${i}.path: ${o.path} does not exist`);
      else if (!statSync(o.path).isDirectory()) problems.push(`${at}.origins.${i}.path: ${o.path} is not a folder`);
      if (inside(outputPath, o.path) || inside(o.path, outputPath)) problems.push(`${at}.output_path: must not overlap origin "${o.name}"`);
    });
    for (const dup of new Set(seen(entry.chaves_principais))) problems.push(`${at}.chaves_principais: "${dup}" is listed twice`);
    for (const dup of new Set(seen(entry.campos_decisao))) problems.push(`${at}.campos_decisao: "${dup}" is listed twice`);
    for (const both of entry.campos_decisao.filter((c) => entry.chaves_principais.includes(c))) {
      problems.push(`${at}.campos_decisao: "${both}" is also a key; it cannot decide within its own group`);
    }
    for (const reserved of [...entry.chaves_principais, ...entry.campos_decisao].filter((c) => c === 'anomesdia' || c === 'origem')) {
      problems.push(`${at}: "${reserved}" is set by the job and cannot be a key or decision field`);
    }
    return { table, database: entry.database, outputPath, origins, keys: entry.chaves_principais, decisions: entry.campos_decisao };
  });
  const outputs = tables.map((t) => t.outputPath);
  for (const dup of new Set(outputs.filter((v, i) => outputs.indexOf(v) !== i))) problems.push(`consolidacoes: two tables write to ${dup}`);
  if (problems.length) throw new JobConfigError(problems, 'consolidation config');
  return {
    job: file.job,
    engine: { memoryLimit: file.engine.memory_limit, tempDirectory: resolve(baseDir, file.engine.temp_directory), threads: file.engine.threads },
    retries: { maxRetries: file.retries.max_retries, retryDelayMs: file.retries.retry_delay_ms },
    tables,
  };
}

/** Reads and validates a config file (JSON); relative paths are resolved against its folder. */
export function loadConsolidationConfig(path: string): ConsolidationConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new JobConfigError([`${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`], 'consolidation config');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new JobConfigError([`${path}: not valid JSON (${(error as Error).message})`], 'consolidation config');
  }
  return validateConsolidationConfig(raw, dirname(resolve(path)));
}
