/**
 * Summarises a V8 CPU profile (`node --cpu-prof`, e.g. `BENCH_SERVER_NODE_ARGS=--cpu-prof npm run
 * bench`): self time by module (a package under node_modules, a folder of ours, node's own code)
 * and the top self-time functions. Usage: `npx tsx bench/profile-summary.ts FILE.cpuprofile [top]`.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** The module a frame belongs to: `pkg:<name>`, `ours:<folder>`, `node:<internal>`, or a V8 category. */
function moduleOf(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return `pkg:${pkg[1]}`;
  if (url.startsWith('node:internal/deps/')) return `node:${url.split('/')[2]}`;
  if (url.startsWith('node:internal/')) return `node:internal/${url.split('/')[1]}`;
  if (url.startsWith('node:')) return url;
  const ours = /\/(src|dist|bench)\/(.+)$/.exec(url);
  if (ours) {
    const parts = ours[2].split('/');
    return `ours:${parts.length > 1 ? parts[0] : parts[0].replace(/\.[jt]s$/, '')}`;
  }
  return url;
}

const [file, topArg] = process.argv.slice(2);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
const idle = [...selfUs].filter(([id]) => byId.get(id)!.callFrame.functionName === '(idle)').reduce((a, [, us]) => a + us, 0);
const busy = total - idle;

const modules = new Map<string, number>();
const functions = new Map<string, number>();
for (const [id, us] of selfUs) {
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
  if (functionName === '(idle)') continue;
  const mod = moduleOf(url, functionName);
  modules.set(mod, (modules.get(mod) ?? 0) + us);
  const fn = `${functionName || '(anonymous)'} ${mod}${url ? `:${lineNumber + 1}` : ''}`;
  functions.set(fn, (functions.get(fn) ?? 0) + us);
}
const pct = (us: number) => `${((100 * us) / busy).toFixed(1).padStart(5)} %`;
const top = Number(topArg ?? 25);
console.log(
  `profile ${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s, busy ${(busy / 1e6).toFixed(1)} s (${((100 * busy) / total).toFixed(0)} %)`,
);
console.log('\nself time by module (share of busy time):');
for (const [mod, us] of [...modules].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(us)}  ${mod}`);
console.log('\ntop self-time functions:');
for (const [fn, us] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(us)}  ${fn}`);
