import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recentParams } from '../../src/infra/stores/session-store.js';
import { consoleClient } from '../support/console.js';
import { ingestBody, OPS_TOKEN, startTestService, type TestService } from '../support/service.js';
import { untilStatus } from '../support/workflows.js';

/** The console's doors over HTTP: sign-in, session cookie, CSRF, expiry, the rate limit, escaping; the JSON API keeps its bearer token. */
describe('ops console routes', () => {
  let t: TestService;
  const say = (text: string, phone = '+5511999990001') =>
    t.post('/webhook/ingest', ingestBody(text, phone), { 'X-Idempotency-Key': randomBytes(6).toString('hex') });
  const startWaitingOrder = async (orderId: string) => {
    const res = await t.post(
      '/workflows',
      { type: 'order', input: { order_id: orderId, items: [{ sku: 'A', quantity: 1, price: 2 }], _demo: { waitStep: 'SaveResults', signal: 'approve' } } },
      { authorization: `Bearer ${OPS_TOKEN}` },
    );
    expect(res.status).toBe(201);
    await untilStatus(t.service.workflows, res.body.workflowId, ['WAITING']);
    return res.body.workflowId as string;
  };

  beforeAll(async () => {
    t = await startTestService({
      env: { WORKFLOW_POLL_MAX_MS: '50', CONSOLE_SESSION_MINUTES: '60', CONSOLE_SIGNIN_MAX_FAILURES: '3', CONSOLE_SIGNIN_WINDOW_SECONDS: '600' },
    });
  });
  afterAll(() => t?.stop());

  it('when a console page is opened without signing in, then it redirects to the sign-in form', async () => {
    const c = consoleClient(t.url);
    for (const path of [
      '/console',
      '/console/conversations',
      '/console/workflows',
      '/console/health',
      '/console/tables',
      '/console/conversations/5511999990001',
    ]) {
      const res = await c.get(path);
      expect(res.status, path).toBe(303);
      expect(res.headers.get('location'), path).toBe('/console/sign-in');
    }
  });

  it('when the assets are requested, then htmx and the stylesheet come from the service itself and no other name is served', async () => {
    const c = consoleClient(t.url);
    const htmx = await c.get('/console/assets/htmx.min.js');
    expect(htmx.status).toBe(200);
    expect(htmx.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(htmx.text).toContain('htmx');
    expect((await c.get('/console/assets/console.css')).headers.get('content-type')).toMatch(/^text\/css/);
    for (const name of ['constructor', '__proto__', 'nope.js']) expect((await c.get(`/console/assets/${name}`)).status, name).not.toBe(200);
  });

  it('when the ops token is posted with the form, then an HttpOnly SameSite=Strict session cookie with an expiry is set, Secure only over https', async () => {
    const c = consoleClient(t.url);
    const res = await c.signIn();
    expect(res.status).toBe(303);
    const cookie = res.headers.getSetCookie().find((l) => l.startsWith('console_session='))!;
    expect(cookie).toMatch(/; Max-Age=3600; HttpOnly; SameSite=Strict$/);
    expect((await c.get('/console/conversations')).status).toBe(200);

    const secure = consoleClient(t.url);
    const form = await secure.get('/console/sign-in');
    const viaProxy = await secure.post('/console/sign-in', { _csrf: secure.csrfOf(form.text), token: OPS_TOKEN }, { 'x-forwarded-proto': 'https' });
    expect(viaProxy.headers.getSetCookie().find((l) => l.startsWith('console_session='))).toMatch(/; Secure$/);
  });

  it('when the sign-in form is posted without its CSRF token, then 403 and no session', async () => {
    const c = consoleClient(t.url);
    await c.get('/console/sign-in');
    const res = await c.post('/console/sign-in', { token: OPS_TOKEN });
    expect(res.status).toBe(403);
    expect(c.jar.has('console_session')).toBe(false);
  });

  it('when a signed-in POST lacks its CSRF token or carries another, then 403 and the workflow keeps waiting', async () => {
    const id = await startWaitingOrder('CSRF-1');
    const c = consoleClient(t.url);
    await c.signIn();
    const other = consoleClient(t.url);
    await other.signIn();
    const foreign = other.csrfOf((await other.get('/console/workflows')).text);
    expect((await c.post(`/console/workflows/${id}/terminate`, { reason: 'no token' })).status).toBe(403);
    expect((await c.post(`/console/workflows/${id}/terminate`, { reason: 'wrong token', _csrf: foreign })).status).toBe(403);
    expect(t.lines.some((l) => l.level === 'warn' && String(l.message).includes('CSRF'))).toBe(true);
    expect((await t.service.workflows.service.get(id)).status).toBe('WAITING');
  });

  it('when Terminate is posted with the CSRF token and a reason, then the workflow stops and its history names the console session', async () => {
    const id = await startWaitingOrder('TERM-1');
    const c = consoleClient(t.url);
    await c.signIn();
    const page = await c.get(`/console/workflows/${id}`);
    expect(page.text).toContain('Terminate');
    const res = await c.post(`/console/workflows/${id}/terminate`, { reason: 'ops test', _csrf: c.csrfOf(page.text) });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toContain(`/console/workflows/${encodeURIComponent(id)}?notice=`);
    const view = await untilStatus(t.service.workflows, id, ['TERMINATED']);
    expect(view.terminateReason).toBe('ops test');
    const history = await t.service.workflows.service.history(id);
    expect(JSON.stringify(history.events)).toMatch(/"actor":\{"id":"console:[\w-]{8}","name":"ops console"\}/);
  });

  it('when the session expires, then pages redirect to the sign-in form again', async () => {
    const c = consoleClient(t.url);
    await c.signIn();
    expect((await c.get('/console/workflows')).status).toBe(200);
    t.clock.advance(61 * 60_000);
    const res = await c.get('/console/workflows');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/console/sign-in');
  });

  it('when signed out, then the cookie is cleared and pages redirect to the sign-in form', async () => {
    const c = consoleClient(t.url);
    await c.signIn();
    const page = await c.get('/console/tables');
    expect(page.text).toContain('OrchestratorSessions');
    const out = await c.post('/console/sign-out', { _csrf: c.csrfOf(page.text) });
    expect(out.status).toBe(303);
    expect(c.jar.has('console_session')).toBe(false);
    expect((await c.get('/console/tables')).status).toBe(303);
  });

  it('when a caregiver writes <script>, then the session page shows it as text under a CSP without inline scripts, and the list masks phones', async () => {
    expect((await say('<script>window.__xss = 1</script><img src=x onerror=alert(1)>', '+5511977770001')).status).toBe(200);
    const c = consoleClient(t.url);
    await c.signIn();
    const page = await c.get('/console/conversations/5511977770001');
    expect(page.status).toBe(200);
    expect(page.text).toContain('&lt;script&gt;window.__xss = 1&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(page.text).not.toContain('<script>window');
    expect(page.text).not.toMatch(/<script>(?!<\/script>)/);
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    const list = await c.get('/console/conversations');
    expect(list.text).toContain('*********0001');
    expect(list.text).not.toContain('>5511977770001<');
  });

  it('when a conversation is opened, its phone revealed and a workflow terminated in the console, then each is in the privacy audit with the console session as actor', async () => {
    const startedAt = Date.now() - 1000;
    expect((await say('oi', '+5511977770002')).status).toBe(200);
    const c = consoleClient(t.url);
    await c.signIn();
    const page = await c.get('/console/conversations/5511977770002');
    expect((await c.post('/console/conversations/5511977770002/reveal', { _csrf: c.csrfOf(page.text) })).text).toContain('5511977770002');
    const id = await startWaitingOrder('AUDIT-1');
    const run = await c.get(`/console/workflows/${id}`);
    expect((await c.post(`/console/workflows/${id}/terminate`, { reason: 'audit test', _csrf: c.csrfOf(run.text) })).status).toBe(303);
    const bySubject = await t.get('/privacy/audit?subject=5511977770002&limit=50');
    const actions = (bySubject.body.entries as { action: string; actor: { id: string } }[])
      .filter((e) => e.actor.id.startsWith('console:'))
      .map((e) => e.action);
    expect(actions).toEqual(['console.conversation.read', 'console.phone.reveal']);
    const since = new Date(startedAt).toISOString();
    const recent = await t.get(`/privacy/audit?since=${encodeURIComponent(since)}&limit=200`);
    const terminated = (recent.body.entries as { action: string; actor: { id: string }; details?: { workflowId?: string; via?: string } }[]).filter(
      (e) => e.action === 'workflow.terminate' && e.details?.workflowId === id,
    );
    expect(terminated).toEqual([
      expect.objectContaining({
        actor: expect.objectContaining({ id: expect.stringMatching(/^console:/) }),
        details: expect.objectContaining({ via: 'console' }),
      }),
    ]);
  });

  it('when a phone is searched, then its conversation opens; an unknown phone says so', async () => {
    await say('oi', '+5511977770002');
    const c = consoleClient(t.url);
    await c.signIn();
    const found = await c.get(`/console/conversations?phone=${encodeURIComponent('(11) 97777-0002')}`);
    expect(found.status).toBe(303);
    expect(found.headers.get('location')).toBe('/console/conversations/5511977770002');
    const missing = await c.get('/console/conversations?phone=11900000000');
    expect(missing.text).toContain('No conversation for that phone.');
  });

  it('when sessions are listed, then they come newest activity first through the activity index, in pages', async () => {
    for (const phone of ['+5511966660001', '+5511966660002', '+5511966660003']) {
      t.clock.advance(1_000);
      await say('oi', phone);
    }
    const first = await t.service.stores.sessions.listRecent(2);
    expect(first.sessions.map((s) => s.sessionId)).toEqual(['5511966660003', '5511966660002']);
    const second = await t.service.stores.sessions.listRecent(2, first.next);
    expect(second.sessions[0].sessionId).toBe('5511966660001');
    expect(recentParams('x', 0, 2)).toMatchObject({ IndexName: 'activity-index', ScanIndexForward: false });
  });

  it('when the JSON ops API is called, then the bearer token still opens it and a console cookie does not', async () => {
    await say('oi', '+5511977770003');
    expect((await t.get('/sessions/5511977770003/state')).status).toBe(200);
    const c = consoleClient(t.url);
    await c.signIn();
    expect((await c.get('/sessions/5511977770003/state')).status).toBe(401);
  });

  it('when wrong tokens pass the limit, then the IP gets 429 even with the right token, logged at warn, until the window ends', async () => {
    const c = consoleClient(t.url);
    for (let i = 0; i < 3; i++) expect((await c.signIn('wrong-token-0123456789')).status).toBe(401);
    const blocked = await c.signIn();
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(c.jar.has('console_session')).toBe(false);
    expect(t.lines.filter((l) => l.level === 'warn' && String(l.message).startsWith('console sign-in refused')).length).toBeGreaterThanOrEqual(4);
    expect(JSON.stringify(t.lines)).not.toContain('wrong-token-0123456789');
    t.clock.advance(601_000);
    expect((await c.signIn()).status).toBe(303);
  });
});
