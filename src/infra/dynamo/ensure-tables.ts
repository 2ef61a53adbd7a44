import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  ResourceNotFoundException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
  type AttributeDefinition,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { TABLE_DEFS, tableNames, type IndexDef, type KeyDef, type TableDef, type TableKey } from '../tables.js';

export interface EnsureResult {
  table: string;
  actions: string[];
}

const keySchema = (pk: KeyDef, sk?: KeyDef): KeySchemaElement[] => [
  { AttributeName: pk.name, KeyType: 'HASH' },
  ...(sk ? [{ AttributeName: sk.name, KeyType: 'RANGE' as const }] : []),
];

const gsi = (index: IndexDef): GlobalSecondaryIndex => ({
  IndexName: index.name,
  KeySchema: keySchema(index.partitionKey, index.sortKey),
  Projection:
    index.include === undefined
      ? { ProjectionType: 'ALL' }
      : index.include.length
        ? { ProjectionType: 'INCLUDE', NonKeyAttributes: [...index.include] }
        : { ProjectionType: 'KEYS_ONLY' },
});

/** Pure: attribute definitions for a table's keys and its indexes' keys, deduplicated. */
function attributeDefinitions(def: TableDef): AttributeDefinition[] {
  const keys = [def.partitionKey, def.sortKey, ...def.indexes.flatMap((i) => [i.partitionKey, i.sortKey])];
  const byName = new Map<string, KeyDef>();
  for (const key of keys) if (key) byName.set(key.name, key);
  return [...byName.values()].map((k) => ({ AttributeName: k.name, AttributeType: k.type }));
}

async function describe(client: DynamoDBClient, name: string): Promise<TableDescription | null> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: name }))).Table ?? null;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return null;
    throw error;
  }
}

async function ensureOne(client: DynamoDBClient, name: string, def: TableDef): Promise<EnsureResult> {
  const actions: string[] = [];
  const table = await describe(client, name);
  if (!table) {
    await client.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: keySchema(def.partitionKey, def.sortKey),
        AttributeDefinitions: attributeDefinitions(def),
        GlobalSecondaryIndexes: def.indexes.length ? def.indexes.map(gsi) : undefined,
      }),
    );
    await waitUntilTableExists({ client, maxWaitTime: 60 }, { TableName: name });
    actions.push(`created (${def.indexes.length} GSIs)`);
  } else {
    const existing = new Set((table.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName));
    for (const index of def.indexes.filter((i) => !existing.has(i.name))) {
      await client.send(
        new UpdateTableCommand({
          TableName: name,
          AttributeDefinitions: attributeDefinitions(def),
          GlobalSecondaryIndexUpdates: [{ Create: gsi(index) }],
        }),
      );
      actions.push(`added GSI ${index.name}`);
    }
  }
  if (def.ttlAttribute) {
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: name }));
    const status = ttl.TimeToLiveDescription?.TimeToLiveStatus;
    if (status !== 'ENABLED' && status !== 'ENABLING') {
      await client.send(
        new UpdateTimeToLiveCommand({
          TableName: name,
          TimeToLiveSpecification: { AttributeName: def.ttlAttribute, Enabled: true },
        }),
      );
      actions.push(`enabled TTL on ${def.ttlAttribute}`);
    }
  }
  return { table: name, actions };
}

/** Creates whatever is missing (tables, GSIs, TTL); a second run reports no actions. */
export async function ensureTables(client: DynamoDBClient, prefix = ''): Promise<EnsureResult[]> {
  const names = tableNames(prefix);
  const keys = Object.keys(TABLE_DEFS) as TableKey[];
  return Promise.all(keys.map((key) => ensureOne(client, names[key], TABLE_DEFS[key])));
}

export interface TableStatus {
  name: string;
  status: string;
  item_count: number | null;
  ttl: { attribute: string | null; status: string };
  gsis: { name: string; status: string }[];
}

/** Describes every table (for /readyz and the debug endpoint); a missing table has status MISSING. */
export async function describeTables(client: DynamoDBClient, prefix = ''): Promise<TableStatus[]> {
  const names = tableNames(prefix);
  return Promise.all(
    (Object.keys(TABLE_DEFS) as TableKey[]).map(async (key) => {
      const name = names[key];
      const table = await describe(client, name);
      if (!table) return { name, status: 'MISSING', item_count: null, ttl: { attribute: null, status: 'MISSING' }, gsis: [] };
      const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: name }));
      return {
        name,
        status: table.TableStatus ?? 'UNKNOWN',
        item_count: table.ItemCount ?? null,
        ttl: {
          attribute: ttl.TimeToLiveDescription?.AttributeName ?? null,
          status: ttl.TimeToLiveDescription?.TimeToLiveStatus ?? 'DISABLED',
        },
        gsis: (table.GlobalSecondaryIndexes ?? []).map((i) => ({ name: i.IndexName ?? '', status: i.IndexStatus ?? 'UNKNOWN' })),
      };
    }),
  );
}
