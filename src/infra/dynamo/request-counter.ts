import { AsyncLocalStorage } from 'node:async_hooks';

interface Span {
  op: string;
  tables: string[];
  start: number;
  end: number;
}

/** What one tracked unit of work (a turn) sent to DynamoDB. */
export interface RequestTrace {
  requests: number;
  /** Waves of requests that did not overlap in time: the sequential round trips. */
  roundTrips: number;
  operations: string[];
}

/**
 * Counts DynamoDB requests per operation and per table (process totals), and, inside `track()`,
 * per unit of work with the number of sequential round trips (for the benchmark and tests).
 */
export class RequestCounter {
  /** Per "Operation Table"; a request naming several tables (transactions) counts once for each. */
  private readonly totals = new Map<string, number>();
  /** Per operation; each request counts once. */
  private readonly requests = new Map<string, number>();
  private readonly scope = new AsyncLocalStorage<Span[]>();

  record(op: string, tables: string[], start: number, end: number) {
    this.requests.set(op, (this.requests.get(op) ?? 0) + 1);
    for (const table of tables.length ? tables : ['-']) {
      const key = `${op} ${table}`;
      this.totals.set(key, (this.totals.get(key) ?? 0) + 1);
    }
    this.scope.getStore()?.push({ op, tables, start, end });
  }

  /** Totals as `{ requests, byOperation: {"UpdateItem": 3}, byTable: {"UpdateItem Locks": 3} }`. */
  snapshot(): { requests: number; byOperation: Record<string, number>; byTable: Record<string, number> } {
    const sorted = (m: Map<string, number>) => Object.fromEntries([...m].sort(([a], [b]) => a.localeCompare(b)));
    return { requests: this.total(), byOperation: sorted(this.requests), byTable: sorted(this.totals) };
  }

  /** Requests sent, optionally of one operation. */
  total(op?: string): number {
    let n = 0;
    for (const [key, count] of this.requests) if (!op || key === op) n += count;
    return n;
  }

  reset() {
    this.totals.clear();
    this.requests.clear();
  }

  /** Runs fn and reports what it sent to DynamoDB. */
  async track<T>(fn: () => Promise<T>): Promise<{ result: T; trace: RequestTrace }> {
    const spans: Span[] = [];
    const result = await this.scope.run(spans, fn);
    return { result, trace: summarise(spans) };
  }
}

/** Pure: groups spans into waves; a span that starts after every earlier span ended opens a new wave. */
function summarise(spans: Span[]): RequestTrace {
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  let roundTrips = 0;
  let waveEnd = -Infinity;
  for (const span of sorted) {
    if (span.start >= waveEnd) {
      roundTrips += 1;
      waveEnd = span.end;
    } else waveEnd = Math.max(waveEnd, span.end);
  }
  return { requests: spans.length, roundTrips, operations: sorted.map((s) => s.op) };
}
