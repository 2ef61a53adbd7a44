import { describe, expect, it } from 'vitest';
import { analyseWithRules } from '../../src/nlu/rules/rules-understanding.js';
import { confirmed, createHarness, type Harness } from './harness.js';

/** A message of another kind than text, read by the real rules as the pipeline would (its text is a caption or a transcript). */
function sendKind(h: Harness, text: string, message: NonNullable<Parameters<Harness['send']>[2]>['message']) {
  return h.send(text, analyseWithRules(text, h.expectation()).understanding, { message });
}

const TYPED = 'PA 120x80 FC 78 FR 18 Sat 97 Temp 36,5 ar ambiente, paciente consciente';
const voice = { type: 'audio', media: { kind: 'voice' as const, id: 'm1' } };

describe('what a message carries', () => {
  it('when a reaction arrives while a confirmation is open, then there is no reply, no effect, and the confirmation stays as it was', () => {
    const h = confirmed(createHarness());
    h.send(TYPED, analyseWithRules(TYPED, h.expectation()).understanding);
    const before = h.state().pending;
    const r = sendKind(h, '', { type: 'reaction', reaction: { messageId: 'wamid.Q', emoji: '👍' } });
    expect(r.replies).toEqual([]);
    expect(r.effects).toEqual([]);
    expect(h.state().pending).toEqual(before);
  });

  it('when a voice note could not be heard while a confirmation is open, then the reply says so and asks the question again, with buttons', () => {
    const h = confirmed(createHarness());
    const question = h.send(TYPED, analyseWithRules(TYPED, h.expectation()).understanding).text;
    const r = sendKind(h, '', { ...voice, hearing: { transcribed: false, reason: 'timeout' } });
    expect(r.text).toBe(`Não consigo ouvir áudios agora. Pode escrever a mensagem, por favor?\n${question}`);
    expect(r.replies[0].buttons).toHaveLength(2);
  });

  it('when a heard voice note leads to a confirmation, then the question quotes the transcript; when it leads to none, it does not', () => {
    const h = confirmed(createHarness());
    const asked = sendKind(
      h,
      'pressão doze por oito, frequência setenta e oito, saturação noventa e sete, frequência respiratória dezoito, temperatura trinta e seis e meio, ar ambiente, paciente consciente',
      { ...voice, hearing: { transcribed: true } },
    );
    expect(asked.text.split('\n')[0]).toBe(
      'Entendi do áudio: "pressão doze por oito, frequência setenta e oito, saturação noventa e sete, frequência respiratória dezoito, temperatura trinta e seis e meio, ar ambiente, paciente consciente". Se algo estiver errado, corrija por escrito.',
    );
    expect(asked.text.split('\n')[1]).toMatch(/^Coletei: PA 120x80, FC 78, FR 18, Sat 97%, Temp 36,5 °C, Ar ambiente\./);
    expect(sendKind(h, 'sim', { ...voice, hearing: { transcribed: true } }).text).toBe('Dados clínicos salvos com sucesso!');
  });

  it.each([
    ['an order', { type: 'order' }],
    ['a Flows reply', { type: 'interactive' }],
    ['an unreadable item', { type: 'unsupported', unreadable: { reason: 'message_invalid' } }],
  ])('when %s arrives, then the reply says it could not be read, never the help menu', (_, message) => {
    const h = confirmed(createHarness());
    expect(sendKind(h, '', message).text).toBe('Não consegui ler essa mensagem. Pode escrever em texto, por favor?');
  });

  it('when the caregiver opens the chat from an entry point (request_welcome), then she is greeted', () => {
    const h = confirmed(createHarness());
    expect(sendKind(h, '', { type: 'request_welcome' }).text).toMatch(/^Olá, Ana! Sou o assistente do seu plantão\./);
  });

  it('when a system notice or a deleted message arrives, then there is no reply', () => {
    const h = confirmed(createHarness());
    expect(sendKind(h, '', { type: 'system' }).replies).toEqual([]);
    expect(sendKind(h, '', { type: 'revoke' }).replies).toEqual([]);
  });
});
