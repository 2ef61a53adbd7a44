import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJournalStore, type JournalLease, type JournalStore } from '../../src/infra/stores/journal-store.js';
import { createJourneyStore } from '../../src/infra/stores/journey-store.js';
import { createFakeClock, type FakeClock } from '../../src/kernel/clock.js';
import { createTestDynamo, type TestDynamo } from '../support/dynamo.js';
import { journeyTtlDays } from '../support/stores.js';

const LEASE_MS = 10_000;

describe('JournalStore', () => {
  let dynamo: TestDynamo;
  let clock: FakeClock;
  let journals: JournalStore;

  beforeAll(async () => {
    dynamo = await createTestDynamo();
    // From real now: DynamoDB Local's TTL sweeper deletes items whose ttl is past on the wall clock.
    clock = createFakeClock(Date.now());
    journals = createJournalStore({ doc: dynamo.doc, tableName: dynamo.tables.journeys, clock, ttlDays: journeyTtlDays });
  });
  afterAll(() => dynamo?.destroy());

  async function opened(id: string, owner: string): Promise<JournalLease> {
    const outcome = await journals.open(id, owner, LEASE_MS, { source: id });
    if (!outcome.opened) throw new Error(`expected ${owner} to open ${id}`);
    return outcome.lease;
  }

  it('when a journal is opened, then its owner holds it and a second opener is told until when', async () => {
    const first = await journals.open('j:held', 'a', LEASE_MS, { source: 'x' });
    expect(first).toMatchObject({ opened: true, takenOver: false, journal: { status: 'IN_PROGRESS', entries: 0, owner: 'a', metadata: { source: 'x' } } });
    expect(await journals.open('j:held', 'b', LEASE_MS)).toEqual({ opened: false, heldUntil: clock.now() + LEASE_MS, owner: 'a' });
  });

  it('when entries are appended, then they are read back in order and the header counts them', async () => {
    const lease = await opened('j:append', 'a');
    for (let seq = 0; seq < 12; seq++) expect(await journals.append(lease, seq, { seq }, LEASE_MS)).toBe(true);
    expect(await journals.entries('j:append')).toEqual(Array.from({ length: 12 }, (_, seq) => ({ seq })));
    expect(await journals.get('j:append')).toMatchObject({ status: 'IN_PROGRESS', entries: 12 });
  });

  it('when the holder dies and its lease passes, then another owner takes it over and the old holder can no longer write', async () => {
    const old = await opened('j:crash', 'old');
    await journals.append(old, 0, 'first', LEASE_MS);
    clock.advance(LEASE_MS + 1);
    const next = await journals.open('j:crash', 'new', LEASE_MS);
    expect(next).toMatchObject({ opened: true, takenOver: true, journal: { status: 'IN_PROGRESS', entries: 1, owner: 'new' } });
    expect(await journals.append(old, 1, 'stale', LEASE_MS)).toBe(false);
    expect(await journals.heartbeat(old, LEASE_MS)).toBe(false);
    expect(await journals.complete(old, 1, 'stale', {})).toBe(false);
    expect(await journals.entries('j:crash')).toEqual(['first']);
  });

  it('when the holder heartbeats, then its lease outlives the first expiry and nobody takes it over', async () => {
    const lease = await opened('j:beat', 'a');
    clock.advance(LEASE_MS - 1);
    expect(await journals.heartbeat(lease, LEASE_MS)).toBe(true);
    clock.advance(LEASE_MS - 1);
    expect(await journals.open('j:beat', 'b', LEASE_MS)).toMatchObject({ opened: false, owner: 'a' });
  });

  it('when a run completes, then its last entry and result are written together and the next open starts a new run on the same entries', async () => {
    const lease = await opened('j:done', 'a');
    await journals.append(lease, 0, 'one', LEASE_MS);
    expect(await journals.complete(lease, 1, 'two', { pass: 1 })).toBe(true);
    const done = await journals.get('j:done');
    expect(done).toMatchObject({ status: 'COMPLETED', entries: 2, result: { pass: 1 } });
    expect(await journals.append(lease, 2, 'late', LEASE_MS)).toBe(false);

    const again = await journals.open('j:done', 'b', LEASE_MS);
    expect(again).toMatchObject({ opened: true, takenOver: false, journal: { status: 'IN_PROGRESS', entries: 2, owner: 'b', runId: done!.runId } });
    expect(await journals.entries('j:done')).toEqual(['one', 'two']);
  });

  it('when two owners open a free journal at once, then exactly one holds it', async () => {
    const outcomes = await Promise.all(['a', 'b', 'c'].map((owner) => journals.open('j:race', owner, LEASE_MS)));
    expect(outcomes.filter((o) => o.opened)).toHaveLength(1);
  });

  it('when a journal shares the journeys table with workflows, then the workflow store neither reads nor lists it', async () => {
    await opened('j:apart', 'a');
    const workflows = createJourneyStore({ doc: dynamo.doc, tableName: dynamo.tables.journeys, clock, ttlDays: journeyTtlDays });
    expect(await workflows.get('j:apart')).toBeNull();
    expect((await workflows.list({ status: 'RUNNING', limit: 100 })).journeys.map((j) => j.journeyId)).not.toContain('j:apart');
  });
});
