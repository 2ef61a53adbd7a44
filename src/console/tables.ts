/** Tables: the definitions of tables.ts (keys, indexes, TTL) with their physical names. */
import { html } from './html.js';
import { listTable, sectionPage } from './layout.js';
import type { Section } from './section.js';

const PATH = '/console/tables';

const key = (k: { name: string; type: string } | undefined) => (k ? `${k.name} (${k.type})` : '—');

export const tablesSection: Section = {
  id: 'tables',
  title: 'Tables',
  path: PATH,
  mount(router, ctx) {
    router.get(PATH, (_req, res) => {
      const body = html`<h1>Tables</h1>
        ${ctx.views.tableDefinitions().map(
          ({ key: id, name, def }) =>
            html`<section class="card table-def">
              <h2>${name}</h2>
              <dl>
                <dt>definition</dt>
                <dd><code>${id}</code></dd>
                <dt>partition key</dt>
                <dd>${key(def.partitionKey)}</dd>
                <dt>sort key</dt>
                <dd>${key(def.sortKey)}</dd>
                <dt>TTL attribute</dt>
                <dd>${def.ttlAttribute ?? '—'}</dd>
              </dl>
              ${
                def.indexes.length
                  ? listTable(
                      ['Index', 'Partition key', 'Sort key', 'Projection'],
                      def.indexes.map(
                        (i) =>
                          html`<tr>
                            <td>${i.name}</td>
                            <td>${key(i.partitionKey)}</td>
                            <td>${key(i.sortKey)}</td>
                            <td>${i.include === undefined ? 'all' : i.include.length ? `keys + ${i.include.join(', ')}` : 'keys only'}</td>
                          </tr>`,
                      ),
                    )
                  : html`<p class="muted">No secondary indexes.</p>`
              }
            </section>`,
        )}`;
      sectionPage(res, { nav: ctx.nav, current: 'tables', title: 'Tables', body });
    });
  },
};
