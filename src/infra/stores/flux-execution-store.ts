/**
 * Flux control's executions: each report (kept under its table by time), the latest execution of
 * a table per set of sync-partition values (its "landing", what readiness reads by key), and the
 * producer's report id, claimed once so a repeated report is the same execution.
 */
import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { batchGet, body, fluxExpression as expression, keys, part, tryTransact } from './flux-items.js';
import { guard, queryAll, type Item, type StoreDeps } from './store-deps.js';
import type { TxOp } from './transaction.js';

export interface StoredExecution {
  execution_id: string;
  table: string;
  partitions: Record<string, string>;
  source: string;
  date_time: string;
  report_id?: string;
  task_schedule_id?: string;
}

export interface Landing {
  table: string;
  /** The sync-partition values this landing is for. */
  values: Record<string, string>;
  execution: StoredExecution;
}

export type RecordOutcome =
  | { kind: 'recorded' }
  /** The report id was seen: the execution it made, and whether its triggers were all opened. */
  | { kind: 'duplicate'; execution: StoredExecution; triggered: boolean }
  /** A part given in `also` failed its condition. */
  | { kind: 'refused'; part: string; current?: Item };

export function createFluxExecutionStore(deps: StoreDeps) {
  const { doc, tableName } = deps;

  async function report(table: string, reportId: string): Promise<Item | undefined> {
    return (await batchGet(doc, tableName, [keys.report(table, reportId)]))[0];
  }

  return {
    /**
     * Records an execution, its landing and (with a report id) the claim of that id, plus the
     * caller's `also` parts, in one transaction.
     */
    async record(execution: StoredExecution, landing: { valuesKey: string; values: Record<string, string> }, also: TxOp[] = []): Promise<RecordOutcome> {
      const ops: TxOp[] = [];
      if (execution.report_id)
        ops.push(
          part('report', {
            Put: {
              TableName: tableName,
              Item: { ...keys.report(execution.table, execution.report_id), execution, triggered: false },
              ...expression({ condition: 'attribute_not_exists(#pk)' }),
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            },
          }),
        );
      ops.push(
        part('execution', {
          Put: { TableName: tableName, Item: { ...keys.execution(execution.table, execution.date_time, execution.execution_id), ...execution } },
        }),
        part('landing', {
          Put: {
            TableName: tableName,
            Item: { ...keys.landing(execution.table, landing.valuesKey), table: execution.table, values: landing.values, execution },
          },
        }),
        ...also,
      );
      for (let round = 0; ; round++) {
        const outcome = await tryTransact(doc, ops);
        if (outcome.ok) return { kind: 'recorded' };
        if (outcome.failed === 'report') {
          const current = outcome.current ?? (await report(execution.table, execution.report_id!));
          if (current) return { kind: 'duplicate', execution: current.execution as StoredExecution, triggered: current.triggered === true };
        }
        if (outcome.failed !== 'conflict' && outcome.failed !== 'report') return { kind: 'refused', part: outcome.failed, current: outcome.current };
        if (round >= 5) throw new Error(`execution of ${execution.table}: the transaction kept conflicting`);
      }
    },

    /** Notes that every trigger of a report was opened (a repeat of it then changes nothing). */
    async markTriggered(table: string, reportId: string): Promise<void> {
      await guard(() =>
        doc.send(
          new UpdateCommand({ TableName: tableName, Key: keys.report(table, reportId), ...expression({ update: 'SET #triggered = :yes' }, { yes: true }) }),
        ),
      );
    },

    /** The landings of tables for exact values (one read). */
    async landings(wanted: { table: string; valuesKey: string }[]): Promise<Landing[]> {
      const items = await batchGet(
        doc,
        tableName,
        wanted.map((w) => keys.landing(w.table, w.valuesKey)),
      );
      return items.map((i) => ({ table: i.table as string, values: i.values as Record<string, string>, execution: i.execution as StoredExecution }));
    },

    /** Every landing of a table (one per distinct set of sync values it reported). */
    async allLandings(table: string): Promise<Landing[]> {
      const items = await queryAll(doc, { TableName: tableName, ...expression({ keyCondition: '#pk = :pk' }, { pk: keys.landing(table, '').pk }) });
      return items.map((i) => ({ table: i.table as string, values: i.values as Record<string, string>, execution: i.execution as StoredExecution }));
    },

    /** A table's executions since `since` (ISO; absent: all), oldest first, at most `limit`. */
    async list(table: string, since: string | undefined, limit: number): Promise<StoredExecution[]> {
      const out = await guard(() =>
        doc.send(
          new QueryCommand({
            TableName: tableName,
            ...expression(
              { keyCondition: since ? '#pk = :pk AND #sk >= :since' : '#pk = :pk' },
              { pk: keys.execution(table, '', '').pk, ...(since ? { since } : {}) },
            ),
            Limit: limit,
          }),
        ),
      );
      return (out.Items ?? []).map((i) => body<StoredExecution>(i));
    },

    /** The table's latest execution, or null. */
    async latest(table: string): Promise<StoredExecution | null> {
      const out = await guard(() =>
        doc.send(
          new QueryCommand({
            TableName: tableName,
            ...expression({ keyCondition: '#pk = :pk' }, { pk: keys.execution(table, '', '').pk }),
            ScanIndexForward: false,
            Limit: 1,
          }),
        ),
      );
      const item = out.Items?.[0];
      return item ? body<StoredExecution>(item) : null;
    },
  };
}

export type FluxExecutionStore = ReturnType<typeof createFluxExecutionStore>;
