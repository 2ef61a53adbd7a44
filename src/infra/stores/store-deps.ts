import { QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../../kernel/clock.js';
import { StoreUnavailableError, isUnavailable } from '../../kernel/errors.js';

/** What every store is built from. */
export interface StoreDeps {
  doc: DynamoDBDocumentClient;
  tableName: string;
  clock: Clock;
}

/** A condition part: the item is absent or its TTL (epoch seconds) has passed. */
export const ABSENT_OR_EXPIRED = (keyAttr: string) => `(attribute_not_exists(#${keyAttr}) OR #ttl < :nowSec)`;
/** A condition part: the item exists and its TTL has not passed (DynamoDB Local never deletes by TTL). */
export const PRESENT_AND_LIVE = (keyAttr: string) => `(attribute_exists(#${keyAttr}) AND #ttl >= :nowSec)`;

/** Pure: whether an item read from DynamoDB is past its TTL (treated as absent). */
export function isExpired(item: { ttl?: unknown } | undefined, nowMs: number): boolean {
  return typeof item?.ttl === 'number' && item.ttl < Math.floor(nowMs / 1000);
}

/** Maps transport failures to StoreUnavailableError; everything else is returned unchanged. */
export function wrap(error: unknown): unknown {
  return isUnavailable(error) ? new StoreUnavailableError(error) : error;
}

/** Runs one DynamoDB call, turning "unreachable" into StoreUnavailableError (→ 503). */
export async function guard<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw wrap(error);
  }
}

/**
 * Runs a Query page after page (DynamoDB pages at 1 MB) until the last page, or until `onPage`
 * returns false (the caller has enough).
 */
export async function queryPages(
  doc: DynamoDBDocumentClient,
  input: QueryCommandInput,
  onPage: (page: QueryCommandOutput) => boolean | void,
): Promise<void> {
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await guard(() => doc.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey })));
    if (onPage(page) === false) return;
    startKey = page.LastEvaluatedKey;
  } while (startKey);
}
