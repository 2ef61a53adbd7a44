import { GetCommand, PutCommand, type PutCommandInput } from '@aws-sdk/lib-dynamodb';
import { canonicalHash, canonicalJson } from '../../kernel/canonical-json.js';
import { mapWithConcurrency } from '../../kernel/concurrency.js';
import { ConflictError, ValidationError } from '../../kernel/errors.js';
import { TABLE_DEFS, indexNamed } from '../tables.js';
import { expressionsFor } from './expression.js';
import { guard, queryAll, writeIf, type Item, type StoreDeps } from './store-deps.js';

const DEF = TABLE_DEFS.congregados;
const KEY = DEF.partitionKey.name;
const BY_HASH = indexNamed(DEF, 'idempotencyKey-index');
const HASH_ATTR = BY_HASH.partitionKey.name;
const expression = expressionsFor(DEF);
/** Top-level fields left out of the content hash: they change on every save without changing the content. */
const VOLATILE_FIELDS = new Set(['createdAt', 'updatedAt', 'created_at', 'updated_at', 'version']);
const BATCH_CONCURRENCY = 8;
/** DynamoDB items stop at 400 KB; the rest of the item needs the margin. */
const MAX_DATA_BYTES = 380_000;

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

function toRecord(item: Item): CongregadoRecord {
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
const ABSENT = `attribute_not_exists(#${KEY})`;
/** The stored version is the one the writer read (true optimistic concurrency). */
const AT_VERSION = '#version = :expected';

/** Pure: the conditional put for a save that read version `expected` (0 = none). */
export function saveParams(tableName: string, item: Item, expected: number): PutCommandInput {
  return {
    TableName: tableName,
    Item: item,
    ...expression({ condition: expected === 0 ? ABSENT : AT_VERSION }, { expected }),
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  };
}

/** Builds the congregado store over the CongregadoData table. */
export function createCongregadoStore(deps: StoreDeps): CongregadoStore {
  const { doc, tableName, clock } = deps;

  const conflict = (primaryKey: string, why: string, current?: Item) =>
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
          ...expression({ projection: `#version, #${HASH_ATTR}, #createdAt` }),
        }),
      ),
    );
    const item = out.Item;
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
      metadata: JSON.parse(canonicalJson(metadata)) as Record<string, unknown>,
      createdAt: current?.createdAt ?? now,
      updatedAt: now,
    };
    const written = await writeIf(() => doc.send(new PutCommand(saveParams(tableName, item, storedVersion))));
    if (written.written) return { status: storedVersion === 0 ? 'created' : 'updated', version, idempotencyKey };
    const winner = written.current;
    // The concurrent writer stored the very same content: nothing conflicts.
    if (winner && winner[HASH_ATTR] === idempotencyKey && expectedVersion === undefined) {
      return { status: 'unchanged', version: winner.version as number, idempotencyKey };
    }
    throw conflict(primaryKey, `a concurrent save stored version ${(winner?.version as number | undefined) ?? '?'} first`, winner);
  }

  return {
    save,
    get,

    async findByIdempotencyKey(idempotencyKey) {
      const items = await queryAll(doc, {
        TableName: tableName,
        IndexName: BY_HASH.name,
        ...expression({ keyCondition: `#${HASH_ATTR} = :hash` }, { hash: idempotencyKey }),
      });
      return items.map(toRecord);
    },

    async batchSave(items) {
      const keys = items.map((i) => i.primaryKey);
      const duplicates = keys.filter((k, i) => keys.indexOf(k) !== i);
      if (duplicates.length) throw new ValidationError(`batchSave got the same primaryKey twice: ${[...new Set(duplicates)].join(', ')}`);
      return mapWithConcurrency(items, BATCH_CONCURRENCY, async (input): Promise<BatchSaveResult> => {
        try {
          return { primaryKey: input.primaryKey, ok: true, result: await save(input) };
        } catch (error) {
          return { primaryKey: input.primaryKey, ok: false, error: error as Error };
        }
      });
    },
  };
}
