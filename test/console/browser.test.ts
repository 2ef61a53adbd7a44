import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { metaImage, metaStatus, metaText, metaWebhookOf } from '../support/meta-payloads.js';
import { OPS_TOKEN } from '../support/service.js';
import { untilStatus } from '../support/workflows.js';
import { ANA_ID } from '../e2e/e2e.js';
import { startMetaE2E, type MetaE2E } from '../e2e/meta-e2e.js';

/**
 * The console in a real headless Chromium (the Debian package, driven by playwright-core; no
 * browser download): a scripted shift over the Meta channel, then sign-in, the conversation with
 * its bubbles, ticks and pending action, a workflow terminated and resumed, CSRF and CSP, the
 * rate limit. Each page is saved as a screenshot under .ci/screenshots/ (a CI artifact).
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = fileURLToPath(new URL('../../.ci/screenshots/', import.meta.url));
const MASKED_ANA = '*********0001';

describe('ops console in headless Chromium', () => {
  let e: MetaE2E;
  let browser: Browser;
  const cleanups: (() => Promise<void>)[] = [];

  const shot = (page: Page, name: string) => page.screenshot({ path: `${SHOTS}${name}.png`, fullPage: true });

  async function signedIn(context: BrowserContext): Promise<Page> {
    const page = await context.newPage();
    await page.goto(`${e.url}/console`);
    await page.getByLabel('Ops token').fill(OPS_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/console/conversations');
    return page;
  }

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    e = await startMetaE2E({ env: { WORKFLOW_POLL_MAX_MS: '50', CONSOLE_SIGNIN_MAX_FAILURES: '2' }, cleanup: (fn) => cleanups.push(fn) });
    // A scripted shift: presence, vital signs confirmed (a pending action executed), a photo, an XSS attempt.
    for (const text of ['cheguei', 'sim', 'PA 120x80 FC 78 FR 18 Sat 97 Temp 36,5 ar ambiente, paciente bem', 'sim'])
      await e.send(metaText(text, { from: ANA_ID }));
    await e.send(metaImage({ from: ANA_ID, caption: 'curativo' }));
    await e.send(metaText('<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2">', { from: ANA_ID }));
    const [first, second] = e.sender.sent;
    await e.deliver(
      metaWebhookOf({
        statuses: [
          metaStatus({ id: `rec.${first.outboxId}`, status: 'delivered', recipientId: ANA_ID }),
          metaStatus({ id: `rec.${second.outboxId}`, status: 'read', recipientId: ANA_ID }),
        ],
      }),
    );
    await vi.waitFor(async () => {
      const messages = (await e.get(`/sessions/${ANA_ID}/conversation?limit=50`)).body.messages as { meta: { delivery_status?: string } }[];
      expect(messages.map((m) => m.meta.delivery_status)).toContain('read');
      // The machine is shared: the status webhooks' turns may take longer than waitFor's default second.
    }, 10_000);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    cleanups.push(() => browser.close());
  });
  afterAll(async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn();
  });

  it('when the console is opened without signing in, then the sign-in form shows, under a CSP without inline scripts', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const res = await page.goto(`${e.url}/console/workflows`);
    expect(page.url()).toBe(`${e.url}/console/sign-in`);
    const csp = res!.headers()['content-security-policy'];
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    await expect(page.getByLabel('Ops token').isVisible()).resolves.toBe(true);
    await shot(page, 'sign-in');
    await context.close();
  });

  it('when an operator signs in and opens a conversation, then bubbles, delivery ticks, media, the executed action and the state show, and a <script> is text', async () => {
    const context = await browser.newContext();
    const page = await signedIn(context);
    await expect(page.getByRole('link', { name: MASKED_ANA }).isVisible()).resolves.toBe(true);
    await shot(page, 'conversations');

    await page.getByRole('link', { name: MASKED_ANA }).click();
    await page.waitForURL(`**/console/conversations/${ANA_ID}`);
    await shot(page, 'conversation');
    expect(await page.locator('.bubble.inbound').count()).toBeGreaterThanOrEqual(6);
    expect(await page.locator('.bubble.outbound').count()).toBeGreaterThanOrEqual(4);
    await expect(page.locator('.ticks[data-status="read"]').count()).resolves.toBe(1);
    await expect(page.locator('.ticks[data-status="delivered"]').count()).resolves.toBe(1);
    await expect(page.locator('.mark', { hasText: 'image' }).count()).resolves.toBe(1);
    const xss = page.locator('.bubble.inbound .text', { hasText: '<script>window.__xss = 1</script>' });
    await expect(xss.count()).resolves.toBe(1);
    expect(await page.evaluate(() => (globalThis as { __xss?: number }).__xss)).toBeUndefined();
    const saved = page.locator('li.action', { hasText: 'clinico.save' });
    await expect(saved.locator('.badge.executed').count()).resolves.toBe(1);
    expect(await saved.locator('.status-history').innerText()).toMatch(/staged[\s\S]*confirmed[\s\S]*executing[\s\S]*executed/);
    await expect(page.locator('li.action', { hasText: 'clinico.note' }).locator('.badge.open').count()).resolves.toBe(1);
    expect(await page.locator('.state').innerText()).toContain('patientFirstName');
    await expect(page.locator('h1.phone').innerText()).resolves.toBe(MASKED_ANA);

    await page.getByRole('button', { name: 'Reveal phone' }).click();
    await page.locator('h1.phone', { hasText: ANA_ID }).waitFor();
    expect(e.lines.some((l) => l.message === 'console phone revealed')).toBe(true);

    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${e.url}/console/conversations/${ANA_ID}`);
    await shot(page, 'conversation-phone');
    await context.close();
  });

  it('when an operator terminates a waiting workflow and resumes it, then the run page follows it to COMPLETED by itself', async () => {
    const started = await e.post(
      '/workflows',
      { type: 'order', input: { order_id: 'BROWSER-1', items: [{ sku: 'A', quantity: 2, price: 3 }], _demo: { waitStep: 'SaveResults', signal: 'approve' } } },
      { authorization: `Bearer ${OPS_TOKEN}` },
    );
    const id = started.body.workflowId as string;
    await untilStatus(e.service.workflows, id, ['WAITING']);

    const context = await browser.newContext();
    const page = await signedIn(context);
    await page.getByRole('link', { name: 'Workflows' }).click();
    await page.getByRole('link', { name: 'WAITING' }).click();
    await page.getByRole('link', { name: id }).click();
    await page.waitForURL(`**/console/workflows/${encodeURIComponent(id)}`);
    await page.locator('#run-status', { hasText: 'WAITING' }).waitFor();
    expect(await page.locator('tr.step-completed').count()).toBe(3);
    await shot(page, 'workflow-waiting');

    await page.getByLabel('Reason').fill('stuck waiting for approval');
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Terminate' }).click();
    await page.locator('#run-status', { hasText: 'TERMINATED' }).waitFor();
    await expect(page.locator('.notice', { hasText: 'stuck waiting for approval' }).count()).resolves.toBe(1);
    expect((await e.service.workflows.service.get(id)).terminateReason).toBe('stuck waiting for approval');

    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByLabel('From step').selectOption('SaveResults');
    await page.getByRole('button', { name: 'Resume' }).click();
    // The page polls while the new run runs, and stops at its end.
    await page.locator('#run-status', { hasText: 'COMPLETED' }).waitFor({ timeout: 20_000 });
    expect(await page.locator('#run').getAttribute('hx-trigger')).toBeNull();
    expect(await page.locator('ol.history').innerText()).toContain('WorkflowExecutionStarted');
    await shot(page, 'workflow-completed');
    await context.close();
  });

  it('when a POST carries no CSRF token, then the console answers 403 and changes nothing', async () => {
    const context = await browser.newContext();
    const page = await signedIn(context);
    const status = await page.evaluate(async () => {
      const res = await fetch('/console/workflows/order:BROWSER-1/resume', { method: 'POST', body: new URLSearchParams({ fromStep: 'ValidateInput' }) });
      return res.status;
    });
    expect(status).toBe(403);
    expect((await e.service.workflows.service.get('order:BROWSER-1')).runNumber).toBe(2);
    await context.close();
  });

  it('when an operator approves a flux task, then its schedule moves from waiting_approval to pending on the page', async () => {
    const auth = { authorization: `Bearer ${OPS_TOKEN}` };
    const month = [{ name: 'anomes', type: 'int', is_required: true, sync_column: true }];
    // The task's target is never called: an hour of debounce keeps the approved schedule pending.
    expect((await e.post('/flux/task_executor', { alias: 'publish', method: 'http', identification: 'http://127.0.0.1:9/run' }, auth)).status).toBe(201);
    const tables = await e.post(
      '/flux/tables',
      {
        data: [
          { name: 'tbl_vendas', partitions: month },
          { name: 'tbl_estoque', partitions: month },
          {
            name: 'tbl_consolidado',
            requires_approval: true,
            partitions: month,
            dependencies: [
              { table: 'tbl_vendas', is_required: true },
              { table: 'tbl_estoque', is_required: true },
            ],
            tasks: [{ alias: 'publicar', executor: 'publish', debounce_seconds: 3600 }],
          },
          { name: 'tbl_painel', partitions: month, dependencies: [{ table: 'tbl_consolidado', is_required: true }] },
        ],
        user: 'ana',
      },
      auth,
    );
    expect(tables.status).toBe(201);
    for (const table of ['tbl_vendas', 'tbl_estoque'])
      await e.post(
        '/flux/register_execution',
        { data: [{ table_name: table, partitions: [{ partition_name: 'anomes', value: '202411' }], source: 'glue' }], user: 'ana' },
        auth,
      );
    const [schedule] = (await e.get('/flux/task-schedules?status=waiting_approval')).body.data as { id: string }[];

    const context = await browser.newContext();
    const page = await signedIn(context);
    await page.getByRole('link', { name: 'Flux control' }).click();
    await page.waitForURL('**/console/flux');
    const row = page.locator(`tr[data-schedule-id="${schedule.id}"]`);
    await expect(row.locator('.badge').innerText()).resolves.toBe('waiting_approval');
    await expect(page.locator('.graph svg g.node').count()).resolves.toBe(4);
    await expect(page.locator('.graph g.node.waiting').getAttribute('data-table')).resolves.toBe('tbl_consolidado');
    await shot(page, 'console-flux');

    await page.locator('tr[data-approval-id]').getByRole('button', { name: 'Approve' }).click();
    await page.locator('.notice', { hasText: 'Task approved successfully.' }).waitFor();
    await expect(row.locator('.badge').innerText()).resolves.toBe('pending');
    await expect(page.locator('tr[data-approval-id]').count()).resolves.toBe(0);
    expect((await e.get(`/flux/task-schedules/${schedule.id}`)).body).toMatchObject({ status: 'pending' });
    await context.close();
  });

  it('when the health and tables pages are opened, then they render figures and the table definitions', async () => {
    const context = await browser.newContext();
    const page = await signedIn(context);
    await page.getByRole('link', { name: 'Health' }).click();
    await page.locator('figure.chart svg').first().waitFor();
    await expect(page.locator('td', { hasText: /OrchestratorSessions$/ }).count()).resolves.toBe(1);
    await expect(page.locator('#circuits .badge.closed').count()).resolves.toBe(6);
    await expect(page.locator('figure[data-chart="Turn latency per minute"] .line.mean').count()).resolves.toBeGreaterThan(0);
    await shot(page, 'health');
    await page.getByRole('link', { name: 'Tables' }).click();
    await page.locator('td', { hasText: 'activity-index' }).waitFor();
    await shot(page, 'tables');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/console/sign-in');
    await page.goto(`${e.url}/console/tables`);
    expect(page.url()).toBe(`${e.url}/console/sign-in`);
    await context.close();
  });

  it('when wrong tokens pass the limit, then the sign-in page refuses even the right one', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    for (const token of ['wrong-token-aaaaaaaaaa', 'wrong-token-bbbbbbbbbb', OPS_TOKEN]) {
      await page.goto(`${e.url}/console/sign-in`);
      await page.getByLabel('Ops token').fill(token);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.locator('.error').waitFor();
    }
    await expect(page.locator('.error').innerText()).resolves.toContain('Too many wrong tokens');
    expect(e.lines.filter((l) => l.level === 'warn' && String(l.message).startsWith('console sign-in refused')).length).toBe(3);
    await shot(page, 'sign-in-limited');
    await context.close();
  });
});
