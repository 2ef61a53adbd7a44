import { createDynamo, credentialsFor, type Dynamo } from './client.js';
import { ensureTables, type EnsureResult } from './ensure-tables.js';
import { startDynamoLocal, type DynamoLocal } from './local.js';

/** Where DynamoDB is and how to prepare it; the composition root builds it from the config. */
export interface DynamoSettings {
  /** `embedded`: DynamoDB Local (or `endpoint`); `aws`: the real service. */
  mode: 'embedded' | 'aws';
  /** Any running DynamoDB, instead of starting the embedded one. */
  endpoint?: string;
  /** The embedded DynamoDB Local's data directory. */
  dataDir: string;
  region: string;
  /** Explicit keys; otherwise "local" ones for an endpoint, else the default AWS chain. */
  accessKeyId?: string;
  secretAccessKey?: string;
  /** Create missing tables in aws mode too (embedded mode always does). */
  autoCreateTables: boolean;
  tablePrefix: string;
}

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
 * DynamoDB as the settings say, for the server and the batch jobs alike: `endpoint` (any running
 * DynamoDB), embedded DynamoDB Local on `dataDir` (shared with another of our processes already
 * serving that directory), or the real service. Missing tables are created in embedded mode, and
 * in aws mode only with `autoCreateTables`.
 */
export async function openDynamo(settings: DynamoSettings, options: { requestTimeoutMs?: number } = {}): Promise<OpenDynamo> {
  let local: DynamoLocal | undefined;
  let endpoint = settings.endpoint;
  if (settings.mode === 'embedded' && !endpoint) {
    local = await startDynamoLocal({ dataDir: settings.dataDir });
    endpoint = local.endpoint;
  }
  const dynamo = createDynamo({
    region: settings.region,
    endpoint,
    credentials: credentialsFor(settings, endpoint),
    requestTimeoutMs: options.requestTimeoutMs,
  });
  const close = async () => {
    dynamo.destroy();
    await local?.stop();
  };
  try {
    const prepared = settings.mode === 'embedded' || settings.autoCreateTables ? await ensureTables(dynamo.client, settings.tablePrefix) : [];
    return { dynamo, endpoint: endpoint ?? 'aws', local, prepared: prepared.filter((p) => p.actions.length), close };
  } catch (error) {
    await close();
    throw error;
  }
}
