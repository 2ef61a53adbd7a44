import { describe, expect, it, onTestFinished } from 'vitest';
import { emptyLlmOutput, type LlmOutput } from '../../src/nlu/openai/llm-output.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai.js';
import { ANA, anaConfirmed, anaFirstAssessmentDone, reportOf, startE2E } from './e2e.js';

/**
 * The OpenAI understanding end to end: the service builds it from config (OPENAI_API_KEY +
 * OPENAI_BASE_URL pointing at a local fake speaking chat-completions). Rules first: certain
 * messages cost no call; an uncertain one costs exactly one; any failure falls back to the rules.
 */
async function withOpenAI(): Promise<{ e: Awaited<ReturnType<typeof startE2E>>; fake: FakeOpenAI }> {
  const fake = await startFakeOpenAI();
  onTestFinished(() => fake.close());
  const e = await startE2E({ env: { OPENAI_API_KEY: 'test', OPENAI_BASE_URL: fake.baseURL, OPENAI_TIMEOUT_MS: '400' } });
  return { e, fake };
}

const llm = (over: Partial<LlmOutput>) => ({ kind: 'json' as const, body: { ...emptyLlmOutput(), ...over } });

describe('OpenAI understanding end to end', () => {
  it('when messages are plain yes/no or well-formed vitals, then no LLM call is made', async () => {
    const { e, fake } = await withOpenAI();
    await anaConfirmed(e);
    await e.say(ANA, 'PA 120x80 FC 78 FR 18 Sat 97% Temp 36,5');
    await e.say(ANA, 'não');
    expect(fake.count()).toBe(0);
    expect(e.effects('updateWorkScheduleResponse')).toBe(1);
  });

  it('when a message is uncertain for the rules, then exactly one call is made and its reading is used (operational note saved)', async () => {
    const { e, fake } = await withOpenAI();
    await anaConfirmed(e);
    const text = 'a cadeira de rodas está com a roda solta';
    fake.enqueue(llm({ intent: 'operacional', operationalNote: text }));
    expect(await e.say(ANA, text)).toBe(`Salvei a anotação: "${text}".`);
    expect(fake.count()).toBe(1);
    const request = fake.requests[0].body;
    expect(request.model).toBe('gpt-4o-mini');
    expect(request.response_format?.type).toBe('json_schema');
    expect(JSON.stringify(request.messages)).not.toContain('5511999990001');
    expect(reportOf(e, e.demo.ids.anaSchedule).notes).toEqual([expect.objectContaining({ noteDescAI: text, operational: true })]);
  });

  it('when several uncertain messages arrive, then each costs one call at most, and an invented vital is never taken', async () => {
    const { e, fake } = await withOpenAI();
    await anaFirstAssessmentDone(e);
    const before = fake.count();
    // The LLM "finds" FC 90, which is not in the text: the merge drops it.
    fake.enqueue(llm({ intent: 'clinico', clinicalNote: 'paciente tossindo bastante hoje', vitals: { PA: null, FC: 90, FR: null, Sat: null, Temp: null } }));
    expect(await e.say(ANA, 'paciente tossindo bastante hoje')).toBe('Nota: "paciente tossindo bastante hoje". Confirma para salvar a nota?');
    expect(await e.say(ANA, 'sim')).toBe('Dados clínicos salvos com sucesso!');
    fake.enqueue(llm({ intent: 'clinico', clinicalNote: 'reclamou de dor nas costas' }));
    await e.say(ANA, 'reclamou de dor nas costas');
    expect(fake.count() - before).toBe(2);
    expect(reportOf(e, e.demo.ids.anaSchedule).vitals).toHaveLength(1);
  });

  it('when the LLM times out, then the rules answer and the reply is still sensible', async () => {
    const { e, fake } = await withOpenAI();
    await anaFirstAssessmentDone(e);
    const [calls, logged] = [fake.count(), e.lines.length];
    // Real time, OPENAI_TIMEOUT_MS (400 ms): the configured timeout end to end is the behaviour under test.
    fake.enqueue({ kind: 'hang' });
    expect(await e.say(ANA, 'paciente tossindo bastante hoje')).toBe('Nota: "paciente tossindo bastante hoje". Confirma para salvar a nota?');
    expect(fake.count() - calls).toBe(1);
    expect(
      e.lines
        .slice(logged)
        .filter((l) => l.message === 'nlu.llm.fallback')
        .map((l) => l.reason),
    ).toEqual(['timeout']);
  });

  it('when the LLM answers garbage or an HTTP error, then the rules answer and nothing breaks', async () => {
    const { e, fake } = await withOpenAI();
    await anaFirstAssessmentDone(e);
    const [calls, logged] = [fake.count(), e.lines.length];
    fake.enqueue({ kind: 'content', content: 'isto não é JSON {' });
    expect(await e.say(ANA, 'paciente tossindo bastante hoje')).toMatch(/Confirma para salvar a nota\?$/);
    expect(await e.say(ANA, 'não')).toContain('Ok, não salvei.');
    fake.enqueue({ kind: 'json', body: { yesNo: 'talvez' } });
    expect(await e.say(ANA, 'paciente dormiu a tarde toda')).toMatch(/Confirma para salvar a nota\?$/);
    fake.enqueue({ kind: 'status', status: 500 });
    expect(await e.say(ANA, 'ela está muito quieta hoje, diferente do normal')).toMatch(/Confirma para salvar a nota\?$/);
    // "não" is certain: three uncertain messages, three calls.
    expect(fake.count() - calls).toBe(3);
    expect(
      e.lines
        .slice(logged)
        .filter((l) => l.message === 'nlu.llm.fallback')
        .map((l) => l.reason),
    ).toEqual(['json', 'schema', 'http']);
  });
});
