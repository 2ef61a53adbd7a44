/**
 * Workflows: the list by status or type, and a run page (steps, attempts, results, errors, history)
 * that refreshes itself while the run is running, with Terminate, Resume and Signal — the same
 * WorkflowService calls as the JSON API, recorded with the console session as the actor.
 */
import { z } from 'zod';
import { AppError } from '../kernel/errors.js';
import { handle } from '../routes/http.js';
import { JOURNEY_STATUSES, isFinished, requestIdOf, type Actor, type HistoryEvent, type WorkflowView } from '../routes/ops-views.js';
import { html, type Html } from './html.js';
import { backTo, csrfField, folded, listTable, notices, refusalOf, sectionPage, sendPage, signedInOf, consoleActorOf, when } from './layout.js';
import type { Section, SectionContext } from './section.js';

const PATH = '/console/workflows';
const listQuery = z.object({
  status: z.enum(JOURNEY_STATUSES).optional().catch(undefined),
  type: z.string().min(1).max(64).optional().catch(undefined),
  cursor: z.string().max(2_000).optional().catch(undefined),
});
const workflowId = z.string().min(1).max(200);
const terminateForm = z.object({ reason: z.string().trim().min(1, 'give a reason').max(500), compensate: z.literal('on').optional() });
const resumeForm = z.object({ fromStep: z.string().max(64).optional() });
const signalForm = z.object({ name: z.string().trim().min(1, 'give a signal name').max(64), payload: z.string().max(10_000).optional() });
const HISTORY_SHOWN = 500;

const runPath = (id: string) => `${PATH}/${encodeURIComponent(id)}`;

function steps(view: WorkflowView): Html {
  return listTable(
    ['Step', 'Status', 'Attempts', 'Result / error'],
    view.steps.map(
      (s) =>
        html`<tr class="step-${s.status}">
          <td>${s.name}${s.seededFrom ? html` <span class="muted">(from run ${s.seededFrom.slice(-6)})</span>` : ''}</td>
          <td><span class="badge ${s.status}">${s.status}</span></td>
          <td>${s.attempts}</td>
          <td>${s.error ? html`<span class="error-text">${s.error}</span>` : ''}${folded('result', s.result)}</td>
        </tr>`,
    ),
    'list steps',
  );
}

function history(events: HistoryEvent[]): Html {
  return html`<ol class="history">
    ${events.map((e) => html`<li><time>${when(e.eventTimestamp)}</time> <b>${e.eventType}</b> <code>${JSON.stringify(e.attributes)}</code></li>`)}
  </ol>`;
}

function actions(view: WorkflowView, csrf: string): Html {
  const running = !isFinished(view.status);
  const resumable = ['FAILED', 'TERMINATED', 'COMPENSATION_FAILED'].includes(view.status);
  const id = view.workflowId;
  return html`<section class="run-actions">
    ${
      running
        ? html`<form method="post" action="${runPath(id)}/terminate" hx-confirm="Terminate this workflow?" class="card">
              ${csrfField(csrf)}
              <h3>Terminate</h3>
              <label>Reason <input name="reason" required maxlength="500" /></label>
              <label class="check"><input type="checkbox" name="compensate" /> compensate completed steps</label>
              <button type="submit" class="danger">Terminate</button>
            </form>
            <form method="post" action="${runPath(id)}/signal" class="card">
              ${csrfField(csrf)}
              <h3>Signal</h3>
              <label>Name <input name="name" required maxlength="64" value="${view.waiting?.signal ?? ''}" /></label>
              <label>Payload (JSON, optional) <input name="payload" maxlength="10000" /></label>
              <button type="submit">Send signal</button>
            </form>`
        : ''
    }
    ${
      resumable
        ? html`<form method="post" action="${runPath(id)}/resume" hx-confirm="Start a new run of this workflow?" class="card">
            ${csrfField(csrf)}
            <h3>Resume</h3>
            <label
              >From step
              <select name="fromStep">
                ${view.steps.map((s) => html`<option value="${s.name}" ${s.name === (view.failedStep ?? '') ? html` selected` : ''}>${s.name}</option>`)}
              </select></label
            >
            <button type="submit">Resume</button>
          </form>`
        : ''
    }
  </section>`;
}

/** The part of the run page that refreshes itself (every 2 s until the run finishes). */
async function runPart(ctx: SectionContext, id: string, csrf: string): Promise<Html> {
  const view = await ctx.views.workflows.get(id);
  const events = await ctx.views.workflows.history(id, { limit: HISTORY_SHOWN });
  const live = !isFinished(view.status);
  return html`<div id="run" data-status="${view.status}" ${live ? html` hx-get="${runPath(id)}/live" hx-trigger="every 2s" hx-swap="outerHTML"` : ''}>
    <h1>${view.workflowId}</h1>
    <p>
      <span class="badge ${view.status}" id="run-status">${view.status}</span> ${view.type} · run ${view.runNumber} <code>${view.runId}</code> · started
      ${when(view.createdAt)} · updated ${when(view.updatedAt)}
    </p>
    ${view.error ? html`<p class="error">${view.failedStep ? html`${view.failedStep}: ` : ''}${view.error}</p>` : ''}
    ${view.terminateReason ? html`<p class="notice">Terminated: ${view.terminateReason}</p>` : ''}
    ${view.waiting ? html`<p class="notice">Waiting for signal <b>${view.waiting.signal}</b> in ${view.waiting.step}${view.waiting.until ? html` until ${when(view.waiting.until)}` : ''}</p>` : ''}
    ${actions(view, csrf)}
    <h2>Steps</h2>
    ${steps(view)} ${folded('Input', view.input ?? null)} ${folded('Result', view.result)}
    <h2>History</h2>
    ${history(events.events)}
  </div>`;
}

export const workflowsSection: Section = {
  id: 'workflows',
  title: 'Workflows',
  path: PATH,
  mount(router, ctx) {
    router.get(
      PATH,
      handle(async (req, res) => {
        const q = listQuery.parse(req.query);
        const status = q.status ?? (q.type ? undefined : 'RUNNING');
        const page = await ctx.views.workflows.list({ status, type: q.type, cursor: q.cursor, limit: 50 });
        const types = ctx.views.workflows.types().map((t) => t.type);
        const link = (s?: string, t?: string) => `${PATH}?${new URLSearchParams({ ...(s ? { status: s } : {}), ...(t ? { type: t } : {}) }).toString()}`;
        const body = html`<h1>Workflows</h1>
          <nav class="filters" aria-label="status">
            ${JOURNEY_STATUSES.map((s) => html`<a href="${link(s, q.type)}" ${s === status ? html` aria-current="true"` : ''}>${s}</a>`)}
          </nav>
          <nav class="filters" aria-label="type">
            <a href="${link(status)}" ${q.type ? '' : html` aria-current="true"`}>any type</a>${types.map(
              (t) => html`<a href="${link(status, t)}" ${t === q.type ? html` aria-current="true"` : ''}>${t}</a>`,
            )}
          </nav>
          ${
            page.workflows.length
              ? listTable(
                  ['Workflow', 'Type', 'Status', 'Updated'],
                  page.workflows.map(
                    (w) =>
                      html`<tr>
                        <td>
                          <a href="${runPath(w.workflowId)}">${w.workflowId}</a
                          >${w.error ? html`<div class="error-text">${w.failedStep ?? ''} ${w.error}</div>` : ''}
                        </td>
                        <td>${w.type}</td>
                        <td><span class="badge ${w.status}">${w.status}</span></td>
                        <td>${when(w.updatedAt)}</td>
                      </tr>`,
                  ),
                )
              : html`<p class="muted">No workflows here.</p>`
          }
          ${page.nextCursor ? html`<p class="pager"><a href="${PATH}?${new URLSearchParams({ ...(status ? { status } : {}), ...(q.type ? { type: q.type } : {}), cursor: page.nextCursor }).toString()}" rel="next">More →</a></p>` : ''}`;
        sectionPage(res, { nav: ctx.nav, current: 'workflows', title: 'Workflows', body });
      }),
    );

    router.get(
      `${PATH}/:id`,
      handle(async (req, res) => {
        const { csrf } = signedInOf(res);
        const id = workflowId.parse(req.params.id);
        const body = html`<p><a href="${PATH}">← Workflows</a></p>
          ${notices(req.query)}${await runPart(ctx, id, csrf)}`;
        sectionPage(res, { nav: ctx.nav, current: 'workflows', title: id, body });
      }),
    );

    router.get(
      `${PATH}/:id/live`,
      handle(async (req, res) => {
        sendPage(res, await runPart(ctx, workflowId.parse(req.params.id), signedInOf(res).csrf));
      }),
    );

    /** One action: the form parsed, one WorkflowService call, back to the run page. */
    function action<S extends z.ZodType>(
      verb: string,
      schema: S,
      call: (id: string, form: z.infer<S>, actor: Actor) => Promise<{ status: string }>,
      done: string,
    ) {
      router.post(
        `${PATH}/:id/${verb}`,
        handle(async (req, res) => {
          const id = workflowId.parse(req.params.id);
          const form = schema.safeParse(req.body);
          if (!form.success) return backTo(req, res, runPath(id), { error: form.error.issues.map((i) => i.message).join('; ') });
          try {
            const ref = await call(id, form.data, consoleActorOf(res));
            await ctx.views.audit({
              actor: consoleActorOf(res),
              action: `workflow.${verb}`,
              requestId: requestIdOf(res),
              details: { workflowId: id, status: ref.status, via: 'console' },
            });
            backTo(req, res, runPath(id), { notice: `${done} (${ref.status})` });
          } catch (error) {
            backTo(req, res, runPath(id), { error: refusalOf(error) });
          }
        }),
      );
    }
    action(
      'terminate',
      terminateForm,
      (id, form, actor) => ctx.views.workflows.terminate(id, { reason: form.reason, compensate: form.compensate === 'on' }, actor),
      'Terminated',
    );
    action('resume', resumeForm, (id, form, actor) => ctx.views.workflows.resume(id, { fromStep: form.fromStep || undefined }, actor), 'Resumed');
    action(
      'signal',
      signalForm,
      (id, form, actor) => {
        let payload: unknown;
        if (form.payload?.trim()) {
          try {
            payload = JSON.parse(form.payload);
          } catch {
            throw new AppError('request.invalid', 'the payload is not valid JSON');
          }
        }
        return ctx.views.workflows.signal(id, { name: form.name, payload }, actor);
      },
      'Signal sent',
    );
  },
};
