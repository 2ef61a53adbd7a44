import type { Clock } from '../kernel/clock.js';
import type { Dynamo } from '../infra/dynamo/client.js';
import { openDynamo, type DynamoSettings } from '../infra/dynamo/open.js';
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

interface JobRuntimeOptions {
  dynamo: DynamoSettings;
  journeyTtlDays: number;
}

/**
 * DynamoDB for a batch job, opened exactly as the server opens it (see openDynamo): with
 * `npm start` running on the same data directory, the job shares its DynamoDB Local.
 */
export async function openJobRuntime(options: JobRuntimeOptions, clock: Clock): Promise<JobRuntime> {
  const opened = await openDynamo(options.dynamo, { requestTimeoutMs: 10_000 });
  const names = tableNames(options.dynamo.tablePrefix);
  return {
    dynamo: opened.dynamo,
    endpoint: opened.endpoint,
    journeys: createJourneyStore({ doc: opened.dynamo.doc, tableName: names.journeys, clock, ttlDays: options.journeyTtlDays }),
    congregados: createCongregadoStore({ doc: opened.dynamo.doc, tableName: names.congregados, clock }),
    close: () => opened.close(),
  };
}
