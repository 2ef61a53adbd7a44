import { expect, onTestFinished } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai.js';
import { startFakeTwilioApi, type FakeTwilioApi } from '../support/fake-twilio-api.js';
import { signTwilio, twilioForm, TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM, type TwilioParams } from '../support/twilio-payloads.js';
import { startTestService, type TestService } from '../support/service.js';

/** The service's public URL as Twilio knows it (a proxy in front of the test service): what Twilio signs. */
export const PUBLIC_BASE_URL = 'https://orquestrador.example.com.br';

/**
 * End-to-end driver over the Twilio channel: the real service with the real engine and the demo
 * backend, Twilio's side played by a fake Twilio API (Messages endpoint, media behind a redirect,
 * status callbacks) and, when `openai`, a fake OpenAI (transcription; chat completions answer
 * 501, so understanding falls back to the rules). Replies leave through the outbox by the real
 * Twilio sender, to the fake API.
 */
export interface TwilioE2E extends TestService {
  api: FakeTwilioApi;
  openai?: FakeOpenAI;
  /** Posts a message as Twilio would (signed over the public URL) and waits until its turn and sends are done; returns the bodies sent back to its sender. */
  send(params: TwilioParams): Promise<string[]>;
}

export async function startTwilioE2E(options: { openai?: boolean } = {}): Promise<TwilioE2E> {
  const api = await startFakeTwilioApi();
  onTestFinished(() => api.close());
  const openai = options.openai ? await startFakeOpenAI() : undefined;
  if (openai) onTestFinished(() => openai.close());
  const t = await startTestService({
    real: true,
    env: {
      TWILIO_ACCOUNT_SID,
      TWILIO_AUTH_TOKEN,
      TWILIO_WHATSAPP_FROM: TWILIO_FROM,
      TWILIO_API_URL: api.url,
      PUBLIC_BASE_URL,
      ...(openai && { OPENAI_API_KEY: 'test-key', OPENAI_BASE_URL: openai.baseURL, OPENAI_TIMEOUT_MS: '400' }),
    },
    // The senders the config builds (Twilio's, to the fake API), not the recording one.
    overrides: { sender: undefined },
  });
  onTestFinished(() => t.stop());

  return {
    ...t,
    api,
    openai,
    async send(params) {
      const before = api.sends.length;
      const res = await t.post('/webhook/twilio', twilioForm(params), {
        'content-type': 'application/x-www-form-urlencoded',
        'X-Twilio-Signature': signTwilio(`${PUBLIC_BASE_URL}/webhook/twilio`, params),
      });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      await t.service.queue.idle();
      return api.sends
        .slice(before)
        .filter((s) => s.form.To === params.From)
        .map((s) => s.form.Body);
    },
  };
}
