/**
 * Reads a legacy checkpoint value into one shape, whichever family it came from. Pickles are
 * parsed by a pure JavaScript parser that never executes anything; a pickle that names any Python
 * class or function is refused (the legacy values were plain dicts, lists, strings and numbers).
 */
import { Parser } from 'pickleparser';
import { jsonEnvelopeSchema, legacyStateSchema, legacyTime, pickleEnvelopeSchema, type LegacyState } from './legacy.js';

export interface LegacyCheckpoint {
  format: 'pickle' | 'json';
  state: LegacyState;
  /** When the legacy service wrote it, epoch ms (both families' `timestamp`). */
  writtenAt: number;
}

export type InvalidReason = 'unreadable_pickle' | 'pickle_refers_to_code' | 'bad_json' | 'not_a_checkpoint' | 'bad_timestamp' | 'legacy_schema';

export type Decoded = { ok: true; checkpoint: LegacyCheckpoint } | { ok: false; reason: InvalidReason; detail: string };

class RefusedGlobal extends Error {}

/** Refuses every global the pickle names: nothing is looked up, nothing runs. */
const refuseGlobals = {
  resolve(module: string, name: string): never {
    throw new RefusedGlobal(`${module}.${name}`);
  },
};

/** Pure: the pickled value (plain data only). */
function unpickle(bytes: Uint8Array): { ok: true; value: unknown } | { ok: false; reason: InvalidReason; detail: string } {
  try {
    const value = new Parser({ nameResolver: refuseGlobals, unpicklingTypeOfSet: 'array', unpicklingTypeOfDictionary: 'object' }).parse<unknown>(bytes);
    return { ok: true, value };
  } catch (error) {
    if (error instanceof RefusedGlobal) return { ok: false, reason: 'pickle_refers_to_code', detail: `names ${error.message}` };
    return { ok: false, reason: 'unreadable_pickle', detail: (error as Error).message };
  }
}

/** Pure: a `checkpoint:session_*` value. */
export function decodePickleCheckpoint(bytes: Uint8Array): Decoded {
  const raw = unpickle(bytes);
  if (!raw.ok) return raw;
  const envelope = pickleEnvelopeSchema.safeParse(raw.value);
  if (!envelope.success) return { ok: false, reason: 'not_a_checkpoint', detail: issues(envelope.error) };
  return withState('pickle', envelope.data.checkpoint, legacyTime(envelope.data.timestamp));
}

/** Pure: a `langgraph:checkpoint:*:current` value. */
export function decodeJsonCheckpoint(text: string): Decoded {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: 'bad_json', detail: (error as Error).message };
  }
  const envelope = jsonEnvelopeSchema.safeParse(raw);
  if (!envelope.success) return { ok: false, reason: 'not_a_checkpoint', detail: issues(envelope.error) };
  const { timestamp, checkpoint_id: checkpointId } = envelope.data;
  // checkpoint_id is the write's epoch ms: the fallback when the ISO timestamp is missing.
  const at = legacyTime(timestamp ?? undefined);
  return withState('json', envelope.data.state, Number.isFinite(at) ? at : legacyTime(checkpointId ?? undefined));
}

function withState(format: LegacyCheckpoint['format'], value: unknown, writtenAt: number): Decoded {
  if (!Number.isFinite(writtenAt)) return { ok: false, reason: 'bad_timestamp', detail: 'the checkpoint has no readable timestamp' };
  const state = legacyStateSchema.safeParse(value);
  if (!state.success) return { ok: false, reason: 'legacy_schema', detail: issues(state.error) };
  return { ok: true, checkpoint: { format, state: state.data, writtenAt } };
}

/** The first few schema issues as paths only: values may be personal data and never reach a report. */
export function issues(error: { issues: { path: PropertyKey[]; message: string }[] }): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}
