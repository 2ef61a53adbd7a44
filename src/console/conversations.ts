/**
 * Conversations: recent sessions (newest activity first, through the sessions activity index),
 * search by phone, and a session as chat bubbles with delivery ticks, its state and its pending
 * actions with their status history. Phones are masked unless revealed (the reveal is logged).
 */
import type { Request, Response } from 'express';
import { z } from 'zod';
import { normalisePhone } from '../contracts/phone.js';
import { maskPhone } from '../kernel/logger.js';
import { handle } from '../routes/http.js';
import { requestIdOf, type PendingAction, type StoredEntry } from '../routes/ops-views.js';
import { html, type Html } from './html.js';
import { csrfField, folded, listTable, notices, sectionPage, sendPage, signedInOf, consoleActorOf, when } from './layout.js';
import type { Section, SectionContext } from './section.js';

const PATH = '/console/conversations';
const PAGE_SIZE = 25;
const MESSAGES_SHOWN = 200;
const sessionId = z.string().regex(/^\d{8,15}$/);
const listQuery = z.object({ cursor: z.string().max(500).optional(), phone: z.string().max(40).optional() });

const TICKS: Record<string, { mark: string; label: string }> = {
  pending: { mark: '🕓', label: 'queued' },
  sent: { mark: '✓', label: 'sent' },
  delivered: { mark: '✓✓', label: 'delivered' },
  read: { mark: '✓✓', label: 'read' },
  failed: { mark: '✗', label: 'failed' },
};

/** The lifecycle of a pending action, for its history line. */
const FINAL = new Set(['executed', 'failed', 'aborted', 'expired']);

const idOf = (req: Request) => {
  const parsed = sessionId.safeParse(req.params.id);
  return parsed.success ? parsed.data : null;
};

/** Pure: the ticks of an outbound message's delivery status. */
function ticks(entry: StoredEntry): Html {
  if (entry.role !== 'assistant') return html``;
  const tick = entry.outboxStatus ? TICKS[entry.outboxStatus] : undefined;
  if (!tick) return html``;
  return html`<span class="ticks ${entry.outboxStatus}" title="${tick.label}" data-status="${entry.outboxStatus}">${tick.mark} ${tick.label}</span>`;
}

/** Pure: the marks of what a message was besides text (media, a transcript, a template event). */
function marks(meta: Record<string, unknown>): Html {
  const out: Html[] = [];
  const media = meta.media as { kind?: unknown } | undefined;
  if (media) out.push(html`<span class="mark">📎 ${typeof media.kind === 'string' ? media.kind : 'media'}</span>`);
  if (meta.transcribed === true) out.push(html`<span class="mark">🎙 transcript</span>`);
  if (meta.transcribed === false)
    out.push(html`<span class="mark warn">🎙 not heard${typeof meta.notHeard === 'string' ? html`: ${meta.notHeard}` : ''}</span>`);
  if (meta.origin === 'template_fired') out.push(html`<span class="mark">📨 template ${typeof meta.template === 'string' ? meta.template : ''}</span>`);
  return html`${out}`;
}

function bubble(entry: StoredEntry): Html {
  const side = entry.role === 'user' ? 'inbound' : entry.role === 'assistant' ? 'outbound' : 'event';
  return html`<li class="bubble ${side}">
    <div class="text">${entry.text}</div>
    <div class="meta">${marks(entry.meta)} <time>${when(entry.at)}</time> ${ticks(entry)}</div>
  </li>`;
}

/** Pure: an action's status history, from the times its item records. */
function statusHistory(a: PendingAction): Html {
  const steps: { status: string; at?: number | string }[] = [{ status: 'staged', at: a.createdAt }];
  if (a.confirmedAt !== undefined) steps.push({ status: 'confirmed', at: a.confirmedAt });
  if (a.attempt > 0) steps.push({ status: `executing (attempt ${a.attempt})`, at: a.status === 'executing' ? a.updatedAt : undefined });
  if (FINAL.has(a.status)) steps.push({ status: a.status, at: a.updatedAt });
  return html`<ol class="status-history">
    ${steps.map((s) => html`<li><b>${s.status}</b> ${s.at === undefined ? '' : when(s.at)}</li>`)}
  </ol>`;
}

function pendingActions(actions: PendingAction[], openId: string | null): Html {
  if (!actions.length) return html`<p class="muted">No pending actions.</p>`;
  return html`<ul class="actions">
    ${actions
      .slice()
      .reverse()
      .map(
        (a) =>
          html`<li class="action status-${a.status}">
            <div>
              <span class="badge ${a.status}">${a.status}</span>${a.actionId === openId ? html` <span class="badge open">open</span>` : ''} <b>${a.kind}</b> ·
              ${a.call?.operation ?? ''}
            </div>
            <div class="description">${a.description}</div>
            ${statusHistory(a)}
            ${folded(['call', ...(a.result !== undefined ? ['result'] : []), ...(a.error !== undefined ? ['error'] : [])].join(', '), {
              call: a.call,
              result: a.result,
              error: a.error,
            })}
          </li>`,
      )}
  </ul>`;
}

/** Pure: one value of the state, readable (nested objects as nested lists). */
function value(v: unknown, depth = 0): Html {
  if (v === null || v === undefined || v === '') return html`<span class="muted">—</span>`;
  if (Array.isArray(v))
    return v.length
      ? depth > 1
        ? html`${JSON.stringify(v)}`
        : html`${v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join(', ')}`
      : html`<span class="muted">none</span>`;
  if (typeof v === 'object') {
    if (depth > 1) return html`<code>${JSON.stringify(v)}</code>`;
    return html`<dl>
      ${Object.entries(v as Record<string, unknown>).map(
        ([k, x]) =>
          html`<dt>${k}</dt>
            <dd>${value(x, depth + 1)}</dd>`,
      )}
    </dl>`;
  }
  return html`${typeof v === 'string' ? v : JSON.stringify(v)}`;
}

/** Keys of the state not shown: the phone (shown masked above) and the turn's scratch. */
const HIDDEN_STATE = new Set(['phone', 'sessionId', 'turn', 'schemaVersion']);

function stateView(state: unknown): Html {
  if (!state || typeof state !== 'object') return html`<p class="muted">No state.</p>`;
  const entries = Object.entries(state as Record<string, unknown>).filter(([k]) => !HIDDEN_STATE.has(k));
  return html`<div class="state">
    ${entries.map(
      ([k, v]) =>
        html`<section class="card">
          <h3>${k}</h3>
          ${value(v)}
        </section>`,
    )}
  </div>`;
}

/** The live part of a session page (polled): the chat and the pending actions. */
async function liveParts(ctx: SectionContext, id: string): Promise<Html> {
  const [entries, pending] = await Promise.all([ctx.views.conversation(id, { limit: MESSAGES_SHOWN }), ctx.views.pendingActions(id)]);
  return html`<div id="live" class="live" hx-get="${PATH}/${id}/live" hx-trigger="every 3s" hx-swap="outerHTML">
    <section class="chat-pane">
      <h2>Conversation</h2>
      ${
        entries.length
          ? html`<ol class="chat">
              ${entries.map(bubble)}
            </ol>`
          : html`<p class="muted">No messages.</p>`
      }
    </section>
    <section class="actions-pane">
      <h2>Pending actions</h2>
      ${pendingActions(pending.actions, pending.openActionId)}
    </section>
  </div>`;
}

async function sessionPage(ctx: SectionContext, req: Request, res: Response, id: string, revealed: boolean) {
  const { csrf } = signedInOf(res);
  const session = await ctx.views.session(id);
  const body = html`<p><a href="${PATH}">← Conversations</a></p>
    ${notices(req.query)}
    <h1 class="phone">${revealed ? id : maskPhone(id)}</h1>
    ${
      revealed
        ? ''
        : html`<form method="post" action="${PATH}/${id}/reveal" class="inline">${csrfField(csrf)}<button type="submit">Reveal phone</button></form>`
    }
    <p class="muted">${session ? html`version ${session.version} · last activity ${when(session.updatedAt)}` : 'No stored state (expired or never saved).'}</p>
    ${await liveParts(ctx, id)}
    <section>
      <h2>Current state</h2>
      ${session ? stateView(session.state) : ''}
    </section>`;
  sectionPage(res, { nav: ctx.nav, current: 'conversations', title: 'Conversation', body });
}

export const conversationsSection: Section = {
  id: 'conversations',
  title: 'Conversations',
  path: PATH,
  mount(router, ctx) {
    router.get(
      PATH,
      handle(async (req, res) => {
        const q = listQuery.safeParse(req.query);
        const query = q.success ? q.data : {};
        let searchNote: Html = html``;
        if (query.phone) {
          const id = normalisePhone(query.phone);
          if (id && (await ctx.views.session(id))) return res.redirect(303, `${PATH}/${id}`);
          searchNote = html`<p class="error" role="alert">No conversation for that phone.</p>`;
        }
        const page = await ctx.views.recentSessions({ limit: PAGE_SIZE, cursor: query.cursor });
        const body = html`<h1>Conversations</h1>
          <form method="get" action="${PATH}" class="search">
            <label>Phone <input name="phone" inputmode="tel" autocomplete="off" placeholder="+55 11 99999-0001" /></label><button type="submit">Find</button>
          </form>
          ${searchNote}
          ${
            page.sessions.length
              ? listTable(
                  ['Phone', 'Last activity'],
                  page.sessions.map(
                    (s) =>
                      html`<tr>
                        <td><a href="${PATH}/${s.sessionId}">${maskPhone(s.sessionId)}</a></td>
                        <td>${when(s.updatedAt)}</td>
                      </tr>`,
                  ),
                )
              : html`<p class="muted">No conversations yet.</p>`
          }
          <p class="pager">
            ${query.cursor ? html`<a href="${PATH}">Newest</a>` : ''}
            ${page.nextCursor ? html`<a href="${PATH}?cursor=${page.nextCursor}" rel="next">Older →</a>` : ''}
          </p>`;
        sectionPage(res, { nav: ctx.nav, current: 'conversations', title: 'Conversations', body });
      }),
    );

    router.get(
      `${PATH}/:id`,
      handle(async (req, res) => {
        const id = idOf(req);
        if (!id) return res.redirect(303, `${PATH}?error=${encodeURIComponent('not a session id')}`);
        await ctx.views.audit({ actor: consoleActorOf(res), action: 'console.conversation.read', sessionId: id, requestId: requestIdOf(res) });
        await sessionPage(ctx, req, res, id, false);
      }),
    );

    router.get(
      `${PATH}/:id/live`,
      handle(async (req, res) => {
        const id = idOf(req);
        if (!id) return res.status(404).end();
        sendPage(res, await liveParts(ctx, id));
      }),
    );

    // Revealing a phone is an action (CSRF-checked), recorded in the privacy audit with who did it.
    router.post(
      `${PATH}/:id/reveal`,
      handle(async (req, res) => {
        const id = idOf(req);
        if (!id) return res.redirect(303, PATH);
        const actor = consoleActorOf(res);
        await ctx.views.audit({ actor, action: 'console.phone.reveal', sessionId: id, requestId: requestIdOf(res) });
        ctx.logger.info('console phone revealed', { actor: actor.id, sessionId: id });
        await sessionPage(ctx, req, res, id, true);
      }),
    );
  },
};
