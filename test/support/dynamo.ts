import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { createDynamo, type Dynamo } from '../../src/infra/dynamo/client.js';
import { ensureTables } from '../../src/infra/dynamo/ensure-tables.js';
import { tableNames, type TableNames } from '../../src/infra/tables.js';

export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export interface TestDynamo extends Dynamo {
  endpoint: string;
  prefix: string;
  tables: TableNames;
}

/** A client on the run's DynamoDB Local with a fresh set of tables under a unique prefix. */
export async function createTestDynamo(): Promise<TestDynamo> {
  const endpoint = inject('dynamoEndpoint');
  const dynamo = createDynamo({ region: 'sa-east-1', endpoint, credentials: LOCAL_CREDENTIALS });
  const prefix = `t${randomBytes(4).toString('hex')}_`;
  await ensureTables(dynamo.client, prefix);
  return { ...dynamo, endpoint, prefix, tables: tableNames(prefix) };
}
