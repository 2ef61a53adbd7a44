import { Router, type Request } from 'express';
import { z } from 'zod';
import { APPROVAL_STATUSES, SCHEDULE_STATUSES, type FluxService } from '../flux/index.js';
import { decisionSchema, nameSchema, runSchema, userSchema } from '../flux/model.js';
import { handle, parseJsonBody, parseWith, rawBody } from './http.js';
import { requireBearer } from './ops.js';

export interface FluxRoutesDeps {
  flux: FluxService;
  opsToken: string;
}

const BODY_LIMIT = '2mb';
/** The seed's batch body: `{data: item | [items], user}`. */
const batchBody = z.strictObject({
  data: z.union([z.array(z.unknown()).min(1).max(2_000), z.record(z.string(), z.unknown())]),
  user: userSchema,
});
const tableBody = z.strictObject({ data: z.record(z.string(), z.unknown()), user: userSchema });
const deleteBody = z.strictObject({ user: userSchema }).partial();
const limit = z.coerce.number().int().min(1).max(1_000).default(100);
const executionsQuery = z.strictObject({
  table: nameSchema,
  since: z.iso.datetime({ offset: true }).optional(),
  limit,
});
const schedulesQuery = z.strictObject({ status: z.enum(SCHEDULE_STATUSES).optional(), limit });
const approvalsQuery = z.strictObject({ status: z.enum(APPROVAL_STATUSES).optional(), limit });

const list = (data: unknown): unknown[] => (Array.isArray(data) ? (data as unknown[]) : [data]);
const nameOf = (req: Request) => parseWith(nameSchema, req.params.name, 'table name');
/** Who acts when a body names nobody: the caller's `X-Actor`, else the ops token's holder. */
const actorOf = (req: Request) =>
  req
    .header('x-actor')
    ?.replace(/[^\w .@-]/g, '')
    .slice(0, 64) || 'ops';

/** `/flux`: flux control with the seed's bodies; all behind the ops bearer token. */
export function fluxRoutes(deps: FluxRoutesDeps) {
  const router = Router();
  const { flux } = deps;
  router.use('/flux', requireBearer(deps.opsToken));

  router.post(
    '/flux/tables',
    rawBody(BODY_LIMIT),
    handle(async (req, res) => {
      const body = parseJsonBody(req, batchBody);
      res.status(201).json(await flux.registerTables(list(body.data), body.user));
    }),
  );
  router.get(
    '/flux/tables',
    handle(async (_req, res) => {
      res.json({ data: await flux.listTables() });
    }),
  );
  router.get(
    '/flux/tables/:name',
    handle(async (req, res) => {
      res.json(await flux.getTable(nameOf(req)));
    }),
  );
  router.put(
    '/flux/tables/:name',
    rawBody(BODY_LIMIT),
    handle(async (req, res) => {
      const name = nameOf(req);
      const body = parseJsonBody(req, tableBody);
      res.json({ message: `Table '${name}' saved successfully.`, data: await flux.updateTable(name, body.data, body.user) });
    }),
  );
  router.delete(
    '/flux/tables/:name',
    rawBody(BODY_LIMIT),
    handle(async (req, res) => {
      const name = nameOf(req);
      const body = Buffer.isBuffer(req.body) && req.body.length ? parseJsonBody(req, deleteBody) : {};
      res.json(await flux.deleteTable(name, body.user ?? actorOf(req)));
    }),
  );

  router.post(
    '/flux/task_executor',
    rawBody(BODY_LIMIT),
    handle(async (req, res) => {
      const body = parseJsonBody(req, z.record(z.string(), z.unknown()));
      if ('data' in body) {
        const batch = parseWith(batchBody, body, 'body');
        return res.status(201).json(await flux.registerExecutors(list(batch.data), batch.user));
      }
      // The seed also takes the executor itself, with an optional user.
      const { user, ...executor } = body;
      const actor = parseWith(userSchema.optional(), user, 'user') ?? actorOf(req);
      return res.status(201).json(await flux.registerExecutors([executor], actor));
    }),
  );
  router.get(
    '/flux/task_executor',
    handle(async (_req, res) => {
      res.json({ data: await flux.listExecutors() });
    }),
  );

  router.post(
    '/flux/register_execution',
    rawBody(BODY_LIMIT),
    handle(async (req, res) => {
      const body = parseJsonBody(req, batchBody);
      res.status(201).json(await flux.registerExecutions(list(body.data)));
    }),
  );
  router.get(
    '/flux/executions',
    handle(async (req, res) => {
      const q = parseWith(executionsQuery, req.query, 'query');
      res.json({ data: await flux.executions(q.table, q.since && new Date(q.since).toISOString(), q.limit) });
    }),
  );

  router.get(
    '/flux/task-schedules',
    handle(async (req, res) => {
      const q = parseWith(schedulesQuery, req.query, 'query');
      res.json({ data: await flux.schedules(q.status, q.limit) });
    }),
  );
  router.get(
    '/flux/task-schedules/:id',
    handle(async (req, res) => {
      res.json(await flux.getSchedule(parseWith(z.string().min(1).max(64), req.params.id, 'schedule id')));
    }),
  );

  for (const decision of ['approve', 'reject'] as const)
    router.post(
      `/flux/${decision}`,
      rawBody(BODY_LIMIT),
      handle(async (req, res) => {
        const body = parseJsonBody(req, decisionSchema);
        res.json(await flux[decision](body.approval_status_id, body.user));
      }),
    );
  router.get(
    '/flux/approval-status',
    handle(async (req, res) => {
      const q = parseWith(approvalsQuery, req.query, 'query');
      res.json({ data: await flux.approvals(q.status, q.limit) });
    }),
  );

  router.post(
    '/flux/run',
    rawBody(BODY_LIMIT),
    handle(async (req, res) => {
      const body = parseJsonBody(req, runSchema);
      res.status(201).json(await flux.run(body, actorOf(req)));
    }),
  );
  return router;
}
