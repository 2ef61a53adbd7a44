import type { CallResult } from '../contracts/engine.js';
import type { ResultCode } from './result-codes.js';
import type { CallPurpose, PendingKind, PendingMirror } from './state.js';
import type { TurnContext } from './turn-context.js';

/**
 * What each `flows/<flow>.ts` exports: the whole story of one flow. `run` handles a message the
 * router sends to the flow; `pendingHandlers` answer the confirmations the flow stages, by
 * pending kind; `resultHandlers` continue after the calls the flow asks for, by call purpose.
 * The router looks them up in the tables of `flows/index.ts`; it holds no flow's logic itself.
 */
export interface Flow {
  run(turn: TurnContext): void;
  pendingHandlers?: { [K in PendingKind]?: PendingHandlers };
  resultHandlers?: { [P in CallPurpose]?: ResultHandler };
}

/**
 * How a flow answers its open confirmation. A "sim" always executes exactly the staged call
 * (the two-phase commit in `confirmation.ts`), so there is no `onYes`.
 */
export interface PendingHandlers {
  /** The user said no. */
  onNo(turn: TurnContext, pending: PendingMirror): void;
  /** Neither yes nor no: data for the flow updates (and re-stages) it; anything else re-asks. */
  onOther(turn: TurnContext, pending: PendingMirror): void;
  /** The confirmed call ran and the backend said ok (`turn.state.pending` is already cleared). */
  onExecuted(turn: TurnContext, pending: PendingMirror): void;
  /** The reply when the backend failed; the same call is then offered again as a new action. */
  failedCode: ResultCode;
}

/** Continues the paused turn with the result of the call it waited for. */
export type ResultHandler = (turn: TurnContext, result: CallResult) => void;
