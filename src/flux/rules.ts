/**
 * The trigger rules, pure: which partitions a report carries, the sync values a dependent is
 * triggered for, its debounce key, readiness, the template context, and cycles. No I/O: the
 * use-cases read what these need and write what they decide.
 */
import type { Execution, PartitionValues, TableInput, TaskDef } from './model.js';

export interface Problem {
  path: string;
  message: string;
}

/** Pure: the report's partitions as values by name, or every problem (unknown, repeated, missing required, not an int). */
export function reportPartitions(def: TableInput, reported: { partition_name: string; value: string }[], path = 'partitions'): PartitionValues | Problem[] {
  const problems: Problem[] = [];
  const values: PartitionValues = {};
  const byName = new Map(def.partitions.map((p) => [p.name, p]));
  reported.forEach((r, i) => {
    const p = byName.get(r.partition_name);
    if (!p) problems.push({ path: `${path}.${i}.partition_name`, message: `table ${def.name} has no partition ${r.partition_name}` });
    else if (r.partition_name in values) problems.push({ path: `${path}.${i}.partition_name`, message: `partition ${r.partition_name} is given twice` });
    else if (p.type === 'int' && !/^-?\d+$/.test(r.value)) problems.push({ path: `${path}.${i}.value`, message: `partition ${p.name} is an int` });
    values[r.partition_name] = r.value;
  });
  for (const p of def.partitions)
    if (p.is_required && !(p.name in values)) problems.push({ path, message: `the required partition ${p.name} of ${def.name} is missing` });
  return problems.length ? problems : values;
}

const syncNames = (def: Pick<TableInput, 'partitions'>) => def.partitions.filter((p) => p.sync_column).map((p) => p.name);

/** Pure: the values of `dependent`'s sync partitions that the trigger report carries: what its run is for. */
export function syncValues(dependent: Pick<TableInput, 'partitions'>, reported: PartitionValues): PartitionValues {
  return Object.fromEntries(syncNames(dependent).flatMap((n) => (n in reported ? [[n, reported[n]]] : [])));
}

/** Pure: partition values as one canonical text (names sorted, values encoded): `ano_mes_referencia=202401&regiao=sp`. */
export function valuesKey(values: PartitionValues): string {
  return Object.keys(values)
    .sort()
    .map((k) => `${k}=${encodeURIComponent(values[k])}`)
    .join('&');
}

/** Pure: the debounce key: the dependent, its task and the sync values (different values never merge). */
export const debounceKey = (table: string, task: string, values: PartitionValues) => `${table}#${task}#${valuesKey(values)}`;

/** Pure: what a table's landings are keyed by: the values of its own sync partitions that a report carries. */
export const landingValues = (def: Pick<TableInput, 'partitions'>, reported: PartitionValues) => syncValues(def, reported);

/**
 * Pure: how to find an execution of dependency `dep` for the sync values `wanted`: the wanted
 * values of the partitions `dep` syncs on; `exact` when they are all of its sync partitions (one
 * key read), else any landing that carries them matches.
 */
export function dependencyLookup(dep: Pick<TableInput, 'partitions'>, wanted: PartitionValues): { values: PartitionValues; exact: boolean } {
  const names = syncNames(dep);
  const values = Object.fromEntries(names.flatMap((n) => (n in wanted ? [[n, wanted[n]]] : [])));
  return { values, exact: Object.keys(values).length === names.length };
}

/** Pure: whether a landing's values carry every wanted value. */
export const carries = (landing: PartitionValues, wanted: PartitionValues) => Object.entries(wanted).every(([k, v]) => landing[k] === v);

/** Pure: the required dependencies of `dependent` with no matching execution (none: it is ready). */
export function missingRequired(dependent: Pick<TableInput, 'dependencies'>, landed: ReadonlySet<string>): string[] {
  return dependent.dependencies.filter((d) => d.is_required && !landed.has(d.table)).map((d) => d.table);
}

export interface TemplateContext {
  table: { name: string; description: string; requires_approval: boolean };
  /** Each dependency's partitions by its name, and the shared values at the top (`partitions.ano_mes_referencia`). */
  partitions: Record<string, unknown>;
  execution: Execution | null;
  task: { alias: string; executor: string; method: string; identification: string; debounce_seconds: number };
  task_table: TemplateContext['task'];
}

/**
 * Pure: the template context of a firing. `partitions` holds `{dependency: {partition: value}}`
 * for every dependency with a matching execution, then at the top level each partition name
 * common to all of them (first value), then the sync values themselves.
 */
export function templateContext(p: {
  table: TableInput;
  task: TaskDef;
  executor: { method: string; identification: string };
  trigger: Execution | null;
  dependencies: Record<string, PartitionValues>;
  values: PartitionValues;
}): TemplateContext {
  const found = Object.values(p.dependencies).filter((v) => Object.keys(v).length > 0);
  const common = found.length ? Object.keys(found[0]).filter((k) => found.every((v) => k in v)) : [];
  const top = Object.fromEntries(common.map((k) => [k, found[0][k]]));
  const task = { alias: p.task.alias, executor: p.task.executor, ...p.executor, debounce_seconds: p.task.debounce_seconds };
  return {
    table: { name: p.table.name, description: p.table.description, requires_approval: p.table.requires_approval },
    partitions: { ...p.dependencies, ...top, ...(p.trigger?.partitions ?? {}), ...p.values },
    execution: p.trigger,
    task,
    task_table: task,
  };
}

/** Pure: the values of `table`'s own partitions found at the top of a context (its completion report's partitions). */
export function ownPartitions(table: TableInput, context: TemplateContext): { values: PartitionValues; missing: string[] } {
  const values: PartitionValues = {};
  const missing: string[] = [];
  for (const p of table.partitions) {
    const v = context.partitions[p.name];
    if (typeof v === 'string') values[p.name] = v;
    else if (p.is_required) missing.push(p.name);
  }
  return { values, missing };
}

/**
 * Pure: a dependency cycle through `start`, as the path `[start, …, start]`, or null. `upstream`
 * answers a table's dependencies (undefined: unknown, treated as none).
 */
export function findCycle(start: string, upstream: (table: string) => readonly string[] | undefined): string[] | null {
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (table: string): string[] | null => {
    for (const dep of upstream(table) ?? []) {
      if (dep === start) return [start, ...path, start];
      if (done.has(dep) || path.includes(dep)) continue;
      path.push(dep);
      const found = visit(dep);
      if (found) return found;
      path.pop();
      done.add(dep);
    }
    return null;
  };
  return visit(start);
}
