/**
 * The flux tables' dependency graph as server-rendered SVG: tables in columns by level (a table
 * sits one column right of its deepest upstream table), edges from upstream to dependent. No
 * script and nothing fetched, so it renders offline under the console's CSP.
 */
import { html, type Html } from './html.js';

/** What the picture needs of a registered table. */
export interface GraphTable {
  name: string;
  requires_approval: boolean;
  tasks: readonly { alias: string }[];
  dependencies: readonly { table: string; is_required: boolean }[];
}

export interface GraphNode {
  name: string;
  /** Column: 0 for a table without upstream tables, else one more than its deepest upstream. */
  level: number;
  /** Position in its column, top first. */
  row: number;
  approval: boolean;
  tasks: string[];
  /** Named as a dependency but not registered (deleted since). */
  missing: boolean;
}

export interface GraphEdge {
  from: string;
  to: string;
  required: boolean;
}

/** Pure: the nodes in columns and rows, and the edges. A cycle (the registry refuses them) cannot loop: its back edge counts as level 0. */
export function layoutGraph(tables: readonly GraphTable[]): { nodes: GraphNode[]; edges: GraphEdge[] } {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const edges: GraphEdge[] = tables.flatMap((t) => t.dependencies.map((d) => ({ from: d.table, to: t.name, required: d.is_required })));
  const names = [...new Set([...tables.map((t) => t.name), ...edges.map((e) => e.from)])];
  const levels = new Map<string, number>();
  const visiting = new Set<string>();
  const levelOf = (name: string): number => {
    const known = levels.get(name);
    if (known !== undefined) return known;
    if (visiting.has(name)) return 0;
    visiting.add(name);
    const ups = byName.get(name)?.dependencies ?? [];
    const level = ups.length ? 1 + Math.max(...ups.map((d) => levelOf(d.table))) : 0;
    visiting.delete(name);
    levels.set(name, level);
    return level;
  };
  names.forEach(levelOf);

  // Rows: the first column by name, each next one by the mean row of its upstream tables (fewer crossings).
  const rows = new Map<string, number>();
  const depth = Math.max(0, ...levels.values());
  for (let level = 0; level <= depth; level++) {
    const column = names.filter((n) => levels.get(n) === level);
    const weight = (n: string) => {
      const ups = (byName.get(n)?.dependencies ?? []).map((d) => rows.get(d.table)).filter((r): r is number => r !== undefined);
      return ups.length ? ups.reduce((a, b) => a + b, 0) / ups.length : 0;
    };
    column.sort((a, b) => weight(a) - weight(b) || a.localeCompare(b)).forEach((n, i) => rows.set(n, i));
  }

  const nodes = names.map((name) => {
    const table = byName.get(name);
    return {
      name,
      level: levels.get(name)!,
      row: rows.get(name)!,
      approval: table?.requires_approval ?? false,
      tasks: table?.tasks.map((t) => t.alias) ?? [],
      missing: !table,
    };
  });
  return { nodes, edges };
}

const NODE_H = 46;
const COL_GAP = 56;
const ROW_GAP = 14;
const PAD = 8;
/** Approximate width of one character of the 13px node label. */
const CHAR_W = 7.4;
const MAX_CHARS = 42;

const clip = (text: string) => (text.length > MAX_CHARS ? `${text.slice(0, MAX_CHARS - 1)}…` : text);

/** Pure: the graph as an SVG picture; `waiting` marks the tables with a schedule waiting for approval. */
export function dependencyGraph(tables: readonly GraphTable[], waiting: ReadonlySet<string> = new Set()): Html {
  const { nodes, edges } = layoutGraph(tables);
  if (!nodes.length) return html`<p class="muted">No tables registered.</p>`;
  const longest = Math.max(...nodes.map((n) => Math.min(MAX_CHARS, Math.max(n.name.length, subtitle(n).length))));
  const nodeW = Math.round(Math.max(120, longest * CHAR_W + 20));
  const columns = Math.max(...nodes.map((n) => n.level)) + 1;
  const rowsMax = Math.max(...nodes.map((n) => n.row)) + 1;
  const width = PAD * 2 + columns * nodeW + (columns - 1) * COL_GAP;
  const height = PAD * 2 + rowsMax * NODE_H + (rowsMax - 1) * ROW_GAP;
  const at = new Map(nodes.map((n) => [n.name, { x: PAD + n.level * (nodeW + COL_GAP), y: PAD + n.row * (NODE_H + ROW_GAP) }]));

  return html`<div class="graph">
    <svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="Dependency graph of ${nodes.length} tables">
      <defs>
        <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
          <path d="M 0 0 L 10 5 L 0 10 z" class="arrow"></path>
        </marker>
      </defs>
      ${edges.map((e) => {
        const from = at.get(e.from)!;
        const to = at.get(e.to)!;
        const [x1, y1, x2, y2] = [from.x + nodeW, from.y + NODE_H / 2, to.x, to.y + NODE_H / 2];
        const mid = (x1 + x2) / 2;
        return html`<path
          d="M ${x1} ${y1} C ${mid} ${y1}, ${mid} ${y2}, ${x2 - 2} ${y2}"
          class="edge ${e.required ? 'required' : 'optional'}"
          marker-end="url(#arrow)"
          ><title>${e.from} → ${e.to}${e.required ? ' (required)' : ' (optional)'}</title></path
        >`;
      })}
      ${nodes.map((n) => {
        const { x, y } = at.get(n.name)!;
        const classes = ['node', n.approval ? 'approval' : '', n.missing ? 'missing' : '', waiting.has(n.name) ? 'waiting' : ''].filter(Boolean).join(' ');
        return html`<g class="${classes}" data-table="${n.name}">
          <title>
            ${n.name}${n.tasks.length ? ` — tasks: ${n.tasks.join(', ')}` : ''}${n.approval ? ' — needs approval' : ''}${n.missing ? ' — not registered' : ''}
          </title>
          <rect x="${x}" y="${y}" width="${nodeW}" height="${NODE_H}" rx="7"></rect>
          <text x="${x + 10}" y="${y + 19}" class="name">${clip(n.name)}</text>
          <text x="${x + 10}" y="${y + 36}" class="sub">${clip(subtitle(n))}</text>
        </g>`;
      })}
    </svg>
  </div>`;
}

/** Pure: a node's second line: its tasks and whether it needs an approval. */
function subtitle(n: GraphNode): string {
  if (n.missing) return 'not registered';
  const parts = [n.tasks.length ? `▶ ${n.tasks.join(', ')}` : 'no task'];
  if (n.approval) parts.push('approval');
  return parts.join(' · ');
}
