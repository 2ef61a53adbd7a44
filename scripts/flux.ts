/**
 * The flux control CLI, over HTTP to the running service (as the workflow CLI is):
 *   npm run flux -- <verb> [...]      (see USAGE; OPS_TOKEN from the environment or .env)
 * `runFluxCli` is exported so tests run the very same code.
 */
import { existsSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import type { StoredApproval, StoredSchedule } from '../src/infra/stores/flux-schedule-store.js';
import { requestJson } from './http-json.js';

export const USAGE = `usage: npm run flux -- <verb> [options]
  register FILE                          register the executors and tables of a JSON or YAML file ({executors: [...], tables: [...]})
  tables                                 the registered tables and what they depend on
  report TABLE NAME=VALUE... [--source S] [--report-id ID] [--schedule ID]   report that TABLE landed for these partitions
  executions TABLE [--since ISO]         a table's executions
  schedules [--status S]                 task schedules, newest first (every status by default)
  approvals [--status S]                 approvals, newest first (default: pending)
  approve ID | reject ID                 decide an approval (as --user, default $USER)
  run TABLE TASK [NAME=VALUE...]         run a task now (manual: no debounce, no approval)
options: --url URL (default $FLUX_URL or http://localhost:3000); --user NAME; OPS_TOKEN is read from the environment or .env`;

export interface FluxCliIo {
  url: string;
  token: string;
  user: string;
  out: (line: string) => void;
  err: (line: string) => void;
}

class UsageError extends Error {}
class ApiError extends Error {
  constructor(
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

function client(io: FluxCliIo) {
  const base = `${io.url.replace(/\/+$/, '')}/flux`;
  return async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const answer = await requestJson(`${base}${path}`, { method, headers: { authorization: `Bearer ${io.token}` }, body, timeoutMs: 30_000 });
    if (answer.kind === 'timeout') throw new ApiError(`${base} did not answer within 30 s`);
    if (answer.kind === 'unreachable') throw new ApiError(`cannot reach ${io.url} (${answer.code}); is the service running (npm start)?`);
    if (!answer.ok) throw new ApiError(`${answer.status} ${answer.error?.code ?? ''}: ${answer.error?.message ?? 'error'}`, answer.error?.details);
    return answer.body as T;
  };
}

/** `name=value` arguments as the seed's partition list. */
function partitionsOf(args: string[]): { partition_name: string; value: string }[] {
  return args.map((arg) => {
    const at = arg.indexOf('=');
    if (at <= 0) throw new UsageError(`${arg}: partitions are NAME=VALUE`);
    return { partition_name: arg.slice(0, at), value: arg.slice(at + 1) };
  });
}

const pad = (s: string, n: number) => (s.length >= n ? `${s} ` : s.padEnd(n));
const values = (p: Record<string, string>) =>
  Object.entries(p)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ') || '-';
const time = (iso: string | undefined) => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '-');

function scheduleLines(list: StoredSchedule[]): string[] {
  if (!list.length) return ['no schedules'];
  return [
    `${pad('id', 28)}${pad('table / task', 62)}${pad('partitions', 22)}${pad('status', 18)}due / result`,
    ...list.map((s) => {
      const outcome =
        s.status === 'completed'
          ? `execution ${s.result_execution_id}`
          : s.status === 'failed'
            ? `error: ${s.error}`
            : s.status === 'pending'
              ? `due ${time(s.due_time)}`
              : s.status === 'in_progress'
                ? (s.workflow_id ?? 'started')
                : s.status === 'waiting_approval'
                  ? `approval ${s.approval_id}`
                  : '-';
      return `${pad(s.id, 28)}${pad(`${s.table} / ${s.task}`, 62)}${pad(values(s.partitions), 22)}${pad(s.status + (s.manual ? ' (manual)' : ''), 18)}${outcome}`;
    }),
  ];
}

function approvalLines(list: StoredApproval[]): string[] {
  if (!list.length) return ['no approvals'];
  return [
    `${pad('id', 28)}${pad('schedule', 28)}${pad('table / task', 62)}${pad('status', 10)}reviewed`,
    ...list.map(
      (a) =>
        `${pad(a.id, 28)}${pad(a.task_schedule_id, 28)}${pad(`${a.table} / ${a.task}`, 62)}${pad(a.status, 10)}${a.approver_name ? `${a.approver_name} at ${time(a.reviewed_at)}` : '-'}`,
    ),
  ];
}

interface ReportDetail {
  execution_id: string;
  duplicate: boolean;
  schedules: { id: string; table: string; task: string; action: string }[];
}

/** Runs one CLI command; the exit code. */
export async function runFluxCli(argv: string[], io: FluxCliIo): Promise<number> {
  const [verb, ...rest] = argv;
  const call = client(io);
  try {
    const { values: opts, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        source: { type: 'string' },
        'report-id': { type: 'string' },
        schedule: { type: 'string' },
        status: { type: 'string' },
        since: { type: 'string' },
        user: { type: 'string' },
      },
    });
    const user = opts.user ?? io.user;
    switch (verb) {
      case 'register': {
        const file = positionals[0];
        if (!file) throw new UsageError('register needs a FILE');
        const text = readFileSync(file, 'utf8');
        const doc = (/\.ya?ml$/i.test(file) ? parseYaml(text) : JSON.parse(text)) as { executors?: unknown[]; tables?: unknown[] };
        for (const [path, items] of [
          ['/task_executor', doc.executors],
          ['/tables', doc.tables],
        ] as const) {
          if (!items?.length) continue;
          const answer = await call<{ details: [string, number][] }>('POST', path, { data: items, user });
          for (const [message, status] of answer.details) io.out(`${message}${status === 200 ? ' (replaced)' : ''}`);
        }
        return 0;
      }
      case 'tables': {
        const { data } = await call<{
          data: {
            name: string;
            requires_approval: boolean;
            dependencies: { table: string; is_required: boolean }[];
            tasks: { alias: string; executor: string }[];
          }[];
        }>('GET', '/tables');
        for (const t of data) {
          const deps = t.dependencies.map((d) => `${d.table}${d.is_required ? '' : '?'}`).join(', ') || '-';
          const tasks = t.tasks.map((k) => `${k.alias}→${k.executor}`).join(', ') || '-';
          io.out(`${pad(t.name, 40)}needs ${pad(deps, 70)}tasks ${tasks}${t.requires_approval ? '  (approval)' : ''}`);
        }
        return 0;
      }
      case 'report': {
        const [table, ...parts] = positionals;
        if (!table) throw new UsageError('report needs a TABLE');
        const item = {
          table_name: table,
          partitions: partitionsOf(parts),
          source: opts.source ?? 'cli',
          ...(opts['report-id'] ? { report_id: opts['report-id'] } : {}),
          ...(opts.schedule ? { task_schedule_id: opts.schedule } : {}),
        };
        const answer = await call<{ details: ReportDetail[] }>('POST', '/register_execution', { data: [item], user });
        const d = answer.details[0];
        io.out(`${d.duplicate ? 'already registered' : 'registered'}: execution ${d.execution_id} of ${table}`);
        if (!d.schedules.length) io.out('  no dependent is ready');
        for (const s of d.schedules) io.out(`  ${pad(s.action, 9)}schedule ${s.id}  ${s.table} / ${s.task}`);
        return 0;
      }
      case 'executions': {
        const table = positionals[0];
        if (!table) throw new UsageError('executions needs a TABLE');
        const q = new URLSearchParams({ table, ...(opts.since ? { since: opts.since } : {}) });
        const { data } = await call<{ data: { execution_id: string; date_time: string; source: string; partitions: Record<string, string> }[] }>(
          'GET',
          `/executions?${q.toString()}`,
        );
        for (const e of data) io.out(`${pad(e.execution_id, 28)}${pad(time(e.date_time), 22)}${pad(e.source, 24)}${values(e.partitions)}`);
        if (!data.length) io.out('no executions');
        return 0;
      }
      case 'schedules': {
        const { data } = await call<{ data: StoredSchedule[] }>('GET', `/task-schedules${opts.status ? `?status=${encodeURIComponent(opts.status)}` : ''}`);
        for (const line of scheduleLines(data)) io.out(line);
        return 0;
      }
      case 'approvals': {
        const { data } = await call<{ data: StoredApproval[] }>('GET', `/approval-status?status=${encodeURIComponent(opts.status ?? 'pending')}`);
        for (const line of approvalLines(data)) io.out(line);
        return 0;
      }
      case 'approve':
      case 'reject': {
        const id = positionals[0];
        if (!id) throw new UsageError(`${verb} needs an approval ID`);
        const answer = await call<{ message: string; task_schedule_id: string; due_time?: string }>('POST', `/${verb}`, { approval_status_id: id, user });
        io.out(`${answer.message} schedule ${answer.task_schedule_id}${answer.due_time ? ` due ${time(answer.due_time)}` : ''}`);
        return 0;
      }
      case 'run': {
        const [table, task, ...parts] = positionals;
        if (!table || !task) throw new UsageError('run needs a TABLE and a TASK');
        const partitions = parts.length ? Object.fromEntries(partitionsOf(parts).map((p) => [p.partition_name, p.value])) : undefined;
        const answer = await call<{ message: string; task_schedule_id: string }>('POST', '/run', {
          table_name: table,
          task_name: task,
          user,
          ...(partitions ? { partitions } : {}),
        });
        io.out(`${answer.message} schedule ${answer.task_schedule_id}`);
        return 0;
      }
      default:
        throw new UsageError(verb ? `unknown verb ${verb}` : 'a verb is needed');
    }
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`${(error as Error).message}\n${USAGE}`);
      return 2;
    }
    if (error instanceof ApiError) {
      io.err(error.message);
      if (Array.isArray(error.details)) for (const d of error.details as { path: string; message: string }[]) io.err(`  ${d.path}: ${d.message}`);
      return 1;
    }
    io.err((error as Error).message);
    return 1;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const token = process.env.OPS_TOKEN;
  if (!token) {
    process.stderr.write('OPS_TOKEN is not set: export the token `npm start` printed (or set it in .env) and try again\n');
    process.exit(2);
  }
  const argv = process.argv.slice(2);
  // --url is the CLI's own option, not a verb's.
  const at = argv.indexOf('--url');
  const url = at >= 0 ? argv.splice(at, 2)[1] : (process.env.FLUX_URL ?? 'http://localhost:3000');
  process.exitCode = await runFluxCli(argv, {
    url,
    token,
    user: userInfo().username,
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  });
}
