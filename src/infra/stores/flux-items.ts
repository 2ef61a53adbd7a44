/**
 * The FluxControl table's item keys, in one place: every flux store builds its keys here. One
 * table of typed items (docs/flux-control.md says why): "pk" names the entity, "sk" its part.
 */
import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TransactionCancelledError } from '../../kernel/errors.js';
import { TABLE_DEFS, indexNamed } from '../tables.js';
import { expressionsFor } from './expression.js';
import { guard, type Item } from './store-deps.js';
import { transactWrite, type TxOp } from './transaction.js';

const FLUX = TABLE_DEFS.flux;
export const LIST = indexNamed(FLUX, 'list-index');
export const DUE = indexNamed(FLUX, 'due-index');
export const fluxExpression = expressionsFor(FLUX);
/** Due-index shards: claims spread over several index partitions. */
const FLUX_DUE_SHARDS = 4;

export const keys = {
  table: (name: string) => ({ pk: `table#${name}`, sk: 'def' }),
  /** An edge "dependent depends on upstream", kept beside the upstream: its dependents in one Query. */
  dependent: (upstream: string, dependent: string) => ({ pk: `table#${upstream}`, sk: `dependent#${dependent}` }),
  registry: () => ({ pk: 'registry', sk: 'version' }),
  executor: (alias: string) => ({ pk: `executor#${alias}`, sk: 'def' }),
  execution: (table: string, dateTime: string, id: string) => ({ pk: `exec#${table}`, sk: `${dateTime}#${id}` }),
  /** The latest execution of a table for one set of its sync-partition values. */
  landing: (table: string, valuesKey: string) => ({ pk: `landed#${table}`, sk: `v#${valuesKey}` }),
  report: (table: string, reportId: string) => ({ pk: `report#${table}#${reportId}`, sk: 'report' }),
  schedule: (id: string) => ({ pk: `sched#${id}`, sk: 'sched' }),
  debounce: (key: string) => ({ pk: `dkey#${key}`, sk: 'dkey' }),
  approval: (id: string) => ({ pk: `approval#${id}`, sk: 'approval' }),
};

/** Pure: the due-index shard of a schedule (a stable spread). */
export function dueShardOf(id: string): string {
  let hash = 0;
  for (let i = 0; i < id.length; i++) hash = (hash * 31 + id.charCodeAt(i)) | 0;
  return `fdue#${Math.abs(hash) % FLUX_DUE_SHARDS}`;
}
export const DUE_SHARD_VALUES = Array.from({ length: FLUX_DUE_SHARDS }, (_, i) => `fdue#${i}`);

/** Strips the key and index attributes: what a store answers. */
export function body<T>(item: Item): T {
  const { pk: _pk, sk: _sk, listKey: _l, listSort: _s, ...rest } = item;
  return rest as T;
}

/** A transaction's outcome: written, or which labelled part's condition failed (a concurrent writer won). */
export type TxOutcome = { ok: true } | { ok: false; failed: string; current?: Item };

class PartFailed extends Error {
  constructor(
    readonly label: string,
    readonly current: Item | undefined,
  ) {
    super(label);
  }
}

/** A part of a transaction whose failed condition is an outcome, not an error. */
export const part = (label: string, item: TxOp['item']): TxOp => ({ label, item, onConditionFailed: (current) => new PartFailed(label, current) });

/** Sends the parts in one transaction; a failed condition or a conflicting transaction is an outcome ("conflict" for the latter). */
export async function tryTransact(doc: DynamoDBDocumentClient, ops: TxOp[]): Promise<TxOutcome> {
  try {
    await transactWrite(doc, ops);
    return { ok: true };
  } catch (error) {
    if (error instanceof PartFailed) return { ok: false, failed: error.label, current: error.current };
    if (error instanceof TransactionCancelledError && error.failed.every((f) => f.code === 'TransactionConflict')) return { ok: false, failed: 'conflict' };
    throw error;
  }
}

/** Reads items by key, 100 a request, unprocessed keys again; in no particular order. */
export async function batchGet(doc: DynamoDBDocumentClient, tableName: string, keyList: { pk: string; sk: string }[]): Promise<Item[]> {
  const out: Item[] = [];
  const unique = [...new Map(keyList.map((k) => [`${k.pk}\u0000${k.sk}`, k])).values()];
  for (let i = 0; i < unique.length; i += 100) {
    let pending: Record<string, unknown>[] | undefined = unique.slice(i, i + 100);
    for (let round = 0; pending?.length && round < 10; round++) {
      const res = await guard(() => doc.send(new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending, ConsistentRead: true } } })));
      out.push(...(res.Responses?.[tableName] ?? []));
      pending = res.UnprocessedKeys?.[tableName]?.Keys;
    }
  }
  return out;
}
