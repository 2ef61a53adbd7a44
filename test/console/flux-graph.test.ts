import { describe, expect, it } from 'vitest';
import { dependencyGraph, layoutGraph, type GraphTable } from '../../src/console/flux-graph.js';

const table = (name: string, deps: [string, boolean][] = [], extra: Partial<GraphTable> = {}): GraphTable => ({
  name,
  requires_approval: false,
  tasks: [],
  dependencies: deps.map(([t, required]) => ({ table: t, is_required: required })),
  ...extra,
});

describe('flux dependency graph', () => {
  it('when tables depend on each other, then each sits one column right of its deepest upstream table', () => {
    const { nodes, edges } = layoutGraph([
      table('c', [
        ['a', true],
        ['b', false],
      ]),
      table('a'),
      table('b', [['a', true]]),
      table('d', [['c', true]]),
    ]);
    expect(Object.fromEntries(nodes.map((n) => [n.name, n.level]))).toEqual({ a: 0, b: 1, c: 2, d: 3 });
    expect(edges).toContainEqual({ from: 'b', to: 'c', required: false });
    expect(edges).toHaveLength(4);
  });

  it('when a column has several tables, then they are ordered by their upstream rows, then by name', () => {
    const { nodes } = layoutGraph([table('z'), table('a'), table('from-z', [['z', true]]), table('from-a', [['a', true]])]);
    const rows = Object.fromEntries(nodes.map((n) => [n.name, n.row]));
    expect(rows).toEqual({ a: 0, z: 1, 'from-a': 0, 'from-z': 1 });
  });

  it('when a dependency is not registered or a cycle slipped in, then the layout still ends: the missing table is marked and the cycle is cut', () => {
    const { nodes } = layoutGraph([table('x', [['gone', true]]), table('p', [['q', true]]), table('q', [['p', true]])]);
    expect(nodes.find((n) => n.name === 'gone')).toMatchObject({ missing: true, level: 0 });
    expect(nodes.find((n) => n.name === 'x')?.level).toBe(1);
    expect(
      nodes
        .filter((n) => n.name === 'p' || n.name === 'q')
        .map((n) => n.level)
        .sort(),
    ).toEqual([1, 2]);
  });

  it('when the graph is drawn, then every name is escaped text in the SVG and a table waiting for approval is marked', () => {
    const svg = dependencyGraph([table('a'), table('b', [['a', true]], { requires_approval: true, tasks: [{ alias: 'carga' }] })], new Set(['b'])).text;
    expect(svg).toContain('<g class="node approval waiting" data-table="b">');
    expect(svg).toContain('▶ carga · approval');
    expect(svg.match(/class="edge required"/g)).toHaveLength(1);
    expect(dependencyGraph([table('<b>')]).text).toContain('&lt;b&gt;');
    expect(dependencyGraph([]).text).toContain('No tables registered.');
  });
});
