import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { freePort } from '../../src/infra/dynamo/local.js';
import { until } from './events.js';

export interface TestRedis {
  url: string;
  port: number;
  /** A client on it (closed by stop). */
  client: Redis;
  stop(): Promise<void>;
}

/** A real redis-server (no persistence) on a free port, ready when this resolves. */
export async function startRedisServer(): Promise<TestRedis> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await once(child, 'spawn').catch((error: Error) => {
    throw new Error(`redis-server did not start (${error.message}); install it: apt-get install -y redis-server`);
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await until(() => output.includes('Ready to accept connections'), child.stdout).catch(() => {
    throw new Error(`redis-server exited before it was ready: ${output.slice(-500)}`);
  });
  const url = `redis://127.0.0.1:${port}/0`;
  const client = new Redis(url);
  return {
    url,
    port,
    client,
    async stop() {
      client.disconnect();
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
