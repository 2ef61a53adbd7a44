/**
 * Flux control: the registered tables and their dependency graph, the pending approvals with
 * Approve / Reject, and the schedules by status — the same flux use-cases as `POST /flux/approve`
 * and `/flux/reject`, with the console session as the approver, recorded in the privacy audit.
 */
import { z } from 'zod';
import { handle } from '../routes/http.js';
import { SCHEDULE_STATUSES, requestIdOf, type StoredApproval, type StoredSchedule, type StoredTable } from '../routes/ops-views.js';
import { dependencyGraph } from './flux-graph.js';
import { html, type Html } from './html.js';
import { backTo, consoleActorOf, csrfField, listTable, notices, refusalOf, sectionPage, signedInOf, when } from './layout.js';
import type { Section } from './section.js';

const PATH = '/console/flux';
const SHOWN = 50;
const listQuery = z.object({ status: z.enum(SCHEDULE_STATUSES).optional().catch(undefined) });
const approvalId = z.string().trim().min(1).max(64);
/** The confirmation of a destructive decision is a box ticked in the form itself, so it holds without JavaScript too. */
const decisionForm = {
  approve: z.object({}),
  reject: z.object({ confirm: z.literal('on', { error: 'tick "final for these partitions" to reject: a rejection cannot be undone' }) }),
};

const partitionsOf = (values: Record<string, string> | undefined) =>
  Object.entries(values ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(', ') || '—';

/** Pure: a schedule's due time, result or error, in one cell. */
function outcomeOf(s: StoredSchedule): Html {
  if (s.error) return html`<span class="error-text">${s.error}</span>`;
  if (s.status === 'pending') return html`due ${when(s.due_time)}`;
  if (s.status === 'waiting_approval') return html`approval <code>${s.approval_id ?? '?'}</code>`;
  if (s.workflow_id) return html`workflow <a href="/console/workflows/${encodeURIComponent(s.workflow_id)}">${s.workflow_id}</a>`;
  return html`${s.manual ? `manual run by ${s.manual.user}` : ''}`;
}

function approvalsPart(approvals: StoredApproval[], waiting: Map<string, StoredSchedule>, csrf: string): Html {
  if (!approvals.length) return html`<p class="muted">No approval is pending.</p>`;
  return listTable(
    ['Table / task', 'Partitions', 'Requested', 'Decision'],
    approvals.map((a) => {
      const action = `${PATH}/approvals/${encodeURIComponent(a.id)}`;
      return html`<tr data-approval-id="${a.id}">
        <td>
          <b>${a.table}</b> / ${a.task}
          <div class="muted">schedule <code>${a.task_schedule_id}</code></div>
        </td>
        <td>${partitionsOf(waiting.get(a.task_schedule_id)?.partitions)}</td>
        <td>${when(a.requested_at)}</td>
        <td>
          <div class="decision">
            <form method="post" action="${action}/approve">${csrfField(csrf)}<button type="submit">Approve</button></form>
            <form method="post" action="${action}/reject">
              ${csrfField(csrf)}
              <label class="check" title="A later trigger for the same partitions opens no new approval"
                ><input type="checkbox" name="confirm" required /> final for these partitions</label
              >
              <button type="submit" class="danger">Reject ${a.table} / ${a.task}</button>
            </form>
          </div>
        </td>
      </tr>`;
    }),
  );
}

function schedulesPart(schedules: StoredSchedule[], status: string | undefined): Html {
  const link = (s?: string) => (s ? `${PATH}?status=${s}#schedules` : `${PATH}#schedules`);
  return html`<nav class="filters" aria-label="schedule status">
      <a href="${link()}" ${status ? '' : html` aria-current="true"`}>all</a>${SCHEDULE_STATUSES.map(
        (s) => html`<a href="${link(s)}" ${s === status ? html` aria-current="true"` : ''}>${s}</a>`,
      )}
    </nav>
    ${
      schedules.length
        ? listTable(
            ['Schedule', 'Table / task', 'Partitions', 'Status', 'Due / result', 'Updated'],
            schedules.map(
              (s) =>
                html`<tr data-schedule-id="${s.id}">
                  <td><code title="${s.id}">${s.id.slice(-8)}</code></td>
                  <td><b>${s.table}</b> / ${s.task}</td>
                  <td>${partitionsOf(s.partitions)}</td>
                  <td><span class="badge ${s.status}">${s.status}</span></td>
                  <td>${outcomeOf(s)}</td>
                  <td>${when(s.updated_at)}</td>
                </tr>`,
            ),
          )
        : html`<p class="muted">No schedules here.</p>`
    }`;
}

function tablesPart(tables: StoredTable[]): Html {
  if (!tables.length) return html``;
  return listTable(
    ['Table', 'Needs', 'Tasks', 'Approval', 'Last change'],
    tables.map(
      (t) =>
        html`<tr>
          <td><b>${t.name}</b>${t.description ? html`<div class="muted">${t.description}</div>` : ''}</td>
          <td>${t.dependencies.map((d) => `${d.table}${d.is_required ? '' : ' (optional)'}`).join(', ') || '—'}</td>
          <td>${t.tasks.map((k) => `${k.alias} → ${k.executor}`).join(', ') || '—'}</td>
          <td>${t.requires_approval ? 'required' : '—'}</td>
          <td>${t.last_modified_by} · ${when(t.last_modified_at)}</td>
        </tr>`,
    ),
  );
}

export const fluxSection: Section = {
  id: 'flux',
  title: 'Flux control',
  path: PATH,
  mount(router, ctx) {
    const { flux } = ctx.views;

    router.get(
      PATH,
      handle(async (req, res) => {
        const q = listQuery.parse(req.query);
        const [tables, approvals, waiting, schedules] = await Promise.all([
          flux.listTables(),
          flux.approvals('pending', SHOWN),
          flux.schedules('waiting_approval', SHOWN),
          flux.schedules(q.status, SHOWN),
        ]);
        const waitingById = new Map(waiting.map((s) => [s.id, s]));
        const body = html`<h1>Flux control</h1>
          ${notices(req.query)}
          <h2 id="approvals">Pending approvals</h2>
          ${approvalsPart(approvals, waitingById, signedInOf(res).csrf)}
          <h2 id="schedules">Schedules</h2>
          ${schedulesPart(schedules, q.status)}
          <h2 id="tables">Tables</h2>
          <figure class="chart">
            <figcaption>Dependencies (upstream → dependent; dashed: optional; outlined: needs approval; amber: waiting for one)</figcaption>
            ${dependencyGraph(tables, new Set(waiting.map((s) => s.table)))}
          </figure>
          ${tablesPart(tables)}`;
        sectionPage(res, { nav: ctx.nav, current: 'flux', title: 'Flux control', body });
      }),
    );

    for (const decision of ['approve', 'reject'] as const)
      router.post(
        `${PATH}/approvals/:id/${decision}`,
        handle(async (req, res) => {
          const id = approvalId.parse(req.params.id);
          const actor = consoleActorOf(res);
          const form = decisionForm[decision].safeParse(req.body ?? {});
          if (!form.success) return backTo(req, res, PATH, { error: form.error.issues.map((i) => i.message).join('; ') });
          try {
            // The approver recorded on the approval is the console session, as the audit names it.
            const answer = await flux[decision](id, actor.id);
            await ctx.views.audit({
              actor,
              action: `flux.${decision}`,
              requestId: requestIdOf(res),
              details: { approvalId: id, taskScheduleId: answer.task_schedule_id, via: 'console' },
            });
            backTo(req, res, PATH, { notice: `${answer.message} (schedule ${answer.task_schedule_id})` });
          } catch (error) {
            backTo(req, res, PATH, { error: refusalOf(error) });
          }
        }),
      );
  },
};
