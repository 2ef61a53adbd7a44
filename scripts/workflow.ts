/**
 * The workflow CLI, over HTTP to the running service (as the chat CLI is):
 *   npm run workflow -- <verb> [...]      (see USAGE; OPS_TOKEN from the environment or .env)
 * `runCli` is exported so the documentation test runs the very same code.
 */
import { existsSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { sleep } from '../src/kernel/retry.js';
import type { HistoryEvent, RunRef, WorkflowSummary, WorkflowView } from '../src/workflows/index.js';
import { requestJson } from './http-json.js';
import { formatEvent, formatStatus, isClosing, progressLine } from './workflow-format.js';

export const USAGE = `usage: npm run workflow -- <verb> [options]
  start --type T --input FILE|- [--id ID] [--rerun]   start a workflow (the input is JSON; - reads stdin)
  status ID                                         the workflow, its current run and each step
  history ID [--run RUN] [--json]                   every event of a run (default: the current one)
  watch ID [--interval MS]                          print events as they happen, until the run ends
  list [--status S] [--type T] [--limit N]          workflows by status and/or type (default: every status)
  terminate ID --reason R [--compensate]            stop a running workflow (optionally undo its completed steps)
  resume ID [--from STEP]                           a new run of a failed/terminated one, from STEP (default: where it failed)
  signal ID NAME [--payload JSON]                   send a signal (a step waiting for NAME continues)
  batch --type T --file FILE.jsonl [--rate 5/s] [--concurrency N]   start one workflow per line
  types                                             the registered workflow types and their steps
options: --url URL (default $WORKFLOW_URL or http://localhost:3000); OPS_TOKEN is read from the environment or .env`;

const STATUSES = ['RUNNING', 'RETRYING', 'WAITING', 'COMPENSATING', 'COMPLETED', 'FAILED', 'COMPENSATION_FAILED', 'TERMINATED'];

export interface CliIo {
  url: string;
  token: string;
  out: (line: string) => void;
  err: (line: string) => void;
  /** Reads stdin (for `--input -`). */
  stdin?: () => Promise<string>;
  /** Redraws a progress line (a TTY's stderr); absent: no progress shown. */
  progress?: (line: string) => void;
  actor?: string;
}

/** An HTTP answer that is an error envelope. */
class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

function client(io: CliIo) {
  const base = io.url.replace(/\/+$/, '');
  const headers = { authorization: `Bearer ${io.token}`, ...(io.actor ? { 'x-actor': io.actor } : {}) };
  // Most verbs answer the run they acted on (start, terminate, resume, signal).
  return async function call<T = Omit<RunRef, 'created'>>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const answer = await requestJson(`${base}${path}`, { method, headers, body, timeoutMs: 30_000 });
    if (answer.kind === 'timeout') throw new ApiError(0, 'timeout', `${base} did not answer within 30 s`);
    if (answer.kind === 'unreachable') throw new ApiError(0, 'unreachable', `cannot reach ${base} (${answer.code}); is the service running (npm start)?`);
    if (!answer.ok) throw new ApiError(answer.status, answer.error?.code ?? 'http', answer.error?.message ?? `HTTP ${answer.status}`, answer.error?.details);
    // A success answer of this path: the API's own type for it.
    return { status: answer.status, body: answer.body as T };
  };
}

const id = (value: string | undefined) => {
  if (!value) throw new UsageError('a workflow id is needed');
  return encodeURIComponent(value);
};

class UsageError extends Error {}

function parseRate(rate: string | undefined): number {
  if (!rate) return 5;
  const match = /^(\d+(?:\.\d+)?)(?:\/s)?$/.exec(rate);
  if (!match || Number(match[1]) <= 0) throw new UsageError(`--rate ${rate}: like 5/s`);
  return Number(match[1]);
}

async function readInput(path: string | undefined, io: CliIo): Promise<unknown> {
  if (!path) throw new UsageError('--input FILE (or - for stdin) is needed');
  const text = path === '-' ? await (io.stdin ?? (() => Promise.resolve('')))() : readFileSync(path, 'utf8');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${path === '-' ? 'stdin' : path}: not valid JSON (${(error as Error).message})`);
  }
}

/** Starts one workflow per JSONL line, at most `rate` per second and `concurrency` at once; every item's outcome is kept. */
async function batch(call: ReturnType<typeof client>, io: CliIo, type: string, file: string, rate: number, concurrency: number) {
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .map((text, i) => ({ line: i + 1, text: text.trim() }))
    .filter((l) => l.text);
  const counts = { started: 0, existing: 0, invalid: 0, failed: 0 };
  const problems: string[] = [];
  let next = 0;
  let done = 0;
  let slot = Date.now();
  const one = async ({ line, text }: { line: number; text: string }) => {
    let input: unknown;
    try {
      input = JSON.parse(text);
    } catch {
      counts.invalid++;
      problems.push(`line ${line}: invalid: not valid JSON`);
      return;
    }
    // Spaced by the rate: each start takes the next free time slot.
    const at = Math.max(slot, Date.now());
    slot = at + 1_000 / rate;
    if (at > Date.now()) await sleep(at - Date.now());
    try {
      const res = await call('POST', '/workflows', { type, input });
      if (res.status === 201) counts.started++;
      else {
        counts.existing++;
        problems.push(`line ${line}: already exists: ${res.body.workflowId} (${res.body.status})`);
      }
    } catch (error) {
      const e = error as ApiError;
      const details = Array.isArray(e.details) ? `: ${(e.details as { path: string; message: string }[]).map((d) => `${d.path} ${d.message}`).join('; ')}` : '';
      if (e.status === 400) counts.invalid++;
      else counts.failed++;
      problems.push(`line ${line}: ${e.status === 400 ? 'invalid' : e.code}: ${e.message}${details}`);
    }
  };
  await Promise.all(
    Array.from({ length: Math.max(1, concurrency) }, async () => {
      while (next < lines.length) {
        await one(lines[next++]);
        done++;
        io.progress?.(progressLine(done, lines.length, counts));
      }
    }),
  );
  problems.sort((a, b) => Number(/\d+/.exec(a)![0]) - Number(/\d+/.exec(b)![0]));
  for (const problem of problems) io.out(problem);
  io.out(`${lines.length} items: ${counts.started} started, ${counts.existing} already existing, ${counts.invalid} invalid, ${counts.failed} failed`);
  return counts.failed > 0 ? 1 : 0;
}

/** Runs one CLI command; the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [verb, ...rest] = argv;
  const call = client(io);
  try {
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        type: { type: 'string' },
        input: { type: 'string' },
        id: { type: 'string' },
        rerun: { type: 'boolean' },
        run: { type: 'string' },
        json: { type: 'boolean' },
        interval: { type: 'string' },
        status: { type: 'string' },
        limit: { type: 'string' },
        reason: { type: 'string' },
        compensate: { type: 'boolean' },
        from: { type: 'string' },
        payload: { type: 'string' },
        file: { type: 'string' },
        rate: { type: 'string' },
        concurrency: { type: 'string' },
      },
    });
    switch (verb) {
      case 'start': {
        if (!values.type) throw new UsageError('--type is needed');
        const input = await readInput(values.input, io);
        const res = await call('POST', '/workflows', {
          type: values.type,
          input,
          ...(values.id ? { workflowId: values.id } : {}),
          ...(values.rerun ? { rerun: true } : {}),
        });
        io.out(`${res.status === 201 ? 'started' : 'already exists:'} ${res.body.workflowId}`);
        io.out(`  run    ${res.body.runId}`);
        io.out(`  status ${res.body.status}`);
        return 0;
      }
      case 'status': {
        const res = await call<WorkflowView>('GET', `/workflows/${id(positionals[0])}`);
        for (const line of formatStatus(res.body)) io.out(line);
        return 0;
      }
      case 'history': {
        const events = await allEvents(call, id(positionals[0]), values.run);
        if (values.json) io.out(JSON.stringify(events, null, 2));
        else for (const event of events) io.out(formatEvent(event));
        return 0;
      }
      case 'watch': {
        const interval = Number(values.interval ?? 500);
        const workflow = id(positionals[0]);
        const { runId } = (await call('GET', `/workflows/${workflow}`)).body;
        io.out(`watching ${positionals[0]} (run ${runId}); Ctrl-C stops watching, not the workflow`);
        for (let cursor: string | undefined; ;) {
          const page = await call<{ events: HistoryEvent[]; nextCursor?: string }>(
            'GET',
            `/workflows/${workflow}/history?runId=${runId}&limit=200${cursor ? `&cursor=${cursor}` : ''}`,
          );
          for (const event of page.body.events) {
            io.out(formatEvent(event));
            if (isClosing(event)) {
              io.out(`finished: ${event.eventType}`);
              return event.eventType === 'WorkflowExecutionCompleted' ? 0 : 1;
            }
          }
          cursor = page.body.nextCursor ?? (page.body.events.length ? String(page.body.events.at(-1)!.eventId) : cursor);
          if (!page.body.nextCursor) await sleep(interval);
        }
      }
      case 'list': {
        if (values.status && !STATUSES.includes(values.status)) throw new UsageError(`--status: one of ${STATUSES.join(', ')}`);
        const statuses = values.status || values.type ? [values.status] : STATUSES;
        let count = 0;
        for (const status of statuses) {
          const query = new URLSearchParams({ ...(status ? { status } : {}), ...(values.type ? { type: values.type } : {}), limit: values.limit ?? '50' });
          const res = await call<{ workflows: WorkflowSummary[] }>('GET', `/workflows?${query.toString()}`);
          for (const w of res.body.workflows) {
            count++;
            io.out(`${w.status.padEnd(20)} ${w.type.padEnd(14)} ${w.workflowId}${w.failedStep ? `  (failed at ${w.failedStep})` : ''}`);
          }
        }
        if (count === 0) io.out('(none)');
        return 0;
      }
      case 'terminate': {
        if (!values.reason) throw new UsageError('--reason is needed');
        const res = await call('POST', `/workflows/${id(positionals[0])}/terminate`, {
          reason: values.reason,
          ...(values.compensate ? { compensate: true } : {}),
        });
        io.out(`${res.body.workflowId}: ${res.body.status}${values.compensate ? ' (its completed steps are being undone)' : ''}`);
        return 0;
      }
      case 'resume': {
        const res = await call('POST', `/workflows/${id(positionals[0])}/resume`, values.from ? { fromStep: values.from } : {});
        io.out(`resumed ${res.body.workflowId}${values.from ? ` from ${values.from}` : ''}`);
        io.out(`  run    ${res.body.runId}`);
        io.out(`  status ${res.body.status}`);
        return 0;
      }
      case 'signal': {
        if (!positionals[1]) throw new UsageError('signal ID NAME [--payload JSON]');
        let payload: unknown;
        try {
          payload = values.payload === undefined ? undefined : JSON.parse(values.payload);
        } catch {
          throw new UsageError('--payload: not valid JSON');
        }
        const res = await call('POST', `/workflows/${id(positionals[0])}/signal`, { name: positionals[1], ...(payload === undefined ? {} : { payload }) });
        io.out(`signal ${positionals[1]} sent to ${res.body.workflowId} (${res.body.status})`);
        return 0;
      }
      case 'batch': {
        if (!values.type || !values.file) throw new UsageError('batch --type T --file FILE.jsonl');
        return await batch(call, io, values.type, values.file, parseRate(values.rate), Number(values.concurrency ?? 4));
      }
      case 'types': {
        const res = await call<{ types: { type: string; version: string; steps: string[] }[] }>('GET', '/workflow-types');
        for (const t of res.body.types) io.out(`${t.type} v${t.version}: ${t.steps.join(' → ')}`);
        return 0;
      }
      default:
        io.err(USAGE);
        return verb === undefined || verb === 'help' ? 0 : 2;
    }
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`${(error as Error).message}\n${USAGE}`);
      return 2;
    }
    if (error instanceof ApiError) {
      io.err(`error ${error.code}: ${error.message}`);
      if (Array.isArray(error.details)) for (const d of error.details as { path: string; message: string }[]) io.err(`  - ${d.path}: ${d.message}`);
      return 1;
    }
    throw error;
  }
}

/** Every event of a run (all its history pages). */
async function allEvents(call: ReturnType<typeof client>, workflow: string, runId?: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  for (let cursor: string | undefined; ;) {
    const query = new URLSearchParams({ limit: '1000', ...(runId ? { runId } : {}), ...(cursor ? { cursor } : {}) });
    const page = await call<{ events: HistoryEvent[]; nextCursor?: string }>('GET', `/workflows/${workflow}/history?${query.toString()}`);
    events.push(...page.body.events);
    if (!page.body.nextCursor) return events;
    cursor = page.body.nextCursor;
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const token = process.env.OPS_TOKEN;
  if (!token) {
    process.stderr.write('OPS_TOKEN is not set: export the token `npm start` printed (or set it in .env) and try again\n');
    process.exit(2);
  }
  const args = process.argv.slice(2);
  // --url is the CLI's own option, not a verb's.
  const at = args.indexOf('--url');
  const url = at >= 0 ? args.splice(at, 2)[1] : (process.env.WORKFLOW_URL ?? 'http://localhost:3000');
  let drawn = false;
  runCli(args, {
    url,
    token,
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    stdin: readStdin,
    progress: process.stderr.isTTY ? (line) => ((drawn = true), process.stderr.write(`\r${line}\u001b[K`)) : undefined,
    actor: userInfo().username,
  }).then(
    (code) => {
      if (drawn) process.stderr.write('\n');
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`workflow CLI failed: ${(error as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}
