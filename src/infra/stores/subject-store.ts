/**
 * What an LGPD export or erasure does to a table, whatever the table: read or delete one
 * partition, scan it page by page, scrub a completed delivery record, rewrite an item. Keys come
 * from TABLE_DEFS; the privacy use-cases decide what belongs to a subject.
 */
import { BatchWriteCommand, PutCommand, QueryCommand, ScanCommand, UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { sleep } from '../../kernel/retry.js';
import { TABLE_DEFS, type TableKey, type TableNames } from '../tables.js';
import { expressionsFor, update } from './expression.js';
import { guard, queryPages, writeIf, type Item } from './store-deps.js';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** BatchWriteItem's limit. */
const BATCH = 25;
/** Rounds of resending what DynamoDB left unprocessed (throttling) before giving up. */
const UNPROCESSED_ROUNDS = 8;

export interface SubjectStoreDeps {
  doc: DynamoDBDocumentClient;
  tables: TableNames;
}

/** Pure: the key attributes of an item of `table`. */
export function keyOf(table: TableKey, item: Item): Item {
  const def = TABLE_DEFS[table];
  const key: Item = { [def.partitionKey.name]: item[def.partitionKey.name] };
  if ('sortKey' in def) key[def.sortKey.name] = item[def.sortKey.name];
  return key;
}

/**
 * Pure: a completed delivery record with everything personal removed (its event, its stored
 * response), kept under its key until its TTL so a provider's retry is still a duplicate.
 */
export function scrubClaimParams(tableName: string, key: string): UpdateCommandInput {
  const def = TABLE_DEFS.idempotency;
  return {
    TableName: tableName,
    Key: { [def.partitionKey.name]: key },
    ...expressionsFor(def)(
      { update: update({ set: ['#response = :none', 'erased = :yes'], remove: ['#event', 'importedFrom'] }), condition: '#status = :completed' },
      { none: null, yes: true, completed: 'completed' },
    ),
  };
}

export interface SubjectStore {
  /** Every item of one partition (expired ones too: an erasure removes those as well). */
  partition(table: TableKey, pk: string): Promise<Item[]>;
  /** The keys of one partition's items, a page at a time; `onPage` may delete them before the next page is read. */
  eachKeyPage(table: TableKey, pk: string, onPage: (keys: Item[]) => Promise<void>): Promise<void>;
  /** Scans the whole table a page at a time; `onPage` may write before the next page is read. */
  scan(table: TableKey, onPage: (items: Item[]) => Promise<void> | void): Promise<void>;
  /** Deletes the items with these keys (batches of 25, unprocessed ones resent); the number asked for. */
  deleteKeys(table: TableKey, keys: Item[]): Promise<number>;
  /** Scrubs a completed delivery record (see scrubClaimParams); false when it is not completed (still to be processed). */
  scrubClaim(key: string): Promise<boolean>;
  /** Replaces an item that still exists with `item` (a scrubbed copy). */
  replace(table: TableKey, item: Item): Promise<boolean>;
}

/** Builds the subject store over every table. */
export function createSubjectStore({ doc, tables }: SubjectStoreDeps): SubjectStore {
  return {
    async partition(table, pk) {
      const def = TABLE_DEFS[table];
      const items: Item[] = [];
      await queryPages(
        doc,
        { TableName: tables[table], ...expressionsFor(def)({ keyCondition: '#pk = :pk' }, { pk }), ConsistentRead: true },
        (page) => void items.push(...(page.Items ?? [])),
      );
      return items;
    },

    async eachKeyPage(table, pk, onPage) {
      const def = TABLE_DEFS[table];
      const names = ['#pk', ...('sortKey' in def ? ['#sk'] : [])].join(', ');
      let startKey: Item | undefined;
      do {
        const page = await guard(() =>
          doc.send(
            new QueryCommand({
              TableName: tables[table],
              ...expressionsFor(def)({ keyCondition: '#pk = :pk', projection: names }, { pk }),
              ConsistentRead: true,
              ExclusiveStartKey: startKey,
            }),
          ),
        );
        await onPage(page.Items ?? []);
        startKey = page.LastEvaluatedKey;
      } while (startKey);
    },

    async scan(table, onPage) {
      let startKey: Item | undefined;
      do {
        const page = await guard(() => doc.send(new ScanCommand({ TableName: tables[table], ExclusiveStartKey: startKey, ConsistentRead: true })));
        await onPage(page.Items ?? []);
        startKey = page.LastEvaluatedKey;
      } while (startKey);
    },

    async deleteKeys(table, keys) {
      for (let i = 0; i < keys.length; i += BATCH) {
        let requests = keys.slice(i, i + BATCH).map((Key) => ({ DeleteRequest: { Key } }));
        for (let round = 0; requests.length > 0; round++) {
          if (round >= UNPROCESSED_ROUNDS) throw new Error(`DynamoDB left ${requests.length} deletes of ${tables[table]} unprocessed`);
          if (round > 0) await sleep(20 * 2 ** round);
          const out = await guard(() => doc.send(new BatchWriteCommand({ RequestItems: { [tables[table]]: requests } })));
          requests = (out.UnprocessedItems?.[tables[table]] ?? []) as typeof requests;
        }
      }
      return keys.length;
    },

    async scrubClaim(key) {
      const result = await writeIf(() => doc.send(new UpdateCommand(scrubClaimParams(tables.idempotency, key))));
      return result.written;
    },

    async replace(table, item) {
      const def = TABLE_DEFS[table];
      const result = await writeIf(() =>
        doc.send(new PutCommand({ TableName: tables[table], Item: item, ...expressionsFor(def)({ condition: 'attribute_exists(#pk)' }) })),
      );
      return result.written;
    },
  };
}
