import { GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient, type PutCommandInput } from '@aws-sdk/lib-dynamodb';
import { canonicalHash, canonicalJson } from '../../kernel/canonical-json.js';
import type { Clock } from '../../kernel/clock.js';
import { ConflictError, ValidationError } from '../../kernel/errors.js';
import { TABLE_DEFS } from '../tables.js';
import { guard, wrap } from './store-deps.js';
import { conditionFailedItem, isConditionFailed } from './transaction.js';

const KEY = TABLE_DEFS.congregados.partitionKey.name;
const HASH_INDEX = TABLE_DEFS.congregados.indexes[0].name;
const HASH_ATTR = TABLE_DEFS.congregados.indexes[0].partitionKey.name;
/** Top-level fields left out of the content hash: they change on every save without changing the content. */
const VOLATILE_FIELDS = new Set(['createdAt', 'updatedAt', 'created_at', 'updated_at', 'version']);
const BATCH_CONCURRENCY = 8;
/** DynamoDB items stop at 400 KB; the rest of the item needs the margin. */
export const MAX_DATA_BYTES = 380_000;

export type CongregadoData = Record<string, unknown>;

export interface CongregadoRecord {
  id: string;
  idempotencyKey: string;
  version: number;
  data: CongregadoData;
  metadata: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

export interface SaveInput {
  primaryKey: string;
  data: CongregadoData;
  metadata?: Record<string, unknown>;
  /** Optimistic concurrency: save only if the stored version is exactly this (0 = must not exist). */
  expectedVersion?: number;
}

export interface SaveResult {
  status: 'created' | 'updated' | 'unchanged';
  version: number;
  idempotencyKey: string;
}

export type BatchSaveResult = { primaryKey: string } & ({ ok: true; result: SaveResult } | { ok: false; error: Error });

/** Pure: SHA-256 (hex) of the canonical JSON of `data`, timestamps and version excluded. */
export function contentHash(data: CongregadoData): string {
  const content = Object.fromEntries(Object.entries(data).filter(([k]) => !VOLATILE_FIELDS.has(k)));
  return canonicalHash(content);
}

export interface CongregadoStore {
  /** Saves idempotently: same content → unchanged; new content → version+1; a lost race → ConflictError. */
  save(input: SaveInput): Promise<SaveResult>;
  get(primaryKey: string): Promise<CongregadoRecord | null>;
  /** Items whose content hashes to `idempotencyKey` (through the GSI, so eventually consistent). */
  findByIdempotencyKey(idempotencyKey: string): Promise<CongregadoRecord[]>;
  /** Saves each item with the same rules as `save`; one item's conflict does not stop the others. */
  batchSave(items: SaveInput[]): Promise<BatchSaveResult[]>;
}

export interface CongregadoStoreDeps {
  doc: DynamoDBDocumentClient;
  tableName: string;
  clock: Clock;
}

function toRecord(item: Record<string, unknown>): CongregadoRecord {
  return {
    id: item[KEY] as string,
    idempotencyKey: item[HASH_ATTR] as string,
    version: item.version as number,
    data: typeof item.dataJson === 'string' ? (JSON.parse(item.dataJson) as CongregadoData) : {},
    metadata: (item.metadata as Record<string, unknown>) ?? {},
    createdAt: item.createdAt as string,
    updatedAt: item.updatedAt as string,
  };
}

// Conditions, joined from named parts:
/** The id has never been saved. */
const ABSENT = 'attribute_not_exists(#id)';
/** The stored version is the one the writer read (true optimistic concurrency). */
const AT_VERSION = '#version = :expected';

/** Pure: the conditional put for a save that read version `expected` (0 = none). */
export function saveParams(tableName: string, item: Record<string, unknown>, expected: number): PutCommandInput {
  return expected === 0
    ? { TableName: tableName, Item: item, ConditionExpression: ABSENT, ExpressionAttributeNames: { '#id': KEY }, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' }
    : {
        TableName: tableName,
        Item: item,
        ConditionExpression: AT_VERSION,
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: { ':expected': expected },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      };
}

/** Builds the congregado store over the CongregadoData table. */
export function createCongregadoStore(deps: CongregadoStoreDeps): CongregadoStore {
  const { doc, tableName, clock } = deps;

  const conflict = (primaryKey: string, why: string, current?: Record<string, unknown>) =>
    new ConflictError('congregado.conflict', `congregado ${primaryKey}: ${why}`, { current: current ?? null });

  async function get(primaryKey: string): Promise<CongregadoRecord | null> {
    const out = await guard(() => doc.send(new GetCommand({ TableName: tableName, Key: { [KEY]: primaryKey }, ConsistentRead: true })));
    return out.Item ? toRecord(out.Item) : null;
  }

  /** Only what a save decides on: the stored data may be hundreds of KB and is not needed. */
  async function head(primaryKey: string): Promise<Pick<CongregadoRecord, 'version' | 'idempotencyKey' | 'createdAt'> | null> {
    const out = await guard(() =>
      doc.send(
        new GetCommand({
          TableName: tableName,
          Key: { [KEY]: primaryKey },
          ConsistentRead: true,
          ProjectionExpression: '#version, #hash, #createdAt',
          ExpressionAttributeNames: { '#version': 'version', '#hash': HASH_ATTR, '#createdAt': 'createdAt' },
        }),
      ),
    );
    const item = out.Item as Record<string, unknown> | undefined;
    return item ? { version: item.version as number, idempotencyKey: item[HASH_ATTR] as string, createdAt: item.createdAt as string } : null;
  }

  async function save({ primaryKey, data, metadata = {}, expectedVersion }: SaveInput): Promise<SaveResult> {
    if (!primaryKey) throw new ValidationError('primaryKey is required');
    const idempotencyKey = contentHash(data);
    const current = await head(primaryKey);
    const storedVersion = current?.version ?? 0;
    if (expectedVersion !== undefined && expectedVersion !== storedVersion) {
      // A stale explicit version is a conflict even when the content is identical.
      throw conflict(primaryKey, `expected version ${expectedVersion}, found ${storedVersion}`);
    }
    if (current && current.idempotencyKey === idempotencyKey) return { status: 'unchanged', version: current.version, idempotencyKey };

    const now = new Date(clock.now()).toISOString();
    const version = storedVersion + 1;
    // Stored as its canonical JSON string: one attribute instead of thousands (a 1,000-row
    // sample as a nested map is slow to marshal and to write), and the bytes are the hashed form.
    const dataJson = canonicalJson(data);
    if (Buffer.byteLength(dataJson) > MAX_DATA_BYTES) {
      throw new ValidationError(`congregado ${primaryKey} is ${Buffer.byteLength(dataJson)} bytes as JSON; the limit is ${MAX_DATA_BYTES}`);
    }
    const item = {
      [KEY]: primaryKey,
      [HASH_ATTR]: idempotencyKey,
      version,
      dataJson,
      metadata: JSON.parse(canonicalJson(metadata)),
      createdAt: current?.createdAt ?? now,
      updatedAt: now,
    };
    try {
      await doc.send(new PutCommand(saveParams(tableName, item, storedVersion)));
      return { status: storedVersion === 0 ? 'created' : 'updated', version, idempotencyKey };
    } catch (error) {
      if (!isConditionFailed(error)) throw wrap(error);
      const winner = conditionFailedItem(error);
      // The concurrent writer stored the very same content: nothing conflicts.
      if (winner && winner[HASH_ATTR] === idempotencyKey && expectedVersion === undefined) {
        return { status: 'unchanged', version: winner.version as number, idempotencyKey };
      }
      throw conflict(primaryKey, `a concurrent save stored version ${String(winner?.version ?? '?')} first`, winner);
    }
  }

  return {
    save,
    get,

    async findByIdempotencyKey(idempotencyKey) {
      const out = await guard(() =>
        doc.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: HASH_INDEX,
            KeyConditionExpression: '#hash = :hash',
            ExpressionAttributeNames: { '#hash': HASH_ATTR },
            ExpressionAttributeValues: { ':hash': idempotencyKey },
          }),
        ),
      );
      return ((out.Items as Record<string, unknown>[]) ?? []).map(toRecord);
    },

    async batchSave(items) {
      const keys = items.map((i) => i.primaryKey);
      const duplicates = keys.filter((k, i) => keys.indexOf(k) !== i);
      if (duplicates.length) throw new ValidationError(`batchSave got the same primaryKey twice: ${[...new Set(duplicates)].join(', ')}`);
      const results: BatchSaveResult[] = new Array(items.length);
      let next = 0;
      const worker = async () => {
        while (next < items.length) {
          const index = next++;
          const input = items[index];
          try {
            results[index] = { primaryKey: input.primaryKey, ok: true, result: await save(input) };
          } catch (error) {
            results[index] = { primaryKey: input.primaryKey, ok: false, error: error as Error };
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(BATCH_CONCURRENCY, items.length) }, worker));
      return results;
    },
  };
}
