import type { Backends } from '../contracts/backends.js';
import type { ConversationEngine, PendingActionDraft, Reply } from '../contracts/engine.js';
import type { InboundMessage, WebhookProvider } from '../contracts/inbound.js';
import type { UnderstandingService } from '../contracts/understanding.js';
import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/logger.js';
import type { RequestCounter } from '../infra/dynamo/request-counter.js';
import type { Stores } from '../infra/stores/index.js';
import type { CloseChange } from '../infra/stores/pending-action-store.js';
import type { Metrics } from './metrics.js';
import type { SessionCache } from './session-cache.js';

/** What starts a turn: a user's message, or an outbound template that went out. */
export type TurnInput =
  | { kind: 'message'; message: InboundMessage }
  | { kind: 'template'; sessionId: string; phone: string; template: string; metadata: Record<string, unknown>; at: number };

/** Where a turn came from: a webhook provider (its replies leave through the outbox, by its sender), ingest or a template hook. */
export type Channel = 'ingest' | 'template' | WebhookProvider;

/**
 * How a turn runs at most once — one shape for every channel. Either the turn takes the claim
 * itself (`claim`: header keys, claimed in the same parallel round trip as the lock and the
 * session read), or its caller already holds it (`held`: the inbox claimed the provider message
 * id when it stored the message). Either way the turn renews it while it runs, completes it in
 * its commit (kept `ttlMs`, with the response a duplicate gets replayed) or gives it back when it fails.
 */
export type TurnClaim = { mode: 'claim'; key: string; hash: string; ttlMs: number } | { mode: 'held'; key: string; owner: string; ttlMs: number };

/** A claim the turn holds while it runs. */
export interface HeldClaim {
  key: string;
  owner: string;
  ttlMs: number;
}

export interface TurnRequest {
  input: TurnInput;
  channel: Channel;
  /** Absent only for a template hook called without a key. */
  claim?: TurnClaim;
}

/** The stored (and replayed) result of a turn. */
export interface TurnResponse {
  session_id: string;
  version: number;
  replies: Reply[];
}

/** An outbound entry committed with the turn, to be sent through the outbox by the provider the conversation came in on. */
export interface OutboundEntry {
  sessionId: string;
  sk: string;
  reply: Reply;
  channel: WebhookProvider;
}

export type TurnOutcome =
  | { status: 'processed'; response: TurnResponse; outbound: OutboundEntry[] }
  | { status: 'replayed'; response: TurnResponse }
  | { status: 'in_progress'; retryAfterMs: number }
  | { status: 'mismatch' };

/** Who the turn is about. */
export interface TurnSession {
  sessionId: string;
  phone: string;
}

/** A session's state and the version its save must expect (0: not stored yet). */
export interface Loaded<S> {
  state: S;
  version: number;
}

/** The pending-action changes a turn commits: at most one action closed and one opened. */
export interface PendingPlan {
  close?: CloseChange;
  open?: PendingActionDraft;
}

interface TurnSettings {
  lockLeaseMs: number;
  lockWaitMs: number;
  /** How long a claim is protected before a retry may take it over. */
  inProgressMs: number;
  pendingActionTtlMs: number;
  resumeTtlMs: number;
}

export interface TurnDeps<S> {
  stores: Stores<S>;
  engine: ConversationEngine<S>;
  understanding: UnderstandingService;
  backends: Backends;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  /** Identifies this process in lock and claim owners. */
  instanceId: string;
  /** When given, each turn's DynamoDB requests and sequential round trips are measured. */
  counter?: RequestCounter;
  /** When given, a session this process committed last is not read back (see SessionCache). */
  cache?: SessionCache<S>;
  settings: TurnSettings;
}
