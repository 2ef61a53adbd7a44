/**
 * Health at a glance: the tables (status, items, TTL), the inbox and outbox backlogs, open pending
 * actions, the recovery sweeps, the backends' circuit breakers, and the turn figures (the last hour
 * minute by minute, and since start) drawn as server-rendered SVG (no script, nothing fetched).
 */
import { handle } from '../routes/http.js';
import type { MinutePoint } from '../routes/ops-views.js';
import { html, type Html } from './html.js';
import { listTable, sectionPage, when } from './layout.js';
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

interface LastHourSpec {
  title: string;
  series: { key: 'meanLatencyMs' | 'p95LatencyMs' | 'turns' | 'failed'; label: string; className: string }[];
  kind: 'line' | 'bars';
  unit?: string;
}

const LAST_HOUR_CHARTS: LastHourSpec[] = [
  {
    title: 'Turn latency per minute',
    series: [
      { key: 'meanLatencyMs', label: 'mean', className: 'mean' },
      { key: 'p95LatencyMs', label: 'p95 (10 min window)', className: 'p95' },
    ],
    kind: 'line',
    unit: ' ms',
  },
  {
    title: 'Turns per minute',
    series: [
      { key: 'turns', label: 'committed', className: 'turns' },
      { key: 'failed', label: 'failed', className: 'failed' },
    ],
    kind: 'bars',
  },
];

/** Pure: the last hour, one slot a minute, as lines (gaps where a minute has no value) or side-by-side bars. */
function lastHourChart({ title, series, kind, unit = '' }: LastHourSpec, points: readonly (MinutePoint | null)[]): Html {
  const [width, height, left, bottom, top] = [900, 170, 56, 18, 8];
  const plotW = width - left - 4;
  const plotH = height - bottom - top;
  const slot = plotW / Math.max(1, points.length);
  const valueOf = (p: MinutePoint | null, k: LastHourSpec['series'][number]['key']) => (p ? p[k] : null);
  const max = Math.max(1, ...points.flatMap((p) => series.map((s) => valueOf(p, s.key) ?? 0)));
  const y = (v: number) => top + plotH - (plotH * v) / max;
  const x = (i: number) => left + i * slot;
  const round = (v: number) => Math.round(v * 10) / 10;

  const drawn = series.map((s, si) => {
    if (kind === 'bars') {
      const w = Math.max(1, slot / series.length - 1);
      return points.map((p, i) => {
        const v = valueOf(p, s.key);
        return v
          ? html`<rect
              x="${round(x(i) + si * (w + 0.5))}"
              y="${round(y(v))}"
              width="${round(w)}"
              height="${round(top + plotH - y(v))}"
              class="bar ${s.className}"
            ></rect>`
          : '';
      });
    }
    // Lines: one polyline per run of minutes with a value; a lone minute is a dot.
    const runs: { i: number; v: number }[][] = [[]];
    points.forEach((p, i) => {
      const v = valueOf(p, s.key);
      if (v === null) runs.push([]);
      else runs[runs.length - 1].push({ i, v });
    });
    return runs
      .filter((r) => r.length)
      .map((r) =>
        r.length === 1
          ? html`<circle cx="${round(x(r[0].i) + slot / 2)}" cy="${round(y(r[0].v))}" r="2" class="line ${s.className}"></circle>`
          : html`<polyline points="${r.map((p) => `${round(x(p.i) + slot / 2)},${round(y(p.v))}`).join(' ')}" class="line ${s.className}"></polyline>`,
      );
  });
  const ticks = [60, 45, 30, 15, 0].map((ago) => {
    const i = points.length - ago - 1;
    return ago
      ? html`<text x="${round(x(Math.max(0, i)))}" y="${height - 4}" class="tick">-${ago}m</text>`
      : html`<text x="${width - 4}" y="${height - 4}" class="tick" text-anchor="end">now</text>`;
  });
  return html`<figure class="chart wide" data-chart="${title}">
    <figcaption>${title} <span class="muted">(${series.map((s) => s.label).join(', ')})</span></figcaption>
    <svg viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="${title}">
      <line x1="${left}" y1="${top + plotH}" x2="${width - 4}" y2="${top + plotH}" class="axis"></line>
      <line x1="${left}" y1="${top}" x2="${left}" y2="${top + plotH}" class="axis"></line>
      <text x="0" y="${top + 10}" class="tick">${round(max)}${unit}</text>
      <text x="0" y="${top + plotH}" class="tick">0</text>
      ${ticks} ${drawn}
    </svg>
  </figure>`;
}

/** Pure: the last hour's totals in words (the charts' text equivalent). */
function lastHourSummary(points: readonly (MinutePoint | null)[]): string {
  const live = points.filter((p): p is MinutePoint => p !== null);
  const turns = live.reduce((a, p) => a + p.turns, 0);
  const failed = live.reduce((a, p) => a + p.failed, 0);
  const latencySum = live.reduce((a, p) => a + (p.meanLatencyMs ?? 0) * p.turns, 0);
  const mean = turns ? `, mean latency ${Math.round(latencySum / turns)} ms` : '';
  return `Last hour: ${turns} turns, ${failed} failed${mean} (${live.length} of ${points.length} minutes sampled, this instance).`;
}

export const healthSection: Section = {
  id: 'health',
  title: 'Health',
  path: PATH,
  mount(router, ctx) {
    router.get(
      PATH,
      handle(async (_req, res) => {
        const [tables, backlog, inbox, figures, recovery, hour] = await Promise.all([
          ctx.views.tables(),
          ctx.views.outboxBacklog(),
          ctx.views.inboxBacklog(),
          ctx.views.sessionMetrics(),
          ctx.views.recovery(),
          ctx.views.turnsLastHour(),
        ]);
        const circuits = ctx.views.circuits();
        const latency = figures.turn_latency_ms;
        const body = html`<h1>Health</h1>
          <div class="cards">
            <section class="card" id="outbox-backlog">
              <h3>Outbox backlog</h3>
              <p class="figure">${backlog.unsent}${backlog.capped ? '+' : ''}</p>
              <p class="muted">replies not yet handed to the provider${backlog.oldestSince ? html`; oldest since ${when(backlog.oldestSince)}` : ''}</p>
            </section>
            <section class="card" id="inbox-backlog">
              <h3>Inbox backlog</h3>
              <p class="figure">${inbox.pending}${inbox.capped ? '+' : ''}</p>
              <p class="muted">provider messages stored, turn not yet completed</p>
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
          <h2>Last hour</h2>
          <div class="cards">${LAST_HOUR_CHARTS.map((chart) => lastHourChart(chart, hour))}</div>
          <p class="muted" id="last-hour">${lastHourSummary(hour)}</p>
          <div class="cards">
            <section class="card" id="recovery">
              <h3>Recovery sweeps</h3>
              <p class="figure">${recovery.recovered.inbox + recovery.recovered.outbox}</p>
              <p class="muted">
                items taken over since start (inbox ${recovery.recovered.inbox} · outbox ${recovery.recovered.outbox}); ${recovery.runs.ok} sweeps
                ok${recovery.runs.failed ? html`, <span class="error-text">${recovery.runs.failed} failed</span>` : ''}; last
                ${recovery.lastSweepAt ? when(recovery.lastSweepAt) : 'none yet'}
              </p>
            </section>
            <section class="card" id="circuits">
              <h3>Backend circuit breakers</h3>
              ${
                circuits.length
                  ? html`<ul class="circuits">
                      ${circuits.map((c) => html`<li data-backend="${c.backend}">${c.backend} <span class="badge circuit ${c.state}">${c.state}</span></li>`)}
                    </ul>`
                  : html`<p class="muted">These backends have no breaker (a test double).</p>`
              }
            </section>
          </div>
          <h2>Since start</h2>
          <div class="cards">
            ${barChart('Turn latency, last 10 minutes (ms)', [
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
