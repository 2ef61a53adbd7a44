import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { describeTables } from '../infra/dynamo/ensure-tables.js';
import { AppError, NotFoundError } from '../kernel/errors.js';
import type { Stores } from '../infra/stores/index.js';
import { byLabel, quantiles, total, type Metrics } from '../pipeline/metrics.js';
import { verifyToken } from '../kernel/token.js';
import { handle, parseWith } from './http.js';

export interface OpsDeps {
  stores: Stores<unknown>;
  metrics: Metrics;
  client: DynamoDBClient;
  tablePrefix: string;
  opsToken: string;
  /** DynamoDB requests per operation and table since start (from the client middleware). */
  dynamoRequests: () => { requests: number; byOperation: Record<string, number>; byTable: Record<string, number> };
}

/** Bearer-token guard for every ops route (constant-time compare). */
export function requireBearer(token: string): RequestHandler {
  return (req, _res, next) => {
    const header = req.header('authorization') ?? '';
    const presented = header.startsWith('Bearer ') ? header.slice(7) : '';
    next(verifyToken(presented, token) ? undefined : new AppError('auth.unauthorized', 'a valid Authorization: Bearer token is required'));
  };
}

const sessionIdSchema = z.string().regex(/^\d{8,15}$/, 'a session id is the phone in digits');
const time = z.union([z.coerce.number().int().nonnegative(), z.iso.datetime().transform((s) => Date.parse(s))]);
const conversationQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  since: time.optional(),
  until: time.optional(),
});

/** Debug and metrics endpoints, all behind the ops bearer token. */
export function opsRoutes(deps: OpsDeps) {
  const router = Router();
  const { stores, metrics } = deps;
  const auth = requireBearer(deps.opsToken);

  router.get(
    '/sessions/:id/state',
    auth,
    handle(async (req, res) => {
      const id = parseWith(sessionIdSchema, req.params.id, 'session id');
      const session = await stores.sessions.get(id);
      if (!session) throw new NotFoundError(`no session ${id}`);
      res.json({ session_id: id, version: session.version, state: session.state, updated_at: session.updatedAt });
    }),
  );

  router.get(
    '/sessions/:id/conversation',
    auth,
    handle(async (req, res) => {
      const id = parseWith(sessionIdSchema, req.params.id, 'session id');
      const q = parseWith(conversationQuery, req.query, 'query');
      const entries =
        q.since !== undefined || q.until !== undefined
          ? await stores.buffer.listRange(id, q.since ?? 0, q.until ?? Date.UTC(9999, 0), q.limit)
          : await stores.buffer.listLast(id, q.limit);
      res.json({
        session_id: id,
        messages: entries.map((e) => ({
          role: e.role,
          text: e.text,
          at: new Date(e.at).toISOString(),
          meta: { ...e.meta, ...(e.outboxStatus ? { delivery_status: e.outboxStatus } : {}), ...(e.outboxError ? { delivery_error: e.outboxError } : {}) },
        })),
      });
    }),
  );

  router.get(
    '/sessions/:id/pending-actions',
    auth,
    handle(async (req, res) => {
      const id = parseWith(sessionIdSchema, req.params.id, 'session id');
      const [actions, open] = await Promise.all([stores.pendingActions.listBySession(id), stores.pendingActions.getOpen(id)]);
      res.json({ session_id: id, open_action_id: open?.actionId ?? null, actions });
    }),
  );

  router.get(
    '/debug/dynamo/tables',
    auth,
    handle(async (_req, res) => {
      res.json({ tables: await describeTables(deps.client, deps.tablePrefix) });
    }),
  );

  router.get(
    '/metrics/sessions',
    auth,
    handle(async (_req, res) => {
      const [messagesIn, repliesOut, duplicates, conflicts, lockWaits, failed, latency, lockWait, requests, roundTrips, sessionReads, open] = await Promise.all(
        [
          total(metrics.messagesIn),
          total(metrics.repliesOut),
          total(metrics.duplicatesDropped),
          total(metrics.conflicts),
          total(metrics.lockWaits),
          total(metrics.turnsFailed),
          quantiles(metrics.turnLatency),
          quantiles(metrics.lockWaitLatency),
          quantiles(metrics.turnRequests),
          quantiles(metrics.turnRoundTrips),
          byLabel(metrics.sessionReads, 'source'),
          stores.pendingActions.countByStatus(),
        ],
      );
      res.json({
        messages_in: messagesIn,
        replies_out: repliesOut,
        duplicates_dropped: duplicates,
        conflicts_409: conflicts,
        lock_waits: lockWaits,
        turns_failed: failed,
        turn_latency_ms: latency,
        lock_wait_ms: lockWait,
        dynamodb_requests_per_turn: requests,
        dynamodb_round_trips_per_turn: roundTrips,
        session_reads: { cache: sessionReads.cache ?? 0, read: sessionReads.read ?? 0, reread: sessionReads.reread ?? 0 },
        open_pending_actions: open,
        dynamodb_requests: deps.dynamoRequests(),
      });
    }),
  );

  router.get(
    '/metrics',
    auth,
    handle(async (_req, res) => {
      res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    }),
  );
  return router;
}
