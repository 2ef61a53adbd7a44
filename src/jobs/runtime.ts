import type { Config } from '../config.js';
import type { Clock } from '../kernel/clock.js';
import type { Dynamo } from '../infra/dynamo/client.js';
import { openDynamo } from '../infra/dynamo/open.js';
import { createCongregadoStore, type CongregadoStore } from '../infra/stores/congregado-store.js';
import { createJourneyStore, type JourneyStore } from '../infra/stores/journey-store.js';
import { tableNames } from '../infra/tables.js';

export interface JobRuntime {
  dynamo: Dynamo;
  /** Where DynamoDB answers (the embedded one's local URL, or "aws"). */
  endpoint: string;
  journeys: JourneyStore;
  congregados: CongregadoStore;
  close(): Promise<void>;
}

/**
 * DynamoDB for a batch job, opened exactly as the server opens it (see openDynamo): with
 * `npm start` running on the same data directory, the job shares its DynamoDB Local.
 */
export async function openJobRuntime(config: Config, clock: Clock): Promise<JobRuntime> {
  const opened = await openDynamo(config, { requestTimeoutMs: 10_000 });
  const names = tableNames(config.TABLE_PREFIX);
  return {
    dynamo: opened.dynamo,
    endpoint: opened.endpoint,
    journeys: createJourneyStore({ doc: opened.dynamo.doc, tableName: names.journeys, clock, ttlDays: config.JOURNEY_TTL_DAYS }),
    congregados: createCongregadoStore({ doc: opened.dynamo.doc, tableName: names.congregados, clock }),
    close: opened.close,
  };
}
