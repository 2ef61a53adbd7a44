import type { TestProject } from 'vitest/node';
import { startDynamoLocal, type DynamoLocal } from '../../src/infra/dynamo/local.js';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
  }
}

let dynamo: DynamoLocal | undefined;

/** One in-memory DynamoDB Local for the whole run; each test file uses its own table prefix. */
export async function setup(project: TestProject) {
  dynamo = await startDynamoLocal({ dataDir: ':memory:' });
  project.provide('dynamoEndpoint', dynamo.endpoint);
}

export async function teardown() {
  await dynamo?.stop();
}
