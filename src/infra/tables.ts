/**
 * Every DynamoDB table, defined once: the create script, the stores, the tests and the debug
 * endpoint all read these definitions. Attribute names used in keys live here and nowhere else.
 */
export type AttrType = 'S' | 'N';

export interface KeyDef {
  name: string;
  type: AttrType;
}

export interface IndexDef {
  name: string;
  partitionKey: KeyDef;
  sortKey?: KeyDef;
  /**
   * Attributes copied into the index besides the keys (default: all). An index that copies only
   * what its readers need is not rewritten when other attributes of the item change.
   */
  include?: readonly string[];
}

export interface TableDef {
  /** Default physical name; the prefix from TABLE_PREFIX is prepended. */
  baseName: string;
  partitionKey: KeyDef;
  sortKey?: KeyDef;
  indexes: IndexDef[];
  /** Epoch-seconds attribute DynamoDB TTL deletes by; every read also treats a past value as absent. */
  ttlAttribute?: string;
  /**
   * Why a table without `ttlAttribute` keeps its items for good (LGPD: every item holding personal
   * or health data expires; a table may only be permanent when it holds none). docs/privacy.md.
   */
  permanent?: string;
}

const S = (name: string): KeyDef => ({ name, type: 'S' });
/** What a workflow list shows (and its expiry); written when a run starts or changes status, never by a step. */
const WORKFLOW_SUMMARY = ['workflowType', 'runId', 'runNumber', 'createdAt', 'failedStep', 'errorMessage', 'ttl'];
const N = (name: string): KeyDef => ({ name, type: 'N' });

export const TABLE_DEFS = {
  sessions: {
    baseName: 'OrchestratorSessions',
    partitionKey: S('sessionId'),
    indexes: [
      // Sessions by last activity, newest first (the console's list): one shard value, the save time as sort key.
      { name: 'activity-index', partitionKey: S('activityShard'), sortKey: S('updatedAt'), include: ['ttl'] },
    ],
    ttlAttribute: 'ttl',
  },
  pendingActions: {
    baseName: 'PendingActions',
    partitionKey: S('sessionId'),
    sortKey: S('actionId'),
    indexes: [{ name: 'status-index', partitionKey: S('status'), sortKey: S('createdAt') }],
    ttlAttribute: 'ttl',
  },
  conversationBuffer: {
    baseName: 'ConversationBuffer',
    partitionKey: S('sessionId'),
    // "m#<13-digit epoch ms>#<ULID>" for messages, "d#<dedupKey>" for dedup markers.
    sortKey: S('sk'),
    indexes: [
      // Sparse: only outbound entries that were handed to a provider carry providerMessageId.
      { name: 'providerMessageId-index', partitionKey: S('providerMessageId') },
      // Sparse: only outbound entries not yet sent carry outboxPending.
      { name: 'outboxPending-index', partitionKey: S('outboxPending'), sortKey: N('outboxSince') },
    ],
    ttlAttribute: 'ttl',
  },
  locks: {
    baseName: 'Locks',
    partitionKey: S('resource'),
    indexes: [],
    ttlAttribute: 'ttl',
  },
  idempotency: {
    baseName: 'Idempotency',
    partitionKey: S('idempotencyKey'),
    indexes: [
      // Sparse: inbox records stored but not yet completed (the crash-recovery sweep reads it).
      { name: 'pending-index', partitionKey: S('pendingShard'), sortKey: N('pendingSince') },
    ],
    ttlAttribute: 'ttl',
  },
  journeys: {
    baseName: 'JourneyControl',
    partitionKey: S('journeyId'),
    // "journey" for a workflow's header, "h#<runId>#<first event id>" for a run's history (and its checkpoints);
    // "journal" and "journal#<seq>" for a journal (journal-store.ts), which no index lists.
    sortKey: S('sk'),
    // The indexes copy only what their readers need: a step's checkpoint rewrites none of them.
    indexes: [
      { name: 'status-index', partitionKey: S('status'), sortKey: S('updatedAt'), include: WORKFLOW_SUMMARY },
      // Sparse: only runs a worker may claim (runnable, due later, or leased until dueAt) carry dueShard.
      { name: 'due-index', partitionKey: S('dueShard'), sortKey: N('dueAt'), include: [] },
      // Workflow headers by type, newest status change first.
      {
        name: 'type-index',
        partitionKey: S('workflowType'),
        sortKey: S('updatedAt'),
        include: [...WORKFLOW_SUMMARY.filter((a) => a !== 'workflowType'), 'status'],
      },
    ],
    ttlAttribute: 'ttl',
  },
  // Flux control, one table of typed items (docs/flux-control.md): "pk" names the entity
  // (table#<name>, executor#<alias>, exec#<table>, landed#<table>, report#<table>#<id>, sched#<id>,
  // dkey#<debounce key>, approval#<id>, registry), "sk" its part.
  flux: {
    baseName: 'FluxControl',
    partitionKey: S('pk'),
    sortKey: S('sk'),
    indexes: [
      // Lists: "table", "executor", "sched#<status>", "approval#<status>", sorted by name or time.
      { name: 'list-index', partitionKey: S('listKey'), sortKey: S('listSort') },
      // Sparse: only schedules a sweeper may claim (pending and due, or claimed and not yet started).
      { name: 'due-index', partitionKey: S('dueShard'), sortKey: N('dueAt'), include: [] },
    ],
    permanent: 'data-pipeline metadata (table definitions, partition values, schedules, approvals by operator name), no conversation or health data',
  },
  congregados: {
    baseName: 'CongregadoData',
    partitionKey: S('id'),
    indexes: [{ name: 'idempotencyKey-index', partitionKey: S('idempotencyKey') }],
    permanent: 'batch aggregates of operational events (counts, samples by business key), no conversation data; an erasure still scans it',
  },
  privacyAudit: {
    baseName: 'PrivacyAudit',
    // One stream ("audit"): ops reads and actions are few; "<13-digit epoch ms>#<ULID>" orders it by time.
    partitionKey: S('stream'),
    sortKey: S('entryId'),
    // The entries of one subject, by its salted hash (never the phone).
    indexes: [{ name: 'subject-index', partitionKey: S('subjectHash'), sortKey: S('entryId') }],
    ttlAttribute: 'ttl',
  },
} as const satisfies Record<string, TableDef>;

export type TableKey = keyof typeof TABLE_DEFS;

export type TableNames = Record<TableKey, string>;

/** The index of `def` called `name`; only the table's own index names type-check. */
export function indexNamed<D extends TableDef, N extends D['indexes'][number]['name']>(def: D, name: N): Extract<D['indexes'][number], { name: N }> {
  const index = def.indexes.find((i) => i.name === name);
  if (!index) throw new Error(`table ${def.baseName} has no index ${name}`);
  return index as Extract<D['indexes'][number], { name: N }>;
}

/** Pure: physical table names for a prefix. */
export function tableNames(prefix = ''): TableNames {
  return Object.fromEntries(Object.entries(TABLE_DEFS).map(([key, def]) => [key, `${prefix}${def.baseName}`])) as TableNames;
}
