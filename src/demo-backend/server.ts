import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { BACKEND_CONTRACTS, type BackendOperation } from '../contracts/backends.js';
import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/logger.js';
import { sleep } from '../kernel/retry.js';
import { createCounters, OPERATIONS, zeroCounters, type DemoCounters } from './counters.js';
import { DEMO_OPERATIONS, type OperationContext, type OperationResult } from './operations.js';
import { demoShiftIds, seedDemoData, seedTag, type DemoData, type DemoShiftIds } from './seed.js';

export interface DemoBackendOptions {
  clock: Clock;
  logger: Logger;
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Holds an injected late answer (`delayMs`); tests inject their own. Default: a real timer. */
  sleep?: (ms: number) => Promise<void>;
}

export interface DemoBackend {
  /** Base URL, e.g. "http://127.0.0.1:4010". */
  url: string;
  /** The URL of each operation, ready for `createBackends({ urls })` or the `LAMBDA_*` variables. */
  urls: Record<BackendOperation, string>;
  /** The ids of the seeded shifts (new ones after every `reset()`). */
  readonly ids: DemoShiftIds;
  /** Live counters per operation (also at `GET /__counters`). */
  counters: DemoCounters;
  /** A deep copy of the demo data (also at `GET /__state`). */
  snapshot(): DemoData;
  /** Reseeds the data from the clock and zeroes counters, dedup records and injected failures. */
  reset(): void;
  /** Makes the next `times` calls of `operation` fail with `status`, or answer after `delayMs`. */
  injectFailure(failure: FailureInjection): void;
  close(): Promise<void>;
}

const failureSchema = z.object({
  operation: z.enum(OPERATIONS as [BackendOperation, ...BackendOperation[]]),
  times: z.number().int().min(1).default(1),
  /** HTTP status to answer with; omitted with `delayMs` means "apply the call, answer late". */
  status: z.number().int().min(400).max(599).optional(),
  delayMs: z.number().int().min(0).max(60_000).optional(),
});
export type FailureInjection = z.input<typeof failureSchema>;

/** Operations whose effects are deduplicated; the two queries are answered fresh (see README of the report). */
const MUTATING: ReadonlySet<BackendOperation> = new Set(['updateWorkScheduleResponse', 'updateClinicalData', 'updatereportsummaryad', 'createNewSchedule']);

const MAX_BODY_BYTES = 1_000_000;

async function readBody(req: IncomingMessage): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/**
 * Starts a local HTTP server implementing the six backend contracts over seeded demo data, with
 * the documented side effects, Idempotency-Key deduplication, counters and failure injection.
 */
export async function createDemoBackend(options: DemoBackendOptions): Promise<DemoBackend> {
  const { clock } = options;
  const pause = options.sleep ?? sleep;
  const logger = options.logger.child({ component: 'demo-backend' });
  const counters = createCounters();
  let tag = seedTag(clock.now());
  let data = seedDemoData(clock.now(), tag);
  let sequence = 0;
  /** `${operation} ${key}` → the stored 2xx answer and the body it was for. */
  let replies = new Map<string, { requestBody: string; result: OperationResult }>();
  let failures = new Map<BackendOperation, { remaining: number; status?: number; delayMs?: number }>();
  let resets = 0;

  const reset = () => {
    // The reset count keeps shift ids new even for a reseed within the same millisecond.
    tag = `${seedTag(clock.now())}r${++resets}`;
    data = seedDemoData(clock.now(), tag);
    sequence = 0;
    replies = new Map();
    failures = new Map();
    zeroCounters(counters);
    logger.info('demo backend reseeded', { ...demoShiftIds(tag) });
  };

  const injectFailure = (input: FailureInjection) => {
    const f = failureSchema.parse(input);
    failures.set(f.operation, { remaining: f.times, status: f.status ?? (f.delayMs === undefined ? 500 : undefined), delayMs: f.delayMs });
  };

  const takeFailure = (operation: BackendOperation) => {
    const f = failures.get(operation);
    if (!f) return undefined;
    if (--f.remaining <= 0) failures.delete(operation);
    return f;
  };

  async function handleOperation(operation: BackendOperation, req: IncomingMessage, res: ServerResponse) {
    const count = counters[operation];
    count.calls++;
    const raw = await readBody(req);
    const injected = takeFailure(operation);
    const delay = () => (injected?.delayMs ? pause(injected.delayMs) : Promise.resolve());
    if (injected?.status !== undefined) {
      count.injectedFailures++;
      await delay();
      logger.info('demo backend injected failure', { operation, status: injected.status });
      return send(res, injected.status, { error: 'injected failure' });
    }

    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      return send(res, 400, { error: 'invalid JSON' });
    }
    const keyHeader = req.headers['idempotency-key'];
    const key = MUTATING.has(operation) && typeof keyHeader === 'string' && keyHeader ? `${operation} ${keyHeader}` : undefined;
    const stored = key ? replies.get(key) : undefined;
    if (stored) {
      if (stored.requestBody !== JSON.stringify(body)) {
        return send(res, 422, { error: 'Idempotency-Key reused with a different body' });
      }
      count.dedupHits++;
      logger.info('demo backend replayed a duplicate', { operation });
      await delay();
      return send(res, stored.result.status, stored.result.body, { 'idempotent-replayed': 'true' });
    }

    const parsed = BACKEND_CONTRACTS[operation].request.safeParse(body);
    if (!parsed.success) {
      return send(res, 400, {
        error: 'invalid request',
        details: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
      });
    }
    const ctx: OperationContext = {
      now: clock.now(),
      newId: (prefix) => `${prefix}-${tag}-${++sequence}`,
      effect: (name, fields, effectOptions) => {
        count.effects++;
        count.notifications += effectOptions?.notifications ?? 0;
        logger.info(`demo backend effect: ${name}`, { operation, effect: name, ...fields });
      },
    };
    const handler = DEMO_OPERATIONS[operation] as (d: DemoData, r: unknown, c: OperationContext) => OperationResult;
    const result = handler(data, parsed.data, ctx);
    // Only successes are remembered: a retry after an error must be able to succeed.
    if (key && result.status >= 200 && result.status < 300) replies.set(key, { requestBody: JSON.stringify(body), result });
    // Injected delay comes after the effect: the "answer lost after commit" case a retry must survive.
    await delay();
    send(res, result.status, result.body);
  }

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const route = async () => {
      if (req.method === 'GET' && path === '/__counters') return send(res, 200, counters);
      if (req.method === 'GET' && path === '/__state') return send(res, 200, data);
      if (req.method === 'POST' && path === '/__reset') {
        await readBody(req);
        reset();
        return send(res, 200, { ok: true });
      }
      if (req.method === 'POST' && path === '/__fail') {
        let input: unknown;
        try {
          input = JSON.parse((await readBody(req)) || '{}');
        } catch {
          input = undefined;
        }
        const parsed = failureSchema.safeParse(input);
        if (!parsed.success) return send(res, 400, { error: 'expected {operation, times, status?, delayMs?}' });
        injectFailure(parsed.data);
        return send(res, 200, { ok: true });
      }
      const operation = path.slice(1) as BackendOperation;
      if (!OPERATIONS.includes(operation)) return send(res, 404, { error: 'not found' });
      if (req.method !== 'POST') return send(res, 405, { error: 'use POST' });
      return handleOperation(operation, req, res);
    };
    route().catch((error: unknown) => {
      logger.error('demo backend request failed', { path, error });
      if (!res.headersSent) send(res, 500, { error: 'internal error' });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${options.host ?? '127.0.0.1'}:${port}`;
  const urls = Object.fromEntries(OPERATIONS.map((op) => [op, `${url}/${op}`])) as Record<BackendOperation, string>;
  logger.info('demo backend listening', { url });

  return {
    url,
    urls,
    get ids() {
      return demoShiftIds(tag);
    },
    counters,
    snapshot: () => structuredClone(data),
    reset,
    injectFailure,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Delayed answers and keep-alive sockets must not hold the close open.
        server.closeAllConnections();
      }),
  };
}
