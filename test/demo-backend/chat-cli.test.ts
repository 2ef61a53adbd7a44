import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { formatReplies } from '../../scripts/chat.js';
import { startScriptedServer, type ReceivedRequest, type ScriptedAnswer } from '../backends/scripted-server.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** Runs the real CLI as a child process with `input` piped to its stdin (non-TTY). */
function runCli(args: string[], input: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/chat.ts', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

async function fakeService(answer: (request: ReceivedRequest, index: number) => ScriptedAnswer) {
  const server = await startScriptedServer(answer);
  closers.push(server.close);
  return server;
}

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

describe('chat CLI', () => {
  it('when two lines are piped in, then each is POSTed in order with a fresh ULID key and the replies (with buttons) are printed', async () => {
    const service = await fakeService((_r, i) =>
      i === 0
        ? {
            body: {
              replies: [
                {
                  text: 'Olá, Ana!\nConfirma sua presença no plantão?',
                  buttons: [
                    { id: 'yes', title: 'Sim' },
                    { id: 'no', title: 'Não' },
                  ],
                },
              ],
            },
          }
        : { body: { replies: [{ text: 'Presença confirmada!' }] } },
    );
    const { code, stdout } = await runCli(['--phone', '+5511999990001', '--url', service.url], 'oi\nsim\n');
    expect(code).toBe(0);
    expect(service.requests.map((r) => r.path)).toEqual(['/webhook/ingest', '/webhook/ingest']);
    const bodies = service.requests.map((r) => r.body as { message_id: string; phoneNumber: string; text: string });
    expect(bodies.map((b) => b.text)).toEqual(['oi', 'sim']);
    expect(bodies.every((b) => b.phoneNumber === '+5511999990001')).toBe(true);
    for (const [i, request] of service.requests.entries()) {
      expect(bodies[i].message_id).toMatch(ULID);
      expect(request.headers['x-idempotency-key']).toBe(bodies[i].message_id);
    }
    expect(bodies[0].message_id).not.toBe(bodies[1].message_id);
    expect(stdout).toContain('Confirma sua presença no plantão?');
    expect(stdout).toContain('[Sim] [Não]');
    expect(stdout.indexOf('Confirma sua presença')).toBeLessThan(stdout.indexOf('Presença confirmada!'));
  });

  it('when the service answers an error, then the CLI says so politely, keeps going, and /quit stops reading', async () => {
    const service = await fakeService((_r, i) =>
      i === 0 ? { status: 503, body: { error: { code: 'store.unavailable', message: 'DynamoDB is unavailable' } } } : { body: { replies: [{ text: 'ok' }] } },
    );
    const { code, stdout } = await runCli(['--phone', '5511999990002', '--url', service.url], 'oi\noi de novo\n/quit\nnão enviar\n');
    expect(code).toBe(0);
    expect(stdout).toContain('HTTP 503 (store.unavailable');
    expect(stdout).toContain('ok');
    expect(service.requests).toHaveLength(2);
  });

  it('when --phone is missing, then the CLI prints its usage and exits with 2', async () => {
    const { code, stderr } = await runCli([], '');
    expect(code).toBe(2);
    expect(stderr).toContain('--phone');
  });

  it('when an answer has no replies, then a placeholder line is printed', () => {
    expect(formatReplies({ replies: [] })).toEqual(['(sem resposta)']);
    expect(formatReplies({ replies: [{ text: 'a\nb' }] })).toEqual(['bot>  a', '      b']);
  });
});
