import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { optionsAsText } from '../../src/channels/twilio/payload.js';
import type { RecordedTwilioSend } from '../support/fake-twilio-api.js';
import { signTwilio, twilioForm, twilioMedia, twilioText } from '../support/twilio-payloads.js';
import { deferred, watchCalls } from '../support/events.js';
import { ANA, ANA_ID, BRUNO, expectWalkthroughEffects } from './e2e.js';
import { PUBLIC_BASE_URL, startTwilioE2E, type TwilioE2E } from './twilio-e2e.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** docs/walkthrough.md, as the chat CLI shows it: each `você>` line and the `bot>` lines of its replies. */
const DOC = readFileSync(new URL('../../docs/walkthrough.md', import.meta.url), 'utf8');
const BOT = 'bot>  ';
const BUTTONS = /^(\[[^\]]+\] ?)+$/;

/**
 * Pure: a walkthrough session as Twilio would carry it — each typed line, and the replies as the
 * Body of each message sent back: the reply's lines, with the `[Sim] [Não]` buttons written out
 * as "Responda *sim* ou *não*." (Twilio's WhatsApp has no buttons without templates).
 */
function session(name: string): { text: string; replies: string[] }[] {
  const block = new RegExp(`<!-- walkthrough:${name} -->\\s*\`\`\`text\\n([\\s\\S]*?)\\n\`\`\``).exec(DOC);
  if (!block) throw new Error(`docs/walkthrough.md has no "${name}" session`);
  const turns: { text: string; replies: string[][] }[] = [];
  for (const line of block[1].split('\n')) {
    if (line.startsWith('você> ')) turns.push({ text: line.slice('você> '.length), replies: [] });
    else if (line.startsWith(BOT)) turns.at(-1)!.replies.push([line.slice(BOT.length)]);
    else {
      const rest = line.slice(BOT.length);
      const buttons = BUTTONS.test(rest) ? [...rest.matchAll(/\[([^\]]+)\]/g)].map((m, i) => ({ id: String(i), title: m[1] })) : null;
      turns
        .at(-1)!
        .replies.at(-1)!
        .push(buttons ? optionsAsText(buttons) : rest);
    }
  }
  return turns.map((t) => ({ text: t.text, replies: t.replies.map((lines) => lines.join('\n')) }));
}

const normalise = (texts: string[]) => texts.map((t) => t.replace(/de \d{2}\/\d{2}\/\d{4} das \d{2}:\d{2} às \d{2}:\d{2}/, 'de <dia> das <início> às <fim>'));

async function replay(e: TwilioE2E, phone: string, name: string) {
  for (const turn of session(name)) {
    expect(normalise(await e.send(twilioText(turn.text, phone))), turn.text).toEqual(normalise(turn.replies));
  }
}

describe('the documented walkthrough over Twilio', () => {
  it('when Ana and Bruno run their whole shift on Twilio WhatsApp, then every reply is the documented one (options as text) and each backend effect happens once', async () => {
    const e = await startTwilioE2E();
    await replay(e, ANA, 'ana');
    await replay(e, BRUNO, 'bruno');
    expectWalkthroughEffects(e.service.demo!.counters, e.lines);
    // Every reply left from our number, through Twilio's API, asking for its statuses at a callback naming its outbox entry.
    for (const { form } of e.api.sends) {
      expect(form.From).toBe('whatsapp:+14155238886');
      expect(form.StatusCallback).toMatch(/^https:\/\/orquestrador\.example\.com\.br\/webhook\/twilio\/status\?outbox=\d+%2F[\w%]+$/);
    }
  });

  it("when Twilio calls a reply's StatusCallback, then the conversation shows the reply delivered, matched by the SID Twilio gave it", async () => {
    const e = await startTwilioE2E();
    expect(await e.send(twilioText('oi', ANA))).toEqual([expect.stringMatching(/^Confirma sua presença no plantão .*\nResponda \*sim\* ou \*não\*\.$/)]);
    const [send] = e.api.sends;
    // Statuses are applied after the 200 without being awaited: wait for those writes.
    const applied = watchCalls(e.service.stores.outbox, 'applyStatus');
    expect(await e.api.statusCallback(send, 'delivered', { serviceUrl: e.url })).toBe(200);
    expect(await e.api.statusCallback(send, 'sent', { serviceUrl: e.url })).toBe(200);
    // A callback that is not Twilio's (signed with another token) changes nothing.
    expect(await e.api.statusCallback(send, 'read', { serviceUrl: e.url, authToken: 'not-ours' })).toBe(401);
    await applied.settled();
    const messages = (await e.get(`/sessions/${ANA_ID}/conversation`)).body.messages as { role: string; meta: Record<string, unknown> }[];
    expect(messages.find((m) => m.role === 'assistant')?.meta).toMatchObject({ channel: 'twilio', delivery_status: 'delivered' });
  });

  it('when a status callback arrives before Twilio has answered the send, then it still lands on the reply, by the outbox entry its callback URL names', async () => {
    const e = await startTwilioE2E();
    const answer = deferred();
    e.api.script({ release: answer.promise, sid: 'SMearly0000000000000000000000000' });
    const sent = once(e.api.events, 'send') as Promise<[RecordedTwilioSend]>;
    const params = twilioText('oi', ANA);
    const signature = signTwilio(`${PUBLIC_BASE_URL}/webhook/twilio`, params);
    expect((await e.post('/webhook/twilio', twilioForm(params), { ...FORM, 'X-Twilio-Signature': signature })).status).toBe(200);
    const [send] = await sent;
    const applied = watchCalls(e.service.stores.outbox, 'applyStatus');
    expect(await e.api.statusCallback({ ...send, sid: 'SMearly0000000000000000000000000' }, 'delivered', { serviceUrl: e.url })).toBe(200);
    await applied.settled();
    const reply = async () => (await e.get(`/sessions/${ANA_ID}/conversation`)).body.messages.at(-1).meta;
    expect(await reply()).toMatchObject({ channel: 'twilio', delivery_status: 'delivered' });
    answer.resolve();
    await e.service.queue.idle();
    expect(await reply()).toMatchObject({ delivery_status: 'delivered' });
  });

  it('when a reply to a Twilio conversation could not be confirmed sent, then the recovery sweep resends it through Twilio, not another provider', async () => {
    const e = await startTwilioE2E();
    e.api.script({ destroy: true });
    expect(await e.send(twilioText('oi', ANA))).toHaveLength(1);
    const conversation = async () => (await e.get(`/sessions/${ANA_ID}/conversation`)).body.messages.at(-1).meta;
    expect(await conversation()).toMatchObject({ channel: 'twilio', delivery_status: 'pending' });
    // Past the longest a send could take (4 attempts × 10 s + 3 backoffs ≤ 8 s, + 5 s).
    e.clock.advance(70_000);
    expect((await e.service.sweep()).outboxSent).toBe(1);
    expect(e.api.sends.map((s) => s.form.To)).toEqual([`whatsapp:${ANA}`, `whatsapp:${ANA}`]);
    expect(e.api.sends[1].form.Body).toBe(e.api.sends[0].form.Body);
    expect(await conversation()).toMatchObject({ delivery_status: 'sent' });
  });
});

describe('voice notes over Twilio', () => {
  const SPOKEN =
    'Pressão doze por oito, frequência setenta e oito, saturação noventa e sete, frequência respiratória dezoito, temperatura trinta e seis e meio, ar ambiente, paciente consciente e orientado.';
  const TYPED = 'PA 120x80 FC 78 FR 18 Sat 97% Temp 36,5 ar ambiente, paciente consciente e orientado';

  it('when a spoken assessment arrives as Twilio media, then it is fetched with the account credentials, transcribed, and leads to the typed confirmation, quoting the transcript', async () => {
    const typed = await startTwilioE2E();
    await typed.send(twilioText('cheguei', ANA));
    await typed.send(twilioText('sim', ANA));
    const [typedQuestion] = await typed.send(twilioText(TYPED, ANA));
    expect(typedQuestion).toMatch(/^Coletei: .*Confirma para salvar\?\nResponda \*sim\* ou \*não\*\.$/);

    const e = await startTwilioE2E({ openai: true });
    await e.send(twilioText('cheguei', ANA));
    expect((await e.send(twilioText('sim', ANA))).join('\n')).toContain('Presença confirmada!');
    const url = e.api.media('ME-voice-1', { bytes: Buffer.from('OggS fake voice'), mimeType: 'audio/ogg' });
    e.openai!.enqueueTranscription({ kind: 'text', text: SPOKEN });
    const [question] = await e.send(twilioMedia({ url, contentType: 'audio/ogg', type: 'audio' }, ANA));
    expect(question).toBe(`Entendi do áudio: "${SPOKEN}". Se algo estiver errado, corrija por escrito.\n${typedQuestion}`);
    expect(e.api.mediaRequests.map((r) => [r.at, r.authorization === undefined ? 'no credentials' : 'basic auth'])).toEqual([
      ['api', 'basic auth'],
      ['cdn', 'no credentials'],
    ]);
    expect(e.openai!.transcriptions).toEqual([expect.objectContaining({ language: 'pt', filename: 'audio.ogg', size: 'OggS fake voice'.length })]);
    expect(await e.send(twilioText('sim', ANA))).toEqual(['Dados clínicos salvos com sucesso!']);
    expect(e.service.demo!.counters.updateClinicalData.effects).toBe(1);
    const voice = ((await e.get(`/sessions/${ANA_ID}/conversation?limit=50`)).body.messages as { role: string; meta: Record<string, unknown> }[]).find(
      (m) => m.meta.type === 'audio',
    );
    expect(voice?.meta).toMatchObject({ origin: 'twilio', media: { kind: 'audio', url }, transcribed: true, transcript: SPOKEN });
  });

  it('when there is no OpenAI key, then a Twilio voice note gets "please write", and nothing is fetched', async () => {
    const e = await startTwilioE2E();
    const url = e.api.media('ME-voice-2', { bytes: Buffer.from('OggS'), mimeType: 'audio/ogg' });
    expect(await e.send(twilioMedia({ url, contentType: 'audio/ogg', type: 'audio' }, ANA))).toEqual([
      expect.stringMatching(/^Não consigo ouvir áudios agora\. Pode escrever a mensagem, por favor\?/),
    ]);
    expect(e.api.mediaRequests).toEqual([]);
  });
});
