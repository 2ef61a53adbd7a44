/**
 * Journals on the JourneyControl table: a leased, append-only progress log for a long job that is
 * not a step workflow (the Redis migration: one entry per batch, as many as the keyspace needs). The
 * header (`sk = "journal"`) holds the holder's lease and the run's status; each entry is its own
 * item (`sk = "journal#<seq>"`), written in one transaction with the check that its writer still
 * holds the lease. The header's status is `journalStatus`, so the workflow indexes (status, type,
 * due) never list a journal and no workflow worker ever claims one.
 *
 *   open ──▶ IN_PROGRESS (held, token t) ──append…──▶ complete ──▶ COMPLETED ──open──▶ IN_PROGRESS (t') …
 *                 └── the holder dies: once its lease has passed, open takes it over (token t'); the
 *                     old holder's heartbeat, append and complete are refused.
 */
import { GetCommand, PutCommand, UpdateCommand, type PutCommandInput, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { epochSeconds } from '../../kernel/clock.js';
import { ConflictError } from '../../kernel/errors.js';
import { ulid } from '../../kernel/ids.js';
import { TABLE_DEFS } from '../tables.js';
import { absentOrExpired, expressionsFor, nowValues } from './expression.js';
import { guard, isExpired, queryAll, writeIf, type Item, type StoreDeps } from './store-deps.js';
import { sendOne, transactWrite, type TxOp } from './transaction.js';

const DEF = TABLE_DEFS.journeys;
const PK = DEF.partitionKey.name;
const SK = DEF.sortKey.name;
const TTL = DEF.ttlAttribute;
const HEADER_SK = 'journal';
const ENTRY_PREFIX = 'journal#';
const expression = expressionsFor(DEF);
const DAY_MS = 86_400_000;

export type JournalStatus = 'IN_PROGRESS' | 'COMPLETED';

export interface JournalRecord {
  journalId: string;
  status: JournalStatus;
  /** Fixed when the journal is created: names the writes of its runs. */
  runId: string;
  /** Entries written so far: the next entry's sequence number. */
  entries: number;
  owner?: string;
  /** Epoch ms; while IN_PROGRESS, nobody else may open the journal before it. */
  leaseExpiresAt?: number;
  /** What `complete` stored. */
  result?: unknown;
  metadata: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

/** Proof of holding a journal: the token is new at every open, so it also fences a holder that was taken over. */
export interface JournalLease {
  journalId: string;
  owner: string;
  token: string;
}

export type OpenResult =
  { opened: true; journal: JournalRecord; lease: JournalLease; takenOver: boolean } | { opened: false; heldUntil: number; owner?: string };

export interface JournalStore {
  /** Takes the journal for `owner`: creates it, reopens a completed one, or takes over one whose holder's lease has passed. */
  open(journalId: string, owner: string, leaseMs: number, metadata?: Record<string, unknown>): Promise<OpenResult>;
  get(journalId: string): Promise<JournalRecord | null>;
  /** Moves the lease to now + leaseMs; false when the caller no longer holds the journal. */
  heartbeat(lease: JournalLease, leaseMs: number): Promise<boolean>;
  /** Writes entry `seq` (the journal's `entries` when opened, one more per append) and moves the lease; false when the caller no longer holds it. */
  append(lease: JournalLease, seq: number, value: unknown, leaseMs: number): Promise<boolean>;
  /** Writes the last entry and ends the run with `result`, in one transaction; false when the caller no longer holds the journal. */
  complete(lease: JournalLease, seq: number, value: unknown, result: unknown): Promise<boolean>;
  /** Every entry, in order. */
  entries(journalId: string): Promise<unknown[]>;
}

export interface JournalStoreDeps extends StoreDeps {
  /** Items expire this long after their last write (DynamoDB TTL). */
  ttlDays: number;
}

// Conditions, joined from named parts:
/** The caller holds the journal (its token is the one the last open wrote). */
const HELD = '#leaseToken = :token AND #journalStatus = :inProgress';
/** The header is as the opener read it: same token and status. */
const AS_SEEN = '#leaseToken = :seenToken AND #journalStatus = :seenStatus';
/** Its holder's lease has passed. */
const LEASE_PASSED = '#leaseExpiresAt < :now';
/** The entry is not written yet (a retried append writes it once). */
const NEW_ENTRY = 'attribute_not_exists(#sk)';

const IN_PROGRESS: JournalStatus = 'IN_PROGRESS';
const COMPLETED: JournalStatus = 'COMPLETED';
const headerKey = (journalId: string) => ({ [PK]: journalId, [SK]: HEADER_SK });
const entryKey = (journalId: string, seq: number) => ({ [PK]: journalId, [SK]: `${ENTRY_PREFIX}${String(seq).padStart(9, '0')}` });

/** Pure: the requests of the journal store, for a table and a clock's `now` (epoch ms). */
function journalRequests(tableName: string, ttlDays: number) {
  const ttlAt = (now: number) => epochSeconds(now + ttlDays * DAY_MS);
  const iso = (now: number) => new Date(now).toISOString();

  /** An update of the header by its holder. */
  const heldUpdate = (lease: JournalLease, label: string, set: string, values: Record<string, unknown>, now: number): TxOp => ({
    label,
    item: {
      Update: {
        TableName: tableName,
        Key: headerKey(lease.journalId),
        ...expression(
          { update: `SET ${set}, #updatedAt = :at, #ttl = :ttl`, condition: HELD },
          {
            ...values,
            token: lease.token,
            inProgress: IN_PROGRESS,
            at: iso(now),
            ttl: ttlAt(now),
          },
        ),
      },
    },
    onConditionFailed: () => new ConflictError('journey.conflict', `journal ${lease.journalId}: no longer held by ${lease.owner}`),
  });

  const entryPut = (lease: JournalLease, seq: number, value: unknown, now: number): TxOp => ({
    label: 'journal.entry',
    item: {
      Put: {
        TableName: tableName,
        Item: { ...entryKey(lease.journalId, seq), valueJson: JSON.stringify(value ?? null), at: iso(now), [TTL]: ttlAt(now) },
        ...expression({ condition: NEW_ENTRY }),
      },
    },
    onConditionFailed: () => new ConflictError('journey.conflict', `journal ${lease.journalId}: entry ${seq} is already written`),
  });

  return {
    /** A new journal, held by `lease`'s owner, unless a live one exists. */
    createParams(lease: JournalLease, leaseMs: number, metadata: Record<string, unknown>, now: number): PutCommandInput {
      return {
        TableName: tableName,
        Item: {
          ...headerKey(lease.journalId),
          journalStatus: IN_PROGRESS,
          runId: ulid(now),
          entries: 0,
          owner: lease.owner,
          leaseToken: lease.token,
          leaseExpiresAt: now + leaseMs,
          metadata,
          createdAt: iso(now),
          updatedAt: iso(now),
          [TTL]: ttlAt(now),
        },
        ...expression({ condition: absentOrExpired('pk') }, nowValues(now)),
      };
    },

    /** Takes the journal as read: a completed one for a new run, or one whose holder's lease has passed. */
    takeParams(seen: JournalRecord & { leaseToken: string }, lease: JournalLease, leaseMs: number, now: number): UpdateCommandInput {
      const condition = seen.status === IN_PROGRESS ? `${AS_SEEN} AND ${LEASE_PASSED}` : AS_SEEN;
      return {
        TableName: tableName,
        Key: headerKey(seen.journalId),
        ...expression(
          {
            update: 'SET #journalStatus = :inProgress, #owner = :owner, #leaseToken = :token, #leaseExpiresAt = :until, #updatedAt = :at, #ttl = :ttl',
            condition,
          },
          {
            seenToken: seen.leaseToken,
            seenStatus: seen.status,
            inProgress: IN_PROGRESS,
            owner: lease.owner,
            token: lease.token,
            until: now + leaseMs,
            at: iso(now),
            ttl: ttlAt(now),
            ...nowValues(now),
          },
        ),
        ReturnValues: 'ALL_NEW',
      };
    },

    heartbeatOp: (lease: JournalLease, leaseMs: number, now: number) =>
      heldUpdate(lease, 'journal.heartbeat', '#leaseExpiresAt = :until', { until: now + leaseMs }, now),

    /** The entry and the header's count (and lease) together. */
    appendOps: (lease: JournalLease, seq: number, value: unknown, leaseMs: number, now: number): TxOp[] => [
      heldUpdate(lease, 'journal.append', '#entries = :next, #leaseExpiresAt = :until', { next: seq + 1, until: now + leaseMs }, now),
      entryPut(lease, seq, value, now),
    ],

    /** The last entry and the end of the run together. */
    completeOps: (lease: JournalLease, seq: number, value: unknown, result: unknown, now: number): TxOp[] => [
      heldUpdate(
        lease,
        'journal.complete',
        '#entries = :next, #journalStatus = :completed, #resultJson = :result, #leaseExpiresAt = :now',
        { next: seq + 1, completed: COMPLETED, result: JSON.stringify(result ?? null), now },
        now,
      ),
      entryPut(lease, seq, value, now),
    ],
  };
}

const parse = (json: unknown): unknown => (typeof json === 'string' ? JSON.parse(json) : undefined);

/** Pure: a header item as the record callers see (with its token, which only the store uses). */
function toRecord(item: Item): JournalRecord & { leaseToken: string } {
  return {
    journalId: item[PK] as string,
    status: item.journalStatus as JournalStatus,
    runId: item.runId as string,
    entries: item.entries as number,
    owner: item.owner as string | undefined,
    leaseExpiresAt: item.leaseExpiresAt as number | undefined,
    ...(item.resultJson === undefined ? {} : { result: parse(item.resultJson) }),
    metadata: (item.metadata as Record<string, unknown> | undefined) ?? {},
    createdAt: item.createdAt as string,
    updatedAt: item.updatedAt as string,
    leaseToken: item.leaseToken as string,
  };
}

/** The record without the token. */
const publicRecord = ({ leaseToken: _token, ...record }: JournalRecord & { leaseToken: string }): JournalRecord => record;

/** Builds the journal store over the JourneyControl table. */
export function createJournalStore(deps: JournalStoreDeps): JournalStore {
  const { doc, tableName, clock } = deps;
  const build = journalRequests(tableName, deps.ttlDays);

  async function read(journalId: string) {
    const out = await guard(() => doc.send(new GetCommand({ TableName: tableName, Key: headerKey(journalId), ConsistentRead: true })));
    return out.Item && !isExpired(out.Item, clock.now(), TTL) ? toRecord(out.Item) : null;
  }

  /** Sends a holder's write; false when its condition failed (the caller no longer holds the journal). */
  async function held(ops: TxOp[]): Promise<boolean> {
    try {
      // A lone write needs no transaction.
      await (ops.length === 1 ? sendOne(doc, ops[0]) : transactWrite(doc, ops));
      return true;
    } catch (error) {
      if (error instanceof ConflictError && error.code === 'journey.conflict') return false;
      throw error;
    }
  }

  return {
    async open(journalId, owner, leaseMs, metadata = {}) {
      // Two rounds: a race with another opener (or with the item's expiry) is decided by reading again.
      for (let round = 0; round < 2; round++) {
        const now = clock.now();
        const lease: JournalLease = { journalId, owner, token: ulid(now) };
        const seen = await read(journalId);
        if (!seen) {
          const params = build.createParams(lease, leaseMs, metadata, now);
          if ((await writeIf(() => doc.send(new PutCommand(params)))).written) {
            return { opened: true, journal: publicRecord(toRecord(params.Item!)), lease, takenOver: false };
          }
          continue;
        }
        if (seen.status === IN_PROGRESS && (seen.leaseExpiresAt ?? 0) >= now)
          return { opened: false, heldUntil: seen.leaseExpiresAt ?? now, owner: seen.owner };
        const taken = await writeIf(() => doc.send(new UpdateCommand(build.takeParams(seen, lease, leaseMs, now))));
        if (taken.written) return { opened: true, journal: publicRecord(toRecord(taken.output.Attributes!)), lease, takenOver: seen.status === IN_PROGRESS };
      }
      throw new ConflictError('journey.conflict', `journal ${journalId} kept changing while it was opened; try again`);
    },

    async get(journalId) {
      const record = await read(journalId);
      return record && publicRecord(record);
    },

    heartbeat: (lease, leaseMs) => held([build.heartbeatOp(lease, leaseMs, clock.now())]),
    append: (lease, seq, value, leaseMs) => held(build.appendOps(lease, seq, value, leaseMs, clock.now())),
    complete: (lease, seq, value, result) => held(build.completeOps(lease, seq, value, result, clock.now())),

    async entries(journalId) {
      const items = await queryAll(doc, {
        TableName: tableName,
        ...expression({ keyCondition: '#pk = :pk AND begins_with(#sk, :prefix)' }, { pk: journalId, prefix: ENTRY_PREFIX }),
        ConsistentRead: true,
      });
      return items.filter((item) => !isExpired(item, clock.now(), TTL)).map((item) => parse(item.valueJson));
    },
  };
}
