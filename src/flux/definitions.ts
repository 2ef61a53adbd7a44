/**
 * Table definitions and executors, cached per registry version. Every change of a table or an
 * executor bumps the registry's version item (in the same transaction for tables, right after the
 * write for executors), so a unit of work that first reads the version (one GetItem: a sweep, a
 * report batch) sees every change answered before it started, and reads each definition from
 * DynamoDB at most once per version and instance. A definition read after the version read is at
 * least as new as that version, so it is never older than what the cache claims.
 */
import type { Dependent, FluxRegistryStore, StoredExecutor, StoredTable } from '../infra/stores/flux-registry-store.js';

/** The registry as of one version: each lookup reads DynamoDB only for what this version has not read yet. */
export interface Definitions {
  table(name: string): Promise<StoredTable | null>;
  /** Live tables by name (absent and deleted ones left out): one BatchGet for those not read yet. */
  tables(names: readonly string[]): Promise<Map<string, StoredTable>>;
  executor(alias: string): Promise<StoredExecutor | null>;
  /** A table and the tables depending on it. */
  withDependents(name: string): Promise<{ table: StoredTable | null; dependents: Dependent[] }>;
}

/** A cache entry's promise, dropped when it fails so the next lookup reads again. */
function remember<K, V>(map: Map<K, Promise<V>>, key: K, read: Promise<V>): Promise<V> {
  map.set(key, read);
  read.catch(() => {
    if (map.get(key) === read) map.delete(key);
  });
  return read;
}

function definitionsOf(store: FluxRegistryStore): Definitions {
  const tables = new Map<string, Promise<StoredTable | null>>();
  const executors = new Map<string, Promise<StoredExecutor | null>>();
  const dependents = new Map<string, Promise<Dependent[]>>();

  const lookupTables = async (names: readonly string[]) => {
    const unread = [...new Set(names)].filter((n) => !tables.has(n));
    if (unread.length) {
      const read = store.getTables(unread);
      for (const n of unread)
        void remember(
          tables,
          n,
          read.then((m) => m.get(n) ?? null),
        );
    }
    const found = await Promise.all(names.map((n) => tables.get(n)!));
    return new Map(found.flatMap((t) => (t ? [[t.name, t] as const] : [])));
  };

  return {
    table: async (name) => (await lookupTables([name])).get(name) ?? null,
    tables: lookupTables,
    executor: (alias) => executors.get(alias) ?? remember(executors, alias, store.getExecutor(alias)),
    async withDependents(name) {
      let list = dependents.get(name);
      if (!list) {
        const read = store.withDependents(name);
        if (!tables.has(name))
          void remember(
            tables,
            name,
            read.then((r) => r.table),
          );
        list = remember(
          dependents,
          name,
          read.then((r) => r.dependents),
        );
      }
      return { dependents: await list, table: await lookupTables([name]).then((m) => m.get(name) ?? null) };
    },
  };
}

export function createDefinitionsCache(store: FluxRegistryStore) {
  let cached: { version: number; definitions: Definitions } | undefined;
  return {
    /** The definitions as of the registry's version now: one read, and the cache of that version. */
    async current(): Promise<Definitions> {
      const version = await store.version();
      if (cached?.version !== version) cached = { version, definitions: definitionsOf(store) };
      return cached.definitions;
    },
  };
}

export type DefinitionsCache = ReturnType<typeof createDefinitionsCache>;
