import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAlive } from '../../src/infra/dynamo/local.js';
import { until } from '../support/events.js';

describe('npm start', () => {
  it('when npm itself gets SIGTERM (as from docker stop), then the server stops gracefully and its DynamoDB Local exits', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'npm-start-'));
    const npm = spawn('npm', ['start', '--silent'], {
      env: { ...process.env, PORT: '0', DYNAMODB_DATA_DIR: dataDir, OPS_TOKEN: 'npm-start-ops-token-0123456789', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    npm.stdout.on('data', (c: Buffer) => (out += c.toString()));
    npm.stderr.resume();
    // 'close': npm and everything holding its stdout (the server) have exited and all output is read.
    const closed = once(npm, 'close');
    try {
      await until(() => /listening on http:\/\/localhost:\d+/.test(out), npm.stdout);
      const url = out.match(/(http:\/\/localhost:\d+)/)![1];
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      const java = (JSON.parse(readFileSync(join(dataDir, '.dynamodb-local.pid'), 'utf8')) as { pid: number }).pid;
      expect(isAlive(java)).toBe(true);

      npm.kill('SIGTERM');
      await closed;
      // npm's shell execs the server, so the signal reached it: it said so, and it let go of everything.
      expect(out).toContain('SIGTERM: stopping');
      expect(isAlive(java)).toBe(false);
      expect(
        await fetch(`${url}/readyz`).then(
          () => 'up',
          () => 'down',
        ),
      ).toBe('down');
    } finally {
      if (npm.exitCode === null) npm.kill('SIGKILL');
      // If the test failed, the server and java may be orphans: the pid file names both.
      try {
        const { pid, parentPid } = JSON.parse(readFileSync(join(dataDir, '.dynamodb-local.pid'), 'utf8')) as { pid: number; parentPid: number };
        for (const p of [parentPid, pid]) if (isAlive(p)) process.kill(p, 'SIGKILL');
      } catch {
        // No pid file: java was stopped and removed it.
      }
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});
