import { GetCommand } from '@aws-sdk/lib-dynamodb';
import RedisMock from 'ioredis-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, migrationSettingsOf } from '../../src/config.js';
import { createInitialState, stateSchema, type State } from '../../src/graph/state.js';
import { createFakeClock } from '../../src/kernel/clock.js';
import { createStores } from '../../src/infra/stores/index.js';
import { createJournalStore } from '../../src/infra/stores/journal-store.js';
import { sendOne } from '../../src/infra/stores/transaction.js';
import { migrate, migrationJourneyId, type MigrateOptions } from '../../src/migration/migrate.js';
import { classifyExisting } from '../../src/migration/target.js';
import { jsonCheckpoint, legacyAction, legacyGraphState, pickledCheckpoint, sampleKeyspace, type ShiftIds } from '../../src/migration/sample/keyspace.js';
import { createTestDynamo, type TestDynamo } from '../support/dynamo.js';
import { journeyTtlDays, storeSettings } from '../support/stores.js';

const MINUTE = 60_000;
const SHIFT: ShiftIds = { caregiverID: 'cg-1', scheduleID: 'sch-1', reportID: 'rep-1', reportDate: '2026-11-23T08:00:00', patientID: 'pt-1', company: 'ACME' };
const SOURCE = 'redis://legacy.mock:6379';

/** The migration over ioredis-mock and this file's tables on DynamoDB Local, with a fake clock. */
describe('importing a legacy keyspace (ioredis-mock → DynamoDB Local)', () => {
  // At the real now: DynamoDB Local deletes items whose TTL is past on the wall clock.
  const clock = createFakeClock(Date.now());
  const redis = new RedisMock();
  let dynamo: TestDynamo;
  let stores: ReturnType<typeof createStores<State>>;

  beforeAll(async () => {
    dynamo = await createTestDynamo();
    stores = createStores<State>({ doc: dynamo.doc, tables: dynamo.tables, clock, sessionSchema: stateSchema, ...storeSettings });
  });
  afterAll(() => dynamo.destroy());
  let db = 0;
  beforeEach(async () => {
    await redis.flushall();
    // Each test is its own Redis source, so its own journal (passes are not shared across tests).
    db++;
  });

  const run = (options: Partial<MigrateOptions> = {}) =>
    migrate(
      migrationSettingsOf(loadConfig({ DYNAMODB_ENDPOINT: dynamo.endpoint, TABLE_PREFIX: dynamo.prefix, OPS_TOKEN: 'x'.repeat(16) })),
      { redisUrl: `${SOURCE}/${db}`, dryRun: false, concurrency: 4, batchSize: 50, leaseMs: 60_000, ...options },
      { clock, redis },
    );
  const seed = async (keys: { key: string; value: Buffer | string; ttlMs: number }[]) => {
    for (const { key, value, ttlMs } of keys) await redis.set(key, value, 'PX', ttlMs);
  };
  const phone = (n: number) => `55119888${String(n).padStart(5, '0')}`;
  const rawSession = async (sessionId: string) =>
    (await dynamo.doc.send(new GetCommand({ TableName: dynamo.tables.sessions, Key: { sessionId }, ConsistentRead: true }))).Item;
  const imports = async (sessionId: string) => (await stores.buffer.listLast(sessionId, 50)).filter((e) => e.meta.origin === 'redis_import');

  it('when the sample keyspace is imported, then every family is counted and every bad value is reported, not fatal', async () => {
    await seed(sampleKeyspace(clock.now(), { ana: SHIFT, bruno: SHIFT, carla: null }));
    const result = await run();
    expect(result.counts).toEqual({
      scanned: { pickle: 6, json: 5, msg: 4 },
      imported: { sessions: 4, actions: 2, reconfirmations: 1, deliveries: 3 },
      skipped: { superseded: 2, msg_in_flight: 1 },
      invalid: { unreadable_pickle: 1, pickle_refers_to_code: 1, engine_schema: 1, legacy_schema: 1, bad_json: 1 },
      actionsNotStaged: { action_expired: 1 },
    });
    expect(result.entries).toHaveLength(9);
    expect(JSON.stringify(result.entries)).not.toMatch(/\d{10}/);
    expect(JSON.stringify(result.entries)).not.toContain('dormiu');
  });

  it('when a session is imported, then its state, staged action and import entry are stored together, expiring with the legacy key', async () => {
    const id = phone(1);
    const state = legacyGraphState(id, SHIFT, {
      aux: {
        acao_pendente: legacyAction(clock.now(), 2 * MINUTE, {
          fluxo_destino: 'escala_commit',
          payload: { scheduleIdentifier: 'sch-1', responseValue: 'confirmado' },
          descricao: 'Confirma?',
        }),
      },
    });
    await seed([{ key: `checkpoint:session_${id}`, value: pickledCheckpoint(state, clock.now() - MINUTE), ttlMs: 40 * MINUTE }]);
    await run();
    const stored = await stores.sessions.get(id);
    expect(stored!.version).toBe(1);
    expect(stored!.state.pending).toMatchObject({ kind: 'escala.confirm', expiresAt: clock.now() + 8 * MINUTE });
    expect((await rawSession(id))!.ttl).toBeCloseTo(Math.floor((clock.now() + 40 * MINUTE) / 1000), -1);
    const open = await stores.pendingActions.getOpen(id);
    expect(open).toMatchObject({ actionId: stored!.state.pending!.actionId, status: 'staged', call: stored!.state.pending!.call });
    const [entry] = await imports(id);
    expect(entry).toMatchObject({ role: 'system', at: clock.now() - MINUTE, meta: { sourceKey: `checkpoint:session_${id}`, format: 'pickle' } });
  });

  it('when a confirmed-but-not-executed action is imported, then the question is queued to be asked again', async () => {
    const id = phone(2);
    const action = legacyAction(clock.now(), MINUTE, {
      fluxo_destino: 'escala_commit',
      payload: { scheduleIdentifier: 'sch-1', responseValue: 'confirmado' },
      descricao: 'Confirma?',
      confirmado: true,
    });
    await seed([
      {
        key: `checkpoint:session_${id}`,
        value: pickledCheckpoint(legacyGraphState(id, SHIFT, { aux: { acao_pendente: action } }), clock.now()),
        ttlMs: 40 * MINUTE,
      },
    ]);
    await run();
    const question = (await stores.buffer.listLast(id, 10)).find((e) => e.role === 'assistant')!;
    expect(question.text).toContain('Confirma?');
    expect(question.outboxStatus).toBe('pending');
    expect((await stores.outbox.listUnsent(clock.now())).some((e) => e.sessionId === id)).toBe(true);
    expect((await stores.pendingActions.getOpen(id))!.status).toBe('staged');
  });

  it('when a session already exists in DynamoDB, then it is skipped (session_exists) and left as it was', async () => {
    const id = phone(3);
    await sendOne(dynamo.doc, stores.sessions.saveOp(id, createInitialState(id, `+${id}`), 0).op);
    const before = await rawSession(id);
    await seed([{ key: `checkpoint:session_${id}`, value: pickledCheckpoint(legacyGraphState(id, SHIFT), clock.now()), ttlMs: 40 * MINUTE }]);
    const result = await run();
    expect(result.counts.skipped).toEqual({ session_exists: 1 });
    expect(await rawSession(id)).toEqual(before);
    expect(await imports(id)).toEqual([]);
  });

  it('when one session of a transaction group already exists, then only it is skipped and the others of the group are imported', async () => {
    const ids = [phone(7), phone(8), phone(9)];
    await sendOne(dynamo.doc, stores.sessions.saveOp(ids[1], createInitialState(ids[1], `+${ids[1]}`), 0).op);
    await seed(ids.map((id) => ({ key: `checkpoint:session_${id}`, value: pickledCheckpoint(legacyGraphState(id, SHIFT), clock.now()), ttlMs: 40 * MINUTE })));
    const result = await run();
    expect([result.counts.imported.sessions, result.counts.skipped]).toEqual([2, { session_exists: 1 }]);
    expect((await Promise.all(ids.map(imports))).map((entries) => entries.length)).toEqual([1, 0, 1]);
  });

  it('when the migration runs twice, then the second run imports nothing, reports it already imported and stores nothing twice', async () => {
    const id = phone(4);
    const withAction = legacyGraphState(id, SHIFT, {
      aux: {
        acao_pendente: legacyAction(clock.now(), MINUTE, {
          fluxo_destino: 'escala_commit',
          payload: { scheduleIdentifier: 'sch-1', responseValue: 'confirmado' },
          descricao: 'Confirma?',
        }),
      },
    });
    await seed([
      { key: `checkpoint:session_${id}`, value: pickledCheckpoint(withAction, clock.now()), ttlMs: 40 * MINUTE },
      { key: 'msg:wamid.twice', value: '{"status":"ok"}', ttlMs: 5 * MINUTE },
    ]);
    const first = await run();
    const second = await run();
    expect(first.counts.imported).toMatchObject({ sessions: 1, actions: 1, deliveries: 1 });
    expect([second.position.pass, second.counts.imported]).toEqual([2, { sessions: 0, actions: 0, reconfirmations: 0, deliveries: 0 }]);
    expect(second.counts.skipped).toEqual({ already_imported: 2 });
    expect(await imports(id)).toHaveLength(1);
  });

  it('when both checkpoint families exist for a phone, then the newer timestamp wins and the older is skipped as superseded', async () => {
    const id = phone(5);
    const older = legacyGraphState(id, SHIFT, { nota: { texto_bruto: 'antiga' } });
    const newer = legacyGraphState(id, SHIFT, { nota: { texto_bruto: 'nova' } });
    await seed([
      { key: `checkpoint:session_${id}`, value: pickledCheckpoint(older, clock.now() - 10 * MINUTE), ttlMs: 40 * MINUTE },
      { key: `langgraph:checkpoint:session_${id}:current`, value: jsonCheckpoint(id, newer, clock.now() - MINUTE), ttlMs: 20 * 60 * MINUTE },
    ]);
    const result = await run();
    expect(result.counts.skipped).toEqual({ superseded: 1 });
    expect((await stores.sessions.get(id))!.state.clinical.note).toBe('nova');
    expect(result.entries).toEqual([{ key: expect.stringContaining('checkpoint:session_*'), family: 'pickle', result: 'skipped', reason: 'superseded' }]);
  });

  it('when a msg: key is live, then a completed wamid: record remembers it for its remaining TTL and the inbox treats a retry as a duplicate', async () => {
    await seed([
      { key: 'msg:wamid.DONE1', value: '{"status":"ok","reply":"Presença confirmada!"}', ttlMs: 4 * MINUTE },
      { key: 'msg:wamid.BUSY1', value: 'processing', ttlMs: 9 * MINUTE },
    ]);
    const result = await run();
    expect([result.counts.imported.deliveries, result.counts.skipped]).toEqual([1, { msg_in_flight: 1 }]);
    const record = (await dynamo.doc.send(new GetCommand({ TableName: dynamo.tables.idempotency, Key: { idempotencyKey: 'wamid:wamid.DONE1' } }))).Item!;
    expect(record).toMatchObject({ status: 'completed', response: null });
    expect(record.ttl).toBeCloseTo(Math.floor((clock.now() + 4 * MINUTE) / 1000), -1);
    const inbox = { ttlMs: 600_000, inProgressMs: 30_000, owner: 'o' };
    expect(await stores.inbox.store('wamid:wamid.DONE1', 'h', {}, inbox)).toBe('duplicate');
    expect(await stores.inbox.store('wamid:wamid.BUSY1', 'h', {}, inbox)).toBe('stored');
  });

  it('when run as a dry run, then nothing is written and the summary counts what the real run then imports', async () => {
    const id = phone(6);
    await seed([
      { key: `checkpoint:session_${id}`, value: pickledCheckpoint(legacyGraphState(id, SHIFT), clock.now()), ttlMs: 40 * MINUTE },
      { key: 'msg:wamid.dry', value: '{}', ttlMs: 5 * MINUTE },
    ]);
    const dry = await run({ dryRun: true });
    expect(await rawSession(id)).toBeUndefined();
    expect(
      await createJournalStore({ doc: dynamo.doc, tableName: dynamo.tables.journeys, clock, ttlDays: journeyTtlDays }).get(
        migrationJourneyId(`${SOURCE}/${db}`),
      ),
    ).toBeNull();
    expect(dry.summary).toContain('dry run: nothing written');
    const real = await run();
    expect(real.counts).toEqual(dry.counts);
  });

  it('when --limit stops a run, then the next run continues the same pass from its checkpoint and the totals add up', async () => {
    for (let i = 0; i < 30; i++)
      await redis.set(`checkpoint:session_${phone(100 + i)}`, pickledCheckpoint(legacyGraphState(phone(100 + i), SHIFT), clock.now()), 'PX', 40 * MINUTE);
    const first = await run({ limit: 10, batchSize: 10 });
    expect(first.position.finished).toBe(false);
    expect(first.summary).toContain('stopped by --limit');
    const rest = await run({ batchSize: 10 });
    expect([rest.position.pass, rest.resumed, rest.position.finished, rest.counts.imported.sessions]).toEqual([1, true, true, 30]);
  });

  it("when a key is read again after a crash, then a write of this pass counts as imported, an earlier run's as already imported", () => {
    const current = { importedFrom: { source: 'redis', key: 'k', run: 'R.p1' }, version: 1 };
    expect(classifyExisting(current, 'R.p1', 'session_exists')).toEqual({ written: true });
    expect(classifyExisting(current, 'R.p2', 'session_exists')).toEqual({ written: false, reason: 'already_imported' });
    expect(classifyExisting({ ...current, version: 2 }, 'R.p2', 'session_exists')).toEqual({ written: false, reason: 'session_exists' });
    expect(classifyExisting({ version: 1 }, 'R.p1', 'session_exists')).toEqual({ written: false, reason: 'session_exists' });
  });
});
