import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  metaButtonReply,
  metaEntry,
  metaChange,
  metaImage,
  metaOther,
  metaStatus,
  metaText,
  metaWebhook,
  metaWebhookOf,
  newWamid,
  serialiseLikeMeta,
  signMetaBody,
} from '../support/meta-payloads.js';
import { watchCalls } from '../support/events.js';
import { APP_SECRET, VERIFY_TOKEN, startTestService, type TestService } from '../support/service.js';

describe('Meta webhook', () => {
  let t: TestService;
  const signedPost = (body: unknown, secret = APP_SECRET) => {
    const raw = serialiseLikeMeta(body);
    return t.post('/webhook/whatsapp', raw, { 'X-Hub-Signature-256': signMetaBody(raw, secret) });
  };
  const conversation = (id: string) => t.get(`/sessions/${id}/conversation?limit=200`);
  beforeAll(async () => {
    t = await startTestService();
  });
  afterAll(() => t.stop());

  it('when the verify token matches, then the challenge is echoed as text; otherwise 403', async () => {
    const ok = await fetch(`${t.url}/webhook/whatsapp?hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1158201444`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toContain('text/plain');
    expect(await ok.text()).toBe('1158201444');
    expect((await fetch(`${t.url}/webhook/whatsapp?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1`)).status).toBe(403);
    expect((await fetch(`${t.url}/webhook/whatsapp?hub.mode=unsubscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1`)).status).toBe(403);
  });

  it('when the signature is missing, wrong, or over re-serialised bytes, then 401 and nothing is stored', async () => {
    const body = metaWebhookOf({ messages: [metaText('assinatura não é válida', { from: '5511988880001' })] });
    const raw = serialiseLikeMeta(body);
    expect((await t.post('/webhook/whatsapp', raw)).status).toBe(401);
    expect((await signedPost(body, 'other-secret')).status).toBe(401);
    const reserialised = JSON.stringify(JSON.parse(raw));
    const wrongBytes = await t.post('/webhook/whatsapp', reserialised, { 'X-Hub-Signature-256': signMetaBody(raw, APP_SECRET) });
    expect(wrongBytes.status).toBe(401);
    expect(wrongBytes.body.error.code).toBe('auth.unauthorized');
    expect((await conversation('5511988880001')).body.messages).toEqual([]);
  });

  it('when a batch carries 3 messages over 2 entries and 2 statuses, then each message is processed and replied to, and statuses apply monotonically', async () => {
    const first = metaText('primeira', { from: '5511988880002' });
    const body = metaWebhook([
      metaEntry([metaChange({ messages: [first, metaButtonReply({ id: 'yes', title: 'Sim' }, { from: '5511988880002' })] })]),
      metaEntry([metaChange({ messages: [metaImage({ from: '5511988880003' })] })]),
    ]);
    const res = await signedPost(body);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ received: 3, duplicates: 0 });
    // Processing (turn, then outbox send and mark) runs after the 200, in the session queues.
    await t.service.queue.idle();
    const conv = await conversation('5511988880002');
    expect(conv.body.messages.map((m: { text: string }) => m.text)).toEqual(['primeira', 'eco: primeira', 'Sim', 'eco: Sim']);
    expect(conv.body.messages[2].meta.replyPayload).toBe('yes');
    expect((await conversation('5511988880003')).body.messages).toHaveLength(2);
    // The replies went out through the outbox with our outbox id as biz_opaque_callback_data.
    const out = t.sender.sent.filter((s) => s.to === '5511988880002');
    expect(out.map((s) => s.reply.text)).toEqual(['eco: primeira', 'eco: Sim']);
    expect(conv.body.messages[3].meta.delivery_status).toBe('sent');
    expect(conv.body.messages[1].meta.delivery_status).toBe('sent');

    // Statuses: `delivered` before `sent` for the first reply; `failed` (terminal) for the second.
    const statuses = metaWebhookOf({
      statuses: [
        metaStatus({ id: `rec.${out[0].outboxId}`, status: 'delivered', bizOpaqueCallbackData: out[0].outboxId }),
        metaStatus({ id: `rec.${out[0].outboxId}`, status: 'sent', bizOpaqueCallbackData: out[0].outboxId }),
        metaStatus({
          id: `rec.${out[1].outboxId}`,
          status: 'failed',
          bizOpaqueCallbackData: out[1].outboxId,
          errors: [{ code: 131047, title: 'Re-engagement message' }],
        }),
        metaStatus({ id: `rec.${out[1].outboxId}`, status: 'read', bizOpaqueCallbackData: out[1].outboxId }),
      ],
    });
    // Statuses are applied after the 200 without being awaited: wait for those writes.
    const applied = watchCalls(t.service.stores.outbox, 'applyStatus');
    expect((await signedPost(statuses)).status).toBe(200);
    await applied.settled();
    const after = await conversation('5511988880002');
    expect(after.body.messages[1].meta.delivery_status).toBe('delivered');
    expect(after.body.messages[3].meta).toMatchObject({ delivery_status: 'failed', delivery_error: { code: 131047 } });
  });

  it('when a delivery is acknowledged, then Server-Timing names the inbox write it waited for (and no ETag is computed)', async () => {
    const res = await signedPost(metaWebhookOf({ messages: [metaText('quanto tempo?', { from: '5511988880009' })] }));
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBeNull();
    const timing = /^inbox;dur=(\d+\.\d)$/.exec(res.headers.get('server-timing') ?? '');
    expect(timing).not.toBeNull();
    expect(Number(timing![1])).toBeGreaterThan(0);
    await t.service.queue.idle();
  });

  it('when Meta redelivers the same message ids, then they are acknowledged but processed once', async () => {
    const msg = metaText('duplicada', { from: '5511988880004', id: newWamid() });
    const body = metaWebhookOf({ messages: [msg] });
    const results = await Promise.all(Array.from({ length: 10 }, () => signedPost(body)));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(results.reduce((n, r) => n + r.body.duplicates, 0)).toBe(9);
    await t.service.queue.idle();
    const conv = await conversation('5511988880004');
    expect(conv.body.messages.map((m: { text: string }) => m.text)).toEqual(['duplicada', 'eco: duplicada']);
  });

  it('when 20 distinct messages of one conversation arrive at once, then they are processed one at a time in arrival order', async () => {
    const from = '5511988880005';
    const texts = Array.from({ length: 20 }, (_, i) => `msg-${String(i).padStart(2, '0')}`);
    const bodies = texts.map((text) => metaWebhookOf({ messages: [metaText(text, { from })] }));
    // Sent concurrently, but each request leaves after the previous one was read by the server.
    const sends: Promise<unknown>[] = [];
    for (const body of bodies) sends.push(signedPost(body));
    await Promise.all(sends);
    await t.service.queue.idle();
    const state = await t.get(`/sessions/${from}/state`);
    expect(state.body.version).toBe(20);
    expect(state.body.state.texts).toEqual(texts);
    const spans = t.understanding.spans.filter((s) => texts.includes(s.text)).sort((a, b) => a.start - b.start);
    for (let i = 1; i < spans.length; i++) expect(spans[i].start).toBeGreaterThanOrEqual(spans[i - 1].end);
  });

  it('when a signed body is not JSON, then 400; when it has the wrong shape, then 200 with a warn line and nothing stored', async () => {
    const raw = '{"object":';
    expect((await t.post('/webhook/whatsapp', raw, { 'X-Hub-Signature-256': signMetaBody(raw, APP_SECRET) })).status).toBe(400);
    for (const body of [{ object: 'whatsapp_business_account', entry: 'nope' }, { object: 'page', entry: [] }, [], 'texto']) {
      const res = await signedPost(body);
      expect(res.status, JSON.stringify(body)).toBe(200);
      expect(res.body).toMatchObject({ received: 0 });
      const warns = t.lines.filter((l) => l.requestId === res.headers.get('x-request-id') && l.level === 'warn');
      expect(warns).toEqual([expect.objectContaining({ message: 'meta webhook item not readable', reason: 'envelope_invalid' })]);
    }
  });

  it('when an interactive message comes without its body (131000) among good ones, then 200, the good ones are processed and it is recorded as unsupported', async () => {
    const from = '5511988880006';
    const broken = metaOther('interactive', {}, { from, id: newWamid() });
    const body = metaWebhookOf({
      messages: [metaText('antes', { from }), broken, metaText('depois', { from })],
      errors: [{ code: 131000, title: 'Something went wrong', message: 'Something went wrong', error_data: { details: 'Unsupported webhook payload' } }],
    });
    const res = await signedPost(body);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ received: 3, unsupported: 1 });
    const warns = t.lines.filter((l) => l.requestId === res.headers.get('x-request-id') && l.level === 'warn').map((l) => l.reason);
    expect(warns).toEqual(['provider_error', 'message_invalid']);
    await t.service.queue.idle();
    const users = (await conversation(from)).body.messages.filter((m: { role: string }) => m.role === 'user');
    expect(users.map((m: { text: string; meta: { type: string } }) => [m.meta.type, m.text])).toEqual([
      ['text', 'antes'],
      ['unsupported', ''],
      ['text', 'depois'],
    ]);
    expect(users[1].meta).toMatchObject({
      messageId: broken.id,
      errors: [{ code: 131000 }],
      unreadable: { reason: 'message_invalid', providerType: 'interactive' },
    });
  });

  it('when a delivery carries other fields, unknown types and untracked statuses, then 200 and each leaves a debug line with its kind', async () => {
    const from = '5511988880007';
    const body = metaWebhook([
      metaEntry([
        { field: 'message_template_status_update', value: { event: 'APPROVED', message_template_id: 1 } },
        metaChange({
          messages: [metaOther('hologram', { hologram: {} }, { from })],
          statuses: [metaStatus({ id: 'wamid.PLAYED', status: 'played', recipientId: from })],
        }),
      ]),
    ]);
    const res = await signedPost({ ...body, extra_field: true });
    expect(res.status).toBe(200);
    expect(res.body.received).toBe(1);
    const debug = t.lines.filter((l) => l.requestId === res.headers.get('x-request-id') && l.message === 'meta webhook item ignored');
    expect(debug.map((l) => [l.level, l.kind])).toEqual([
      ['debug', 'field'],
      ['debug', 'message_type'],
      ['debug', 'status'],
    ]);
  });
});
