import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { AppError, NotFoundError } from '../kernel/errors.js';
import type { Metrics } from '../pipeline/metrics.js';
import { verifyToken } from '../kernel/token.js';
import { handle, parseWith } from './http.js';
import { auditOf } from './actor.js';
import type { AuditLog } from '../privacy/index.js';
import type { OpsViews, StoredEntry } from './ops-views.js';

export interface OpsDeps {
  views: OpsViews;
  metrics: Metrics;
  opsToken: string;
  /** Every read of a conversation, a state or pending actions is recorded in the privacy audit. */
  audit?: AuditLog;
}

/** One buffered message as the ops API shows it (the conversation endpoint and the privacy export alike). */
export const messageView = (e: StoredEntry) => ({
  role: e.role,
  text: e.text,
  at: new Date(e.at).toISOString(),
  meta: { ...e.meta, ...(e.outboxStatus ? { delivery_status: e.outboxStatus } : {}), ...(e.outboxError ? { delivery_error: e.outboxError } : {}) },
});

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
  const { views, metrics } = deps;
  const auth = requireBearer(deps.opsToken);
  const audit = auditOf(deps.audit);

  router.get(
    '/sessions/:id/state',
    auth,
    handle(async (req, res) => {
      const id = parseWith(sessionIdSchema, req.params.id, 'session id');
      const session = await views.session(id);
      await audit(req, res, 'session.state.read', { sessionId: id, details: { found: session !== null } });
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
      const entries = await views.conversation(id, q);
      await audit(req, res, 'session.conversation.read', { sessionId: id, details: { messages: entries.length } });
      res.json({ session_id: id, messages: entries.map(messageView) });
    }),
  );

  router.get(
    '/sessions/:id/pending-actions',
    auth,
    handle(async (req, res) => {
      const id = parseWith(sessionIdSchema, req.params.id, 'session id');
      const { actions, openActionId } = await views.pendingActions(id);
      await audit(req, res, 'session.pendingActions.read', { sessionId: id, details: { actions: actions.length } });
      res.json({ session_id: id, open_action_id: openActionId, actions });
    }),
  );

  router.get(
    '/debug/dynamo/tables',
    auth,
    handle(async (_req, res) => {
      res.json({ tables: await views.tables() });
    }),
  );

  router.get(
    '/metrics/sessions',
    auth,
    handle(async (_req, res) => {
      res.json(await views.sessionMetrics());
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
