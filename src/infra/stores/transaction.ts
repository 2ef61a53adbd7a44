import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { TransactionCancelledError, isUnavailable, StoreUnavailableError } from '../../kernel/errors.js';

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/**
 * One part of an atomic write, built by a store's pure `…Op()` function.
 * `onConditionFailed` turns this part's failed condition (with the item as it was, when
 * DynamoDB returned it) into the store's named error.
 */
export interface TxOp {
  label: string;
  item: TransactItem;
  onConditionFailed(current: Record<string, unknown> | undefined): Error;
}

/**
 * Sends every op in one TransactWriteItems: all-or-nothing. When a condition fails, the error of
 * the first failing part is thrown, with `cause` a TransactionCancelledError listing every failed part.
 */
export async function transactWrite(doc: DynamoDBDocumentClient, ops: TxOp[], clientRequestToken?: string): Promise<void> {
  if (ops.length === 0) return;
  try {
    await doc.send(new TransactWriteCommand({ TransactItems: ops.map((op) => op.item), ClientRequestToken: clientRequestToken }));
  } catch (error) {
    if (error instanceof TransactionCanceledException) {
      const reasons = error.CancellationReasons ?? [];
      const failed = reasons.flatMap((reason, index) =>
        reason.Code && reason.Code !== 'None'
          ? [{ index, label: ops[index]?.label ?? `#${index}`, code: reason.Code, item: reason.Item ? unmarshall(reason.Item) : undefined }]
          : [],
      );
      const summary = new TransactionCancelledError(failed, error);
      const first = failed.find((f) => f.code === 'ConditionalCheckFailed');
      if (first) {
        const named = ops[first.index].onConditionFailed(first.item);
        (named as Error & { cause?: unknown }).cause ??= summary;
        throw named;
      }
      throw summary;
    }
    if (isUnavailable(error)) throw new StoreUnavailableError(error);
    throw error;
  }
}

/** The item a single conditional write returned with ReturnValuesOnConditionCheckFailure=ALL_OLD. */
export function conditionFailedItem(error: unknown): Record<string, unknown> | undefined {
  const item = (error as { Item?: Record<string, unknown> }).Item;
  if (!item) return undefined;
  // The document client does not unmarshall error payloads: detect AttributeValue shapes.
  const looksMarshalled = Object.values(item).every((v) => v && typeof v === 'object' && Object.keys(v).length === 1 && /^(S|N|B|BOOL|NULL|M|L|SS|NS|BS)$/.test(Object.keys(v)[0]));
  return looksMarshalled ? unmarshall(item as Parameters<typeof unmarshall>[0]) : item;
}

/** True for a failed condition on a single (non-transactional) write. */
export const isConditionFailed = (error: unknown) => (error as { name?: string })?.name === 'ConditionalCheckFailedException';
