import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { canonicalJson } from '../../src/kernel/canonical-json.js';
import { TABLE_DEFS, tableNames, type TableKey } from '../../src/infra/tables.js';
import { carriesSubject } from '../../src/privacy/subject.js';
import type { TestService } from '../support/service.js';

export type Snapshot = Record<TableKey, Record<string, unknown>[]>;

/** Every item of every table of the service (a test's tables are small). */
export async function snapshot(t: Pick<TestService, 'service' | 'prefix'>): Promise<Snapshot> {
  const names = tableNames(t.prefix);
  const out = {} as Snapshot;
  for (const table of Object.keys(TABLE_DEFS) as TableKey[]) {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await t.service.dynamo.doc.send(new ScanCommand({ TableName: names[table], ExclusiveStartKey: startKey, ConsistentRead: true }));
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    out[table] = items;
  }
  return out;
}

/** Per table, how many items name the subject (any form of the phone). */
export function countsNaming(snap: Snapshot, sessionId: string): Record<TableKey, number> {
  return Object.fromEntries(Object.entries(snap).map(([table, items]) => [table, items.filter((i) => carriesSubject(i, sessionId)).length])) as Record<
    TableKey,
    number
  >;
}

/** Per table, the items that do not name the subject, as canonical strings (for before/after comparison). */
export function othersOf(snap: Snapshot, sessionId: string): Record<TableKey, string[]> {
  return Object.fromEntries(
    Object.entries(snap).map(([table, items]) => [
      table,
      items
        .filter((i) => !carriesSubject(i, sessionId))
        .map((i) => canonicalJson(i))
        .sort(),
    ]),
  ) as Record<TableKey, string[]>;
}
