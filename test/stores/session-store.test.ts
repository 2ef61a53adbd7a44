import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConflictError } from '../../src/kernel/errors.js';
import { createSessionStore } from '../../src/infra/stores/session-store.js';
import { createStoreFixture, sessionTestApi, storeSettings, type StoreFixture } from '../support/stores.js';

describe('SessionStore', () => {
  let f: StoreFixture;
  beforeAll(async () => {
    f = await createStoreFixture();
  });
  afterAll(() => f.dynamo.destroy());

  it('S1: when the session does not exist, then get returns null', async () => {
    expect(await f.stores.sessions.get('session_nonexistent')).toBeNull();
  });

  it('S2/S3: when saved at 0 then at 1, then versions are 1 and 2 and get returns the newest state', async () => {
    const { sessions } = f.stores;
    expect(await sessions.save('s2', { step: 'a', nested: { n: 1 } }, 0)).toBe(1);
    expect(await sessions.get('s2')).toMatchObject({ state: { step: 'a', nested: { n: 1 } }, version: 1 });
    expect(await sessions.save('s2', { step: 'b' }, 1)).toBe(2);
    expect(await sessions.get('s2')).toMatchObject({ state: { step: 'b' }, version: 2 });
  });

  it('S4: when saved with a stale version, then a ConflictError carries the current version', async () => {
    const { sessions } = f.stores;
    await sessions.save('s4', { a: 1 }, 0);
    const error = await sessions.save('s4', { a: 2 }, 11).catch((e) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.code).toBe('session.versionConflict');
    expect(error.details).toMatchObject({ expectedVersion: 11, currentVersion: 1 });
    const again = await sessions.save('s4', { a: 3 }, 0).catch((e) => e);
    expect(again.details.currentVersion).toBe(1);
  });

  it('S5: when a session is deleted, then it reads as absent and can be created again at version 1', async () => {
    const { sessions } = f.stores;
    await sessions.save('s5', { a: 1 }, 0);
    await sessions.delete('s5');
    expect(await sessions.get('s5')).toBeNull();
    expect(await sessions.save('s5', { a: 1 }, 0)).toBe(1);
  });

  it('when the TTL has passed, then the session is absent for reads and for the create condition', async () => {
    const { sessions } = f.stores;
    await sessions.save('ttl', { a: 1 }, 0);
    f.clock.advance(8 * 86_400_000);
    try {
      expect(await sessions.get('ttl')).toBeNull();
      expect(await sessions.save('ttl', { fresh: true }, 0)).toBe(1);
      expect(await sessions.save('ttl', { stale: true }, 5).catch((e) => e.code)).toBe('session.versionConflict');
    } finally {
      f.clock.advance(-8 * 86_400_000);
    }
  });

  it('when the state fails the schema or exceeds 350 KB, then save refuses it and nothing is written', async () => {
    const deps = { doc: f.dynamo.doc, tableName: f.dynamo.tables.sessions };
    const strict = sessionTestApi(
      createSessionStore({ ...deps, clock: f.clock, ttlDays: storeSettings.sessionTtlDays, schema: z.object({ n: z.number(), pad: z.string().optional() }) }),
      deps,
    );
    await expect(strict.save('schema', { n: 'x' } as never, 0)).rejects.toThrow();
    const big = await strict.save('big', { n: 1, pad: 'x'.repeat(360 * 1024) }, 0).catch((e) => e);
    expect(big.code).toBe('session.tooLarge');
    expect(await strict.get('big')).toBeNull();
  });

  it('when the stored state no longer fits the schema, then read says invalid with its version and issues, and get throws session.invalidState', async () => {
    const deps = { doc: f.dynamo.doc, tableName: f.dynamo.tables.sessions };
    const store = (schema: z.ZodType<unknown>) =>
      sessionTestApi(createSessionStore({ ...deps, clock: f.clock, ttlDays: storeSettings.sessionTtlDays, schema }), deps);
    const loose = store(z.object({ legacy: z.string() }));
    await loose.save('old', { legacy: 'format' }, 0);
    await loose.save('old', { legacy: 'format' }, 1);
    const strict = store(z.object({ n: z.number() }));
    expect(await strict.read('old')).toEqual({ status: 'invalid', version: 2, issues: [expect.stringContaining('n:')] });
    await expect(strict.get('old')).rejects.toMatchObject({ code: 'session.invalidState', details: { sessionId: 'old', version: 2 } });
  });

  it('when 20 writers race with OCC, then no update is lost and the final version equals the successful writes', async () => {
    const { sessions } = f.stores;
    await sessions.save('race', { count: 0 }, 0);
    let successes = 0;
    let conflicts = 0;
    const writer = async () => {
      for (;;) {
        const current = (await sessions.get('race'))!;
        try {
          await sessions.save('race', { count: (current.state.count as number) + 1 }, current.version);
          successes++;
          return;
        } catch (error) {
          if (!(error instanceof ConflictError)) throw error;
          conflicts++;
        }
      }
    };
    await Promise.all(Array.from({ length: 20 }, writer));
    const final = (await sessions.get('race'))!;
    expect(successes).toBe(20);
    expect(final.state.count).toBe(20);
    expect(final.version).toBe(21);
    expect(conflicts).toBeGreaterThan(0);
  });
});
