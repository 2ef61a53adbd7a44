import type { Reply, ReplyButton } from '../contracts/engine.js';
import type { BackendCall } from '../contracts/backends.js';
import { summarizeClinicalCall } from './clinical.js';
import { summarizeSummaryCall, TOPIC_LABELS } from './finalization.js';
import { QUESTION_CODES, type ResultCode } from './result-codes.js';
import type { OutcomeEntry, State, Substitute } from './state.js';
import type { FinalizationTopic } from '../contracts/understanding.js';

/**
 * Every user-facing text of the engine, in PT-BR: short, direct, rendered deterministically from
 * result codes and the state. "Salvo"/"confirmado" only appear in codes emitted after an ok result.
 */

/** The buttons of every yes/no question; the channel drops them when it cannot show buttons. */
const YES_NO_BUTTONS: ReplyButton[] = [
  { id: 'yes', title: 'Sim' },
  { id: 'no', title: 'Não' },
];

/** "a, b e c". Pure. */
function joinPt(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} e ${items[items.length - 1]}`;
}

// ---- confirmation questions (stored as the pending action's description) ----

/** The presence question, with the shift's day, times and patient when known. Pure. */
export function presenceQuestion(state: State): string {
  const { day, start, finish, patientFirstName } = state.shift;
  const when = [day ? `de ${day}` : '', start && finish ? `das ${start} às ${finish}` : ''].filter(Boolean).join(' ');
  const withWhom = patientFirstName ? ` com ${patientFirstName}` : '';
  return `Confirma sua presença no plantão${when ? ` ${when}` : ''}${withWhom}?`;
}

/** The second, explicit question before cancelling a shift (cancelling notifies coordinators). Pure. */
export function cancelQuestion(): string {
  return 'Você não vai ao plantão? Se confirmar, ele será cancelado e a coordenação será avisada. Confirma o cancelamento?';
}

/** The clinical save question: exactly the staged call's data. Pure. */
export function clinicalQuestion(call: BackendCall): string {
  return `Coletei: ${summarizeClinicalCall(call)}. Confirma para salvar?`;
}

/** The note-only save question. Pure. */
export function noteQuestion(call: BackendCall): string {
  return `${summarizeClinicalCall(call)}. Confirma para salvar a nota?`;
}

/** The finalization question with the 8 topics read back from the staged call. Pure. */
export function summaryQuestion(call: BackendCall): string {
  return `Resumo do plantão:\n${summarizeSummaryCall(call)}\nConfirma a finalização do plantão?`;
}

/** The substitute question. Pure. */
export function substituteQuestion(sub: Substitute): string {
  return `Confirma a criação da nova escala com ${sub.name} como substituto(a)?`;
}

// ---- rendering ----

type Params = NonNullable<OutcomeEntry['params']>;

const list = (params: Params | undefined, key: string): string[] => {
  const value = params?.[key];
  return Array.isArray(value) ? value : [];
};
const text = (params: Params | undefined, key: string): string => {
  const value = params?.[key];
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
};

function helpMenu(state: State): string {
  const finish = state.shift.finishReminderSent ? ' e finalizar o plantão' : '';
  return `Posso registrar presença, sinais vitais (ex.: PA 120x80 FC 78 FR 18 Sat 97 Temp 36,5), condição respiratória, notas clínicas e anotações${finish}.`;
}

/** How a file is named in a reply, and what we cannot do with it. */
const MEDIA_WORDS: Record<string, { noun: string; cannot: string }> = {
  image: { noun: 'a foto', cannot: 'não consigo ver imagens' },
  video: { noun: 'o vídeo', cannot: 'não consigo assistir vídeos' },
  document: { noun: 'o documento', cannot: 'não consigo abrir arquivos' },
};
const mediaWords = (kind: string) => MEDIA_WORDS[kind] ?? { noun: 'o arquivo', cannot: 'não consigo abrir arquivos' };

/** A transcript longer than this is quoted up to here. */
const MAX_QUOTE_CHARS = 500;

function renderOne(code: ResultCode, params: Params | undefined, state: State): string {
  const pendingText = state.pending?.description ?? '';
  switch (code) {
    case 'AUDIO_NOT_HEARD':
      return text(params, 'reason') === 'too_large'
        ? 'Esse áudio é grande demais para eu ouvir. Pode escrever a mensagem ou mandar um áudio mais curto?'
        : 'Não consigo ouvir áudios agora. Pode escrever a mensagem, por favor?';
    case 'TRANSCRIPT_QUOTED': {
      const heard = text(params, 'text');
      const quote = heard.length > MAX_QUOTE_CHARS ? `${heard.slice(0, MAX_QUOTE_CHARS)}…` : heard;
      return `Entendi do áudio: "${quote}". Se algo estiver errado, corrija por escrito.`;
    }
    case 'MEDIA_NOT_READ': {
      const words = mediaWords(text(params, 'kind'));
      return `Recebi ${words.noun}, mas ${words.cannot}. Se for algo para registrar, escreva em texto, por favor.`;
    }
    case 'MEDIA_CAPTION_READ': {
      const words = mediaWords(text(params, 'kind'));
      return `Recebi ${words.noun} (${words.cannot}; li a legenda).`;
    }
    case 'LOCATION_RECEIVED':
      return 'Recebi sua localização.';
    case 'CONTACTS_RECEIVED':
      return Number(text(params, 'count')) > 1 ? 'Recebi os contatos.' : 'Recebi o contato.';
    case 'MESSAGE_NOT_READABLE':
      return 'Não consegui ler essa mensagem. Pode escrever em texto, por favor?';
    case 'OPERATIONAL_NOTE_SAVED':
      return `Salvei a anotação: "${text(params, 'note')}".`;
    case 'OPERATIONAL_NOTE_FAILED':
      return `Não consegui salvar a anotação "${text(params, 'note')}" agora. Envie de novo em instantes.`;
    case 'OPERATIONAL_NO_SHIFT':
      return 'Não encontrei um plantão ativo para você, então não salvei a anotação.';
    case 'OPERATIONAL_NO_NOTE':
      return 'Qual anotação você quer registrar? Ex.: "acabou a fralda".';
    case 'PENDING_REASK':
      return text(params, 'plain') === 'yes' ? pendingText : `Não entendi. ${pendingText}`;
    case 'PENDING_EXPIRED':
      return 'A confirmação anterior expirou e nada foi salvo.';
    case 'PENDING_ALREADY_HANDLED':
      return 'Essa confirmação já tinha sido processada ou expirou; nada foi repetido.';
    case 'NOTHING_PENDING':
      return 'Não há nada aguardando confirmação agora.';
    case 'BOOTSTRAP_FAILED':
      return 'Não consegui consultar seu plantão agora. Tente de novo em instantes.';
    case 'UNKNOWN_CAREGIVER':
      return 'Não encontrei seu cadastro com este número. Fale com a coordenação da sua empresa.';
    case 'NO_SHIFT_TODAY':
      return 'Não encontrei plantão ativo para você agora. Só consigo ajudar durante o horário do seu plantão.';
    case 'SHIFT_ALREADY_CLOSED':
      return 'Seu plantão já foi finalizado. Obrigado e até o próximo!';
    case 'HELP_GREETING': {
      const name = state.shift.caregiverFirstName ? `, ${state.shift.caregiverFirstName}` : '';
      return `Olá${name}! Sou o assistente do seu plantão.\n${helpMenu(state)}`;
    }
    case 'HELP_MENU':
      return helpMenu(state);
    case 'PRESENCE_CONFIRMATION_REQUESTED':
    case 'CANCEL_CONFIRMATION_REQUESTED':
    case 'CLINICAL_DATA_READY_FOR_CONFIRMATION':
    case 'CLINICAL_NOTE_READY_FOR_CONFIRMATION':
    case 'FINALIZATION_READY_FOR_CONFIRMATION':
    case 'SUBSTITUTE_CONFIRMATION_REQUESTED':
      return pendingText;
    case 'PRESENCE_DATA_KEPT':
      return 'Guardei o que você enviou e continuo assim que a presença for confirmada.';
    case 'PRESENCE_CONFIRMED':
      return 'Presença confirmada!';
    case 'PRESENCE_CONFIRM_FAILED':
      return 'Não consegui confirmar sua presença agora. Responda *sim* para tentar de novo.';
    case 'PRESENCE_ALREADY_CONFIRMED':
      return 'Sua presença já está confirmada.';
    case 'NEXT_STEPS_HINT':
      return 'Pode enviar sinais vitais, condição respiratória e nota clínica quando quiser.';
    case 'CANCEL_ABORTED':
      return 'Certo, não cancelei o plantão. Quando chegar, me confirme a presença.';
    case 'SCHEDULE_CANCELLED_BY_USER':
      return 'Seu plantão foi cancelado e a coordenação foi avisada.';
    case 'SCHEDULE_CANCEL_FAILED':
      return 'Não consegui cancelar o plantão agora. Responda *sim* para tentar de novo.';
    case 'CLINICAL_INVALID_VALUES':
      return `Valores fora da faixa, não registrados: ${list(params, 'items').join('; ')}. Confira e envie de novo.`;
    case 'CLINICAL_NO_DATA_FOUND':
      return state.clinical.firstAssessmentDone
        ? 'Envie os sinais vitais (PA, FC, FR, Sat, Temp) com a condição respiratória, ou uma nota clínica.'
        : 'Envie os sinais vitais (PA, FC, FR, Sat, Temp), a condição respiratória (ar ambiente, oxigênio ou ventilação mecânica) e uma nota clínica.';
    case 'CLINICAL_INCOMPLETE_FIRST_ASSESSMENT':
      return 'Guardei a nota. Na primeira aferição do plantão preciso também dos sinais vitais (PA, FC, FR, Sat, Temp) e da condição respiratória.';
    case 'CLINICAL_PARTIAL_DATA': {
      const kept = text(params, 'kept');
      const missing = `Falta: ${joinPt(list(params, 'missing'))}.`;
      return kept ? `Anotei ${kept}. ${missing}` : missing;
    }
    case 'CLINICAL_DATA_SAVED':
      return 'Dados clínicos salvos com sucesso!';
    case 'CLINICAL_SAVE_FAILED':
      return 'Não consegui salvar os dados clínicos agora. Responda *sim* para tentar de novo.';
    case 'CLINICAL_DATA_CANCELLED':
      return 'Ok, não salvei. Os dados continuam aqui: envie correções ou complementos quando quiser.';
    case 'CLINICAL_FIRST_ASSESSMENT_BEFORE_FINALIZATION':
      return 'Antes de finalizar, preciso da primeira aferição do plantão.';
    case 'FINALIZATION_PARTIAL_DATA': {
      const missing = joinPt(list(params, 'missing').map((topic) => TOPIC_LABELS[topic as FinalizationTopic]?.toLowerCase() ?? topic));
      if (text(params, 'first') === 'yes') return `Para finalizar o plantão, me conte sobre: ${missing}. Se não houver, diga "sem informações".`;
      if (text(params, 'got') === 'no') {
        return `Não identifiquei nenhum tópico nessa mensagem. Falta: ${missing}. Escreva, por exemplo, "Sono: dormiu bem" ou "sem informações".`;
      }
      return `Anotado. Falta: ${missing}.`;
    }
    case 'FINALIZATION_COMPLETED':
      return 'Plantão finalizado com sucesso! Obrigado pelo seu trabalho.';
    case 'FINALIZATION_FAILED':
      return 'Não consegui enviar a finalização agora. Responda *sim* para tentar de novo.';
    case 'FINALIZATION_CANCELLED':
      return 'Finalização cancelada. Envie as correções dos tópicos quando quiser.';
    case 'OUT_OF_SCHEDULE':
      return 'Você está fora do horário de plantão. Só consigo ajudar durante o horário do seu plantão.';
    case 'CANCELLED_WITH_SUBSTITUTES': {
      const names = state.shift.substitutes.map((sub, i) => `${i + 1}. ${sub.name}`).join('\n');
      return `Substitutos disponíveis:\n${names}\nQuer escolher um? Responda com o número ou o nome (ou "nenhum").`;
    }
    case 'CANCELLED_NO_SUBSTITUTES':
      return 'Seu plantão está cancelado e não há substitutos disponíveis no momento.';
    case 'CANCELLED_SHIFT_NOTICE':
      return 'Seu plantão está cancelado. Se precisar de algo, fale com a coordenação.';
    case 'SUBSTITUTE_NOT_IDENTIFIED':
      return 'Não identifiquei o substituto. Responda com o número (1, 2, 3...) ou o nome, ou "nenhum".';
    case 'SUBSTITUTE_CHOICE_CANCELLED':
      return 'Ok. Escolha outro substituto pelo número ou nome, ou responda "nenhum".';
    case 'SUBSTITUTE_SCHEDULE_CREATED':
      return `Nova escala criada com sucesso para ${text(params, 'name')}!`;
    case 'SUBSTITUTE_SCHEDULE_FAILED':
      return 'Não consegui criar a nova escala agora. Responda *sim* para tentar de novo.';
    case 'CANCELLED_NO_SUBSTITUTE_CHOSEN':
      return 'Certo, nenhum substituto escolhido. Se precisar de algo, estou à disposição.';
    case 'SUBSTITUTION_ALREADY_DONE': {
      const name = state.substitution.chosen ? ` (${state.substitution.chosen.name})` : '';
      return `Seu plantão já foi cancelado e a substituição já foi feita${name}.`;
    }
  }
}

/**
 * Renders the turn's outcomes into one reply (or none). The reply carries yes/no buttons when
 * it ends with a confirmation question. Pure.
 */
export function renderReply(outcomes: OutcomeEntry[], state: State): Reply | null {
  if (outcomes.length === 0) return null;
  const lines = outcomes.map((o) => renderOne(o.code as ResultCode, o.params, state)).filter(Boolean);
  if (lines.length === 0) return null;
  const last = outcomes[outcomes.length - 1].code as ResultCode;
  return QUESTION_CODES.has(last) ? { text: lines.join('\n'), buttons: YES_NO_BUTTONS } : { text: lines.join('\n') };
}
