import { expect, onTestFinished } from 'vitest';
import { metaText, metaWebhookOf, serialiseLikeMeta, signMetaBody } from '../support/meta-payloads.js';
import { startFakeGraphApi, type FakeGraphApi } from '../support/fake-graph-api.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai.js';
import { APP_SECRET, startTestService, type TestService } from '../support/service.js';
import { ANA_ID } from './e2e.js';

/**
 * End-to-end driver over the Meta channel: the real service with the real engine and the demo
 * backend, a fake Graph API (media lookups and downloads) and, when `openai`, a fake OpenAI
 * (transcription; chat completions answer 501, so understanding falls back to the rules).
 * Replies leave through the outbox to the recording sender.
 */
export interface MetaE2E extends TestService {
  graph: FakeGraphApi;
  openai?: FakeOpenAI;
  /** Posts signed webhook bodies and waits until their turns (and sends) are done; returns the HTTP answer of the last. */
  deliver(...bodies: unknown[]): Promise<Awaited<ReturnType<TestService['post']>>>;
  /** Delivers one message (a `messages[]` item) and returns the reply texts it got. */
  send(message: Record<string, unknown>): Promise<string[]>;
  /** The conversation's user entries. */
  userEntries(sessionId: string): Promise<{ text: string; meta: Record<string, any> }[]>;
}

export async function startMetaE2E(
  options: {
    openai?: boolean;
    env?: Record<string, string>;
    /** Where cleanups go: the test's end by default (`afterAll` for a shared one). */ cleanup?: (fn: () => Promise<void>) => void;
  } = {},
): Promise<MetaE2E> {
  const cleanup = options.cleanup ?? ((fn: () => Promise<void>) => onTestFinished(fn));
  const graph = await startFakeGraphApi();
  cleanup(() => graph.close());
  const openai = options.openai ? await startFakeOpenAI() : undefined;
  if (openai) cleanup(() => openai.close());
  const t = await startTestService({
    real: true,
    env: {
      WHATSAPP_ACCESS_TOKEN: 'EAAG-test-token',
      WHATSAPP_GRAPH_URL: graph.url,
      ...(openai && { OPENAI_API_KEY: 'test-key', OPENAI_BASE_URL: openai.baseURL, OPENAI_TIMEOUT_MS: '400' }),
      ...options.env,
    },
  });
  cleanup(() => t.stop());

  async function deliver(...bodies: unknown[]) {
    let last: Awaited<ReturnType<TestService['post']>> | undefined;
    for (const body of bodies) {
      const raw = serialiseLikeMeta(body);
      last = await t.post('/webhook/whatsapp', raw, { 'X-Hub-Signature-256': signMetaBody(raw, APP_SECRET) });
      expect(last.status, JSON.stringify(last.body)).toBe(200);
      await t.service.queue.idle();
    }
    return last!;
  }

  return {
    ...t,
    graph,
    openai,
    deliver,
    async send(message) {
      const before = t.sender.sent.length;
      await deliver(metaWebhookOf({ messages: [message] }));
      return t.sender.sent
        .slice(before)
        .filter((s) => s.to === message.from)
        .map((s) => s.reply.text);
    },
    async userEntries(sessionId) {
      const res = await t.get(`/sessions/${sessionId}/conversation?limit=200`);
      return res.body.messages.filter((m: { role: string }) => m.role === 'user');
    },
  };
}

/** Ana confirms presence over the Meta channel. */
export async function anaConfirmedOverMeta(e: MetaE2E): Promise<void> {
  await e.send(metaText('cheguei', { from: ANA_ID }));
  expect((await e.send(metaText('sim', { from: ANA_ID }))).join('\n')).toContain('Presença confirmada!');
}
