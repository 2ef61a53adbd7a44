import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAlive, startDynamoLocal } from '../../src/infra/dynamo/local.js';

/** Another process that owns a DynamoDB Local on `dir` (as `npm start` would). */
function startOwner(dir: string) {
  const script = `
    import { startDynamoLocal } from ${JSON.stringify(join(process.cwd(), 'src/infra/dynamo/local.ts'))};
    const d = await startDynamoLocal({ dataDir: ${JSON.stringify(dir)} });
    console.log(JSON.stringify({ pid: d.pid, endpoint: d.endpoint }));
    setInterval(() => {}, 1000); // keeps the owner alive until the test kills it
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const ready = new Promise<{ pid: number; endpoint: string }>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve(JSON.parse(line));
    });
    child.once('exit', (code) => reject(new Error(`owner exited ${code}`)));
  });
  return { child, ready };
}

describe('embedded DynamoDB Local launcher', () => {
  it('when started, then java gets the JVM options before -jar, runs in memory, and sends no telemetry (and it answers: start resolves only when ready)', async () => {
    const local = await startDynamoLocal({ dataDir: ':memory:', javaOptions: ['-Xss2m'] });
    try {
      const args = readFileSync(`/proc/${local.pid}/cmdline`, 'utf8').split('\0');
      expect(args.indexOf('-Xss2m')).toBeGreaterThan(-1);
      expect(args.indexOf('-Xss2m')).toBeLessThan(args.indexOf('-jar'));
      expect(args).toContain('-inMemory');
      expect(args).toContain('-disableTelemetry');
    } finally {
      await local.stop();
    }
  });

  it('when another live process serves the data dir, then it is shared; when that process is SIGKILLed, then the orphan java is reaped at the next start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ddb-share-'));
    const owner = startOwner(dir);
    try {
      const first = await owner.ready;
      const joined = await startDynamoLocal({ dataDir: dir });
      expect(joined).toMatchObject({ shared: true, endpoint: first.endpoint, pid: first.pid });
      await joined.stop();
      expect(isAlive(first.pid)).toBe(true);

      // A parent killed with SIGKILL cannot clean up: its java child survives as an orphan…
      const exited = new Promise((r) => owner.child.once('exit', r));
      owner.child.kill('SIGKILL');
      await exited;
      expect(isAlive(first.pid)).toBe(true);
      // …until the next start on the same data reaps it and starts its own.
      const fresh = await startDynamoLocal({ dataDir: dir });
      expect(isAlive(first.pid)).toBe(false);
      expect(fresh.shared).toBe(false);
      await fresh.stop();
      expect(isAlive(fresh.pid)).toBe(false);
    } finally {
      owner.child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
