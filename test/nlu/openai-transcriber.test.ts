import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createOpenAITranscriber } from '../../src/nlu/openai-transcriber.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai.js';

const voice = { bytes: Buffer.from('OggS-fake-voice-note'), mimeType: 'audio/ogg; codecs=opus', filename: 'voice.ogg' };

describe('OpenAI transcriber against a local transcription server', () => {
  let fake: FakeOpenAI;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    fake.transcriptions.length = 0;
  });

  const transcriber = (timeoutMs = 2_000) => createOpenAITranscriber({ apiKey: 'test-key', baseURL: fake.baseURL, model: 'gpt-4o-mini-transcribe', timeoutMs });

  it('when a voice note is sent, then the file goes up as multipart with the model and the language, and the text comes back', async () => {
    fake.enqueueTranscription({ kind: 'text', text: ' pressão doze por oito ' });
    expect(await transcriber().transcribe(voice, { language: 'pt' })).toEqual({ ok: true, text: 'pressão doze por oito' });
    expect(fake.transcriptions).toEqual([
      {
        model: 'gpt-4o-mini-transcribe',
        language: 'pt',
        filename: 'voice.ogg',
        type: 'audio/ogg; codecs=opus',
        size: voice.bytes.length,
        authorization: 'Bearer test-key',
      },
    ]);
  });

  it('when the API rejects the file, is down, or hears nothing, then rejected, unavailable or empty, with no retry', async () => {
    fake.enqueueTranscription({ kind: 'status', status: 400 }, { kind: 'status', status: 503 }, { kind: 'text', text: '   ' });
    expect(await transcriber().transcribe(voice, { language: 'pt' })).toEqual({ ok: false, reason: 'rejected', status: 400 });
    expect(await transcriber().transcribe(voice, { language: 'pt' })).toEqual({ ok: false, reason: 'unavailable', status: 503 });
    expect(await transcriber().transcribe(voice, { language: 'pt' })).toEqual({ ok: false, reason: 'empty' });
    expect(fake.transcriptions).toHaveLength(3);
  });

  it('when the API does not answer within the timeout, then timeout', async () => {
    fake.enqueueTranscription({ kind: 'hang' });
    // The SDK's own timer is the behaviour under test (no injection point): 300 ms.
    expect(await transcriber(300).transcribe(voice, { language: 'pt' })).toEqual({ ok: false, reason: 'timeout' });
  });
});
