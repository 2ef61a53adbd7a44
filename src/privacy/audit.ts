/**
 * The audit use-cases: record who read or changed what (LGPD art. 37), and read the record back.
 * Every door (ops JSON API, workflow routes, the console) records through `record`.
 */
import type { AuditStore, StoredAuditEntry } from '../infra/stores/audit-store.js';
import { subjectOf, type Subject } from './subject.js';

export interface AuditActor {
  id: string;
  name?: string;
}

export interface AuditRecord {
  actor: AuditActor;
  action: string;
  /** The subject's session id; stored only as its salted hash (and masked, unless `hashOnly`). */
  sessionId?: string;
  /** Keep no personal data at all, not even the masked phone (the audit of an erasure). */
  hashOnly?: boolean;
  requestId?: string;
  details?: Record<string, unknown>;
}

export interface AuditLogDeps {
  store: AuditStore;
  salt: string;
}

export function createAuditLog({ store, salt }: AuditLogDeps) {
  return {
    /** The subject as the audit names it. */
    subject: (sessionId: string): Subject => subjectOf(sessionId, salt),

    /** Appends one entry; the caller answers only once it is stored (no unaudited read). */
    async record(r: AuditRecord): Promise<StoredAuditEntry> {
      const subject = r.sessionId === undefined ? undefined : subjectOf(r.sessionId, salt);
      return store.append({
        actor: r.actor,
        action: r.action,
        subjectHash: subject?.hash,
        subjectMasked: r.hashOnly ? undefined : subject?.masked,
        requestId: r.requestId,
        details: r.details,
      });
    },

    /** Entries oldest first; by subject when a session id is given. */
    list(query: { sessionId?: string; since?: number; limit: number; after?: string }) {
      return store.list({
        subjectHash: query.sessionId === undefined ? undefined : subjectOf(query.sessionId, salt).hash,
        since: query.since,
        limit: query.limit,
        after: query.after,
      });
    },
  };
}

export type AuditLog = ReturnType<typeof createAuditLog>;
