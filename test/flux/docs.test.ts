import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runFluxCli } from '../../scripts/flux.js';
import { writeSampleDataset } from '../../src/jobs/consolidation/sample-dataset.js';
import { createTestDynamo, type TestDynamo } from '../support/dynamo.js';
import { startServerProcess } from '../support/server-process.js';
import { OPS_TOKEN } from '../support/service.js';

const DOC = 'docs/flux-control.md';
/** The doc's setup block, done here by the test: the sample data, the token, the service as a process. */
const SETUP = ['npm run consolidate:sample', 'export OPS_TOKEN=dev-ops-token-0123456789', 'npm start'];

interface Step {
  command: string;
  expected: string[];
}

/** Pure: the doc's setup commands (its first bash block) and the `$ command` lines of its console blocks with the lines shown under each. */
function parseDoc(text: string): { setup: string[]; steps: Step[] } {
  const blocks = [...text.matchAll(/```(bash|console)\n([\s\S]*?)```/g)].map((m) => ({ kind: m[1], lines: m[2].trimEnd().split('\n') }));
  const setup = (blocks.find((b) => b.kind === 'bash')?.lines ?? []).map((l) => l.replace(/\s+#.*$/, '').trim());
  const steps: Step[] = [];
  for (const block of blocks.filter((b) => b.kind === 'console'))
    for (const line of block.lines) {
      if (line.startsWith('$ ')) steps.push({ command: line.slice(2), expected: [] });
      else steps.at(-1)?.expected.push(line);
    }
  return { setup, steps };
}

/**
 * Pure: output with what differs between sessions replaced: ids (ULIDs) by their order of first
 * appearance in `ids` (shared across the session, so an id shown again must be the same id), times
 * by a mark, trailing blanks dropped.
 */
function normalise(lines: string[], ids: Map<string, string>): string[] {
  return lines.map((line) =>
    line
      .replace(/\b[0-9A-HJKMNP-TV-Z]{26}\b/g, (id) => {
        if (!ids.has(id)) ids.set(id, `<id${ids.size + 1}>`);
        return ids.get(id)!;
      })
      .replace(/\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?Z/g, '<time>')
      .trimEnd(),
  );
}

/** Commands that only read: run again while the service is still getting to the state the doc shows. */
const READS = /^(npm run flux -- (tables|schedules|executions|approvals)\b|ls )/;

/** Acceptance: following docs/flux-control.md against the service (a real process), each command's output matches the doc. */
describe('docs/flux-control.md, replayed', () => {
  let dynamo: TestDynamo;
  let server: ChildProcess | undefined;
  let url: string;
  let dir: string;

  beforeAll(async () => {
    dynamo = await createTestDynamo();
    // The service runs where the doc's relative paths (.data/sample/…) point: a fresh directory.
    dir = mkdtempSync(join(tmpdir(), 'flux-doc-'));
    await writeSampleDataset(join(dir, '.data/sample'));
    const started = await startServerProcess(dynamo, {}, dir);
    server = started.child;
    url = started.url;
  }, 60_000);
  afterAll(() => {
    server?.kill('SIGKILL');
    dynamo?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** One doc command, run as a user would see it (the CLI's own code; `ls` in the service's directory). */
  async function run(command: string): Promise<string[]> {
    const words = command.split(/\s+/);
    if (words[0] === 'ls') return readdirSync(join(dir, words[1])).sort();
    expect(words.slice(0, 4), command).toEqual(['npm', 'run', 'flux', '--']);
    const out: string[] = [];
    await runFluxCli(words.slice(4), { url, token: OPS_TOKEN, user: 'ana', out: (l) => out.push(...l.split('\n')), err: (l) => out.push(...l.split('\n')) });
    return out;
  }

  it('when each command of the doc is run in order against the service, then its output is the one the doc shows (ids and times aside)', async () => {
    const { setup, steps } = parseDoc(readFileSync(DOC, 'utf8'));
    expect(setup).toEqual(SETUP);
    expect(steps.length).toBeGreaterThan(10);
    const docIds = new Map<string, string>();
    const ids = new Map<string, string>();
    for (const step of steps) {
      // An id the doc's command names (an approval) is the id this session saw in its place.
      const [marked] = normalise([step.command], docIds);
      const actualOf = new Map([...ids].map(([id, mark]) => [mark, id]));
      const command = marked.replace(/<id\d+>/g, (mark) => actualOf.get(mark) ?? mark);
      const expected = normalise(step.expected, docIds);
      const attempt = async () => {
        const trial = new Map(ids);
        const output = normalise(await run(command), trial);
        expect({ command: step.command, output }).toEqual({ command: step.command, output: expected });
        return trial;
      };
      const seen = READS.test(command) ? await vi.waitFor(attempt, { timeout: 30_000, interval: 200 }) : await attempt();
      for (const [k, v] of seen) ids.set(k, v);
    }
  }, 120_000);
});
