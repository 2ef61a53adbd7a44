import { z } from 'zod';

/** What the understanding layer (rules or OpenAI) extracts from one message. Pure data. */

export const INTENTS = ['escala', 'clinico', 'operacional', 'finalizar', 'auxiliar', 'substituto'] as const;
export const VITAL_FIELDS = ['PA', 'FC', 'FR', 'Sat', 'Temp'] as const;
export const RESPIRATORY_CONDITIONS = ['Ar ambiente', 'Oxigênio suplementar', 'Ventilação mecânica'] as const;
/** The 8 finalization topics; keys match the backend's *Specification fields by position. */
export const FINALIZATION_TOPICS = [
  'alimentacao_hidratacao',
  'evacuacoes',
  'sono',
  'humor',
  'medicacoes',
  'atividades',
  'informacoes_clinicas_adicionais',
  'informacoes_administrativas',
] as const;

export const vitalsSchema = z.object({
  /** "SxD", e.g. "120x80". */
  PA: z
    .string()
    .regex(/^\d{2,3}x\d{2,3}$/)
    .optional(),
  FC: z.number().int().optional(),
  FR: z.number().int().optional(),
  Sat: z.number().int().optional(),
  Temp: z.number().optional(),
});

export const understandingSchema = z.object({
  /** Set when the text is a clear yes or no (word boundaries: "não posso" is a no). */
  yesNo: z.enum(['yes', 'no']).nullable(),
  intent: z.enum(INTENTS).nullable(),
  /** Valid values only; anything out of range is listed in `invalidVitals` instead. */
  vitals: vitalsSchema,
  invalidVitals: z.array(z.object({ field: z.enum(VITAL_FIELDS), value: z.string(), reason: z.string() })),
  respiratoryCondition: z.enum(RESPIRATORY_CONDITIONS).nullable(),
  /** Descriptive text about the patient, kept as the clinical note. */
  clinicalNote: z.string().nullable(),
  /** The operational fragment (supplies, equipment, visits…), saved without confirmation. */
  operationalNote: z.string().nullable(),
  finalizationTopics: z.partialRecord(z.enum(FINALIZATION_TOPICS), z.string()),
  /** A number ("2") or a name the user picked from a list of substitutes. */
  choice: z.string().nullable(),
  source: z.enum(['rules', 'openai']),
});

export type Understanding = z.infer<typeof understandingSchema>;
export type Vitals = z.infer<typeof vitalsSchema>;
export type Intent = (typeof INTENTS)[number];
export type FinalizationTopic = (typeof FINALIZATION_TOPICS)[number];

/** What the conversation currently expects, so the understanding layer reads the text in context. */
export type Expectation = 'none' | 'yes_no' | 'vitals' | 'clinical_note' | 'finalization_topics' | 'substitute_choice';

export interface UnderstandingContext {
  expecting: Expectation;
  /** Vital fields still missing, when expecting vitals. */
  missingVitals?: string[];
  /**
   * Who the conversation names (caregiver, patient, substitutes: names, ids, the phone): an
   * understanding that calls an outside service (the LLM) must not send them (LGPD minimisation).
   */
  identities?: string[];
}

/** One interface, two implementations (rules, OpenAI). Never throws: falls back to the rules. */
export interface UnderstandingService {
  understand(text: string, context: UnderstandingContext): Promise<Understanding>;
}

/** Pure: an Understanding in which nothing was recognised (the base every reading starts from). */
export function emptyUnderstanding(source: Understanding['source'] = 'rules'): Understanding {
  return {
    yesNo: null,
    intent: null,
    vitals: {},
    invalidVitals: [],
    respiratoryCondition: null,
    clinicalNote: null,
    operationalNote: null,
    finalizationTopics: {},
    choice: null,
    source,
  };
}
