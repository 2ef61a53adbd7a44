import { QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { epochSeconds, type Clock } from '../../kernel/clock.js';
import { StoreUnavailableError, isUnavailable } from '../../kernel/errors.js';
import type { IndexDef, KeyDef, TableDef } from '../tables.js';
import { expressionsFor } from './expression.js';

/** What every store is built from. */
export interface StoreDeps {
  doc: DynamoDBDocumentClient;
  tableName: string;
  clock: Clock;
}

export type Item = Record<string, unknown>;

/** Pure: whether an item read from DynamoDB is past its TTL (epoch seconds in `ttlAttribute`), so treated as absent. */
export function isExpired(item: Item | undefined, nowMs: number, ttlAttribute: string): boolean {
  const ttl = item?.[ttlAttribute];
  return typeof ttl === 'number' && ttl < epochSeconds(nowMs);
}

/** Maps transport failures to StoreUnavailableError; everything else is returned unchanged. */
export function wrap(error: unknown): unknown {
  return isUnavailable(error) ? new StoreUnavailableError(error) : error;
}

const rethrowWrapped = (error: unknown): never => {
  throw wrap(error);
};

/**
 * Runs one DynamoDB call, turning "unreachable" into StoreUnavailableError (→ 503). A `then` on
 * the call's promise rather than an async function: every request of every turn goes through here.
 */
export function guard<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return fn().then(undefined, rethrowWrapped);
  } catch (error) {
    // A call that throws before it starts (a bad input) is a rejection too, as from an async function.
    return Promise.resolve().then(() => rethrowWrapped(error));
  }
}

/** True for a failed condition on a single (non-transactional) write. */
const isConditionFailed = (error: unknown) => (error as { name?: string })?.name === 'ConditionalCheckFailedException';

/** The item a single conditional write returned with ReturnValuesOnConditionCheckFailure=ALL_OLD. */
function conditionFailedItem(error: unknown): Item | undefined {
  const item = (error as { Item?: Item }).Item;
  if (!item) return undefined;
  // The document client does not unmarshall error payloads: detect AttributeValue shapes.
  const looksMarshalled = Object.values(item).every(
    (v) => v && typeof v === 'object' && Object.keys(v).length === 1 && /^(S|N|B|BOOL|NULL|M|L|SS|NS|BS)$/.test(Object.keys(v)[0]),
  );
  return looksMarshalled ? unmarshall(item as Parameters<typeof unmarshall>[0]) : item;
}

/** A conditional write's outcome: written (with the call's output), or refused with the item as it was. */
export type Written<T> = { written: true; output: T } | { written: false; current: Item | undefined };

/**
 * Sends one conditional write through `guard`. A failed condition is an expected outcome, so it is
 * returned (with the item as it was, when the request asked for ALL_OLD); anything else is thrown.
 */
export function writeIf<T>(send: () => Promise<T>): Promise<Written<T>> {
  return guard(send).then(
    (output): Written<T> => ({ written: true, output }),
    (error: unknown): Written<T> => {
      if (isConditionFailed(error)) return { written: false, current: conditionFailedItem(error) };
      throw error;
    },
  );
}

/**
 * Runs a Query page after page (DynamoDB pages at 1 MB) until the last page, or until `onPage`
 * returns false (the caller has enough).
 */
export async function queryPages(doc: DynamoDBDocumentClient, input: QueryCommandInput, onPage: (page: QueryCommandOutput) => boolean | void): Promise<void> {
  let startKey: Item | undefined;
  do {
    const page = await guard(() => doc.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey })));
    if (onPage(page) === false) return;
    startKey = page.LastEvaluatedKey;
  } while (startKey);
}

/** Every item a Query returns, across all its pages. */
export async function queryAll(doc: DynamoDBDocumentClient, input: QueryCommandInput): Promise<Item[]> {
  const items: Item[] = [];
  await queryPages(doc, input, (page) => void items.push(...(page.Items ?? [])));
  return items;
}

/** A sparse index that lists work by due time: its partition key holds one shard value, its sort key epoch ms. */
export interface DueIndex {
  def: TableDef;
  index: IndexDef & { sortKey: KeyDef };
  shard: string;
}

/** Pure: one page (at most `limit` items) of a due index, the items due at or before `before`, oldest first. */
export function dueQueryParams(tableName: string, due: DueIndex, before: number, limit: number): QueryCommandInput {
  const { partitionKey, sortKey } = due.index;
  return {
    TableName: tableName,
    IndexName: due.index.name,
    ...expressionsFor(due.def)({ keyCondition: `${partitionKey.name} = :shard AND ${sortKey.name} <= :before` }, { shard: due.shard, before }),
    Limit: limit,
  };
}

/** The live items of one page of a due index (the recovery sweeps' work list); expired ones count as absent. */
export async function queryDue(deps: StoreDeps, due: DueIndex, before: number, limit: number): Promise<Item[]> {
  const out = await guard(() => deps.doc.send(new QueryCommand(dueQueryParams(deps.tableName, due, before, limit))));
  const now = deps.clock.now();
  return (out.Items ?? []).filter((item) => !isExpired(item, now, due.def.ttlAttribute ?? ''));
}
