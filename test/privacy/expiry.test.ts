import { describe, expect, it } from 'vitest';
import { TABLE_DEFS, type TableDef, type TableKey } from '../../src/infra/tables.js';
import { OPS_TOKEN } from '../support/service.js';
import { ANA, BRUNO, anaFirstAssessmentDone, startE2E } from '../e2e/e2e.js';
import { untilStatus } from '../support/workflows.js';
import { snapshot } from './tables.js';

const DEFS = TABLE_DEFS as Record<TableKey, TableDef>;

describe('an expiry on every record (LGPD retention)', () => {
  it('when the table definitions are read, then every table has a TTL attribute or is declared permanent with a reason', () => {
    for (const [key, def] of Object.entries(DEFS)) {
      expect(Boolean(def.ttlAttribute) !== Boolean(def.permanent), `${key}: a TTL attribute or a permanent reason, not both`).toBe(true);
      if (def.permanent) expect(def.permanent.length, `${key}: the reason`).toBeGreaterThan(20);
    }
  });

  it('when a whole shift, a workflow, ops reads and an erasure have written every table, then every item of a table with a TTL carries a future expiry', async () => {
    const e = await startE2E();
    await anaFirstAssessmentDone(e);
    await e.say(ANA, 'acabou a fralda');
    await e.say(ANA, 'paciente dormiu bem');
    await e.say(BRUNO, 'oi');
    await e.template(ANA, 'send_vital_signs');
    const auth = { authorization: `Bearer ${OPS_TOKEN}` };
    expect((await e.post('/workflows', { type: 'order', input: { order_id: 'ORD-TTL' } }, auth)).status).toBe(201);
    await untilStatus(e.service.workflows, 'order:ORD-TTL', ['COMPLETED']);
    expect((await e.get('/sessions/5511999990001/conversation')).status).toBe(200);
    expect((await fetch(`${e.url}/privacy/subjects/${encodeURIComponent(BRUNO)}`, { method: 'DELETE', headers: auth })).status).toBe(200);

    const snap = await snapshot(e);
    const nowSec = Math.floor(e.clock.now() / 1000);
    const written = Object.entries(snap)
      .filter(([, items]) => items.length > 0)
      .map(([table]) => table);
    expect(written).toEqual(expect.arrayContaining(['sessions', 'pendingActions', 'conversationBuffer', 'locks', 'idempotency', 'journeys', 'privacyAudit']));
    for (const [table, items] of Object.entries(snap) as [TableKey, Record<string, unknown>[]][]) {
      const ttl = DEFS[table].ttlAttribute;
      if (!ttl) continue;
      const without = items.filter((item) => typeof item[ttl] !== 'number' || item[ttl] <= nowSec);
      expect(without, `${table}: items without a future ${ttl}`).toEqual([]);
    }
  });
});
