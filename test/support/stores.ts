import { createFakeClock, type FakeClock } from '../../src/kernel/clock.js';
import { createStores, type Stores } from '../../src/infra/stores/index.js';
import { createTestDynamo, type TestDynamo } from './dynamo.js';

export interface StoreFixture {
  dynamo: TestDynamo;
  clock: FakeClock;
  stores: Stores;
}

/** Fresh tables on DynamoDB Local, the five stores over them, and a fake clock. */
export async function createStoreFixture(): Promise<StoreFixture> {
  const dynamo = await createTestDynamo();
  // From real now: DynamoDB Local's TTL sweeper deletes items whose ttl is past on the wall clock.
  const clock = createFakeClock(Date.now());
  return { dynamo, clock, stores: createStores({ doc: dynamo.doc, tables: dynamo.tables, clock }) };
}
