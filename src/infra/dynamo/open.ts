import type { Config } from '../../config.js';
import { createDynamo, credentialsFor, type Dynamo } from './client.js';
import { ensureTables, type EnsureResult } from './ensure-tables.js';
import { startDynamoLocal, type DynamoLocal } from './local.js';

export interface OpenDynamo {
  dynamo: Dynamo;
  /** Where DynamoDB answers: an endpoint URL, or "aws". */
  endpoint: string;
  /** The embedded DynamoDB Local, when this process started (or joined) one. */
  local?: DynamoLocal;
  /** What table creation did (empty when nothing was missing or creation is off). */
  prepared: EnsureResult[];
  close(): Promise<void>;
}

/**
 * DynamoDB as the config says, for the server and the batch jobs alike: DYNAMODB_ENDPOINT (any
 * running DynamoDB), embedded DynamoDB Local on DYNAMODB_DATA_DIR (shared with another of our
 * processes already serving that directory), or the real service. Missing tables are created in
 * embedded mode, and in aws mode only with AUTO_CREATE_TABLES.
 */
export async function openDynamo(config: Config, options: { requestTimeoutMs?: number } = {}): Promise<OpenDynamo> {
  let local: DynamoLocal | undefined;
  let endpoint = config.DYNAMODB_ENDPOINT;
  if (config.DYNAMODB_MODE === 'embedded' && !endpoint) {
    local = await startDynamoLocal({ dataDir: config.DYNAMODB_DATA_DIR });
    endpoint = local.endpoint;
  }
  const dynamo = createDynamo({
    region: config.AWS_REGION,
    endpoint,
    credentials: credentialsFor(config, endpoint),
    requestTimeoutMs: options.requestTimeoutMs,
  });
  const close = async () => {
    dynamo.destroy();
    await local?.stop();
  };
  try {
    const prepared = config.DYNAMODB_MODE === 'embedded' || config.AUTO_CREATE_TABLES ? await ensureTables(dynamo.client, config.TABLE_PREFIX) : [];
    return { dynamo, endpoint: endpoint ?? 'aws', local, prepared: prepared.filter((p) => p.actions.length), close };
  } catch (error) {
    await close();
    throw error;
  }
}
