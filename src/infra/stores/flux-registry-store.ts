/**
 * Flux control's registry: table definitions (with their dependency edges kept beside each
 * upstream table) and executors. Every change of the table graph also bumps one version item, so
 * two registrations that would together close a cycle cannot both pass the cycle check; an
 * executor's change bumps it too, so readers may cache definitions per version.
 */
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { and } from './expression.js';
import { LIST, batchGet, body, fluxExpression as expression, keys, part, tryTransact, type TxOutcome } from './flux-items.js';
import { guard, queryAll, type Item, type StoreDeps } from './store-deps.js';
import type { TxOp } from './transaction.js';

/** A table definition as the registry stores it; the fields are flux control's (src/flux/model.ts). */
export interface StoredTable {
  name: string;
  description: string;
  requires_approval: boolean;
  partitions: { name: string; type: string; is_required: boolean; sync_column: boolean }[];
  dependencies: { table: string; is_required: boolean }[];
  tasks: { alias: string; executor: string; params: string | Record<string, unknown>; debounce_seconds: number }[];
  created_by: string;
  created_at: string;
  last_modified_by: string;
  last_modified_at: string;
  deleted_at?: string;
  deleted_by?: string;
}

export interface StoredExecutor {
  alias: string;
  method: 'workflow' | 'http';
  identification: string;
  description: string;
  created_by: string;
  created_at: string;
}

export interface Dependent {
  table: string;
  is_required: boolean;
}

const LIVE_TABLES = 'table';
const DELETED_TABLES = 'table-deleted';
const EXECUTORS = 'executor';

const isLive = (item: Item | undefined): item is Item => !!item && item.deleted_at === undefined;

/** Pure: the part that moves the registry from `version` to the next (0: never written). */
function bumpOp(tableName: string, version: number): TxOp {
  return part('registry', {
    Update: {
      TableName: tableName,
      Key: keys.registry(),
      ...expression(
        { update: 'SET #version = :next', condition: version === 0 ? 'attribute_not_exists(#pk)' : '#version = :version' },
        version === 0 ? { next: 1 } : { version, next: version + 1 },
      ),
    },
  });
}

/** Pure: the parts that make `upstream → dependent` edges match `now` from `before`. */
function edgeOps(tableName: string, dependent: string, before: Dependent[], now: Dependent[]): TxOp[] {
  const kept = new Set(now.map((d) => d.table));
  return [
    ...now.map((d) =>
      part(`edge:${d.table}`, { Put: { TableName: tableName, Item: { ...keys.dependent(d.table, dependent), dependent, is_required: d.is_required } } }),
    ),
    ...before
      .filter((d) => !kept.has(d.table))
      .map((d) => part(`edge:${d.table}`, { Delete: { TableName: tableName, Key: keys.dependent(d.table, dependent) } })),
  ];
}

export function createFluxRegistryStore(deps: StoreDeps) {
  const { doc, tableName } = deps;

  async function getItem(key: { pk: string; sk: string }): Promise<Item | undefined> {
    return (await guard(() => doc.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true })))).Item;
  }

  async function list(listKey: string): Promise<Item[]> {
    return queryAll(doc, { TableName: tableName, IndexName: LIST.name, ...expression({ keyCondition: '#listKey = :k' }, { k: listKey }) });
  }

  return {
    async version(): Promise<number> {
      return ((await getItem(keys.registry()))?.version as number | undefined) ?? 0;
    },

    /** A live table, or null (absent or deleted). */
    async getTable(name: string): Promise<StoredTable | null> {
      const item = await getItem(keys.table(name));
      return isLive(item) ? body<StoredTable>(item) : null;
    },

    /** Live tables by name (absent and deleted ones left out). */
    async getTables(names: string[]): Promise<Map<string, StoredTable>> {
      const items = await batchGet(doc, tableName, names.map(keys.table));
      return new Map(items.filter(isLive).map((i) => [i.name as string, body<StoredTable>(i)]));
    },

    /** A table and the tables depending on it, in one Query (the edges live in its partition). */
    async withDependents(name: string): Promise<{ table: StoredTable | null; dependents: Dependent[] }> {
      const items = await queryAll(doc, { TableName: tableName, ...expression({ keyCondition: '#pk = :pk' }, { pk: keys.table(name).pk }) });
      const def = items.find((i) => i.sk === 'def');
      return {
        table: isLive(def) ? body<StoredTable>(def) : null,
        dependents: items
          .filter((i) => (i.sk as string).startsWith('dependent#'))
          .map((i) => ({ table: i.dependent as string, is_required: i.is_required as boolean })),
      };
    },

    async listTables(): Promise<StoredTable[]> {
      return (await list(LIVE_TABLES)).map((i) => body<StoredTable>(i));
    },

    /**
     * Writes a table (created when `previous` is null, else replacing it) with its edges, if the
     * registry is still at `version`: one transaction.
     */
    async saveTable(table: StoredTable, previous: StoredTable | null, version: number): Promise<TxOutcome> {
      const defOp = part('table', {
        Put: {
          TableName: tableName,
          Item: { ...keys.table(table.name), ...table, listKey: LIVE_TABLES, listSort: table.name },
          ...expression({
            condition: previous
              ? and('attribute_exists(#pk)', 'attribute_not_exists(#deleted_at)')
              : '(attribute_not_exists(#pk) OR attribute_exists(#deleted_at))',
          }),
        },
      });
      return tryTransact(doc, [bumpOp(tableName, version), defOp, ...edgeOps(tableName, table.name, previous?.dependencies ?? [], table.dependencies)]);
    },

    /** Soft-deletes a table (kept, with who and when) and removes its edges, if the registry is still at `version`. */
    async deleteTable(table: StoredTable, user: string, at: string, version: number): Promise<TxOutcome> {
      const defOp = part('table', {
        Update: {
          TableName: tableName,
          Key: keys.table(table.name),
          ...expression(
            {
              update: 'SET #deleted_at = :at, #deleted_by = :user, #listKey = :deleted',
              condition: and('attribute_exists(#pk)', 'attribute_not_exists(#deleted_at)'),
            },
            { at, user, deleted: DELETED_TABLES },
          ),
        },
      });
      return tryTransact(doc, [bumpOp(tableName, version), defOp, ...edgeOps(tableName, table.name, table.dependencies, [])]);
    },

    /** Creates or replaces an executor; whether it was new. */
    async putExecutor(executor: StoredExecutor): Promise<{ created: boolean }> {
      const out = await guard(() =>
        doc.send(
          new PutCommand({
            TableName: tableName,
            Item: { ...keys.executor(executor.alias), ...executor, listKey: EXECUTORS, listSort: executor.alias },
            ReturnValues: 'ALL_OLD',
          }),
        ),
      );
      // After the write: a reader of the new version then finds the new executor (definitions.ts caches per version).
      await guard(() =>
        doc.send(new UpdateCommand({ TableName: tableName, Key: keys.registry(), ...expression({ update: 'ADD #version :one' }, { one: 1 }) })),
      );
      return { created: !out.Attributes };
    },

    async getExecutor(alias: string): Promise<StoredExecutor | null> {
      const item = await getItem(keys.executor(alias));
      return item ? body<StoredExecutor>(item) : null;
    },

    async getExecutors(aliases: string[]): Promise<Map<string, StoredExecutor>> {
      const items = await batchGet(doc, tableName, aliases.map(keys.executor));
      return new Map(items.map((i) => [i.alias as string, body<StoredExecutor>(i)]));
    },

    async listExecutors(): Promise<StoredExecutor[]> {
      return (await list(EXECUTORS)).map((i) => body<StoredExecutor>(i));
    },
  };
}

export type FluxRegistryStore = ReturnType<typeof createFluxRegistryStore>;
