/**
 * Health at a glance: the tables (status, items, TTL), the outbox backlog, open pending actions,
 * and the turn figures since start drawn as server-rendered SVG bars (no script, nothing fetched).
 */
import { handle } from '../routes/http.js';
import { html, type Html } from './html.js';
import { listTable, sectionPage } from './layout.js';
import type { Section } from './section.js';

const PATH = '/console/health';

/** Pure: a horizontal bar chart of labelled values as inline SVG. */
function barChart(title: string, bars: { label: string; value: number | null }[], unit = ''): Html {
  const width = 320;
  const row = 26;
  const labelWidth = 110;
  const max = Math.max(1, ...bars.map((b) => b.value ?? 0));
  const height = bars.length * row + 8;
  return html`<figure class="chart">
    <figcaption>${title}</figcaption>
    <svg viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="${title}">
      ${bars.map((b, i) => {
        const y = i * row + 4;
        const w = b.value === null ? 0 : Math.max(1, Math.round(((width - labelWidth - 70) * b.value) / max));
        return html`<text x="0" y="${y + 16}" class="label">${b.label}</text><rect x="${labelWidth}" y="${y + 4}" width="${w}" height="16" class="bar"></rect
          ><text x="${labelWidth + w + 6}" y="${y + 16}" class="value">${b.value === null ? '—' : `${Math.round(b.value * 10) / 10}${unit}`}</text>`;
      })}
    </svg>
  </figure>`;
}

export const healthSection: Section = {
  id: 'health',
  title: 'Health',
  path: PATH,
  mount(router, ctx) {
    router.get(
      PATH,
      handle(async (_req, res) => {
        const [tables, backlog, figures] = await Promise.all([ctx.views.tables(), ctx.views.outboxBacklog(), ctx.views.sessionMetrics()]);
        const latency = figures.turn_latency_ms;
        const body = html`<h1>Health</h1>
          <div class="cards">
            <section class="card">
              <h3>Outbox backlog</h3>
              <p class="figure">${backlog.unsent}${backlog.capped ? '+' : ''}</p>
              <p class="muted">replies not yet handed to the provider</p>
            </section>
            <section class="card">
              <h3>Open pending actions</h3>
              <p class="figure">${Object.values(figures.open_pending_actions).reduce((a, b) => a + b, 0)}</p>
              <p class="muted">
                ${Object.entries(figures.open_pending_actions)
                  .map(([s, n]) => `${s} ${n}`)
                  .join(' · ')}
              </p>
            </section>
            <section class="card">
              <h3>Turns failed</h3>
              <p class="figure">${figures.turns_failed}</p>
              <p class="muted">of ${figures.messages_in} messages since start</p>
            </section>
          </div>
          <div class="cards">
            ${barChart('Turn latency since start (ms)', [
              { label: 'p50', value: latency.p50 },
              { label: 'p95', value: latency.p95 },
              { label: 'p99', value: latency.p99 },
            ])}
            ${barChart('Messages since start', [
              { label: 'in', value: figures.messages_in },
              { label: 'replies', value: figures.replies_out },
              { label: 'duplicates', value: figures.duplicates_dropped },
              { label: 'conflicts', value: figures.conflicts_409 },
              { label: 'failed', value: figures.turns_failed },
            ])}
          </div>
          <h2>Tables</h2>
          ${listTable(
            ['Table', 'Status', 'Items', 'TTL', 'Indexes'],
            tables.map(
              (t) =>
                html`<tr>
                  <td>${t.name}</td>
                  <td><span class="badge ${t.status}">${t.status}</span></td>
                  <td>${t.item_count ?? '—'}</td>
                  <td>${t.ttl.attribute ?? '—'} ${t.ttl.status}</td>
                  <td>${t.gsis.map((g) => `${g.name} (${g.status})`).join(', ') || '—'}</td>
                </tr>`,
            ),
          )}
          <p class="muted">
            DynamoDB requests since start: ${figures.dynamodb_requests.requests}. Item counts are DynamoDB's (refreshed about every six hours).
          </p>`;
        sectionPage(res, { nav: ctx.nav, current: 'health', title: 'Health', body });
      }),
    );
  },
};
