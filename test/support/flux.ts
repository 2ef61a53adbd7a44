import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { createFlux, type Flux } from '../../src/flux/index.js';
import { createFakeClock, type Clock } from '../../src/kernel/clock.js';
import { defineWorkflow, type WorkflowType } from '../../src/workflows/index.js';
import type { TestDynamo } from './dynamo.js';
import { captureLogger } from './logs.js';
import { startInstance, type Instance } from './workflows.js';

export const USER = 'ana';

/** A workflow type that stamps its input (the cascade's stand-in for a consolidation); counts its runs by month. */
export function stampWorkflow(runs: Map<string, number> = new Map()): WorkflowType {
  return defineWorkflow({
    type: 'stamp',
    version: 1,
    input: z.object({ month: z.string(), fail: z.boolean().optional() }),
    steps: [
      {
        name: 'Stamp',
        retry: { maxAttempts: 1 },
        run: (ctx) => {
          runs.set(ctx.input.month, (runs.get(ctx.input.month) ?? 0) + 1);
          if (ctx.input.fail) throw new Error(`no data for ${ctx.input.month}`);
          return { stamped: ctx.input.month };
        },
      },
    ],
  });
}

/** One "instance" of flux control (its own workflow engine and sweeper state) on the test's tables; no sweeper loop. */
export function startFlux(
  dynamo: TestDynamo,
  options: { clock?: Clock; types?: WorkflowType[]; leaseMs?: number; sweepIntervalMs?: number | null; workflowWorkers?: number } = {},
) {
  const clock = options.clock ?? createFakeClock(Date.now());
  // No workflow workers unless asked: their idle polls would only load DynamoDB Local.
  const workflows: Instance = startInstance(dynamo, options.types ?? [stampWorkflow()], { clock, settings: { workers: options.workflowWorkers ?? 0 } });
  const { logger, lines } = captureLogger('debug');
  const flux: Flux = createFlux({
    doc: dynamo.doc,
    tableName: dynamo.tables.flux,
    clock,
    logger,
    workflows,
    settings: {
      sweepIntervalMs: options.sweepIntervalMs ?? null,
      leaseMs: options.leaseMs ?? 5_000,
      http: { timeoutMs: 10_000, maxAttempts: 3, retry: { initialDelayMs: 5, maxDelayMs: 20 } },
    },
  });
  flux.start();
  return {
    ...flux,
    clock,
    workflows,
    lines,
    async stop() {
      await flux.stop();
      await workflows.stop(100);
    },
  };
}
export type FluxInstance = ReturnType<typeof startFlux>;

export interface Received {
  key: string | undefined;
  body: { execution_id: string | null; table: string; source: string; date_time: string; task_schedule_id: string; payload: unknown };
}

/**
 * A local HTTP peer standing in for an `http` executor's target: records every request and
 * answers with `respond` (default 202). Its effect is applied once per Idempotency-Key.
 */
export async function startTarget(respond: (req: Received, n: number) => number | Promise<number> = () => 202) {
  const received: Received[] = [];
  const effects = new Map<string, Received>();
  const server: Server = createServer((req: IncomingMessage, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      const r: Received = { key: req.headers['idempotency-key'] as string | undefined, body: JSON.parse(raw) as Received['body'] };
      received.push(r);
      void Promise.resolve(respond(r, received.length)).then((status) => {
        if (status < 300 && r.key && !effects.has(r.key)) effects.set(r.key, r);
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: status < 300 }));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/run`;
  return {
    url,
    received,
    effects,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
export type Target = Awaited<ReturnType<typeof startTarget>>;

/** The seed's two-table example plus a third: A and B (origins) → C, each month a partition synced across them. */
export const month = (value: string) => [{ partition_name: 'ano_mes_referencia', value }];
export const MONTH_PARTITION = { name: 'ano_mes_referencia', type: 'int', is_required: true, sync_column: true };
