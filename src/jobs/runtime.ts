import type { Config } from '../config.js';
import type { Clock } from '../infra/clock.js';
import { createDynamo, type Dynamo } from '../infra/dynamo/client.js';
import { ensureTables } from '../infra/dynamo/ensure-tables.js';
import { startDynamoLocal, type DynamoLocal } from '../infra/dynamo/local.js';
import { createCongregadoStore, type CongregadoStore } from '../infra/stores/congregado-store.js';
import { createJourneyStore, type JourneyStore } from '../infra/stores/journey-store.js';
import { tableNames } from '../infra/tables.js';

const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export interface JobRuntime {
  dynamo: Dynamo;
  /** Where DynamoDB answers (the embedded one's local URL, or "aws"). */
  endpoint: string;
  journeys: JourneyStore;
  congregados: CongregadoStore;
  close(): Promise<void>;
}

/**
 * DynamoDB for a batch job, chosen like the server does: DYNAMODB_MODE=embedded starts DynamoDB
 * Local on DYNAMODB_DATA_DIR (or uses DYNAMODB_ENDPOINT when set) and creates missing tables;
 * DYNAMODB_MODE=aws uses the real service and creates tables only with AUTO_CREATE_TABLES.
 */
export async function openJobRuntime(config: Config, clock: Clock, options: { journeyTtlDays?: number } = {}): Promise<JobRuntime> {
  let local: DynamoLocal | undefined;
  let endpoint: string | undefined = config.DYNAMODB_ENDPOINT;
  if (config.DYNAMODB_MODE === 'embedded' && !endpoint) {
    local = await startDynamoLocal({ dataDir: config.DYNAMODB_DATA_DIR });
    endpoint = local.endpoint;
  }
  const credentials =
    config.DYNAMODB_MODE === 'embedded'
      ? LOCAL_CREDENTIALS
      : config.AWS_ACCESS_KEY_ID && config.AWS_SECRET_ACCESS_KEY
        ? { accessKeyId: config.AWS_ACCESS_KEY_ID, secretAccessKey: config.AWS_SECRET_ACCESS_KEY }
        : undefined;
  const dynamo = createDynamo({ region: config.AWS_REGION, endpoint, credentials, requestTimeoutMs: 10_000 });
  try {
    if (config.DYNAMODB_MODE === 'embedded' || config.AUTO_CREATE_TABLES) await ensureTables(dynamo.client, config.TABLE_PREFIX);
  } catch (error) {
    dynamo.destroy();
    await local?.stop();
    throw error;
  }
  const names = tableNames(config.TABLE_PREFIX);
  return {
    dynamo,
    endpoint: endpoint ?? 'aws',
    journeys: createJourneyStore({ doc: dynamo.doc, tableName: names.journeys, clock, ttlDays: options.journeyTtlDays }),
    congregados: createCongregadoStore({ doc: dynamo.doc, tableName: names.congregados, clock }),
    async close() {
      dynamo.destroy();
      await local?.stop();
    },
  };
}
