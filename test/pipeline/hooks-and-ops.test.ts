import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestBody, startTestService, type TestService } from '../support/service.js';

describe('template hook, bad input and ops', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService();
  });
  afterAll(() => t.stop());

  it('when a template fires, then a system entry is recorded, the engine sees it, and a keyed repeat is replayed', async () => {
    const body = { phoneNumber: '+5511977770001', template: 'pedir_sinais_vitais', metadata: { hint_campos_faltantes: ['FR'] } };
    const first = await t.post('/hooks/template-fired', body, { 'X-Template-Idempotency-Key': 'tpl-1' });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ success: true, session_id: '5511977770001', version: 1 });
    const again = await t.post('/hooks/template-fired', body, { 'X-Template-Idempotency-Key': 'tpl-1' });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    const other = await t.post('/hooks/template-fired', { ...body, template: 'outro' }, { 'X-Template-Idempotency-Key': 'tpl-1' });
    expect(other.status).toBe(422);
    const state = await t.get('/sessions/5511977770001/state');
    expect(state.body.state.templates).toEqual(['pedir_sinais_vitais']);
    const conv = await t.get('/sessions/5511977770001/conversation');
    expect(conv.body.messages).toEqual([
      expect.objectContaining({
        role: 'system',
        text: "Template 'pedir_sinais_vitais' disparado",
        meta: expect.objectContaining({ template: 'pedir_sinais_vitais' }),
      }),
    ]);
    // Without a key, every call is a new event.
    expect((await t.post('/hooks/template-fired', body)).body.version).toBe(2);
  });

  it('when bodies are malformed, mistyped, incomplete, oversized or odd, then 4xx with the error shape, and the server keeps serving', async () => {
    const key = (i: number) => ({ 'X-Idempotency-Key': `bad-${i}` });
    const corpus: [string, string | Buffer | object][] = [
      ['/webhook/ingest', '{"message_id": "x", '],
      ['/webhook/ingest', 'null'],
      ['/webhook/ingest', '[]'],
      ['/webhook/ingest', { message_id: 1, phoneNumber: '+5511999990001', text: 'x' }],
      ['/webhook/ingest', { message_id: 'x', phoneNumber: '+5511999990001' }],
      ['/webhook/ingest', { message_id: 'x', phoneNumber: 'abc', text: 'x' }],
      ['/webhook/ingest', { message_id: 'x', phoneNumber: '+5511999990001', text: 'x'.repeat(5000) }],
      ['/webhook/ingest', Buffer.alloc(70 * 1024, 'a')],
      ['/webhook/ingest', Buffer.from([0xff, 0xfe, 0x00, 0x7b])],
      ['/hooks/template-fired', { phoneNumber: '+5511999990001' }],
      ['/hooks/template-fired', '{{{'],
      ['/webhook/whatsapp', Buffer.alloc(3 * 1024 * 1024 + 10, 'a')],
    ];
    for (const [i, [path, body]] of corpus.entries()) {
      const res = await t.post(path, body, key(i));
      expect(res.status, `${path} #${i}`).toBeGreaterThanOrEqual(400);
      expect(res.status, `${path} #${i}`).toBeLessThan(500);
      expect(res.body.error.code, `${path} #${i}`).toMatch(/^(request\.|auth\.)/);
    }
    const large = await t.post('/webhook/ingest', Buffer.alloc(70 * 1024, 'a'), key(99));
    expect(large.status).toBe(413);
    // Odd but valid unicode is accepted and stored as sent.
    const odd = '👍🏽 não\u0000 ؏ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 \u202e';
    const ok = await t.post('/webhook/ingest', ingestBody(odd, '+5511977770002'), key(100));
    expect(ok.status).toBe(200);
    const conv = await t.get('/sessions/5511977770002/conversation');
    expect(conv.body.messages[0].text).toBe(odd);
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
  });

  it('when an ops endpoint is called without the bearer token or with a wrong one, then 401; health stays public', async () => {
    for (const path of [
      '/sessions/5511977770001/state',
      '/sessions/5511977770001/conversation',
      '/sessions/5511977770001/pending-actions',
      '/debug/dynamo/tables',
      '/metrics/sessions',
      '/metrics',
    ]) {
      expect((await t.get(path, null)).status, path).toBe(401);
      expect((await t.get(path, 'wrong-token-wrong-token')).status, path).toBe(401);
    }
    expect((await t.get('/healthz', null)).body).toEqual({ status: 'ok' });
    expect((await t.get('/readyz', null)).body).toEqual({ status: 'ready' });
  });

  it('when ops endpoints are called with the token, then they answer with real figures', async () => {
    const tables = await t.get('/debug/dynamo/tables');
    expect(tables.body.tables.find((x: { name: string }) => x.name.endsWith('Idempotency'))).toMatchObject({
      status: 'ACTIVE',
      ttl: { attribute: 'ttl', status: 'ENABLED' },
      gsis: [{ name: 'pending-index', status: 'ACTIVE' }],
    });
    const figures = await t.get('/metrics/sessions');
    expect(figures.body.messages_in).toBeGreaterThan(0);
    expect(figures.body.turn_latency_ms.p50).toBeGreaterThan(0);
    expect(figures.body.open_pending_actions).toEqual({ staged: 0, confirmed: 0, executing: 0 });
    const prom = await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${t.config.OPS_TOKEN}` } });
    const text = await prom.text();
    expect(text).toContain('orchestrator_messages_in_total{provider="ingest"}');
    expect(text).toContain('orchestrator_turn_latency_ms{quantile="0.99"}');
    expect((await t.get('/sessions/5599999999999/state')).status).toBe(404);
    expect((await t.get('/sessions/not-a-phone/state')).status).toBe(400);
  });

  it('when messages flow, then no log line holds a phone number in clear, and none at info holds message text', async () => {
    await t.post('/webhook/ingest', ingestBody('segredo clínico do paciente', '+5511977770003'), { 'X-Idempotency-Key': 'log-1' });
    const raw = t.lines.map((l) => JSON.stringify(l)).join('\n');
    expect(raw).not.toMatch(/5511977770003|5511999990001/);
    const info = t.lines
      .filter((l) => l.level !== 'debug')
      .map((l) => JSON.stringify(l))
      .join('\n');
    expect(info).not.toContain('segredo clínico');
    expect(info).not.toContain('eco: segredo');
  });
});
