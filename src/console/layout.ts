/** The page frame (head, navigation, sign-out) and small shared fragments of the console's pages. */
import type { Request, Response } from 'express';
import { AppError } from '../kernel/errors.js';
import { html, type Html } from './html.js';
import type { ConsoleSession } from './auth.js';

/** One entry of the navigation. */
export interface NavEntry {
  id: string;
  title: string;
  path: string;
}

/** What a signed-in request carries (set by the session guard). */
export interface SignedIn {
  session: ConsoleSession;
  csrf: string;
}

export const signedInOf = (res: Response): SignedIn => (res.locals as { console: SignedIn }).console;

// htmx: no inline <style> for its indicators (the CSP allows none) and no eval.
const HTMX_CONFIG = '{"includeIndicatorStyles":false,"allowEval":false,"allowScriptTags":false,"historyCacheSize":0}';

/** Pure: a whole page. `nav` absent: the sign-in page (no navigation, no sign-out). */
export function frame(p: { title: string; body: Html; nav?: { entries: NavEntry[]; current: string; csrf: string } }): Html {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="htmx-config" content="${HTMX_CONFIG}" />
        <meta name="referrer" content="no-referrer" />
        <title>${p.title} · ops console</title>
        <link rel="stylesheet" href="/console/assets/console.css" />
        <script src="/console/assets/htmx.min.js" defer></script>
      </head>
      <body hx-boost="true">
        <header class="top">
          <a class="brand" href="/console">ops console</a>
          ${
            p.nav
              ? html`<nav>
                    ${p.nav.entries.map((e) => html`<a href="${e.path}" ${p.nav!.current === e.id ? html` aria-current="page"` : ''}>${e.title}</a>`)}
                  </nav>
                  <form method="post" action="/console/sign-out" class="sign-out">
                    <input type="hidden" name="_csrf" value="${p.nav.csrf}" /><button type="submit">Sign out</button>
                  </form>`
              : ''
          }
        </header>
        <main>${p.body}</main>
      </body>
    </html>`;
}

/** Sends a page with the security headers of every console answer. */
export function sendPage(res: Response, page: Html, status = 200): void {
  res.status(status).type('html').send(page.text);
}

/** A signed-in page of the section `current`: the frame with the navigation, sent. */
export function sectionPage(res: Response, p: { nav: NavEntry[]; current: string; title: string; body: Html }, status = 200): void {
  sendPage(res, frame({ title: p.title, body: p.body, nav: { entries: p.nav, current: p.current, csrf: signedInOf(res).csrf } }), status);
}

/** Pure: a list table with a header row; each row is a `<tr>`. */
export function listTable(headers: string[], rows: Html[], className = 'list'): Html {
  return html`<table class="${className}">
    <thead>
      <tr>
        ${headers.map((h) => html`<th>${h}</th>`)}
      </tr>
    </thead>
    <tbody>
      ${rows}
    </tbody>
  </table>`;
}

/** A notice or error line carried in the query string after an action (escaped like everything). */
export function notices(query: Record<string, unknown>): Html {
  const notice = typeof query.notice === 'string' ? query.notice.slice(0, 300) : undefined;
  const error = typeof query.error === 'string' ? query.error.slice(0, 300) : undefined;
  return html`${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}${error ? html`<p class="error" role="alert">${error}</p>` : ''}`;
}

/** Pure: an ISO or epoch time in a short, readable UTC form. */
export function when(value: string | number | undefined | null): string {
  if (value === undefined || value === null) return '—';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toISOString().replace('T', ' ').slice(0, 19) + 'Z';
}

/** Pure: any value as compact, readable JSON (for results and errors). */
const json = (value: unknown): string => JSON.stringify(value, null, 2) ?? '—';

/** Pure: a value as JSON folded under `summary` (nothing when the value is undefined). */
export const folded = (summary: string, value: unknown): Html =>
  value === undefined
    ? html``
    : html`<details>
        <summary>${summary}</summary>
        <pre>${json(value)}</pre>
      </details>`;

/** A hidden CSRF field for a form. */
export const csrfField = (csrf: string) => html`<input type="hidden" name="_csrf" value="${csrf}" />`;

/** The console session as the actor recorded in workflow histories and in the privacy audit. */
export const consoleActorOf = (res: Response) => ({ id: `console:${signedInOf(res).session.sid.slice(0, 8)}`, name: 'ops console' });

/** After an action: back to `path` with a notice or the refusal's message (htmx follows HX-Redirect). */
export function backTo(req: Request, res: Response, path: string, outcome: { notice?: string; error?: string }): void {
  const param = outcome.error ? `error=${encodeURIComponent(outcome.error)}` : `notice=${encodeURIComponent(outcome.notice ?? '')}`;
  const to = `${path}${path.includes('?') ? '&' : '?'}${param}`;
  if (req.header('hx-request')) {
    res.setHeader('HX-Redirect', to);
    res.status(204).end();
    return;
  }
  res.redirect(303, to);
}

/** A refusal a person can act on: the use-case's message (validation issues joined); anything else is rethrown. */
export function refusalOf(error: unknown): string {
  if (error instanceof AppError) {
    const details = Array.isArray(error.details) ? (error.details as { message?: string }[]).map((d) => d.message).filter(Boolean) : [];
    return [error.message, ...details].join(': ');
  }
  throw error;
}
