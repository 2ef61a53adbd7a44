import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeClock, type FakeClock } from '../../src/kernel/clock.js';
import { ConflictError } from '../../src/kernel/errors.js';
import { canonicalJson } from '../../src/kernel/canonical-json.js';
import { contentHash, createCongregadoStore, saveParams, type CongregadoStore } from '../../src/infra/stores/congregado-store.js';
import { createTestDynamo, type TestDynamo } from '../support/dynamo.js';

describe('congregado store', () => {
  let dynamo: TestDynamo;
  let clock: FakeClock;
  let store: CongregadoStore;

  beforeAll(async () => {
    dynamo = await createTestDynamo();
    clock = createFakeClock();
    store = createCongregadoStore({ doc: dynamo.doc, tableName: dynamo.tables.congregados, clock });
  });
  afterAll(() => dynamo?.destroy());

  it('when keys are in any order, then the canonical JSON and hash are the same, and timestamps/version are ignored', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 'é' }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"y":"é","z":1}]},"b":1}');
    const expected = createHash('sha256').update('{"a":1,"b":[2]}').digest('hex');
    expect(contentHash({ b: [2], a: 1 })).toBe(expected);
    expect(contentHash({ a: 1, b: [2], created_at: 'x', updatedAt: 'y', version: 9 })).toBe(expected);
    expect(contentHash({ a: 1, b: [3] })).not.toBe(expected);
  });

  it('when the params of a save are built, then new items require absence and updates require the read version', () => {
    expect(saveParams('T', { id: 'k' }, 0)).toEqual({
      TableName: 'T',
      Item: { id: 'k' },
      ConditionExpression: 'attribute_not_exists(#id)',
      ExpressionAttributeNames: { '#id': 'id' },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    expect(saveParams('T', { id: 'k' }, 3)).toMatchObject({ ConditionExpression: '#version = :expected', ExpressionAttributeValues: { ':expected': 3 } });
  });

  it('when identical content is saved twice, then the second save is unchanged at version 1', async () => {
    const data = { record_count: 10, sample_data: [{ a: 1 }] };
    const first = await store.save({ primaryKey: 'db_tbl_same', data, metadata: { source: 'test' } });
    clock.advance(1_000);
    const second = await store.save({ primaryKey: 'db_tbl_same', data: { sample_data: [{ a: 1 }], record_count: 10 } });
    expect(first).toEqual({ status: 'created', version: 1, idempotencyKey: contentHash(data) });
    expect(second).toEqual({ status: 'unchanged', version: 1, idempotencyKey: first.idempotencyKey });
    const stored = await store.get('db_tbl_same');
    expect(stored).toMatchObject({ id: 'db_tbl_same', version: 1, data, metadata: { source: 'test' } });
    expect(stored?.updatedAt).toBe(stored?.createdAt);
  });

  it('when the content changes, then the version increases by one and the hash follows the content', async () => {
    await store.save({ primaryKey: 'db_tbl_change', data: { record_count: 1 } });
    clock.advance(1_000);
    const updated = await store.save({ primaryKey: 'db_tbl_change', data: { record_count: 2 } });
    expect(updated).toMatchObject({ status: 'updated', version: 2, idempotencyKey: contentHash({ record_count: 2 }) });
    const again = await store.save({ primaryKey: 'db_tbl_change', data: { record_count: 2, updated_at: 'later' } });
    expect(again).toMatchObject({ status: 'unchanged', version: 2 });
    const stored = await store.get('db_tbl_change');
    expect(stored).toMatchObject({ version: 2, data: { record_count: 2 } });
    expect(stored!.updatedAt > stored!.createdAt).toBe(true);
    const found = await store.findByIdempotencyKey(updated.idempotencyKey);
    expect(found.map((r) => r.id)).toEqual(['db_tbl_change']);
  });

  it('when two different contents are saved concurrently, then exactly one wins and the other gets a ConflictError', async () => {
    for (const [primaryKey, seed] of [
      ['db_tbl_race_new', null],
      ['db_tbl_race_existing', { record_count: 0 }],
    ] as const) {
      if (seed) await store.save({ primaryKey, data: seed });
      const outcomes = await Promise.allSettled([
        // Both writers read the same version (a read-modify-write race): only a stated version makes
        // the race deterministic, otherwise a save that starts after the first one ends just updates it.
        store.save({ primaryKey, data: { record_count: 100 }, expectedVersion: seed ? 1 : 0 }),
        store.save({ primaryKey, data: { record_count: 200 }, expectedVersion: seed ? 1 : 0 }),
      ]);
      const winners = outcomes.filter((o) => o.status === 'fulfilled');
      const losers = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
      expect(winners).toHaveLength(1);
      expect(losers).toHaveLength(1);
      expect(losers[0].reason).toBeInstanceOf(ConflictError);
      expect(losers[0].reason.code).toBe('congregado.conflict');
      const stored = await store.get(primaryKey);
      const won = (winners[0] as PromiseFulfilledResult<{ idempotencyKey: string; version: number }>).value;
      expect(stored).toMatchObject({ idempotencyKey: won.idempotencyKey, version: won.version });
    }
  });

  it('when identical contents are saved concurrently, then nothing conflicts and one of them reports unchanged', async () => {
    const outcomes = await Promise.all([
      store.save({ primaryKey: 'db_tbl_twins', data: { x: 1 } }),
      store.save({ primaryKey: 'db_tbl_twins', data: { x: 1 } }),
    ]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['created', 'unchanged']);
  });

  it('when an explicit version is stale, then the save is a conflict even with identical content', async () => {
    await store.save({ primaryKey: 'db_tbl_explicit', data: { n: 1 } });
    await expect(store.save({ primaryKey: 'db_tbl_explicit', data: { n: 1 }, expectedVersion: 0 })).rejects.toMatchObject({ code: 'congregado.conflict' });
    await expect(store.save({ primaryKey: 'db_tbl_explicit', data: { n: 2 }, expectedVersion: 1 })).resolves.toMatchObject({ status: 'updated', version: 2 });
  });

  it('when a batch is saved, then each item follows the same rules and a conflict is reported per item', async () => {
    await store.save({ primaryKey: 'db_batch_b', data: { v: 1 } });
    const results = await store.batchSave([
      { primaryKey: 'db_batch_a', data: { v: 1 } },
      { primaryKey: 'db_batch_b', data: { v: 1 } },
      { primaryKey: 'db_batch_c', data: { v: 1 }, expectedVersion: 4 },
    ]);
    expect(results.map((r) => (r.ok ? r.result.status : (r.error as ConflictError).code))).toEqual(['created', 'unchanged', 'congregado.conflict']);
    await expect(
      store.batchSave([
        { primaryKey: 'x', data: {} },
        { primaryKey: 'x', data: {} },
      ]),
    ).rejects.toMatchObject({ code: 'request.invalid' });
  });
});
