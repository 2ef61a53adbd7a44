import { once } from 'node:events';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { metaImage, metaOther, metaText, metaWebhookOf, newWamid, serialiseLikeMeta, signMetaBody } from '../support/meta-payloads.js';
import { deferred, watchCalls } from '../support/events.js';
import type { FakeTranscription } from '../support/fake-openai.js';
import { APP_SECRET } from '../support/service.js';
import { ANA_ID } from './e2e.js';
import { anaConfirmedOverMeta, startMetaE2E, type MetaE2E } from './meta-e2e.js';

const MB = 1024 * 1024;
const TYPED = 'PA 120x80 FC 78 FR 18 Sat 97% Temp 36,5 ar ambiente, paciente consciente e orientado';
const SPOKEN =
  'Pressão doze por oito, frequência setenta e oito, saturação noventa e sete, frequência respiratória dezoito, temperatura trinta e seis e meio, ar ambiente, paciente consciente e orientado.';
const SPOKEN_DIGITS =
  'Pressão 12 por 8, frequência 78, saturação 97, frequência respiratória 18, temperatura 36,5, ar ambiente, paciente consciente e orientado.';

/** A voice note as Meta delivers it: a media id, never the bytes. */
const voiceNote = (mediaId: string) =>
  metaOther('audio', { audio: { id: mediaId, mime_type: 'audio/ogg; codecs=opus', sha256: 'c2hh', voice: true } }, { from: ANA_ID, id: newWamid() });

/** Serves a voice note under `mediaId` whose transcript is `transcript`. */
function speak(e: MetaE2E, mediaId: string, transcript: string) {
  e.graph.media(mediaId, { bytes: Buffer.from(`OggS ${mediaId}`), mimeType: 'audio/ogg' });
  e.openai!.enqueueTranscription({ kind: 'text', text: transcript });
}

const metric = async (e: MetaE2E, line: string) => {
  const res = await fetch(`${e.url}/metrics`, { headers: { authorization: `Bearer ${e.config.OPS_TOKEN}` } });
  return (await res.text()).split('\n').find((l) => l.startsWith(line));
};

describe('voice notes over the Meta channel', () => {
  it.each([
    ['in words', SPOKEN],
    ['with digits', SPOKEN_DIGITS],
  ])('when an assessment is spoken (%s), then it leads to the same confirmation as the typed text, quoting the transcript', async (_, transcript) => {
    const typed = await startMetaE2E();
    await anaConfirmedOverMeta(typed);
    const [typedQuestion] = await typed.send(metaText(TYPED, { from: ANA_ID }));
    expect(typedQuestion).toMatch(/^Coletei: .*Confirma para salvar\?$/);

    const e = await startMetaE2E({ openai: true });
    await anaConfirmedOverMeta(e);
    speak(e, 'voice-1', transcript);
    const [question] = await e.send(voiceNote('voice-1'));
    expect(question).toBe(`Entendi do áudio: "${transcript}". Se algo estiver errado, corrija por escrito.\n${typedQuestion}`);
    expect(e.openai!.transcriptions).toEqual([expect.objectContaining({ model: 'gpt-4o-mini-transcribe', language: 'pt', filename: 'voice.ogg' })]);
    expect(await e.send(metaText('sim', { from: ANA_ID }))).toEqual(['Dados clínicos salvos com sucesso!']);
    expect(e.service.demo!.counters.updateClinicalData.effects).toBe(1);
  });

  it('when a voice note is transcribed, then the conversation keeps its media id, the transcript and the transcribed flag, and it is counted', async () => {
    const e = await startMetaE2E({ openai: true });
    speak(e, 'voice-rec', 'acabou a fralda');
    await e.send(voiceNote('voice-rec'));
    const [entry] = await e.userEntries(ANA_ID);
    expect(entry.text).toBe('acabou a fralda');
    expect(entry.meta).toMatchObject({ type: 'audio', media: { kind: 'voice', id: 'voice-rec' }, transcribed: true, transcript: 'acabou a fralda' });
    expect(await metric(e, 'orchestrator_transcriptions_total{result="ok"}')).toMatch(/ 1$/);
    expect(await metric(e, 'orchestrator_media_in_total{provider="meta",kind="voice"}')).toMatch(/ 1$/);
  });

  it('when there is no OpenAI key, then a voice note gets "cannot listen, please write" (never the help menu), and the record says why', async () => {
    const e = await startMetaE2E();
    await anaConfirmedOverMeta(e);
    const replies = await e.send(voiceNote('voice-nokey'));
    expect(replies).toEqual(['Não consigo ouvir áudios agora. Pode escrever a mensagem, por favor?']);
    const entries = await e.userEntries(ANA_ID);
    expect(entries.at(-1)!.meta).toMatchObject({ media: { kind: 'voice', id: 'voice-nokey' }, transcribed: false, notHeard: 'no_transcriber' });
    expect(e.graph.mediaRequests).toEqual([]);
    expect(await metric(e, 'orchestrator_transcriptions_total{result="no_transcriber"}')).toMatch(/ 1$/);
  });

  it('when a voice note is 20 MB, then it is refused unread and the caregiver is asked to write or send a shorter one', async () => {
    const e = await startMetaE2E({ openai: true });
    e.graph.media('voice-big', { bytes: Buffer.alloc(1024), mimeType: 'audio/ogg', declaredSize: 20 * MB });
    expect(await e.send(voiceNote('voice-big'))).toEqual(['Esse áudio é grande demais para eu ouvir. Pode escrever a mensagem ou mandar um áudio mais curto?']);
    expect(e.openai!.transcriptions).toEqual([]);
    expect(e.graph.mediaRequests.map((r) => r.path)).toEqual(['/v21.0/voice-big']);
  });

  it('when the transcription times out while a confirmation is open, then the caregiver is asked to write, and the question is asked again', async () => {
    // OPENAI_TRANSCRIBE_TIMEOUT_MS is the SDK's own timer (no injection point): 300 ms.
    const e = await startMetaE2E({ openai: true, env: { OPENAI_TRANSCRIBE_TIMEOUT_MS: '300' } });
    await anaConfirmedOverMeta(e);
    const [question] = await e.send(metaText(TYPED, { from: ANA_ID }));
    e.graph.media('voice-slow', { bytes: Buffer.from('OggS'), mimeType: 'audio/ogg' });
    e.openai!.enqueueTranscription({ kind: 'hang' });
    expect(await e.send(voiceNote('voice-slow'))).toEqual([`Não consigo ouvir áudios agora. Pode escrever a mensagem, por favor?\n${question}`]);
    expect(await metric(e, 'orchestrator_transcriptions_total{result="timeout"}')).toMatch(/ 1$/);
    expect(await e.send(metaText('sim', { from: ANA_ID }))).toEqual(['Dados clínicos salvos com sucesso!']);
  });
});

describe('a long transcription', () => {
  it("when a transcription outlasts the claim's in-progress lease, then the claim is renewed, a sweep does not take the voice note over, and it is answered once", async () => {
    const e = await startMetaE2E({ openai: true, env: { IDEMPOTENCY_IN_PROGRESS_MS: '1000' } });
    // The renewal timer is fake: it fires when the test says; the lease lives on the service's fake clock.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    onTestFinished(() => void vi.useRealTimers());
    const renewals = watchCalls(e.service.stores.idempotency, 'renew');
    e.graph.media('voice-long', { bytes: Buffer.from('OggS'), mimeType: 'audio/ogg' });
    const done = deferred<FakeTranscription>();
    e.openai!.enqueueTranscription({ kind: 'later', until: done.promise });
    const arrived = once(e.openai!.events, 'transcription');
    const raw = serialiseLikeMeta(metaWebhookOf({ messages: [voiceNote('voice-long')] }));
    expect((await e.post('/webhook/whatsapp', raw, { 'X-Hub-Signature-256': signMetaBody(raw, APP_SECRET) })).status).toBe(200);
    await arrived;
    e.clock.advance(1_001);
    vi.advanceTimersToNextTimer();
    await renewals.settled();
    expect((await e.service.sweep()).inboxTaken).toBe(0);
    done.resolve({ kind: 'text', text: 'acabou a fralda' });
    await e.service.queue.idle();
    expect(e.sender.sent.map((s) => s.reply.text)).toEqual(['Salvei a anotação: "acabou a fralda".']);
    expect((await e.userEntries(ANA_ID)).map((m) => m.text)).toEqual(['acabou a fralda']);
  });
});

describe('other media over the Meta channel', () => {
  it('when a photo comes with a caption, then the caption is read as text and the reply says only the caption was read', async () => {
    const e = await startMetaE2E();
    await anaConfirmedOverMeta(e);
    const [reply] = await e.send(metaImage({ from: ANA_ID, caption: 'ferida na perna esquerda com secreção' }));
    // The caption is this shift's first clinical note: kept, and the first assessment still needs the vitals.
    expect(reply.split('\n')).toEqual([
      'Recebi a foto (não consigo ver imagens; li a legenda).',
      'Guardei a nota. Na primeira aferição do plantão preciso também dos sinais vitais (PA, FC, FR, Sat, Temp) e da condição respiratória.',
    ]);
    expect((await e.get(`/sessions/${ANA_ID}/state`)).body.state.clinical.note).toBe('ferida na perna esquerda com secreção');
    const entry = (await e.userEntries(ANA_ID)).at(-1)!;
    expect(entry).toMatchObject({
      text: 'ferida na perna esquerda com secreção',
      meta: { type: 'image', media: { kind: 'image', id: '1479537139650973', caption: 'ferida na perna esquerda com secreção' } },
    });
  });

  it('when a photo, a video or a document comes without a caption, then the reply acknowledges it without pretending to have read it', async () => {
    const e = await startMetaE2E();
    await anaConfirmedOverMeta(e);
    expect(await e.send(metaImage({ from: ANA_ID }))).toEqual([
      'Recebi a foto, mas não consigo ver imagens. Se for algo para registrar, escreva em texto, por favor.',
    ]);
    expect(await e.send(metaOther('video', { video: { id: 'v1', mime_type: 'video/mp4' } }, { from: ANA_ID }))).toEqual([
      'Recebi o vídeo, mas não consigo assistir vídeos. Se for algo para registrar, escreva em texto, por favor.',
    ]);
    expect(await e.send(metaOther('document', { document: { id: 'd1', mime_type: 'application/pdf', filename: 'receita.pdf' } }, { from: ANA_ID }))).toEqual([
      'Recebi o documento, mas não consigo abrir arquivos. Se for algo para registrar, escreva em texto, por favor.',
    ]);
  });

  it('when a location or contacts arrive, then a short acknowledgement; a sticker or a reaction get no reply', async () => {
    const e = await startMetaE2E();
    await anaConfirmedOverMeta(e);
    expect(await e.send(metaOther('location', { location: { latitude: -23.56, longitude: -46.65, name: 'Casa da paciente' } }, { from: ANA_ID }))).toEqual([
      'Recebi sua localização.',
    ]);
    expect(
      await e.send(
        metaOther('contacts', { contacts: [{ name: { formatted_name: 'Dra. Paula' }, phones: [{ phone: '+55 11 98888-0000' }] }] }, { from: ANA_ID }),
      ),
    ).toEqual(['Recebi o contato.']);
    expect(await e.send(metaOther('sticker', { sticker: { id: 's1', mime_type: 'image/webp', animated: false } }, { from: ANA_ID }))).toEqual([]);
    expect(await e.send(metaOther('reaction', { reaction: { message_id: 'wamid.X', emoji: '👍' } }, { from: ANA_ID }))).toEqual([]);
    const types = (await e.userEntries(ANA_ID)).slice(-4).map((m) => m.meta.type);
    expect(types).toEqual(['location', 'contacts', 'sticker', 'reaction']);
  });

  it('when the caregiver reacts 👍 to the confirmation question, then it is not taken as an answer: nothing is saved and the question stays open', async () => {
    const e = await startMetaE2E();
    await anaConfirmedOverMeta(e);
    const [question] = await e.send(metaText(TYPED, { from: ANA_ID }));
    const questionId = e.sender.sent.at(-1)!.outboxId;
    expect(await e.send(metaOther('reaction', { reaction: { message_id: `rec.${questionId}`, emoji: '👍' } }, { from: ANA_ID }))).toEqual([]);
    expect(e.service.demo!.counters.updateClinicalData.effects).toBe(0);
    expect((await e.get(`/sessions/${ANA_ID}/state`)).body.state.pending.description).toBe(question.replace(/\n?$/, ''));
  });
});
