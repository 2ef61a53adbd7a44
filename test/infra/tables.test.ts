import { afterAll, describe, expect, it } from 'vitest';
import { ensureTables, describeTables } from '../../src/infra/dynamo/ensure-tables.js';
import { TABLE_DEFS } from '../../src/infra/tables.js';
import { createTestDynamo, type TestDynamo } from '../support/dynamo.js';

describe('ensureTables', () => {
  let dynamo: TestDynamo;
  afterAll(() => dynamo?.destroy());

  it('creates every table with its GSIs and TTL, and a second run does nothing', async () => {
    dynamo = await createTestDynamo();
    const status = await describeTables(dynamo.client, dynamo.prefix);
    expect(status).toHaveLength(Object.keys(TABLE_DEFS).length);
    for (const table of status) expect(table.status).toBe('ACTIVE');
    const buffer = status.find((t) => t.name === dynamo.tables.conversationBuffer)!;
    expect(buffer.ttl).toEqual({ attribute: 'ttl', status: 'ENABLED' });
    expect(buffer.gsis.map((g) => g.name).sort()).toEqual(['outboxPending-index', 'providerMessageId-index']);

    const second = await ensureTables(dynamo.client, dynamo.prefix);
    expect(second.flatMap((r) => r.actions)).toEqual([]);
  });

  it('counts requests per operation and table', async () => {
    dynamo.counter.reset();
    await describeTables(dynamo.client, dynamo.prefix);
    expect(dynamo.counter.snapshot().byTable[`DescribeTable ${dynamo.tables.sessions}`]).toBe(1);
    expect(dynamo.counter.total('DescribeTable')).toBe(Object.keys(TABLE_DEFS).length);
  });
});
