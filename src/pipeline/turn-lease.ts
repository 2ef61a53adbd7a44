import type { Logger } from '../kernel/logger.js';
import type { IdempotencyStore } from '../infra/stores/idempotency-store.js';
import type { LockLease, LockStore } from '../infra/stores/lock-store.js';
import type { HeldClaim, TurnClaim, TurnOutcome, TurnResponse } from './turn-types.js';

/** What a turn holds while it runs: its claim (when it has one) and the session lock. */
interface LeaseDeps {
  idempotency: Pick<IdempotencyStore, 'claim' | 'renew' | 'release'>;
  locks: Pick<LockStore, 'renew' | 'release'>;
  logger: Logger;
}

/**
 * The claim a turn runs under — the one place the two claim modes meet. `held` is already the
 * caller's (no request); `claim` is taken now for `owner`, and a key seen before settles the turn
 * at once: its stored response replayed, still in flight elsewhere, or sent with another payload.
 */
export async function takeClaim(
  idempotency: LeaseDeps['idempotency'],
  claim: TurnClaim | undefined,
  owner: string,
  inProgressMs: number,
): Promise<{ held: HeldClaim | null } | { settled: TurnOutcome }> {
  if (!claim) return { held: null };
  const { key, ttlMs } = claim;
  if (claim.mode === 'held') return { held: { key, owner: claim.owner, ttlMs } };
  const result = await idempotency.claim(key, claim.hash, { inProgressMs, ttlMs, owner });
  switch (result.outcome) {
    case 'new':
      return { held: { key, owner: result.owner, ttlMs } };
    case 'completed':
      return { settled: { status: 'replayed', response: result.response as TurnResponse } };
    case 'in_progress':
      return { settled: { status: 'in_progress', retryAfterMs: result.retryAfterMs } };
    case 'mismatch':
      return { settled: { status: 'mismatch' } };
  }
}

/**
 * Keeps a long turn's leases alive (backend retries can outlast them): the lock, and the claim's
 * in-progress lease, so a duplicate delivery keeps getting 409 instead of taking the message
 * over. Renews every third of the shorter lease; returns the function that stops it.
 */
export function keepAlive(deps: LeaseDeps, lease: LockLease, claim: HeldClaim | null, settings: { lockLeaseMs: number; inProgressMs: number }): () => void {
  const warn = (what: string) => (error: unknown) => deps.logger.warn(what, { resource: lease.resource, error: (error as Error).message });
  const timer = setInterval(
    () => {
      deps.locks.renew(lease, settings.lockLeaseMs).then(
        (renewed) => (lease.expiresAt = renewed.expiresAt),
        // A lost lease makes the commit fail (the release part is fenced); nothing else to do here.
        warn('lock renewal failed'),
      );
      // A claim taken over makes the commit fail (completion is owner-conditional).
      if (claim) deps.idempotency.renew(claim.key, claim.owner, settings.inProgressMs).catch(warn('claim renewal failed'));
    },
    Math.max(50, Math.floor(Math.min(settings.lockLeaseMs, settings.inProgressMs) / 3)),
  );
  return () => clearInterval(timer);
}

/** Gives back the claim and the lock after a failed turn, so a retry can start at once (best effort: both lapse anyway). */
export async function giveBack(deps: LeaseDeps, lease: LockLease | null, claim: HeldClaim | null): Promise<void> {
  await Promise.all([
    lease ? deps.locks.release(lease).catch(() => undefined) : undefined,
    claim ? deps.idempotency.release(claim.key, claim.owner).catch(() => undefined) : undefined,
  ]);
}
