import type { BackendCall } from '../contracts/backends.js';
import { FINALIZATION_TOPICS, type FinalizationTopic } from '../contracts/understanding.js';
import type { State } from './state.js';

/** Pure helpers of the finalizar flow: topic names, what is missing, the summary call. */

export const TOPIC_LABELS: Record<FinalizationTopic, string> = {
  alimentacao_hidratacao: 'Alimentação e hidratação',
  evacuacoes: 'Evacuações',
  sono: 'Sono',
  humor: 'Humor',
  medicacoes: 'Medicações',
  atividades: 'Atividades',
  informacoes_clinicas_adicionais: 'Informações clínicas adicionais',
  informacoes_administrativas: 'Informações administrativas',
};

export type Topics = Partial<Record<FinalizationTopic, string>>;

/** Merges non-empty topic values over the stored ones. Pure. */
export function mergeTopics(base: Topics, extra: Topics): Topics {
  const out: Topics = { ...base };
  for (const topic of FINALIZATION_TOPICS) {
    const value = extra[topic]?.trim();
    if (value) out[topic] = value;
  }
  return out;
}

/** Topics still without a value ("sem informações" counts as a value). Pure. */
export function missingTopics(t: Topics): FinalizationTopic[] {
  return FINALIZATION_TOPICS.filter((topic) => !t[topic]?.trim());
}

/** Builds updatereportsummaryad with the real names and shift times (original bug H‑9 sent placeholders). Pure. */
export function buildSummaryCall(s: State): BackendCall {
  const t = s.finalization.topics;
  const sh = s.shift;
  return {
    operation: 'updatereportsummaryad',
    request: {
      reportID: sh.reportID ?? '',
      reportDate: sh.reportDate ?? '',
      scheduleID: sh.scheduleID ?? '',
      caregiverID: sh.caregiverID ?? '',
      patientFirstName: sh.patientFirstName ?? '',
      caregiverFirstName: sh.caregiverFirstName ?? '',
      shiftDay: sh.day ?? '',
      shiftStart: sh.start ?? '',
      shiftEnd: sh.finish ?? '',
      foodHydrationSpecification: t.alimentacao_hidratacao ?? '',
      stoolUrineSpecification: t.evacuacoes ?? '',
      sleepSpecification: t.sono ?? '',
      moodSpecification: t.humor ?? '',
      medicationsSpecification: t.medicacoes ?? '',
      activitiesSpecification: t.atividades ?? '',
      additionalInformationSpecification: t.informacoes_clinicas_adicionais ?? '',
      administrativeInfo: t.informacoes_administrativas ?? '',
    },
  };
}

/** One "• Label: value" line per topic, read back from the staged call. Pure. */
export function summarizeSummaryCall(call: BackendCall): string {
  if (call.operation !== 'updatereportsummaryad') return '';
  const r = call.request;
  const values: Record<FinalizationTopic, string> = {
    alimentacao_hidratacao: r.foodHydrationSpecification,
    evacuacoes: r.stoolUrineSpecification,
    sono: r.sleepSpecification,
    humor: r.moodSpecification,
    medicacoes: r.medicationsSpecification,
    atividades: r.activitiesSpecification,
    informacoes_clinicas_adicionais: r.additionalInformationSpecification,
    informacoes_administrativas: r.administrativeInfo,
  };
  return FINALIZATION_TOPICS.map((topic) => `• ${TOPIC_LABELS[topic]}: ${values[topic]}`).join('\n');
}
