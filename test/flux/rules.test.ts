import { describe, expect, it } from 'vitest';
import { debounceKey, dependencyLookup, findCycle, reportPartitions, syncValues, templateContext } from '../../src/flux/rules.js';
import { renderParams } from '../../src/flux/templates.js';
import { tableInputSchema } from '../../src/flux/model.js';

const table = (t: Record<string, unknown>) => tableInputSchema.parse(t);
const MONTH = { name: 'ano_mes_referencia', type: 'int', is_required: true, sync_column: true };

/** The pure trigger rules and templates. */
describe('flux rules', () => {
  it('when the graph has a cycle through the table, then it is named from the table back to itself', () => {
    const deps: Record<string, string[]> = { a: ['b'], b: ['c', 'd'], c: [], d: ['a'] };
    expect(findCycle('a', (n) => deps[n])).toEqual(['a', 'b', 'd', 'a']);
    expect(findCycle('c', (n) => deps[n])).toBeNull();
  });

  it('when a report carries partitions, then sync values come from the dependent’s sync partitions only and key the debounce', () => {
    const d = table({ name: 'd', partitions: [MONTH, { name: 'regiao', sync_column: false }] });
    const values = syncValues(d, { ano_mes_referencia: '202401', regiao: 'sp', lote: '7' });
    expect(values).toEqual({ ano_mes_referencia: '202401' });
    expect(debounceKey('d', 'load', values)).toBe('d#load#ano_mes_referencia=202401');
    expect(debounceKey('d', 'load', { ano_mes_referencia: '202402' })).not.toBe(debounceKey('d', 'load', values));
  });

  it('when a dependency syncs on more partitions than the trigger carries, then its lookup is partial', () => {
    const dep = table({ name: 'x', partitions: [MONTH, { name: 'regiao', sync_column: true }] });
    expect(dependencyLookup(dep, { ano_mes_referencia: '202401' })).toEqual({ values: { ano_mes_referencia: '202401' }, exact: false });
    expect(dependencyLookup(dep, { ano_mes_referencia: '202401', regiao: 'sp' }).exact).toBe(true);
  });

  it('when an int partition is not a number, then the report names that problem', () => {
    expect(reportPartitions(table({ name: 'a', partitions: [MONTH] }), [{ partition_name: 'ano_mes_referencia', value: 'jan' }])).toEqual([
      { path: 'partitions.0.value', message: 'partition ano_mes_referencia is an int' },
    ]);
  });

  it("when the seed's template is rendered, then `| int - 1` computes and the partitions of every dependency are reachable", () => {
    const d = table({ name: 'd', partitions: [MONTH], tasks: [{ alias: 't', executor: 'e' }] });
    const context = templateContext({
      table: d,
      task: d.tasks[0],
      executor: { method: 'http', identification: 'http://x' },
      trigger: null,
      dependencies: { a: { ano_mes_referencia: '202403' }, b: { ano_mes_referencia: '202403', regiao: 'sp' }, opt: {} },
      values: { ano_mes_referencia: '202403' },
    });
    expect(renderParams('{"mes": {{ partitions.ano_mes_referencia | int - 1 }}, "r": "{{ partitions.b.regiao }}"}', context)).toEqual({
      ok: true,
      payload: { mes: 202402, r: 'sp' },
    });
  });

  it('when a template names an undefined variable or renders to non-JSON, then the error says so', () => {
    expect(renderParams('{"x": "{{ nope.deeper }}"}', {})).toMatchObject({ ok: false, error: expect.stringMatching(/^template: /) });
    expect(renderParams('mes={{ m }}', { m: 1 })).toEqual({ ok: false, error: 'template: the rendered params are not JSON: mes=1' });
  });

  it('when a value holds markup, then it is rendered as is (autoescape off)', () => {
    expect(renderParams({ q: '{{ v }}' }, { v: 'a<b & c>d' })).toEqual({ ok: true, payload: { q: 'a<b & c>d' } });
  });
});
