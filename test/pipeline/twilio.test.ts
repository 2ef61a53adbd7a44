import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metaText, metaWebhookOf, serialiseLikeMeta, signMetaBody } from '../support/meta-payloads.js';
import { signTwilio, twilioForm, twilioStatus, twilioText, TWILIO_AUTH_TOKEN, type TwilioParams } from '../support/twilio-payloads.js';
import { watchCalls } from '../support/events.js';
import { APP_SECRET, startTestService, type TestService } from '../support/service.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>';

describe('Twilio webhook', () => {
  let t: TestService;
  /** Posts as Twilio does: the form, signed over the URL Twilio called (here the service's own). */
  const twilioPost = (params: TwilioParams, options: { path?: string; token?: string; signedUrl?: string } = {}) => {
    const path = options.path ?? '/webhook/twilio';
    return t.post(path, twilioForm(params), { ...FORM, 'X-Twilio-Signature': signTwilio(options.signedUrl ?? `${t.url}${path}`, params, options.token) });
  };
  const conversation = async (id: string) =>
    (await t.get(`/sessions/${id}/conversation?limit=200`)).body.messages as { role: string; text: string; meta: Record<string, any> }[];

  beforeAll(async () => {
    t = await startTestService({ env: { TWILIO_AUTH_TOKEN } });
  });
  afterAll(() => t.stop());

  it('when a signed message comes in, then 200 with empty TwiML at once, and it is processed after and replied to through the outbox', async () => {
    const params = twilioText('olá pelo Twilio', '+5511977770001');
    const res = await twilioPost(params);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/xml/);
    expect(res.body).toBe(EMPTY_TWIML);
    await t.service.queue.idle();
    const messages = await conversation('5511977770001');
    expect(messages.map((m) => [m.role, m.text])).toEqual([
      ['user', 'olá pelo Twilio'],
      ['assistant', 'eco: olá pelo Twilio'],
    ]);
    expect(messages[0].meta).toMatchObject({ origin: 'twilio', messageId: params.MessageSid, type: 'text' });
    expect(messages[1].meta).toMatchObject({ channel: 'twilio', delivery: 'outbox', delivery_status: 'sent' });
    expect(t.sender.sent.filter((s) => s.to === '5511977770001').map((s) => s.reply.text)).toEqual(['eco: olá pelo Twilio']);
  });

  it('when the signature is missing, made with another token, over another URL or over other parameters, then 401 and nothing is stored', async () => {
    const params = twilioText('não assinado', '+5511977770002');
    const unsigned = await t.post('/webhook/twilio', twilioForm(params), FORM);
    expect(unsigned.status).toBe(401);
    expect(unsigned.body.error.code).toBe('auth.unauthorized');
    expect((await twilioPost(params, { token: 'another-token' })).status).toBe(401);
    expect((await twilioPost(params, { signedUrl: `${t.url}/webhook/twilio?x=1` })).status).toBe(401);
    const tampered = await t.post('/webhook/twilio', twilioForm({ ...params, Body: 'trocado' }), {
      ...FORM,
      'X-Twilio-Signature': signTwilio(`${t.url}/webhook/twilio`, params),
    });
    expect(tampered.status).toBe(401);
    const refused = t.lines.filter((l) => l.requestId === tampered.headers.get('x-request-id') && l.level === 'warn');
    expect(refused).toEqual([expect.objectContaining({ message: 'request refused', code: 'auth.unauthorized', route: 'POST /webhook/twilio' })]);
    await t.service.queue.idle();
    expect(await conversation('5511977770002')).toEqual([]);
  });

  it('when Twilio delivers the same MessageSid ten times at once, then each is answered 200 and it is processed once', async () => {
    const params = twilioText('duplicada', '+5511977770003');
    const results = await Promise.all(Array.from({ length: 10 }, () => twilioPost(params)));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    await t.service.queue.idle();
    expect((await conversation('5511977770003')).map((m) => m.text)).toEqual(['duplicada', 'eco: duplicada']);
  });

  it('when a Meta message carries the same id as a Twilio one, then both are processed: each provider has its own id namespace', async () => {
    const params = twilioText('pelo Twilio', '+5511977770004');
    const raw = serialiseLikeMeta(metaWebhookOf({ messages: [metaText('pela Meta', { from: '5511977770004', id: params.MessageSid })] }));
    expect((await t.post('/webhook/whatsapp', raw, { 'X-Hub-Signature-256': signMetaBody(raw, APP_SECRET) })).status).toBe(200);
    await t.service.queue.idle();
    expect((await twilioPost(params)).status).toBe(200);
    await t.service.queue.idle();
    expect((await conversation('5511977770004')).filter((m) => m.role === 'user').map((m) => m.text)).toEqual(['pela Meta', 'pelo Twilio']);
  });

  it('when a signed message cannot be read, then 200, a warn line with its reason and no text, and it is recorded as unsupported', async () => {
    const params = twilioText('não deve ser lido', '+5511977770005', { MessageType: 'location', Latitude: '999', Longitude: '0' });
    const res = await twilioPost(params);
    expect(res.status).toBe(200);
    const warns = t.lines.filter((l) => l.requestId === res.headers.get('x-request-id') && l.level === 'warn');
    expect(warns).toEqual([expect.objectContaining({ message: 'twilio webhook item not readable', reason: 'message_invalid' })]);
    expect(JSON.stringify(warns)).not.toContain('não deve ser lido');
    await t.service.queue.idle();
    const [user] = await conversation('5511977770005');
    expect(user).toMatchObject({ text: '', meta: { type: 'unsupported', messageId: params.MessageSid, unreadable: { reason: 'message_invalid' } } });
  });

  it('when status callbacks arrive out of order, then they apply monotonically by message SID, and a failure keeps its Twilio error code', async () => {
    for (const text of ['primeira', 'segunda']) await twilioPost(twilioText(text, '+5511977770006'));
    await t.service.queue.idle();
    const [first, second] = t.sender.sent.filter((s) => s.to === '5511977770006').map((s) => `rec.${s.outboxId}`);
    const applied = watchCalls(t.service.stores.outbox, 'applyStatus');
    for (const params of [
      twilioStatus(first, 'read', { to: '+5511977770006' }),
      twilioStatus(first, 'delivered', { to: '+5511977770006' }),
      twilioStatus(first, 'sending', { to: '+5511977770006' }),
      twilioStatus(second, 'undelivered', { to: '+5511977770006', errorCode: 63016 }),
      twilioStatus(second, 'read', { to: '+5511977770006' }),
    ]) {
      const res = await twilioPost(params, { path: '/webhook/twilio/status' });
      expect(res.status).toBe(200);
      expect(res.body).toBe(EMPTY_TWIML);
    }
    await applied.settled();
    const replies = (await conversation('5511977770006')).filter((m) => m.role === 'assistant');
    expect(replies[0].meta).toMatchObject({ delivery_status: 'read' });
    expect(replies[1].meta).toMatchObject({ delivery_status: 'failed', delivery_error: { code: 63016 } });
  });
});

describe('Twilio webhook behind a proxy', () => {
  let t: TestService;
  const PUBLIC = 'https://bot.example.com/orquestrador';
  beforeAll(async () => {
    t = await startTestService({ env: { TWILIO_AUTH_TOKEN, PUBLIC_BASE_URL: `${PUBLIC}/` } });
  });
  afterAll(() => t.stop());

  it('when PUBLIC_BASE_URL is set, then the signature is checked over the public URL Twilio called, not the one the service sees', async () => {
    const params = twilioText('pelo proxy', '+5511977770007');
    const post = (signedUrl: string) => t.post('/webhook/twilio', twilioForm(params), { ...FORM, 'X-Twilio-Signature': signTwilio(signedUrl, params) });
    expect((await post(`${t.url}/webhook/twilio`)).status).toBe(401);
    expect((await post(`${PUBLIC}/webhook/twilio`)).status).toBe(200);
    await t.service.queue.idle();
  });
});

describe('Twilio webhook without an auth token (embedded mode)', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService();
  });
  afterAll(() => t.stop());

  it('when no TWILIO_AUTH_TOKEN is set, then unsigned deliveries are accepted, with a warning when the route is built', async () => {
    expect(t.lines).toContainEqual(expect.objectContaining({ level: 'warn', message: expect.stringContaining('TWILIO_AUTH_TOKEN not set') }));
    expect((await t.post('/webhook/twilio', twilioForm(twilioText('sem assinatura', '+5511977770008')), FORM)).status).toBe(200);
    await t.service.queue.idle();
  });
});
