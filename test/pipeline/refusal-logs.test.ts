import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metaText, metaWebhookOf, serialiseLikeMeta } from '../support/meta-payloads.js';
import { ingestBody, startTestService, type TestService } from '../support/service.js';

const PHONE = '5511933330001';

describe('refusal logs', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService();
  });
  afterAll(() => t.stop());

  /** Sends one request and returns its answer with the warn lines it left (matched by request id). */
  async function refused(send: () => Promise<{ status: number; headers: Headers; body: Record<string, any> }>) {
    const res = await send();
    const requestId = res.headers.get('x-request-id');
    const warns = t.lines.filter((l) => l.requestId === requestId && l.level === 'warn');
    return { res, warns };
  }

  it('when any route refuses a request, then exactly one warn line names the code, the status, the route and the request id', async () => {
    await t.post('/webhook/ingest', ingestBody('primeiro', `+${PHONE}`, 'id-a'), { 'X-Idempotency-Key': 'refuse-1' });
    const cases: [string, () => ReturnType<TestService['post']>][] = [
      ['POST /webhook/ingest', () => t.post('/webhook/ingest', ingestBody('sem chave', `+${PHONE}`))],
      ['POST /webhook/ingest', () => t.post('/webhook/ingest', ingestBody('outro', `+${PHONE}`, 'id-b'), { 'X-Idempotency-Key': 'refuse-1' })],
      ['POST /webhook/ingest', () => t.post('/webhook/ingest', Buffer.alloc(70 * 1024, 'a'), { 'X-Idempotency-Key': 'refuse-2' })],
      ['POST /hooks/template-fired', () => t.post('/hooks/template-fired', { phoneNumber: `+${PHONE}`, metadata: { n: 1 } })],
      [
        'POST /webhook/whatsapp',
        () => t.post('/webhook/whatsapp', serialiseLikeMeta(metaWebhookOf({ messages: [metaText('sem assinatura', { from: PHONE })] }))),
      ],
      ['GET /webhook/whatsapp', () => t.get('/webhook/whatsapp?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1', null)],
      ['GET /sessions/:id/state', () => t.get(`/sessions/${PHONE}/state`, null)],
      ['GET /sessions/:id/state', () => t.get('/sessions/5599999999999/state')],
      ['GET /sessions/:id/conversation', () => t.get(`/sessions/${PHONE}/conversation?limit=0`)],
      ['GET (no route)', () => t.get(`/nothing/here/${PHONE}`)],
    ];
    for (const [route, send] of cases) {
      const { res, warns } = await refused(send);
      expect(res.status, route).toBeGreaterThanOrEqual(400);
      expect(res.status, route).toBeLessThan(500);
      expect(warns, route).toEqual([expect.objectContaining({ message: 'request refused', code: res.body.error.code, status: res.status, route })]);
      expect(JSON.stringify(warns), route).not.toMatch(new RegExp(`${PHONE}|sem chave|outro`));
    }
  });
});
