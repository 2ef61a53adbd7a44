import type { Clock } from '../kernel/clock.js';

export interface CachedSession<S> {
  state: S;
  version: number;
}

export interface SessionCacheOptions {
  /** 0 turns the cache off. */
  maxEntries: number;
  maxAgeMs: number;
  clock: Clock;
}

/**
 * The sessions this process committed last, so a turn can skip reading its session back.
 *
 * Never trusted alone: an entry is used only when the session lock, just acquired, says the last
 * commit was this very version (`committedVersion`, written by every turn's fenced release). Any
 * other writer (another instance, a lost lock item) makes the versions differ and the turn reads
 * the store; the session's OCC condition remains the final guard. Entries are the states that
 * were committed (already parsed by the engine's schema), kept at most `maxAgeMs`, least recently
 * used evicted first.
 */
export class SessionCache<S> {
  private readonly entries = new Map<string, CachedSession<S> & { at: number }>();

  constructor(private readonly options: SessionCacheOptions) {}

  get(sessionId: string): CachedSession<S> | undefined {
    const entry = this.entries.get(sessionId);
    if (!entry) return undefined;
    this.entries.delete(sessionId);
    if (this.options.clock.now() - entry.at > this.options.maxAgeMs) return undefined;
    // Re-inserted: Map order is the recency order.
    this.entries.set(sessionId, entry);
    return { state: entry.state, version: entry.version };
  }

  set(sessionId: string, state: S, version: number) {
    if (this.options.maxEntries <= 0) return;
    this.entries.delete(sessionId);
    this.entries.set(sessionId, { state, version, at: this.options.clock.now() });
    if (this.entries.size > this.options.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  delete(sessionId: string) {
    this.entries.delete(sessionId);
  }

  get size() {
    return this.entries.size;
  }
}
