/**
 * The erasure of one subject (LGPD art. 18 VI) as a step workflow: each step is idempotent (it
 * deletes or scrubs what is still there), so a crash at any point and a retry (a new run of the
 * same workflow id) finish the job. The conversation's own tables are erased while holding the
 * conversation lock, so a message arriving meanwhile is processed before (and erased) or after (a
 * new conversation), never against half-erased data.
 */
import { z } from 'zod';
import { isFinished } from '../infra/stores/journey-store.js';
import { sessionLockResource, type LockLease, type LockStore } from '../infra/stores/lock-store.js';
import { keyOf, type SubjectStore } from '../infra/stores/subject-store.js';
import { TABLE_DEFS, type TableKey } from '../infra/tables.js';
import type { Item } from '../infra/stores/store-deps.js';
import { defineWorkflow, type WorkflowType } from '../workflows/index.js';
import type { StepContext, StepRetryInput } from '../workflows/define.js';
import { carriesSubject, scrubSubject } from './subject.js';

export const ERASURE_TYPE = 'privacy-erasure';
/** Workflow ids of erasures: the subject's salted hash, never the phone. */
export const erasureWorkflowId = (subjectHash: string) => `${ERASURE_TYPE}:${subjectHash}`;

const inputSchema = z.strictObject({ sessionId: z.string().regex(/^\d{8,15}$/), subjectHash: z.string().regex(/^[0-9a-f]{32}$/) });
type Input = z.infer<typeof inputSchema>;

/** Items deleted (or scrubbed) per table, and what was left on purpose. */
export interface StepCounts {
  erased: Partial<Record<TableKey, number>>;
  kept?: KeptRecords[];
}

export interface KeptRecords {
  table: TableKey;
  count: number;
  reason: string;
}

export interface ErasureWorkflowDeps {
  locks: LockStore;
  subjects: SubjectStore;
  lockLeaseMs: number;
  lockWaitMs: number;
  /** Each step's retry policy (default: 5 attempts from 200 ms); a failed erasure is finished by the next request. */
  retry?: StepRetryInput;
}

/** Deletes a partition's items in slices, renewing the lock between them (a long history outlives one lease). */
const SLICE = 100;

export function createErasureWorkflow(deps: ErasureWorkflowDeps): WorkflowType {
  const { locks, subjects } = deps;
  const retry = deps.retry ?? { maxAttempts: 5, initialDelayMs: 200, backoffCoefficient: 2, maxDelayMs: 5_000 };

  /** Sessions, pending actions (and the open marker), the buffer (messages, dedup markers, outbox entries), then the lock item itself. */
  async function eraseConversation(ctx: StepContext<Input>): Promise<StepCounts> {
    const { sessionId } = ctx.input;
    const resource = sessionLockResource(sessionId);
    let lease: LockLease = await locks.acquireWithWait(resource, `erasure:${ctx.runId}:${ctx.attempt}`, {
      timeoutMs: deps.lockWaitMs,
      leaseMs: deps.lockLeaseMs,
    });
    const erased: Partial<Record<TableKey, number>> = {};
    // Renewal fails (LockLostError) if the lease passed: the attempt stops and a retry starts over.
    const alive = async () => {
      lease = await locks.renew(lease);
      await ctx.heartbeat();
    };
    for (const table of ['sessions', 'pendingActions', 'conversationBuffer'] as const) {
      erased[table] = 0;
      await subjects.eachKeyPage(table, sessionId, async (keys) => {
        for (let i = 0; i < keys.length; i += SLICE) {
          await alive();
          erased[table]! += await subjects.deleteKeys(table, keys.slice(i, i + SLICE));
        }
      });
    }
    // Deleting the lock item also drops `committedVersion`, so no instance trusts a session it cached or read before.
    erased.locks = await subjects.deleteKeys('locks', [{ [TABLE_DEFS.locks.partitionKey.name]: resource }]);
    return { erased };
  }

  /** Provider inbox and idempotency records: completed ones are scrubbed (or deleted when the key names the subject); unprocessed ones wait for their turn. */
  async function eraseDeliveryRecords(ctx: StepContext<Input>): Promise<StepCounts> {
    const { sessionId } = ctx.input;
    const key = TABLE_DEFS.idempotency.partitionKey.name;
    let erased = 0;
    let deferred = 0;
    await subjects.scan('idempotency', async (items) => {
      for (const item of items.filter((i) => carriesSubject(i, sessionId))) {
        if (carriesSubject(item[key], sessionId)) erased += await subjects.deleteKeys('idempotency', [keyOf('idempotency', item)]);
        else if (await subjects.scrubClaim(item[key] as string)) erased++;
        else deferred++;
      }
      await ctx.heartbeat();
    });
    const kept: KeptRecords[] = deferred
      ? [{ table: 'idempotency', count: deferred, reason: 'messages received and not yet processed: processed next as a new conversation; erase again after' }]
      : [];
    return { erased: { idempotency: erased }, kept };
  }

  /** Finished workflows naming the subject (business key, input, results) are deleted; journal entries naming it are scrubbed. */
  async function eraseWorkflows(ctx: StepContext<Input>): Promise<StepCounts> {
    const { sessionId } = ctx.input;
    const pk = TABLE_DEFS.journeys.partitionKey.name;
    const sk = TABLE_DEFS.journeys.sortKey.name;
    const named = new Set<string>();
    const journalItems: Item[] = [];
    await subjects.scan('journeys', async (items) => {
      for (const item of items) {
        const id = item[pk] as string;
        if (id.startsWith(`${ERASURE_TYPE}:`) || !carriesSubject(item, sessionId)) continue;
        if (String(item[sk]).startsWith('journal')) journalItems.push(item);
        else named.add(id);
      }
      await ctx.heartbeat();
    });
    let erased = 0;
    let running = 0;
    for (const id of named) {
      const items = await subjects.partition('journeys', id);
      const header = items.find((i) => i[sk] === 'journey');
      if (header && !isFinished(header.status as Parameters<typeof isFinished>[0])) {
        running++;
        continue;
      }
      erased += await subjects.deleteKeys(
        'journeys',
        items.map((i) => keyOf('journeys', i)),
      );
      await ctx.heartbeat();
    }
    for (const item of journalItems) if (await subjects.replace('journeys', scrubSubject(item, sessionId))) erased++;
    const kept: KeptRecords[] = running
      ? [{ table: 'journeys', count: running, reason: 'workflows still running: erase again once they finish (or terminate them)' }]
      : [];
    return { erased: { journeys: erased }, kept };
  }

  /** Tables no conversation writes (batch aggregates): whatever item names the subject. */
  async function eraseOther(ctx: StepContext<Input>): Promise<StepCounts> {
    const matches: Item[] = [];
    await subjects.scan('congregados', async (items) => {
      matches.push(...items.filter((i) => carriesSubject(i, ctx.input.sessionId)));
      await ctx.heartbeat();
    });
    return {
      erased: {
        congregados: await subjects.deleteKeys(
          'congregados',
          matches.map((i) => keyOf('congregados', i)),
        ),
      },
    };
  }

  return defineWorkflow({
    type: ERASURE_TYPE,
    version: '1',
    description: "LGPD erasure of one subject's data across every table (idempotent steps)",
    input: inputSchema,
    businessKey: (input) => erasureWorkflowId(input.subjectHash),
    steps: [
      { name: 'EraseConversation', run: eraseConversation, retry },
      { name: 'EraseDeliveryRecords', run: eraseDeliveryRecords, retry },
      { name: 'EraseWorkflows', run: eraseWorkflows, retry },
      { name: 'EraseOther', run: eraseOther, retry },
    ],
    result: (results) => {
      const erased: Partial<Record<TableKey, number>> = {};
      const kept: KeptRecords[] = [];
      for (const r of Object.values(results) as StepCounts[]) {
        for (const [table, n] of Object.entries(r.erased) as [TableKey, number][]) erased[table] = (erased[table] ?? 0) + n;
        kept.push(...(r.kept ?? []));
      }
      return { erased, kept };
    },
  });
}
