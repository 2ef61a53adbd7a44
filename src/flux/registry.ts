/**
 * The registry use-cases: tables (with partitions, dependencies and tasks) and executors. A batch
 * is validated whole before anything is written (every problem listed, nothing half-registered);
 * a dependency cycle is refused naming it. Tables and executors are keyed by name, never by a
 * row id, so a dependency always means the table it names.
 */
import type { FluxRegistryStore, StoredExecutor, StoredTable } from '../infra/stores/flux-registry-store.js';
import type { Clock } from '../kernel/clock.js';
import { ConflictError, NotFoundError, ValidationError } from '../kernel/errors.js';
import { executorInputSchema, tableInputSchema, type TableInput } from './model.js';
import { findCycle, type Problem } from './rules.js';
import { templateProblem } from './templates.js';

export interface RegistryDeps {
  registry: FluxRegistryStore;
  clock: Clock;
  /** The workflow types a `workflow` executor may start. */
  workflowTypes: () => string[];
}

/** The seed's answer to a batch: one detail per item, in order. */
export interface BatchAnswer {
  message: string;
  details: unknown[];
}

/** Rounds of validate-and-write a table makes while concurrent registrations change the registry. */
const ROUNDS = 5;

const issuesOf = (error: { issues: { path: PropertyKey[]; message: string }[] }, prefix: string): Problem[] =>
  error.issues.map((i) => ({ path: [prefix, ...i.path.map(String)].filter(Boolean).join('.'), message: i.message }));

export function createRegistry(deps: RegistryDeps) {
  const { registry, clock } = deps;
  const iso = () => new Date(clock.now()).toISOString();

  /**
   * The problems of `tables` (in order; each may depend on an earlier one) against the stored
   * registry: unknown dependencies and executors, template syntax, and cycles (the batch's edges
   * over the stored graph).
   */
  async function problemsOf(tables: { table: TableInput; path: string }[]): Promise<Problem[]> {
    const problems: Problem[] = [];
    const depNames = [...new Set(tables.flatMap(({ table }) => table.dependencies.map((d) => d.table)))];
    const executorNames = [...new Set(tables.flatMap(({ table }) => table.tasks.map((t) => t.executor)))];
    const [stored, executors] = await Promise.all([registry.getTables(depNames), registry.getExecutors(executorNames)]);
    const upstream = new Map<string, readonly string[]>([...stored.values()].map((t) => [t.name, t.dependencies.map((d) => d.table)]));
    const batch = new Set<string>();
    for (const { table, path } of tables) {
      table.dependencies.forEach((d, i) => {
        if (d.table !== table.name && !stored.has(d.table) && !batch.has(d.table))
          problems.push({ path: `${path}.dependencies.${i}.table`, message: `unknown table ${d.table} (register it first, or earlier in the list)` });
      });
      table.tasks.forEach((t, i) => {
        if (!executors.has(t.executor))
          problems.push({ path: `${path}.tasks.${i}.executor`, message: `unknown executor ${t.executor} (POST /flux/task_executor first)` });
        const problem = templateProblem(t.params);
        if (problem) problems.push({ path: `${path}.tasks.${i}.params`, message: `template: ${problem}` });
      });
      batch.add(table.name);
      upstream.set(
        table.name,
        table.dependencies.map((d) => d.table),
      );
    }
    // Ancestors not yet read: the stored graph upstream of the batch, read level by level.
    for (let frontier = [...upstream.values()].flat(); frontier.length;) {
      const unread = [...new Set(frontier.filter((n) => !upstream.has(n)))];
      const found = unread.length ? await registry.getTables(unread) : new Map<string, StoredTable>();
      for (const name of unread) upstream.set(name, found.get(name)?.dependencies.map((d) => d.table) ?? []);
      frontier = unread.flatMap((n) => upstream.get(n) ?? []);
    }
    for (const { table, path } of tables) {
      const cycle = findCycle(table.name, (n) => upstream.get(n));
      if (cycle) problems.push({ path: `${path}.dependencies`, message: `dependency cycle: ${cycle.join(' → ')}` });
    }
    return problems;
  }

  /** Writes one validated table (created, or replacing the stored one), checking it again at each registry version. */
  async function save(table: TableInput, user: string, mustExist: boolean): Promise<{ created: boolean }> {
    for (let round = 0; round < ROUNDS; round++) {
      const version = await registry.version();
      const previous = await registry.getTable(table.name);
      if (mustExist && !previous) throw new NotFoundError(`no table ${table.name}`, { table: table.name });
      // Concurrent registrations may have changed the graph since the batch was checked.
      const problems = await problemsOf([{ table, path: 'data' }]);
      if (problems.length) throw new ValidationError(`invalid table ${table.name}`, problems);
      const at = iso();
      const stored: StoredTable = {
        ...table,
        created_by: previous?.created_by ?? user,
        created_at: previous?.created_at ?? at,
        last_modified_by: user,
        last_modified_at: at,
      };
      const outcome = await registry.saveTable(stored, previous, version);
      if (outcome.ok) return { created: !previous };
    }
    throw new ConflictError('flux.conflict', `table ${table.name}: the registry kept changing; try again`);
  }

  return {
    /** `POST /tables`: creates or replaces each table, in order; nothing is written when any item is invalid. */
    async registerTables(items: unknown[], user: string): Promise<BatchAnswer> {
      const problems: Problem[] = [];
      const tables: { table: TableInput; path: string }[] = [];
      items.forEach((item, i) => {
        const parsed = tableInputSchema.safeParse(item);
        if (parsed.success) tables.push({ table: parsed.data, path: `data.${i}` });
        else problems.push(...issuesOf(parsed.error, `data.${i}`));
      });
      const names = tables.map((t) => t.table.name);
      names.forEach((n, i) => {
        if (names.indexOf(n) !== i) problems.push({ path: tables[i].path, message: `table ${n} is listed twice` });
      });
      if (!problems.length) problems.push(...(await problemsOf(tables)));
      if (problems.length) throw new ValidationError('invalid tables', problems);
      const details: unknown[] = [];
      for (const { table } of tables) {
        const { created } = await save(table, user, false);
        details.push([`Table '${table.name}' saved successfully.`, created ? 201 : 200]);
      }
      return { message: 'All entities processed successfully.', details };
    },

    /** `PUT /tables/:name`: replaces the table's definition (its name stays). */
    async updateTable(name: string, item: unknown, user: string): Promise<StoredTable> {
      const raw = item && typeof item === 'object' && !Array.isArray(item) ? { name, ...item } : item;
      const parsed = tableInputSchema.safeParse(raw);
      if (!parsed.success) throw new ValidationError('invalid table', issuesOf(parsed.error, 'data'));
      if (parsed.data.name !== name) throw new ValidationError('invalid table', [{ path: 'data.name', message: `a table is not renamed: this is ${name}` }]);
      await save(parsed.data, user, true);
      return (await registry.getTable(name))!;
    },

    async getTable(name: string): Promise<StoredTable> {
      const table = await registry.getTable(name);
      if (!table) throw new NotFoundError(`no table ${name}`, { table: name });
      return table;
    },

    listTables: () => registry.listTables(),

    /** `DELETE /tables/:name`: a soft delete (kept with who and when); its dependency edges go. */
    async deleteTable(name: string, user: string): Promise<{ message: string }> {
      for (let round = 0; round < ROUNDS; round++) {
        const version = await registry.version();
        const table = await registry.getTable(name);
        if (!table) throw new NotFoundError(`no table ${name}`, { table: name });
        if ((await registry.deleteTable(table, user, iso(), version)).ok) return { message: `Table '${name}' deleted successfully.` };
      }
      throw new ConflictError('flux.conflict', `table ${name}: the registry kept changing; try again`);
    },

    /** `POST /task_executor`: creates or replaces each executor; a `workflow` one must name a registered workflow type. */
    async registerExecutors(items: unknown[], user: string): Promise<BatchAnswer> {
      const problems: Problem[] = [];
      const parsed = items.map((item, i) => {
        const p = executorInputSchema.safeParse(item);
        if (!p.success) problems.push(...issuesOf(p.error, `data.${i}`));
        else if (p.data.method === 'workflow' && !deps.workflowTypes().includes(p.data.identification))
          problems.push({ path: `data.${i}.identification`, message: `no workflow type ${p.data.identification}; known: ${deps.workflowTypes().join(', ')}` });
        return p.data;
      });
      if (problems.length) throw new ValidationError('invalid executors', problems);
      const details: unknown[] = [];
      for (const executor of parsed) {
        const stored: StoredExecutor = { ...executor!, created_by: user, created_at: iso() };
        const { created } = await registry.putExecutor(stored);
        details.push([`Executor '${stored.alias}' saved successfully.`, created ? 201 : 200]);
      }
      return { message: 'All entities processed successfully.', details };
    },

    listExecutors: () => registry.listExecutors(),
  };
}

export type Registry = ReturnType<typeof createRegistry>;
