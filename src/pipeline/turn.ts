import type { Effect, EngineContext, EngineEvent, Reply } from '../contracts/engine.js';
import { AppError } from '../kernel/errors.js';
import { ulid } from '../kernel/ids.js';
import { sessionLockResource, type LockLease } from '../infra/stores/lock-store.js';
import { transactWrite } from '../infra/stores/transaction.js';
import { assembleCommit } from './turn-commit.js';
import { createEffectRunner } from './turn-effects.js';
import { giveBack, keepAlive, takeClaim } from './turn-lease.js';
import type { HeldClaim, Loaded, PendingPlan, TurnDeps, TurnInput, TurnOutcome, TurnRequest, TurnSession } from './turn-types.js';

/** A decide loop never needs many calls; this bounds a misbehaving engine. */
const MAX_STEPS = 12;

/** A turn in flight: what started it, whose session it is, and the owner id it holds its claim and lock as. */
interface InFlight {
  request: TurnRequest;
  session: TurnSession;
  owner: string;
}

/** What round trip 1 leaves the turn with, unless the claim settled it. */
interface Acquired<S> {
  claim: HeldClaim | null;
  /** Null when the lock was busy: the turn waits for it. */
  lease: LockLease | null;
  /** The session read in parallel (null: none stored; undefined: not read, the cache had it). */
  read: Loaded<S> | null | undefined;
  cached: Loaded<S> | undefined;
}

/**
 * The turn: claim ∥ lock ∥ load (one parallel round trip) → understand → engine.decide, performing
 * the effects it declares → ONE TransactWriteItems with the session save (OCC), inbound and
 * outbound buffer entries, pending-action changes, the claim's completion and the lock release
 * (which also fences the commit). Nothing is written if any part fails; the claim and the lock
 * are then given back so a retry can start at once.
 */
export function createTurnRunner<S>(deps: TurnDeps<S>) {
  const { stores, engine, clock, logger, metrics, settings } = deps;
  const leases = { idempotency: stores.idempotency, locks: stores.locks, logger };
  const effects = createEffectRunner({ pendingActions: stores.pendingActions, backends: deps.backends });

  /** Runs one turn, measuring its DynamoDB requests and round trips when a counter is given. */
  async function run(request: TurnRequest): Promise<TurnOutcome> {
    if (!deps.counter) return turn(request);
    const { result, trace } = await deps.counter.track(() => turn(request));
    if (result.status === 'processed') {
      metrics.turnRequests.observe(trace.requests);
      metrics.turnRoundTrips.observe(trace.roundTrips);
    }
    return result;
  }

  /** acquire → load → understand → decide and perform → commit; a failure gives the claim and the lock back. */
  async function turn(request: TurnRequest): Promise<TurnOutcome> {
    const started = performance.now();
    const flight: InFlight = { request, session: identify(request.input), owner: `${deps.instanceId}:${ulid()}` };
    const acquired = await acquire(flight);
    if ('settled' in acquired) return acquired.settled;
    const { claim, cached } = acquired;
    let lease = acquired.lease;
    let stop = () => {};
    try {
      // The holder we waited for may have committed after our parallel read: do not use it.
      const read = lease ? acquired.read : undefined;
      lease ??= await waitForLock(flight);
      stop = keepAlive(leases, lease, claim, settings);
      const loaded = await current(flight.session, lease.committedVersion, cached, read);
      const now = clock.now();
      const first = await understand(request.input, loaded.state, now);
      const decided = await decideAndPerform(flight, loaded.state, first, now);
      const outcome = await commit(flight, loaded.version, decided, lease, claim);
      metrics.turnLatency.observe(performance.now() - started);
      return outcome;
    } catch (error) {
      deps.cache?.delete(flight.session.sessionId);
      metrics.turnsFailed.inc({ code: (error as AppError).code ?? 'internal.error' });
      await giveBack(leases, lease, claim);
      throw error;
    } finally {
      stop();
    }
  }

  /** Round trip 1: the claim, the lock and (unless cached) the session, in parallel. */
  async function acquire({ request, session, owner }: InFlight): Promise<Acquired<S> | { settled: TurnOutcome }> {
    const cached = deps.cache?.get(session.sessionId);
    const [claimed, locked, read] = await Promise.allSettled([
      takeClaim(stores.idempotency, request.claim, owner, settings.inProgressMs),
      stores.locks.acquire(resourceOf(session), owner, settings.lockLeaseMs),
      cached ? undefined : load(session),
    ]);
    const lease = locked.status === 'fulfilled' && locked.value.acquired ? locked.value : null;
    const held = claimed.status === 'fulfilled' && 'held' in claimed.value ? claimed.value.held : null;
    const failed = [claimed, locked, read].find((r) => r.status === 'rejected');
    if (failed) {
      await giveBack(leases, lease, held);
      throw failed.reason;
    }
    if (claimed.status === 'fulfilled' && 'settled' in claimed.value) {
      await giveBack(leases, lease, null);
      return claimed.value;
    }
    return { claim: held, lease, read: read.status === 'fulfilled' ? read.value : undefined, cached };
  }

  async function waitForLock({ session, owner }: InFlight): Promise<LockLease> {
    metrics.lockWaits.inc();
    const waited = await stores.locks.acquireWithWait(resourceOf(session), owner, { timeoutMs: settings.lockWaitMs, leaseMs: settings.lockLeaseMs });
    metrics.lockWaitLatency.observe(waited.waitedMs);
    return waited;
  }

  /**
   * The session as the lock's last commit (`committedVersion`) left it: the cached copy when it is
   * that version, the parallel read when it is not older, else a read now that we hold the lock.
   */
  async function current(
    session: TurnSession,
    committedVersion: number | undefined,
    cached: Loaded<S> | undefined,
    read: Loaded<S> | null | undefined,
  ): Promise<Loaded<S>> {
    const fresh = (found: Loaded<S> | null) => found ?? { state: engine.initialState(session.sessionId, session.phone), version: 0 };
    if (cached && cached.version === committedVersion) {
      metrics.sessionReads.inc({ source: 'cache' });
      return cached;
    }
    if (read !== undefined && (committedVersion === undefined || (read?.version ?? 0) >= committedVersion)) {
      metrics.sessionReads.inc({ source: 'read' });
      return fresh(read);
    }
    metrics.sessionReads.inc({ source: 'reread' });
    return fresh(await load(session));
  }

  /** The stored session; a state the engine can no longer read (an old schema) starts afresh at its version. */
  async function load({ sessionId, phone }: TurnSession): Promise<Loaded<S> | null> {
    const read = await stores.sessions.read(sessionId);
    if (read.status === 'found') return read.session;
    if (read.status === 'absent') return null;
    logger.warn('stored session state is invalid; starting afresh', { sessionId, issues: read.issues });
    return { state: engine.initialState(sessionId, phone), version: read.version };
  }

  /** What the engine sees first: the message with its understanding, or the template that went out. */
  async function understand(input: TurnInput, state: S, now: number): Promise<EngineEvent> {
    if (input.kind === 'template') return { type: 'template', template: input.template, metadata: input.metadata, at: input.at };
    return {
      type: 'message',
      message: input.message,
      understanding: await deps.understanding.understand(input.message.text, {
        ...engine.expectation(state, now),
        identities: engine.identities?.(state),
      }),
    };
  }

  /** engine.decide, performing the effects it declares, until no call is left; each call's result is the next event. */
  async function decideAndPerform({ request, session, owner }: InFlight, loaded: S, first: EngineEvent, now: number) {
    const ctx: EngineContext = {
      now,
      newId: () => ulid(clock.now()),
      pendingActionTtlMs: settings.pendingActionTtlMs,
      resumeTtlMs: settings.resumeTtlMs,
      buttons: request.channel === 'meta',
    };
    const scope = { sessionId: session.sessionId, owner, pending: {} as PendingPlan };
    const queue: Effect[] = [];
    const replies: Reply[] = [];
    let state = loaded;
    let event = first;
    for (let step = 0; ; step++) {
      if (step >= MAX_STEPS) throw new AppError('internal.error', `engine asked for more than ${MAX_STEPS} calls in one turn`);
      const decision = engine.decide(state, event, ctx);
      state = decision.state;
      replies.push(...decision.replies);
      queue.push(...decision.effects);
      const result = await effects.untilCall(queue, scope);
      if (!result) return { state, replies, pending: scope.pending };
      event = result;
    }
  }

  /** Round trip 2: everything in one transaction. */
  async function commit(
    { request, session }: InFlight,
    version: number,
    decided: { state: S; replies: Reply[]; pending: PendingPlan },
    lease: LockLease,
    claim: HeldClaim | null,
  ): Promise<TurnOutcome> {
    const { channel, input } = request;
    const { sessionId } = session;
    const { ops, response, outbound, saved } = assembleCommit(stores, { sessionId, channel, input, version, ...decided, claim, lease, at: clock.now() });
    await transactWrite(stores.doc, ops);
    deps.cache?.set(sessionId, saved.state, saved.version);
    metrics.repliesOut.inc({ channel }, decided.replies.length);
    logger.info('turn committed', { sessionId, channel, version: saved.version, replyCount: decided.replies.length });
    logger.debug('turn content', {
      sessionId,
      text: input.kind === 'message' ? input.message.text : input.template,
      reply: decided.replies.map((r) => r.text),
    });
    return { status: 'processed', response, outbound };
  }

  return { run };
}

export type TurnRunner = ReturnType<typeof createTurnRunner<unknown>>;

function identify(input: TurnInput): TurnSession {
  return input.kind === 'message' ? { sessionId: input.message.sessionId, phone: input.message.phone } : { sessionId: input.sessionId, phone: input.phone };
}

const resourceOf = (session: TurnSession) => sessionLockResource(session.sessionId);
