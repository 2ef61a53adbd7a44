/**
 * What happened to each key, the run's counts, the report entries and the closing summary. Pure.
 * Reports and summaries carry keys with their phone digits masked and reasons, never message text.
 */
import { maskPhonesIn } from '../kernel/logger.js';
import type { InvalidReason } from './decode.js';
import { FAMILY_ORDER, type Family } from './legacy.js';
import type { ActionSkipReason } from './map-action.js';

/** Why a key was not imported though it was readable. */
export const SKIP_REASONS = {
  session_exists: 'a session is already in DynamoDB (newer than Redis): never overwritten',
  already_imported: 'imported by an earlier run',
  superseded: 'the other checkpoint of the same phone is newer',
  open_action_exists: 'the session already has an open confirmation in DynamoDB',
  gone: 'the key expired between the scan and the read',
  msg_in_flight: 'the legacy service was still processing this delivery (a provider retry must be processed)',
  delivery_exists: 'the delivery is already recorded in DynamoDB',
} as const;
export type SkipReason = keyof typeof SKIP_REASONS;

export type InvalidKeyReason = InvalidReason | 'engine_schema' | 'bad_key' | 'wrong_type';
const INVALID_REASONS: Record<InvalidKeyReason, string> = {
  unreadable_pickle: 'not a readable pickle',
  pickle_refers_to_code: 'the pickle names a Python class or function (refused, never executed)',
  bad_json: 'not JSON',
  not_a_checkpoint: 'not a checkpoint envelope',
  bad_timestamp: 'no readable timestamp',
  legacy_schema: 'the legacy state has the wrong shape',
  engine_schema: "the mapped state fails the engine's schema",
  bad_key: 'the key names no phone or message id',
  wrong_type: 'not a string value',
};

const ACTION_SKIP_REASONS: Record<ActionSkipReason, string> = {
  action_expired: 'the confirmation window had passed: not staged (the session was imported)',
  action_unmappable: 'the payload fits no backend contract: not staged (the session was imported)',
};

export type Outcome =
  | { kind: 'imported'; what: 'session'; action: 'none' | 'staged' | 'reconfirm' }
  | { kind: 'imported'; what: 'delivery' }
  | { kind: 'skipped'; reason: SkipReason }
  | { kind: 'invalid'; reason: InvalidKeyReason; detail: string };

export interface KeyResult {
  key: string;
  family: Family;
  outcome: Outcome;
  /** The session was imported but its legacy action was not staged. */
  actionSkipped?: { reason: ActionSkipReason; detail: string };
}

export interface Counts {
  scanned: Record<Family, number>;
  imported: { sessions: number; actions: number; reconfirmations: number; deliveries: number };
  skipped: Partial<Record<SkipReason, number>>;
  invalid: Partial<Record<InvalidKeyReason, number>>;
  actionsNotStaged: Partial<Record<ActionSkipReason, number>>;
}

export interface ReportEntry {
  /** The Redis key, phone digits masked. */
  key: string;
  family: Family;
  result: 'skipped' | 'invalid' | 'action_not_staged';
  reason: string;
  detail?: string;
}

export const emptyCounts = (): Counts => ({
  scanned: { pickle: 0, json: 0, msg: 0 },
  imported: { sessions: 0, actions: 0, reconfirmations: 0, deliveries: 0 },
  skipped: {},
  invalid: {},
  actionsNotStaged: {},
});

const bump = <K extends string>(record: Partial<Record<K, number>>, key: K) => void (record[key] = (record[key] ?? 0) + 1);

/** Adds one key's result to `counts` (mutates) and returns its report entries. */
export function tally(counts: Counts, result: KeyResult): ReportEntry[] {
  const { outcome, family } = result;
  // The key with its phone digits masked, as the logs mask them.
  const key = maskPhonesIn(result.key);
  counts.scanned[family]++;
  const entries: ReportEntry[] = [];
  if (outcome.kind === 'imported' && outcome.what === 'delivery') counts.imported.deliveries++;
  else if (outcome.kind === 'imported') {
    counts.imported.sessions++;
    if (outcome.action !== 'none') counts.imported.actions++;
    if (outcome.action === 'reconfirm') counts.imported.reconfirmations++;
  } else if (outcome.kind === 'skipped') {
    bump(counts.skipped, outcome.reason);
    entries.push({ key, family, result: 'skipped', reason: outcome.reason });
  } else {
    bump(counts.invalid, outcome.reason);
    entries.push({ key, family, result: 'invalid', reason: outcome.reason, detail: outcome.detail });
  }
  if (result.actionSkipped && outcome.kind === 'imported') {
    bump(counts.actionsNotStaged, result.actionSkipped.reason);
    entries.push({ key, family, result: 'action_not_staged', reason: result.actionSkipped.reason, detail: result.actionSkipped.detail });
  }
  return entries;
}

const sum = (record: Record<string, number | undefined>) => Object.values(record).reduce<number>((a, b) => a + (b ?? 0), 0);

export const scannedTotal = (counts: Counts) => sum(counts.scanned);
export const importedTotal = (counts: Counts) => counts.imported.sessions + counts.imported.deliveries;
export const skippedTotal = (counts: Counts) => sum(counts.skipped);
export const invalidTotal = (counts: Counts) => sum(counts.invalid);

/** Pure: a Redis URL without its password, for messages and the journey id. */
export function describeRedisUrl(url: URL): string {
  const host = url.host || 'localhost:6379';
  const db = url.pathname.replace(/^\//, '') || '0';
  return `${url.protocol}//${url.username ? `${url.username}@` : ''}${host}/${db}`;
}

export interface SummaryContext {
  dryRun: boolean;
  source: string;
  target: string;
  elapsedMs: number;
  /** Which full pass over the keyspace this was, and whether it continued an interrupted one. */
  pass?: number;
  resumed?: boolean;
  /** False when `--limit` stopped the run before the end of the keyspace. */
  finished: boolean;
}

const n = (value: number) => value.toLocaleString('en-US');

/** Pure: the closing summary, one fact per line. */
export function formatSummary(counts: Counts, ctx: SummaryContext): string {
  const seconds = Math.max(ctx.elapsedMs / 1000, 0.001);
  const row = (label: string, text: string) => `  ${label.padEnd(13)}${text}`;
  const lines = [
    `Redis → DynamoDB migration${ctx.dryRun ? ' (dry run: nothing written)' : ''}: ${ctx.source} → ${ctx.target}`,
    ctx.pass
      ? row(
          'pass',
          `${ctx.pass}${ctx.resumed ? ' (resumed after an interrupted run)' : ''}${ctx.finished ? '' : ' — stopped by --limit; run again to continue'}`,
        )
      : '',
    row('scanned', `${n(scannedTotal(counts))} keys (${FAMILY_ORDER.map((f) => `${f} ${n(counts.scanned[f])}`).join(', ')}) in ${seconds.toFixed(1)} s`),
    row(
      ctx.dryRun ? 'would import' : 'imported',
      `${n(importedTotal(counts))}: ${n(counts.imported.sessions)} sessions (${n(counts.imported.actions)} pending confirmations, ${n(counts.imported.reconfirmations)} to confirm again), ${n(counts.imported.deliveries)} recent deliveries`,
    ),
    row('skipped', `${n(skippedTotal(counts))}${reasons(counts.skipped, SKIP_REASONS)}`),
    row('invalid', `${n(invalidTotal(counts))}${reasons(counts.invalid, INVALID_REASONS)}`),
    sum(counts.actionsNotStaged)
      ? row('not staged', `${n(sum(counts.actionsNotStaged))} legacy actions${reasons(counts.actionsNotStaged, ACTION_SKIP_REASONS)}`)
      : '',
  ];
  return lines.filter(Boolean).join('\n');
}

function reasons(record: Record<string, number | undefined>, meaning: Record<string, string>): string {
  const rows = Object.entries(record).filter(([, count]) => count);
  if (!rows.length) return '';
  return rows
    .sort(([, a], [, b]) => b! - a!)
    .map(([reason, count]) => `\n      ${reason.padEnd(22)}${n(count!).padStart(7)}  ${meaning[reason] ?? ''}`)
    .join('');
}
