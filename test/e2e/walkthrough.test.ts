import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { describe, expect, it, onTestFinished } from 'vitest';
import { formatReplies } from '../../scripts/chat.js';
import { ingestBody, startTestService } from '../support/service.js';
import { ANA, ANA_ID, BRUNO, expectWalkthroughEffects, startE2E, type E2E } from './e2e.js';

/**
 * docs/walkthrough.md replayed against the real service: every `você>` line is sent and the
 * reply, formatted as the chat CLI prints it, must be the one the document shows. Dates and times
 * of the presence question depend on when the demo starts and are compared as placeholders.
 */
const DOC = readFileSync(new URL('../../docs/walkthrough.md', import.meta.url), 'utf8');

function session(name: string): { text: string; expected: string[] }[] {
  const block = new RegExp(`<!-- walkthrough:${name} -->\\s*\`\`\`text\\n([\\s\\S]*?)\\n\`\`\``).exec(DOC);
  if (!block) throw new Error(`docs/walkthrough.md has no "${name}" session`);
  const turns: { text: string; expected: string[] }[] = [];
  for (const line of block[1].split('\n')) {
    if (line.startsWith('você> ')) turns.push({ text: line.slice('você> '.length), expected: [] });
    else turns.at(-1)!.expected.push(line);
  }
  return turns;
}

const normalise = (lines: string[]) => lines.map((l) => l.replace(/de \d{2}\/\d{2}\/\d{4} das \d{2}:\d{2} às \d{2}:\d{2}/, 'de <dia> das <início> às <fim>'));

async function replay(e: E2E, phone: string, name: string) {
  for (const turn of session(name)) {
    const res = await e.send(phone, turn.text);
    expect(res.status).toBe(200);
    expect(normalise(formatReplies(res.body)), turn.text).toEqual(normalise(turn.expected));
  }
}

describe('the documented walkthrough', () => {
  it('when a newcomer types the walkthrough for Ana and Bruno, then every reply is the documented one and each effect happens once', async () => {
    const e = await startE2E();
    await replay(e, ANA, 'ana');
    await replay(e, BRUNO, 'bruno');
    expectWalkthroughEffects(e.demo.counters, e.lines);
  });

  it('when the service restarts on the same tables after a finished walkthrough, then the new demo day gives Ana a new shift to run again', async () => {
    const prefix = `t${randomBytes(4).toString('hex')}_`;
    const first = await startTestService({ real: true, prefix });
    onTestFinished(() => first.stop());
    const say = async (t: typeof first, text: string) =>
      (await t.post('/webhook/ingest', ingestBody(text, ANA), { 'X-Idempotency-Key': randomBytes(6).toString('hex') })).body.reply as string;
    for (const text of ['oi', 'sim', 'PA 120x80 FC 78 FR 18 Sat 97 Temp 36,5 ar ambiente, paciente bem', 'sim', 'finalizar', 'sem informações', 'sim']) {
      await say(first, text);
    }
    expect(first.service.demo!.counters.updatereportsummaryad.effects).toBe(1);
    await first.stop();

    // Same DynamoDB tables (conversations kept), a freshly seeded demo backend.
    const second = await startTestService({ real: true, prefix });
    onTestFinished(() => second.stop());
    expect(await say(second, 'oi')).toMatch(/^Confirma sua presença no plantão/);
    expect(await say(second, 'sim')).toContain('Presença confirmada!');
    const state = (await second.get(`/sessions/${ANA_ID}/state`)).body.state;
    expect(state.shift.scheduleID).toBe(second.service.demo!.ids.anaSchedule);
    expect(state.clinical.firstAssessmentDone).toBe(false);
    // The history of both days is kept.
    const conversation = (await second.get(`/sessions/${ANA_ID}/conversation?limit=100`)).body.messages;
    expect(conversation.length).toBeGreaterThan(14);
  });
});
