import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { TestDynamo } from './dynamo.js';
import { until } from './events.js';
import { OPS_TOKEN } from './service.js';

/**
 * A real server process (`src/server.ts`) on the test's DynamoDB Local and tables, with `env` added,
 * in `cwd` (default: the repository's); resolves its URL once it listens.
 */
export async function startServerProcess(dynamo: TestDynamo, env: Record<string, string>, cwd?: string): Promise<{ child: ChildProcess; url: string }> {
  // Absolute: the process may run in another directory.
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const child = spawn(process.execPath, ['--import', tsx, resolve('src/server.ts')], {
    cwd,
    env: {
      ...process.env,
      PORT: '0',
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      TABLE_PREFIX: dynamo.prefix,
      OPS_TOKEN,
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const port = () => /listening on http:\/\/localhost:(\d+)/.exec(out)?.[1];
  await until(() => port() !== undefined, child.stdout);
  return { child, url: `http://127.0.0.1:${port()}` };
}
