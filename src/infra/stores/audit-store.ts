import { PutCommand, type PutCommandInput, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { epochSeconds } from '../../kernel/clock.js';
import { monotonicFactory } from '../../kernel/ids.js';
import { TABLE_DEFS, indexNamed } from '../tables.js';
import { LIVE, and, expressionsFor, nowValues } from './expression.js';
import { guard, queryPages, type Item, type StoreDeps } from './store-deps.js';

const DEF = TABLE_DEFS.privacyAudit;
const PK = DEF.partitionKey.name;
const SK = DEF.sortKey.name;
const TTL = DEF.ttlAttribute;
const BY_SUBJECT = indexNamed(DEF, 'subject-index');
const expression = expressionsFor(DEF);
const DAY_MS = 86_400_000;
/** The one stream every entry is appended to (audit writes are ops-rate, far below a partition's limit). */
const STREAM = 'audit';
const MAX_PAGE = 500;

/** One audited read or action. Holds no phone number: the subject is a salted hash and, for reads, a masked form. */
export interface AuditEntry {
  /** Who: the ops token's id (a hash prefix) and the name the caller gave, if any. */
  actor: { id: string; name?: string };
  /** What, e.g. `session.state.read`, `privacy.export`, `privacy.erase`, `workflow.start`. */
  action: string;
  subjectHash?: string;
  /** e.g. `5511*****0001`; absent for an erasure (its audit keeps no personal data). */
  subjectMasked?: string;
  requestId?: string;
  /** Counts, a workflow id …; never personal data. */
  details?: Record<string, unknown>;
}

export interface StoredAuditEntry extends AuditEntry {
  entryId: string;
  /** ISO-8601 UTC. */
  at: string;
}

export interface AuditQuery {
  subjectHash?: string;
  /** Epoch ms: only entries at or after it. */
  since?: number;
  limit: number;
  /** The `next` of the previous page. */
  after?: string;
}

export interface AuditStoreOptions extends StoreDeps {
  retentionDays: number;
}

/** Pure: the Put of one entry; it expires `retentionDays` after it was written. */
export function appendParams(tableName: string, entryId: string, entry: AuditEntry, now: number, retentionDays: number): PutCommandInput {
  return {
    TableName: tableName,
    Item: {
      [PK]: STREAM,
      [SK]: entryId,
      at: new Date(now).toISOString(),
      ...stripUndefined(entry),
      [TTL]: epochSeconds(now + retentionDays * DAY_MS),
    },
    ...expression({ condition: 'attribute_not_exists(#sk)' }),
  };
}

/** Pure: one page of entries, oldest first, from the stream or from one subject's index. */
export function listParams(tableName: string, query: AuditQuery, now: number): QueryCommandInput {
  const from = query.after ?? `${pad(query.since ?? 0)}`;
  const bySubject = query.subjectHash !== undefined;
  const pk = bySubject ? BY_SUBJECT.partitionKey.name : PK;
  return {
    TableName: tableName,
    ...(bySubject ? { IndexName: BY_SUBJECT.name } : {}),
    ...expression({ keyCondition: and(`#${pk} = :pk`, '#sk > :from'), filter: LIVE }, { pk: query.subjectHash ?? STREAM, from, ...nowValues(now) }),
    Limit: Math.min(query.limit, MAX_PAGE),
  };
}

/** The append-only privacy audit: who read or changed what, when; its own retention (AUDIT_RETENTION_DAYS). */
export interface AuditStore {
  append(entry: AuditEntry): Promise<StoredAuditEntry>;
  /** Live entries, oldest first, at most `limit`; `next` continues after the last one. */
  list(query: AuditQuery): Promise<{ entries: StoredAuditEntry[]; next: string | null }>;
}

/** Builds the audit store over the PrivacyAudit table. */
export function createAuditStore(options: AuditStoreOptions): AuditStore {
  const { doc, tableName, clock, retentionDays } = options;
  const ulid = monotonicFactory();
  return {
    async append(entry) {
      const now = clock.now();
      const entryId = `${pad(now)}#${ulid(now)}`;
      await guard(() => doc.send(new PutCommand(appendParams(tableName, entryId, entry, now, retentionDays))));
      return { ...entry, entryId, at: new Date(now).toISOString() };
    },

    async list(query) {
      const entries: StoredAuditEntry[] = [];
      await queryPages(doc, listParams(tableName, query, clock.now()), (page) => {
        for (const item of page.Items ?? []) if (entries.length < query.limit) entries.push(toEntry(item));
        return entries.length < query.limit;
      });
      return { entries, next: entries.length === query.limit ? entries.at(-1)!.entryId : null };
    },
  };
}

const pad = (ms: number) => String(Math.max(0, Math.floor(ms))).padStart(13, '0');

const stripUndefined = (entry: AuditEntry): Item => Object.fromEntries(Object.entries(entry).filter(([, v]) => v !== undefined));

function toEntry(item: Item): StoredAuditEntry {
  return {
    entryId: item[SK] as string,
    at: item.at as string,
    actor: item.actor as AuditEntry['actor'],
    action: item.action as string,
    ...(item.subjectHash ? { subjectHash: item.subjectHash as string } : {}),
    ...(item.subjectMasked ? { subjectMasked: item.subjectMasked as string } : {}),
    ...(item.requestId ? { requestId: item.requestId as string } : {}),
    ...(item.details ? { details: item.details as Record<string, unknown> } : {}),
  };
}
