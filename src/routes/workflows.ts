import { Router, type Request } from 'express';
import { z } from 'zod';
import { JOURNEY_STATUSES } from '../infra/stores/journey-store.js';
import type { Actor, RunRef, WorkflowService } from '../workflows/index.js';
import { handle, parseJsonBody, parseWith, rawBody } from './http.js';
import { requireBearer } from './ops.js';
import { actorOf, auditOf } from './actor.js';
import type { AuditLog } from '../privacy/index.js';

export interface WorkflowRoutesDeps {
  workflows: WorkflowService;
  opsToken: string;
  /** Every state-changing action is recorded in the privacy audit. */
  audit?: AuditLog;
}

const BODY_LIMIT = '256kb';
const workflowId = z.string().min(1).max(200);
const startBody = z.strictObject({
  type: z.string().min(1).max(64),
  input: z.unknown(),
  workflowId: workflowId.optional(),
  rerun: z.boolean().optional(),
});
const listQuery = z
  .strictObject({
    status: z.enum(JOURNEY_STATUSES).optional(),
    type: z.string().min(1).max(64).optional(),
    cursor: z.string().max(2_000).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
  })
  .refine((q) => q.status || q.type, { message: 'give status, type or both', path: ['status'] });
const historyQuery = z.strictObject({
  runId: z.string().min(1).max(64).optional(),
  cursor: z
    .string()
    .regex(/^\d{1,9}$/, 'an event id from nextCursor')
    .optional(),
  limit: z.coerce.number().int().min(1).max(1_000).default(100),
});
const terminateBody = z.strictObject({ reason: z.string().trim().min(1).max(500), compensate: z.boolean().optional() });
const resumeBody = z.strictObject({ fromStep: z.string().min(1).max(64).optional() });
const signalBody = z.strictObject({ name: z.string().min(1).max(64), payload: z.unknown().optional() });

const idOf = (req: Request) => parseWith(workflowId, req.params.id, 'workflow id');
const refOf = ({ workflowId, runId, status }: { workflowId: string; runId: string; status: string }) => ({ workflowId, runId, status });

/** `/workflows`: start, read, list, history, terminate, resume, signal; all behind the ops bearer token. */
export function workflowRoutes(deps: WorkflowRoutesDeps) {
  const router = Router();
  const { workflows } = deps;
  const audit = auditOf(deps.audit);
  router.use(['/workflows', '/workflow-types'], requireBearer(deps.opsToken));

  router.post(
    '/workflows',
    rawBody(BODY_LIMIT),
    handle(async (req, res) => {
      const body = parseJsonBody(req, startBody);
      const ref = await workflows.start(body, actorOf(req));
      await audit(req, res, 'workflow.start', { details: refOf(ref) });
      res.status(ref.created ? 201 : 200).json(refOf(ref));
    }),
  );

  router.get(
    '/workflows',
    handle(async (req, res) => {
      res.json(await workflows.list(parseWith(listQuery, req.query, 'query')));
    }),
  );

  router.get('/workflow-types', (_req, res) => {
    res.json({ types: workflows.types() });
  });

  router.get(
    '/workflows/:id',
    handle(async (req, res) => {
      res.json(await workflows.get(idOf(req)));
    }),
  );

  router.get(
    '/workflows/:id/history',
    handle(async (req, res) => {
      const id = idOf(req);
      res.json(await workflows.history(id, parseWith(historyQuery, req.query, 'query')));
    }),
  );

  /** A POST on one workflow: the body parsed with `schema`, one use-case call, the run answered. */
  function action<S extends z.ZodType>(verb: string, schema: S, call: (id: string, body: z.infer<S>, actor: Actor) => Promise<RunRef>, status = 200) {
    router.post(
      `/workflows/:id/${verb}`,
      rawBody(BODY_LIMIT),
      handle(async (req, res) => {
        const id = idOf(req);
        const ref = await call(id, parseJsonBody(req, schema), actorOf(req));
        await audit(req, res, `workflow.${verb}`, { details: refOf(ref) });
        res.status(status).json(refOf(ref));
      }),
    );
  }
  action('terminate', terminateBody, (id, body, actor) => workflows.terminate(id, body, actor));
  action('resume', resumeBody, (id, body, actor) => workflows.resume(id, body, actor), 201);
  action('signal', signalBody, (id, body, actor) => workflows.signal(id, body, actor));
  return router;
}
