import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleClient } from '../support/console.js';
import { month, MONTH_PARTITION, startTarget, type Target } from '../support/flux.js';
import { metaText, metaWebhookOf, newWamid, serialiseLikeMeta, signMetaBody } from '../support/meta-payloads.js';
import { APP_SECRET, ingestBody, OPS_TOKEN, startTestService, type TestService } from '../support/service.js';

/** The Flux control page (approvals through the flux use-cases) and Health's backlogs, sweeps, breakers and last hour, over HTTP. */
describe('ops console: flux control and health', () => {
  let t: TestService;
  let peer: Target;
  const auth = { authorization: `Bearer ${OPS_TOKEN}` };

  /** A report of the origin for `value` (a month): the approval-gated dependent waits for approval. */
  async function waitingApproval(value: string) {
    const reported = await t.post(
      '/flux/register_execution',
      { data: [{ table_name: 'tb_origem', partitions: month(value), source: 'glue' }], user: 'ana' },
      auth,
    );
    expect(reported.status).toBe(201);
    const schedules = (await t.get('/flux/task-schedules?status=waiting_approval')).body.data as { id: string; partitions: Record<string, string> }[];
    const schedule = schedules.find((s) => s.partitions.ano_mes_referencia === value)!;
    const approvals = (await t.get('/flux/approval-status?status=pending')).body.data as { id: string; task_schedule_id: string }[];
    return { schedule, approval: approvals.find((a) => a.task_schedule_id === schedule.id)! };
  }
  const scheduleOf = async (id: string) => (await t.get(`/flux/task-schedules/${id}`)).body as { status: string; due_time?: string };
  const approvalOf = async (id: string) =>
    ((await t.get('/flux/approval-status')).body.data as { id: string; status: string; approver_name?: string }[]).find((a) => a.id === id)!;
  async function signedIn() {
    const c = consoleClient(t.url);
    await c.signIn();
    const page = await c.get('/console/flux');
    return { c, page, csrf: c.csrfOf(page.text) };
  }

  beforeAll(async () => {
    peer = await startTarget();
    t = await startTestService({ overrides: { fluxSweepIntervalMs: null } });
    expect((await t.post('/flux/task_executor', { alias: 'api', method: 'http', identification: peer.url }, auth)).status).toBe(201);
    const tables = await t.post(
      '/flux/tables',
      {
        data: [
          { name: 'tb_origem', partitions: [MONTH_PARTITION] },
          { name: 'tb_lateral', partitions: [MONTH_PARTITION] },
          {
            name: 'tb_destino',
            requires_approval: true,
            partitions: [MONTH_PARTITION],
            dependencies: [
              { table: 'tb_origem', is_required: true },
              { table: 'tb_lateral', is_required: false },
            ],
            // An hour of debounce: an approved schedule stays pending for the whole test.
            tasks: [{ alias: 'carga', executor: 'api', params: '{}', debounce_seconds: 3600 }],
          },
          { name: 'tb_relatorio', partitions: [MONTH_PARTITION], dependencies: [{ table: 'tb_destino', is_required: true }] },
        ],
        user: 'ana',
      },
      auth,
    );
    expect(tables.status).toBe(201);
  });
  afterAll(async () => {
    await t?.stop();
    await peer?.close();
  });

  it('when the flux page or a decision is requested without signing in, then it redirects to the sign-in form and the approval stays pending', async () => {
    const { approval } = await waitingApproval('202401');
    const c = consoleClient(t.url);
    for (const res of [await c.get('/console/flux'), await c.post(`/console/flux/approvals/${approval.id}/approve`, {})]) {
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/console/sign-in');
    }
    expect((await approvalOf(approval.id)).status).toBe('pending');
  });

  it("when Approve or Reject is posted without the CSRF token or with another session's, then 403 and the approval stays pending", async () => {
    const { approval, schedule } = await waitingApproval('202402');
    const { c } = await signedIn();
    const other = await signedIn();
    for (const decision of ['approve', 'reject']) {
      expect((await c.post(`/console/flux/approvals/${approval.id}/${decision}`, {})).status).toBe(403);
      expect((await c.post(`/console/flux/approvals/${approval.id}/${decision}`, { _csrf: other.csrf })).status).toBe(403);
    }
    expect((await approvalOf(approval.id)).status).toBe('pending');
    expect((await scheduleOf(schedule.id)).status).toBe('waiting_approval');
  });

  it('when the page is opened, then it lists the pending approval with Approve and a confirmed Reject, the schedules by status, and draws the dependency graph', async () => {
    const { approval, schedule } = await waitingApproval('202403');
    const { c, page } = await signedIn();
    expect(page.status).toBe(200);
    expect(page.text).toContain(`data-approval-id="${approval.id}"`);
    expect(page.text).toMatch(
      new RegExp(`action="/console/flux/approvals/${approval.id}/reject">[^]*?name="confirm" required[^]*?Reject tb_destino / carga</button>`),
    );
    expect(page.text).toContain('ano_mes_referencia=202403');
    for (const table of ['tb_origem', 'tb_lateral', 'tb_destino', 'tb_relatorio']) expect(page.text).toContain(`data-table="${table}"`);
    expect(page.text.match(/class="edge required"/g)).toHaveLength(2);
    expect(page.text.match(/class="edge optional"/g)).toHaveLength(1);
    expect(page.text).toMatch(/<g class="node approval waiting" data-table="tb_destino">/);

    const waiting = await c.get('/console/flux?status=waiting_approval');
    expect(waiting.text).toContain(`data-schedule-id="${schedule.id}"`);
    const completed = await c.get('/console/flux?status=completed');
    expect(completed.text).not.toContain(`data-schedule-id="${schedule.id}"`);
    expect(completed.text).toContain('No schedules here.');
  });

  it('when Approve is posted, then the schedule becomes pending, the approval names the console session, and the privacy audit records it', async () => {
    const since = new Date(t.clock.now() - 1000).toISOString();
    const { approval, schedule } = await waitingApproval('202404');
    const { c, csrf } = await signedIn();
    const res = await c.post(`/console/flux/approvals/${approval.id}/approve`, { _csrf: csrf });
    expect(res.status).toBe(303);
    expect(decodeURIComponent(res.headers.get('location')!)).toBe(`/console/flux?notice=Task approved successfully. (schedule ${schedule.id})`);
    expect(await scheduleOf(schedule.id)).toMatchObject({ status: 'pending', due_time: new Date(t.clock.now() + 3_600_000).toISOString() });
    expect((await approvalOf(approval.id)).approver_name).toMatch(/^console:[\w-]{8}$/);
    const audit = await t.get(`/privacy/audit?since=${encodeURIComponent(since)}&limit=200`);
    const entries = (audit.body.entries as { action: string; actor: { id: string }; details?: Record<string, unknown> }[]).filter(
      (e) => e.action === 'flux.approve' && e.details?.approvalId === approval.id,
    );
    expect(entries).toEqual([
      expect.objectContaining({
        actor: expect.objectContaining({ id: (await approvalOf(approval.id)).approver_name }),
        details: expect.objectContaining({ taskScheduleId: schedule.id, via: 'console' }),
      }),
    ]);
    expect((await c.get('/console/flux?status=pending')).text).toContain(`data-schedule-id="${schedule.id}"`);
  });

  it('when Reject is posted without its confirmation box ticked, then the page says why and the approval stays pending', async () => {
    const { approval, schedule } = await waitingApproval('202407');
    const { c, csrf } = await signedIn();
    const res = await c.post(`/console/flux/approvals/${approval.id}/reject`, { _csrf: csrf });
    expect(res.status).toBe(303);
    const page = await c.get(res.headers.get('location')!);
    expect(page.text).toContain('tick &quot;final for these partitions&quot; to reject');
    expect((await approvalOf(approval.id)).status).toBe('pending');
    expect((await scheduleOf(schedule.id)).status).toBe('waiting_approval');
  });

  it('when Reject is posted, then the schedule is rejected for good: a later report of the same month opens no new approval', async () => {
    const { approval, schedule } = await waitingApproval('202405');
    const { c, csrf } = await signedIn();
    expect((await c.post(`/console/flux/approvals/${approval.id}/reject`, { _csrf: csrf, confirm: 'on' })).status).toBe(303);
    expect((await scheduleOf(schedule.id)).status).toBe('rejected');
    expect((await approvalOf(approval.id)).status).toBe('rejected');
    await t.post('/flux/register_execution', { data: [{ table_name: 'tb_origem', partitions: month('202405'), source: 'glue' }], user: 'ana' }, auth);
    const waiting = (await t.get('/flux/task-schedules?status=waiting_approval')).body.data as { partitions: Record<string, string> }[];
    expect(waiting.filter((s) => s.partitions.ano_mes_referencia === '202405')).toEqual([]);
  });

  it('when an approval already approved elsewhere is rejected in the console, then the page shows the conflict as a readable message and nothing changes', async () => {
    const { approval, schedule } = await waitingApproval('202406');
    expect((await t.post('/flux/approve', { approval_status_id: approval.id, user: 'bruno' }, auth)).status).toBe(200);
    const { c, csrf } = await signedIn();
    const res = await c.post(`/console/flux/approvals/${approval.id}/reject`, { _csrf: csrf, confirm: 'on' });
    expect(res.status).toBe(303);
    const page = await c.get(res.headers.get('location')!);
    expect(page.status).toBe(200);
    expect(page.text).toContain(`<p class="error" role="alert">approval ${approval.id} was already approved by bruno</p>`);
    expect((await scheduleOf(schedule.id)).status).toBe('pending');
    expect((await approvalOf(approval.id)).approver_name).toBe('bruno');
  });

  it('when a message is stranded in the inbox and a reply in the outbox, then Health counts both backlogs, and after a recovery sweep it shows what the sweep took over', async () => {
    const health = async () => (await signedIn()).c.get('/console/health');
    const figureOf = (page: string, id: string) => new RegExp(`id="${id}">\\s*<h3>[^<]+</h3>\\s*<p class="figure">(\\d+)`).exec(page)?.[1];
    const deliver = async (text: string, from: string) => {
      const raw = serialiseLikeMeta(metaWebhookOf({ messages: [metaText(text, { from, id: newWamid() })] }));
      expect((await t.post('/webhook/whatsapp', raw, { 'X-Hub-Signature-256': signMetaBody(raw, APP_SECRET) })).status).toBe(200);
      await t.service.queue.idle();
    };
    // A reply whose send fails stays unsent; a turn that throws leaves its message in the inbox.
    t.sender.willReturn(new Error('provider down'));
    await deliver('oi', '5511955550001');
    t.test.control.throwNext = 1;
    await deliver('órfã', '5511955550002');

    const before = (await health()).text;
    expect(figureOf(before, 'outbox-backlog')).toBe('1');
    expect(figureOf(before, 'inbox-backlog')).toBe('1');
    expect(before).toMatch(/ok; last\s+none yet/);

    t.clock.advance(10 * 60_000);
    expect(await t.service.sweep()).toEqual({ inboxTaken: 1, outboxSent: 1 });
    await t.service.queue.idle();
    const after = (await health()).text;
    expect(figureOf(after, 'outbox-backlog')).toBe('0');
    expect(figureOf(after, 'inbox-backlog')).toBe('0');
    expect(figureOf(after, 'recovery')).toBe('2');
    expect(after).toContain('inbox 1 · outbox 1');
    expect(after).toContain(new Date(t.clock.now()).toISOString().replace('T', ' ').slice(0, 19) + 'Z');
  });

  it('when turns ran, then Health draws the last hour minute by minute and says which backends have no breaker', async () => {
    const { c } = await signedIn();
    for (const key of ['hour-1', 'hour-2']) await t.post('/webhook/ingest', ingestBody('oi', '+5511955550003'), { 'X-Idempotency-Key': key });
    const page = await c.get('/console/health');
    expect(page.status).toBe(200);
    expect(page.text).toContain('data-chart="Turn latency per minute"');
    expect(page.text).toContain('data-chart="Turns per minute"');
    expect(page.text).toMatch(/<polyline points="[\d., ]+" class="line mean">|<circle [^>]*class="line mean">/);
    expect(page.text).toMatch(/Last hour: \d+ turns, \d+ failed, mean latency \d+ ms \(\d+ of 60 minutes sampled, this instance\)\./);
    expect(page.text).toContain('These backends have no breaker');
  });
});
