import { spawn } from 'node:child_process';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/kernel/clock.js';
import { freePort } from '../../src/infra/dynamo/local.js';
import { createJournalStore } from '../../src/infra/stores/journal-store.js';
import { migrationJourneyId } from '../../src/migration/migrate.js';
import { legacyGraphState, pickledCheckpoint } from '../../src/migration/sample/keyspace.js';
import { createTestDynamo, type TestDynamo } from '../support/dynamo.js';
import { startRedisServer, type TestRedis } from '../support/redis-server.js';
import { until } from '../support/events.js';
import { journeyTtlDays } from '../support/stores.js';

const SESSIONS = 600;
const DELIVERIES = 60;

/** The CLI as a child process against this file's tables on DynamoDB Local. */
function cli(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/migrate-redis.ts', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done, stderr: () => stderr };
}

describe('npm run migrate:redis as a process', () => {
  let redis: TestRedis;
  let dynamo: TestDynamo;
  let env: Record<string, string>;

  beforeAll(async () => {
    [redis, dynamo] = await Promise.all([startRedisServer(), createTestDynamo()]);
    env = { DYNAMODB_ENDPOINT: dynamo.endpoint, TABLE_PREFIX: dynamo.prefix, LOG_LEVEL: 'error' };
  });
  afterAll(async () => {
    dynamo?.destroy();
    await redis?.stop();
  });

  it('when Redis is unreachable or the URL is not a Redis URL, then one clear line and exit code 2', async () => {
    const port = await freePort();
    const [refused, wrong] = await Promise.all([
      cli(['--redis-url', `redis://127.0.0.1:${port}/0`], env).done,
      cli(['--redis-url', 'http://127.0.0.1:6379/0'], env).done,
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim()).toBe(`error: cannot reach Redis at redis://127.0.0.1:${port}/0: ECONNREFUSED`);
    expect([wrong.code, wrong.stderr.trim()]).toEqual([2, 'error: not a Redis URL: http:// (expected redis://host:6379/0)']);
  });

  it(
    'when the process is killed mid-run and run again, then it resumes from its checkpoint and everything is imported exactly once',
    { timeout: 60_000 },
    async () => {
      const now = Date.now();
      const seed = redis.client.pipeline();
      for (let i = 0; i < SESSIONS; i++) {
        const phone = `5511970${String(i).padStart(6, '0')}`;
        seed.set(
          `checkpoint:session_${phone}`,
          pickledCheckpoint(legacyGraphState(phone, null, { nota: { texto_bruto: `nota ${i}` } }), now - 60_000),
          'PX',
          3_600_000,
        );
      }
      for (let i = 0; i < DELIVERIES; i++) seed.set(`msg:wamid.CRASH${i}`, '{"status":"ok"}', 'PX', 600_000);
      await seed.exec();
      const args = ['--redis-url', redis.url, '--batch', '20', '--concurrency', '4', '--lease-ms', '1000'];
      const journals = createJournalStore({ doc: dynamo.doc, tableName: dynamo.tables.journeys, clock: systemClock, ttlDays: journeyTtlDays });
      const journeyId = migrationJourneyId(redis.url);

      const first = cli(args, env);
      // Kill it once three batches are checkpointed (well before the end): off a terminal it prints a line after each.
      await until(() => (first.stderr().match(/^batch: /gm)?.length ?? 0) >= 3, first.child.stderr);
      first.child.kill('SIGKILL');
      const killed = await first.done;
      expect(killed.signal, killed.stderr).toBe('SIGKILL');
      const interrupted = (await journals.get(journeyId))!;
      expect(interrupted.status).toBe('IN_PROGRESS');

      const second = await cli(args, env).done;
      expect(second.code, second.stderr).toBe(0);
      expect(second.stdout).toContain('resumed after an interrupted run');
      const finished = (await journals.get(journeyId))!;
      expect(finished.status).toBe('COMPLETED');
      expect(finished.result).toMatchObject({
        pass: 1,
        finished: true,
        counts: { imported: { sessions: SESSIONS, deliveries: DELIVERIES }, skipped: {}, invalid: {} },
      });

      const count = async (table: string) => {
        let total = 0;
        let start: Record<string, unknown> | undefined;
        do {
          const page = await dynamo.doc.send(new ScanCommand({ TableName: table, Select: 'COUNT', ExclusiveStartKey: start }));
          total += page.Count ?? 0;
          start = page.LastEvaluatedKey;
        } while (start);
        return total;
      };
      expect(await count(dynamo.tables.sessions)).toBe(SESSIONS);
      // One import entry per session: no session was written twice.
      expect(await count(dynamo.tables.conversationBuffer)).toBe(SESSIONS);
      expect(await count(dynamo.tables.idempotency)).toBe(DELIVERIES);
    },
  );
});
