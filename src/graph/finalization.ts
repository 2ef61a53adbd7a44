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
export function missingTopics(topics: Topics): FinalizationTopic[] {
  return FINALIZATION_TOPICS.filter((topic) => !topics[topic]?.trim());
}

/**
 * Builds updatereportsummaryad with the real names and shift times: the backend puts them verbatim
 * in the coordinators' report (docs/decisions.md). Pure.
 */
export function buildSummaryCall(state: State): BackendCall {
  const topics = state.finalization.topics;
  const shift = state.shift;
  return {
    operation: 'updatereportsummaryad',
    request: {
      reportID: shift.reportID ?? '',
      reportDate: shift.reportDate ?? '',
      scheduleID: shift.scheduleID ?? '',
      caregiverID: shift.caregiverID ?? '',
      patientFirstName: shift.patientFirstName ?? '',
      caregiverFirstName: shift.caregiverFirstName ?? '',
      shiftDay: shift.day ?? '',
      shiftStart: shift.start ?? '',
      shiftEnd: shift.finish ?? '',
      foodHydrationSpecification: topics.alimentacao_hidratacao ?? '',
      stoolUrineSpecification: topics.evacuacoes ?? '',
      sleepSpecification: topics.sono ?? '',
      moodSpecification: topics.humor ?? '',
      medicationsSpecification: topics.medicacoes ?? '',
      activitiesSpecification: topics.atividades ?? '',
      additionalInformationSpecification: topics.informacoes_clinicas_adicionais ?? '',
      administrativeInfo: topics.informacoes_administrativas ?? '',
    },
  };
}

/** One "• Label: value" line per topic, read back from the staged call. Pure. */
export function summarizeSummaryCall(call: BackendCall): string {
  if (call.operation !== 'updatereportsummaryad') return '';
  const request = call.request;
  const values: Record<FinalizationTopic, string> = {
    alimentacao_hidratacao: request.foodHydrationSpecification,
    evacuacoes: request.stoolUrineSpecification,
    sono: request.sleepSpecification,
    humor: request.moodSpecification,
    medicacoes: request.medicationsSpecification,
    atividades: request.activitiesSpecification,
    informacoes_clinicas_adicionais: request.additionalInformationSpecification,
    informacoes_administrativas: request.administrativeInfo,
  };
  return FINALIZATION_TOPICS.map((topic) => `• ${TOPIC_LABELS[topic]}: ${values[topic]}`).join('\n');
}
