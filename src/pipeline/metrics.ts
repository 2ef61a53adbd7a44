import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { WindowSummary, type WindowQuantiles } from './window-summary.js';

/**
 * The service's figures, in one prom-client registry per app (no global default registry, so
 * tests and several apps in one process never share counters).
 */
export function createMetrics(options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'orchestrator_' });
  const counter = (name: string, help: string, labelNames: string[] = []) =>
    new Counter({ name: `orchestrator_${name}`, help, labelNames, registers: [registry] });
  // Quantiles over the last 10 minutes, or the last 4,096 observations at a higher rate.
  const summary = (name: string, help: string) =>
    new WindowSummary(`orchestrator_${name}`, help, { maxAgeMs: 600_000, capacity: 4_096, registers: [registry] });
  return {
    registry,
    messagesIn: counter('messages_in_total', 'Inbound messages accepted, by provider', ['provider']),
    repliesOut: counter('replies_out_total', 'Replies produced by turns, by channel', ['channel']),
    duplicatesDropped: counter('duplicates_dropped_total', 'Duplicate deliveries dropped or replayed', ['provider']),
    conflicts: counter('conflicts_409_total', 'Requests answered 409 (in progress or conflict)', ['reason']),
    lockWaits: counter('lock_waits_total', 'Turns that had to wait for the session lock'),
    turnsFailed: counter('turns_failed_total', 'Turns that failed before commit', ['code']),
    outbox: counter('outbox_sends_total', 'Outbound sends, by result', ['result']),
    statuses: counter('provider_statuses_total', 'Provider status webhooks, by status and whether applied', ['status', 'applied']),
    mediaIn: counter('media_in_total', 'Inbound messages carrying media, by provider and kind', ['provider', 'kind']),
    transcriptions: counter('transcriptions_total', 'Voice notes and audio, by result: ok or why they were not heard', ['result']),
    unsupportedItems: counter('unsupported_items_total', 'Provider webhook items that could not be read, by provider and reason', ['provider', 'reason']),
    llmPiiRedactions: counter('llm_pii_redactions_total', 'LLM_PII_REDACTION: identifiers kept out of LLM prompts, by kind (phone, email, name)', ['kind']),
    sessionReads: counter('session_reads_total', 'How turns got their session: cache (no read), read (in parallel with the lock), reread (after it)', [
      'source',
    ]),
    turnLatency: summary('turn_latency_ms', 'Turn latency from start to commit, ms'),
    lockWaitLatency: summary('lock_wait_ms', 'Time spent waiting for a busy session lock, ms'),
    turnRequests: summary('turn_dynamodb_requests', 'DynamoDB requests per committed turn'),
    turnRoundTrips: summary('turn_dynamodb_round_trips', 'Sequential DynamoDB round trips per committed turn'),
    recoverySweeps: counter('recovery_sweeps_total', 'Recovery sweeps run, by result (ok, failed)', ['result']),
    recoveredItems: counter('recovery_items_total', 'Items the recovery sweeps took over, by kind (inbox, outbox)', ['kind']),
    recoveryLastSweep: new Gauge({
      name: 'orchestrator_recovery_last_sweep_seconds',
      help: 'When the last recovery sweep finished, ok or failed (unix seconds; 0: none yet)',
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** A summary's read as `{p50, p95, p99, count}`, rounded to 0.01. */
export function quantiles({ p50, p95, p99, count }: WindowQuantiles): { p50: number | null; p95: number | null; p99: number | null; count: number } {
  const rounded = (v: number | null) => (v === null ? null : Math.round(v * 100) / 100);
  return { p50: rounded(p50), p95: rounded(p95), p99: rounded(p99), count };
}

/** A counter's values by one label, e.g. `{ cache: 3, read: 1 }`. */
export async function byLabel(counter: Counter, label: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const v of (await counter.get()).values) out[String(v.labels[label])] = (out[String(v.labels[label])] ?? 0) + v.value;
  return out;
}

/** Sum of a counter over all label values. */
export async function total(counter: Counter): Promise<number> {
  return (await counter.get()).values.reduce((sum, v) => sum + v.value, 0);
}
