import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableNames } from '../../src/infra/tables.js';
import { startTestService, type TestService } from '../support/service.js';

describe('warm-up before ready', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService({ real: true, env: { WARM_UP_ROUNDS: '30' } });
  });
  afterAll(() => t.stop());

  it('when the service has started, then it has warmed up and /readyz says ready', async () => {
    expect(t.lines.filter((l) => l.message === 'warmed up')).toHaveLength(1);
    expect((await t.get('/readyz', null)).body).toEqual({ status: 'ready' });
  });

  it('when the engine asked for backend calls while warming up, then none reached the backend', () => {
    const calls = Object.values(t.service.demo!.counters).reduce((sum, c) => sum + c.calls, 0);
    expect(calls).toBe(0);
  });

  it('when it warmed up, then nothing was written to the tables', async () => {
    const names = Object.values(tableNames(t.prefix));
    const counts = await Promise.all(
      names.map(async (TableName) => (await t.service.dynamo.client.send(new ScanCommand({ TableName, Select: 'COUNT' }))).Count),
    );
    expect(counts).toEqual(names.map(() => 0));
  });
});
