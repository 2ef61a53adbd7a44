import { ulid } from '../kernel/ids.js';
import type { Backends, BackendCall } from '../contracts/backends.js';
import type { CallResult, ConversationEngine, Effect, EngineContext, EngineEvent, InboundMessage, PendingActionDraft, Reply } from '../contracts/engine.js';
import type { UnderstandingService } from '../contracts/understanding.js';
import type { Clock } from '../kernel/clock.js';
import { AppError } from '../kernel/errors.js';
import type { Logger } from '../kernel/logger.js';
import type { BufferEntry } from '../infra/stores/buffer-store.js';
import { DuplicateEntryError } from '../infra/stores/buffer-store.js';
import type { Stores } from '../infra/stores/index.js';
import type { LockLease } from '../infra/stores/lock-store.js';
import type { CloseChange } from '../infra/stores/pending-action-store.js';
import { transactWrite, type TxOp } from '../infra/stores/transaction.js';
import type { RequestCounter } from '../infra/dynamo/request-counter.js';
import type { Metrics } from './metrics.js';
import type { SessionCache } from './session-cache.js';

/** What starts a turn: a user's message, or an outbound template that went out. */
export type TurnInput =
  | { kind: 'message'; message: InboundMessage }
  | { kind: 'template'; sessionId: string; phone: string; template: string; metadata: Record<string, unknown>; at: number };

export type Channel = 'ingest' | 'meta' | 'template';

export interface TurnRequest {
  input: TurnInput;
  channel: Channel;
  /** A key to claim now (header keys), or a claim the inbox already holds (provider messages). */
  idempotency?: { key: string; hash: string; ttlMs: number } | { claimed: { key: string; owner: string }; ttlMs: number };
}

/** The stored (and replayed) result of a turn. */
export interface TurnResponse {
  session_id: string;
  version: number;
  replies: Reply[];
}

/** An outbound entry committed with the turn, to be sent through the outbox. */
export interface OutboundEntry {
  sessionId: string;
  sk: string;
  reply: Reply;
}

export type TurnOutcome =
  | { status: 'processed'; response: TurnResponse; outbound: OutboundEntry[] }
  | { status: 'replayed'; response: TurnResponse }
  | { status: 'in_progress'; retryAfterMs: number }
  | { status: 'mismatch' }
  | { status: 'duplicate' };

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
  settings: {
    lockLeaseMs: number;
    lockWaitMs: number;
    inProgressMs: number;
    pendingActionTtlMs: number;
    resumeTtlMs: number;
  };
}

/** A decide loop never needs many calls; this bounds a misbehaving engine. */
const MAX_STEPS = 12;

/**
 * The turn: dedup claim ∥ session lock ∥ state load (one parallel round trip) → understand →
 * engine.decide, performing the calls it asks for → ONE TransactWriteItems with the session save
 * (OCC), inbound + outbound buffer entries, pending-action changes, idempotency completion and the
 * lock release (which also fences the commit). Nothing is written if any part fails.
 */
export function createTurnRunner<S>(deps: TurnDeps<S>) {
  const { stores, engine, clock, logger, metrics, settings } = deps;

  /** Runs one turn; see the module comment for the steps and guarantees. */
  async function run(request: TurnRequest): Promise<TurnOutcome> {
    if (!deps.counter) return runUntracked(request);
    const { result, trace } = await deps.counter.track(() => runUntracked(request));
    if (result.status === 'processed') {
      metrics.turnRequests.observe(trace.requests);
      metrics.turnRoundTrips.observe(trace.roundTrips);
    }
    return result;
  }

  async function runUntracked(request: TurnRequest): Promise<TurnOutcome> {
    const started = performance.now();
    const { sessionId, phone } = identity(request.input);
    const owner = `${deps.instanceId}:${ulid()}`;
    const resource = `session:${sessionId}`;
    const idem = request.idempotency;
    const cached = deps.cache?.get(sessionId);

    // Round trip 1: the claim, the lock and (unless cached) the session, in parallel.
    const [claimR, lockR, loadR] = await Promise.allSettled([
      idem && 'key' in idem ? stores.idempotency.claim(idem.key, idem.hash, { inProgressMs: settings.inProgressMs, ttlMs: idem.ttlMs, owner }) : null,
      stores.locks.acquire(resource, owner, settings.lockLeaseMs),
      cached ? undefined : load(sessionId, phone),
    ]);
    const acquired = lockR.status === 'fulfilled' && lockR.value.acquired ? lockR.value : null;
    const claim = claimR.status === 'fulfilled' ? claimR.value : null;
    const claimed = idem ? ('claimed' in idem ? idem.claimed : claim?.outcome === 'new' ? { key: claim.key, owner: claim.owner } : null) : null;
    const failure = [claimR, lockR, loadR].find((r) => r.status === 'rejected');
    if (failure || (claim && claim.outcome !== 'new')) {
      await cleanup(acquired, failure ? claimed : null);
      if (failure) throw failure.reason;
      if (claim!.outcome === 'completed') return { status: 'replayed', response: claim!.response as TurnResponse };
      if (claim!.outcome === 'in_progress') return { status: 'in_progress', retryAfterMs: claim!.retryAfterMs };
      return { status: 'mismatch' };
    }

    let lease: LockLease | null = acquired;
    let renewal: ReturnType<typeof setInterval> | undefined;
    try {
      let parallelRead = loadR.status === 'fulfilled' ? loadR.value : undefined;
      if (!lease) {
        metrics.lockWaits.inc();
        const waited = await stores.locks.acquireWithWait(resource, owner, { timeoutMs: settings.lockWaitMs, leaseMs: settings.lockLeaseMs });
        metrics.lockWaitLatency.observe(waited.waitedMs);
        lease = waited;
        // The holder we waited for may have committed after our parallel read.
        parallelRead = undefined;
      }
      const loaded = await current(sessionId, phone, lease.committedVersion, cached, parallelRead);
      const held = lease;
      // A long turn (backend retries) keeps both leases: the lock, and the claim's in-progress lease,
      // so a duplicate delivery keeps getting 409 instead of taking the message over.
      renewal = setInterval(
        () => {
          stores.locks.renew(held, settings.lockLeaseMs).then(
            (renewed) => (held.expiresAt = renewed.expiresAt),
            // A lost lease makes the commit fail (the release part is fenced); nothing else to do here.
            (error) => logger.warn('lock renewal failed', { resource, error: (error as Error).message }),
          );
          if (claimed)
            stores.idempotency
              .renew(claimed.key, claimed.owner, settings.inProgressMs)
              // A claim taken over makes the commit fail (completion is owner-conditional).
              .catch((error) => logger.warn('claim renewal failed', { resource, error: (error as Error).message }));
        },
        Math.max(50, Math.floor(Math.min(settings.lockLeaseMs, settings.inProgressMs) / 3)),
      );

      const outcome = await decideAndCommit(request, sessionId, phone, owner, loaded, held, claimed, idem?.ttlMs ?? 0);
      metrics.turnLatency.observe(performance.now() - started);
      return outcome;
    } catch (error) {
      deps.cache?.delete(sessionId);
      metrics.turnsFailed.inc({ code: (error as AppError).code ?? 'internal.error' });
      await cleanup(lease, claimed);
      if (error instanceof DuplicateEntryError) return { status: 'duplicate' };
      throw error;
    } finally {
      clearInterval(renewal);
    }
  }

  async function decideAndCommit(
    request: TurnRequest,
    sessionId: string,
    phone: string,
    owner: string,
    loaded: { state: S; version: number } | null,
    lease: LockLease,
    claimed: { key: string; owner: string } | null,
    idempotencyTtlMs: number,
  ): Promise<TurnOutcome> {
    const now = clock.now();
    let state = loaded?.state ?? engine.initialState(sessionId, phone);
    const version = loaded?.version ?? 0;
    const ctx: EngineContext = {
      now,
      newId: () => ulid(clock.now()),
      pendingActionTtlMs: settings.pendingActionTtlMs,
      resumeTtlMs: settings.resumeTtlMs,
      buttons: request.channel === 'meta',
    };
    const input = request.input;
    let event: EngineEvent =
      input.kind === 'message'
        ? { type: 'message', message: input.message, understanding: await deps.understanding.understand(input.message.text, engine.expectation(state, now)) }
        : { type: 'template', template: input.template, metadata: input.metadata, at: input.at };

    const replies: Reply[] = [];
    const pending: { close?: CloseChange; open?: PendingActionDraft } = {};
    const calls: Effect[] = [];
    for (let step = 0; ; step++) {
      if (step >= MAX_STEPS) throw new AppError('internal.error', `engine asked for more than ${MAX_STEPS} calls in one turn`);
      const decision = engine.decide(state, event, ctx);
      state = decision.state;
      replies.push(...decision.replies);
      for (const effect of decision.effects) collect(effect, pending, calls);
      const next = calls.shift();
      if (!next) break;
      event = await perform(next, sessionId, owner, pending);
    }

    // Round trip 2: everything in one transaction.
    const at = clock.now();
    const ops: TxOp[] = [];
    const save = stores.sessions.saveOp(sessionId, state, version);
    ops.push(save.op);
    // Entries are ordered by when we processed them (ULIDs break ties in creation order).
    ops.push(...stores.buffer.appendOps(sessionId, inboundEntry(input, at)).ops);
    const outbound: OutboundEntry[] = [];
    replies.forEach((reply) => {
      const entry: BufferEntry = {
        role: 'assistant',
        text: reply.text,
        at,
        meta: {
          channel: request.channel,
          ...(reply.buttons ? { buttons: reply.buttons } : {}),
          ...(input.kind === 'message' ? { inReplyTo: input.message.messageId } : {}),
          // Ingest callers deliver replies themselves: recorded as returned, not queued for sending.
          delivery: request.channel === 'meta' ? 'outbox' : 'returned',
        },
        ...(request.channel === 'meta' ? { outbox: { to: sessionId, payload: { ...reply } } } : {}),
      };
      const { sk, ops: appendOps } = stores.buffer.appendOps(sessionId, entry);
      ops.push(...appendOps);
      if (request.channel === 'meta') outbound.push({ sessionId, sk, reply });
    });
    ops.push(...stores.pendingActions.turnOps(sessionId, pending));
    const response: TurnResponse = { session_id: sessionId, version: save.version, replies };
    if (claimed) ops.push(stores.idempotency.completeOp(claimed.key, claimed.owner, response, idempotencyTtlMs));
    ops.push(stores.locks.releaseOp(lease, save.version));
    await transactWrite(stores.doc, ops);
    deps.cache?.set(sessionId, save.state, save.version);
    metrics.repliesOut.inc({ channel: request.channel }, replies.length);
    logger.info('turn committed', { sessionId, channel: request.channel, version: save.version, replyCount: replies.length });
    logger.debug('turn content', { sessionId, text: input.kind === 'message' ? input.message.text : input.template, reply: replies.map((r) => r.text) });
    return { status: 'processed', response, outbound };
  }

  /** Sorts one effect: pending changes are committed with the turn; calls are performed now. */
  function collect(effect: Effect, pending: { close?: CloseChange; open?: PendingActionDraft }, calls: Effect[]) {
    switch (effect.type) {
      case 'pending.stage':
        pending.open = effect.action;
        if (effect.supersedes && pending.close?.actionId !== effect.supersedes) pending.close = { actionId: effect.supersedes, to: 'aborted' };
        return;
      case 'pending.abort':
        pending.close = { actionId: effect.actionId, to: 'aborted' };
        return;
      case 'pending.expire':
        pending.close = { actionId: effect.actionId, to: 'expired' };
        return;
      case 'backend.query':
      case 'backend.command':
      case 'pending.execute':
        calls.push(effect);
        return;
      default: {
        const unknown: never = effect;
        throw new AppError('internal.error', `unknown effect ${JSON.stringify(unknown)}`);
      }
    }
  }

  /** Performs one call and turns its outcome into the event the engine continues with. */
  async function perform(effect: Effect, sessionId: string, owner: string, pending: { close?: CloseChange }): Promise<CallResult> {
    if (effect.type === 'pending.execute') {
      const { actionId, callId } = effect;
      let call: BackendCall;
      try {
        // An action already confirmed (by a turn that then failed and is retried) stays confirmed; the claim decides.
        await stores.pendingActions.confirm(sessionId, actionId);
        call = (await stores.pendingActions.claim(sessionId, actionId, owner)).call;
      } catch (error) {
        return failure(callId, error);
      }
      try {
        const data = await deps.backends.call(call.operation, call.request as never, { idempotencyKey: actionId });
        pending.close = { actionId, to: 'executed', owner, result: data };
        return { type: 'call.result', callId, ok: true, data };
      } catch (error) {
        pending.close = { actionId, to: 'failed', owner, error: describe(error) };
        return failure(callId, error);
      }
    }
    if (effect.type === 'backend.query' || effect.type === 'backend.command') {
      try {
        const data = await deps.backends.call(effect.call.operation, effect.call.request as never, { idempotencyKey: effect.idempotencyKey });
        return { type: 'call.result', callId: effect.callId, ok: true, data };
      } catch (error) {
        return failure(effect.callId, error);
      }
    }
    throw new AppError('internal.error', `not a call: ${effect.type}`);
  }

  /**
   * The session as the lock's last commit (`committedVersion`) left it: the cached copy when it is
   * that version, the parallel read when it is not older, else a read now that we hold the lock.
   */
  async function current(
    sessionId: string,
    phone: string,
    committedVersion: number | undefined,
    cached: { state: S; version: number } | undefined,
    parallelRead: { state: S; version: number } | null | undefined,
  ): Promise<{ state: S; version: number } | null> {
    if (cached && cached.version === committedVersion) {
      metrics.sessionReads.inc({ source: 'cache' });
      return cached;
    }
    if (parallelRead !== undefined && (committedVersion === undefined || (parallelRead?.version ?? 0) >= committedVersion)) {
      metrics.sessionReads.inc({ source: 'read' });
      return parallelRead;
    }
    metrics.sessionReads.inc({ source: 'reread' });
    return load(sessionId, phone);
  }

  /** The stored session; a state the engine can no longer read (an old schema) starts afresh at its version. */
  async function load(sessionId: string, phone: string): Promise<{ state: S; version: number } | null> {
    try {
      return await stores.sessions.get(sessionId);
    } catch (error) {
      if ((error as AppError).code !== 'session.invalidState') throw error;
      const details = (error as AppError<{ version: number; issues: string[] }>).details!;
      logger.warn('stored session state is invalid; starting afresh', { sessionId, issues: details.issues });
      return { state: engine.initialState(sessionId, phone), version: details.version };
    }
  }

  /** Gives back the claim and the lock after a failed turn, so a retry can start at once. */
  async function cleanup(lease: LockLease | null, claimed: { key: string; owner: string } | null) {
    await Promise.all([
      lease ? stores.locks.release(lease).catch(() => undefined) : undefined,
      claimed ? stores.idempotency.release(claimed.key, claimed.owner).catch(() => undefined) : undefined,
    ]);
  }

  return { run };
}

function identity(input: TurnInput): { sessionId: string; phone: string } {
  return input.kind === 'message' ? { sessionId: input.message.sessionId, phone: input.message.phone } : { sessionId: input.sessionId, phone: input.phone };
}

function inboundEntry(input: TurnInput, at: number): BufferEntry {
  if (input.kind === 'template') {
    return {
      role: 'system',
      text: `Template '${input.template}' disparado`,
      at,
      meta: { origin: 'template_fired', template: input.template, metadata: input.metadata },
    };
  }
  const m = input.message;
  return {
    role: 'user',
    text: m.text,
    at,
    // No buffer dedup marker: the idempotency claim already lets this turn commit only once.
    meta: {
      origin: m.provider,
      messageId: m.messageId,
      type: m.type,
      sentAt: new Date(m.timestamp).toISOString(),
      ...(m.replyPayload ? { replyPayload: m.replyPayload } : {}),
    },
  };
}

function describe(error: unknown) {
  const e = error as AppError;
  return { code: e.code ?? 'internal.error', message: e.message ?? String(error), retryable: e.retryable ?? false };
}

function failure(callId: string, error: unknown): CallResult {
  return { type: 'call.result', callId, ok: false, error: describe(error) };
}
