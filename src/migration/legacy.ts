/**
 * The legacy Redis orchestrator's data (../shared/reference/legacy-redis.md): its key families and
 * the shapes of what they held. The schemas are lenient where the Python code was (optional
 * blocks, ids as numbers or strings, extra keys kept) and strict where a wrong type would change
 * meaning (booleans, vitals, the pending action's flags).
 */
import { z } from 'zod';

/** The families a run reads, in the order it reads them (each is one SCAN with its own MATCH). */
export const FAMILIES = {
  pickle: { match: 'checkpoint:session_*', defaultTtlMs: 3_600_000 },
  json: { match: 'langgraph:checkpoint:*:current', defaultTtlMs: 86_400_000 },
  msg: { match: 'msg:*', defaultTtlMs: 600_000 },
} as const;
export type Family = keyof typeof FAMILIES;
export const FAMILY_ORDER: Family[] = ['pickle', 'json', 'msg'];

const PICKLE_PREFIX = 'checkpoint:session_';
const JSON_PREFIX = 'langgraph:checkpoint:';
const JSON_SUFFIX = ':current';
const MSG_PREFIX = 'msg:';

/** Pure: the digits of the phone a checkpoint key belongs to, or null when the key names none. */
export function checkpointDigits(key: string): string | null {
  let thread: string;
  if (key.startsWith(PICKLE_PREFIX)) thread = key.slice(PICKLE_PREFIX.length);
  else if (key.startsWith(JSON_PREFIX) && key.endsWith(JSON_SUFFIX)) thread = key.slice(JSON_PREFIX.length, -JSON_SUFFIX.length).replace(/^session_/, '');
  else return null;
  return /^\+?\d{8,15}$/.test(thread) ? thread.replace('+', '') : null;
}

/** Pure: the key of the other checkpoint family for the same phone (both may exist; the newer wins). */
export function partnerKey(family: 'pickle' | 'json', digits: string): string {
  return family === 'pickle' ? `${JSON_PREFIX}session_${digits}${JSON_SUFFIX}` : `${PICKLE_PREFIX}${digits}`;
}

/** Pure: the provider message id of a `msg:` key. */
export const messageIdOf = (key: string): string | null => (key.startsWith(MSG_PREFIX) && key.length > MSG_PREFIX.length ? key.slice(MSG_PREFIX.length) : null);

/** The `msg:` value while the legacy webhook was still processing the delivery. */
export const MSG_PROCESSING = 'processing';

const text = z.string().nullish();
const flag = z.boolean().nullish();
/** Ids were strings, but some backends answered numbers. */
const id = z
  .union([z.string(), z.number()])
  .nullish()
  .transform((v) => (v === null || v === undefined || v === '' ? null : String(v)));
/** Vitals as the legacy extractor stored them (numbers; a numeric string is read as its number). */
const measure = z
  .union([z.number(), z.string().regex(/^\d+([.,]\d+)?$/)])
  .nullish()
  .transform((v) => (typeof v === 'string' ? Number(v.replace(',', '.')) : (v ?? null)));

export const legacyVitalsSchema = z.object({ PA: z.string().nullish(), FC: measure, FR: measure, Sat: measure, Temp: measure }).partial().passthrough();
export type LegacyVitals = z.infer<typeof legacyVitalsSchema>;

/** `aux.acao_pendente`, the legacy two-phase commit (`app/infra/tpc.py`). */
export const legacyActionSchema = z
  .object({
    action_id: id,
    fluxo_destino: z.string(),
    payload: z.record(z.string(), z.unknown()).nullish(),
    descricao: text,
    criado_em: text,
    expira_em: z.string(),
    confirmado: flag,
    executado: flag,
    cancelado: flag,
    status: text,
  })
  .passthrough();
export type LegacyAction = z.infer<typeof legacyActionSchema>;

/** The V-DYN GraphState (a Pydantic v2 model dumped as a dict). */
export const legacyStateSchema = z
  .object({
    core: z
      .object({
        session_id: text,
        numero_telefone: z.union([z.string(), z.number()]).nullish(),
        caregiver_id: id,
        schedule_id: id,
        patient_id: id,
        report_id: id,
        data_relatorio: text,
        turno_permitido: flag,
        turno_iniciado: flag,
        empresa: text,
        cooperativa: text,
        cancelado: flag,
      })
      .passthrough(),
    vitais: z
      .object({ processados: legacyVitalsSchema.nullish(), faltantes: z.array(z.string()).nullish() })
      .passthrough()
      .nullish(),
    nota: z
      .object({ texto_bruto: text, sintomas_rag: z.array(z.unknown()).nullish() })
      .passthrough()
      .nullish(),
    router: z.object({ intencao: text, ultimo_fluxo: text }).passthrough().nullish(),
    aux: z
      .object({
        retomar_apos: z
          .object({ flow: text, reason: text, ts: z.union([z.string(), z.number()]).nullish() })
          .passthrough()
          .nullish(),
        ultima_pergunta: text,
        fluxo_que_perguntou: text,
        buffers: z.object({ vitals: legacyVitalsSchema.nullish() }).passthrough().nullish(),
        acao_pendente: legacyActionSchema.nullish(),
      })
      .passthrough()
      .nullish(),
    texto_usuario: text,
    metadados: z.record(z.string(), z.unknown()).nullish(),
  })
  .passthrough();
export type LegacyState = z.infer<typeof legacyStateSchema>;

/** `checkpoint:session_<digits>`: the pickled envelope. */
export const pickleEnvelopeSchema = z.object({ checkpoint: z.unknown(), metadata: z.string().nullish(), timestamp: z.number() });
/** `langgraph:checkpoint:<session>:current`: the JSON envelope. */
export const jsonEnvelopeSchema = z.object({
  state: z.unknown(),
  checkpoint_id: z.union([z.string(), z.number()]).nullish(),
  session_id: z.string().nullish(),
  timestamp: z.string().nullish(),
  version: z.string().nullish(),
});

/**
 * Pure: epoch ms of a legacy time, whole (ids and sort keys are made from it). ISO strings with an
 * offset are read as such; the JSON checkpointer wrote São Paulo wall time, so an ISO string
 * without one is read as UTC−3 (no DST since 2019); numbers are epoch seconds (the pickled
 * `timestamp`, a `time.time()` float with microseconds) or milliseconds. NaN when unreadable.
 */
export function legacyTime(value: unknown): number {
  if (typeof value === 'number') return Math.round(value > 1e12 ? value : value * 1000);
  if (typeof value !== 'string' || value.trim() === '') return Number.NaN;
  const iso = value.trim();
  if (/^\d+(\.\d+)?$/.test(iso)) return legacyTime(Number(iso));
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/i.test(iso);
  const withZone = hasZone || !/T\d{2}:/.test(iso) ? iso : `${iso}-03:00`;
  return Date.parse(withZone);
}
