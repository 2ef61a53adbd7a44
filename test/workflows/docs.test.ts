import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../scripts/workflow.js';
import { systemClock } from '../../src/kernel/clock.js';
import { OPS_TOKEN, startTestService, type TestService } from '../support/service.js';

/**
 * docs/workflows.md replayed: every `$ npm run workflow -- …` line of each example is run with the
 * CLI's own code against a real service, and its output must be the one the document shows (times,
 * run ids and generated ids compared as placeholders). Before a command whose output depends on
 * timing, the test waits as a reader would: `terminate` once the demo's slow step runs, `signal`
 * once the run waits, `status` once the run has settled.
 */
const DOC = readFileSync(new URL('../../docs/workflows.md', import.meta.url), 'utf8');
const PROMPT = '$ npm run workflow -- ';

interface Command {
  args: string[];
  expected: string[];
}

function example(name: string): Command[] {
  const block = new RegExp(`<!-- workflow-example:${name} -->\\s*\`\`\`console\\n([\\s\\S]*?)\\n\`\`\``).exec(DOC);
  if (!block) throw new Error(`docs/workflows.md has no example ${name}`);
  const commands: Command[] = [];
  for (const line of block[1].split('\n')) {
    if (line.startsWith(PROMPT)) commands.push({ args: words(line.slice(PROMPT.length)), expected: [] });
    else commands.at(-1)!.expected.push(line);
  }
  return commands;
}

/** Pure: a command line split as a shell would (single and double quotes). */
function words(line: string): string[] {
  return [...line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]);
}

/** Pure: what varies from run to run becomes a placeholder. */
const normalise = (lines: string[]) =>
  lines.map((l) =>
    l
      .replace(/\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}\]/g, '[<time>]')
      .replace(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}/g, '<time>')
      .replace(/\b[0-9A-HJKMNP-TV-Z]{26}\b/g, '<id>'),
  );

describe('the documented workflow examples', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService({ overrides: { clock: systemClock }, env: { WORKFLOW_POLL_MAX_MS: '50' } });
  });
  afterAll(() => t?.stop());

  /** Waits before a command as a reader of the document would. */
  async function settle([verb, id]: string[]) {
    const workflows = t.service.workflows.service;
    const wait = (ok: (view: Awaited<ReturnType<typeof workflows.get>>) => boolean) =>
      vi.waitFor(async () => expect(ok(await workflows.get(id))).toBe(true), { timeout: 20_000, interval: 20 });
    // The demo's slow step (its input's _demo.slowStep) is the one a reader stops.
    const slowStep = (v: { input: unknown }) => (v.input as { _demo?: { slowStep?: string } })._demo?.slowStep;
    if (verb === 'terminate') await wait((v) => v.status === 'TERMINATED' || v.steps.some((s) => s.status === 'running' && s.name === slowStep(v)));
    if (verb === 'signal') await wait((v) => v.status === 'WAITING');
    if (verb === 'status') await wait((v) => !['RUNNING', 'RETRYING', 'COMPENSATING'].includes(v.status));
  }

  async function run(args: string[]): Promise<string[]> {
    const lines: string[] = [];
    await runCli(args, { url: t.url, token: OPS_TOKEN, out: (l) => lines.push(l), err: (l) => lines.push(l) });
    return lines;
  }

  for (const name of ['1', '2', '3', '4', '5', '6', '7', '8', '9']) {
    it(`when example ${name} is typed as documented, then each command prints what the document shows`, async () => {
      for (const command of example(name)) {
        await settle(command.args);
        expect(normalise(await run(command.args)), command.args.join(' ')).toEqual(normalise(command.expected));
      }
    }, 60_000);
  }
});
