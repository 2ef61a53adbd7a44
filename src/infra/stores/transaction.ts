import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { TransactionCancelledError } from '../../kernel/errors.js';
import { wrap, writeIf, type Item } from './store-deps.js';

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/**
 * One part of an atomic write, built by a store's pure `…Op()` function.
 * `onConditionFailed` turns this part's failed condition (with the item as it was, when
 * DynamoDB returned it) into the store's named error.
 */
export interface TxOp {
  label: string;
  item: TransactItem;
  onConditionFailed(current: Item | undefined): Error;
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
    if (!(error instanceof TransactionCanceledException)) throw wrap(error);
    const reasons = error.CancellationReasons ?? [];
    const failed = reasons.flatMap((reason, index) =>
      reason.Code && reason.Code !== 'None'
        ? [{ index, label: ops[index]?.label ?? `#${index}`, code: reason.Code, item: reason.Item ? unmarshall(reason.Item) : undefined }]
        : [],
    );
    const summary = new TransactionCancelledError(failed, error);
    const first = failed.find((f) => f.code === 'ConditionalCheckFailed');
    if (!first) throw summary;
    const named = ops[first.index].onConditionFailed(first.item);
    (named as Error & { cause?: unknown }).cause ??= summary;
    throw named;
  }
}

/** Sends one op on its own (not in a transaction); a failed condition throws the op's named error. */
export async function sendOne(doc: DynamoDBDocumentClient, op: TxOp): Promise<void> {
  const { Put, Update, Delete } = op.item;
  const written = await writeIf(() =>
    Put ? doc.send(new PutCommand(Put)) : Update ? doc.send(new UpdateCommand(Update)) : doc.send(new DeleteCommand(Delete!)),
  );
  if (!written.written) throw op.onConditionFailed(written.current);
}
