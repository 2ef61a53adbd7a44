import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPS_TOKEN, startTestService, type TestService } from '../support/service.js';
import { startTarget, type Target } from '../support/flux.js';

/** The /flux API with the seed's bodies: status codes, the error envelope, and that a refused request writes nothing. */
describe('flux HTTP API', () => {
  let t: TestService;
  let peer: Target;
  const auth = { authorization: `Bearer ${OPS_TOKEN}` };
  const post = (path: string, body: unknown) => t.post(`/flux${path}`, body, auth);
  const get = (path: string) => t.get(`/flux${path}`);
  const send = async (method: 'PUT' | 'DELETE', path: string, body?: unknown) => {
    const res = await fetch(`${urlOf()}/flux${path}`, {
      method,
      headers: { ...auth, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  let urlOf: () => string;
  /** How many items the FluxControl table holds (a test-only count). */
  const items = async () =>
    (await t.service.dynamo.doc.send(new ScanCommand({ TableName: `${t.prefix}FluxControl`, Select: 'COUNT', ConsistentRead: true }))).Count ?? 0;

  const SEED_TABLES = {
    data: [
      { name: 'tb_origem', description: 'origin', partitions: [{ name: 'ano_mes_referencia', type: 'int', is_required: true, sync_column: true }] },
      {
        name: 'tb_destino',
        requires_approval: true,
        partitions: [{ name: 'ano_mes_referencia', type: 'int', is_required: true, sync_column: true }],
        dependencies: [{ dependency_name: 'tb_origem', is_required: true }],
        tasks: [{ alias: 'carga', task_executor: 'api', params: '{"mes_anterior": {{ partitions.ano_mes_referencia | int - 1 }}}', debounce_seconds: 30 }],
      },
    ],
    user: 'ana',
  };

  beforeAll(async () => {
    peer = await startTarget();
    t = await startTestService({ overrides: { fluxSweepIntervalMs: null } });
    urlOf = () => `http://127.0.0.1:${(t.server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await t?.stop();
    await peer?.close();
  });

  it('when a request has no ops token, then 401 and nothing is written', async () => {
    const res = await t.post('/flux/tables', SEED_TABLES);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('auth.unauthorized');
    expect(await items()).toBe(0);
  });

  it('when the body is invalid, then 400 lists every problem in the error envelope and nothing is written', async () => {
    const before = await items();
    const res = await post('/tables', { data: [{ name: 'ok' }, { name: 'x y', requires_approval: 'yes', id: 3 }] });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('request.invalid');
    expect(res.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'user' })]));
    const items2 = await post('/tables', { data: [{ name: 'ok' }, { name: 'x y', requires_approval: 'yes', id: 3 }], user: 'ana' });
    expect(items2.body.error.details.map((d: { path: string }) => d.path)).toEqual(['data.1.name', 'data.1.requires_approval', 'data.1']);
    expect(JSON.stringify(items2.body)).not.toMatch(/stack|at .*\.ts/);
    const notJson = await t.post('/flux/register_execution', '{"data": [', auth);
    expect(notJson.status).toBe(400);
    expect(await items()).toBe(before);
  });

  it("when the seed's example is registered, reported, approved and run, then every answer has the seed's shape", async () => {
    const executor = await post('/task_executor', { alias: 'api', method: 'http', identification: peer.url });
    expect(executor).toMatchObject({
      status: 201,
      body: { message: 'All entities processed successfully.', details: [["Executor 'api' saved successfully.", 201]] },
    });
    const tables = await post('/tables', SEED_TABLES);
    expect(tables.status).toBe(201);
    expect(tables.body).toEqual({
      message: 'All entities processed successfully.',
      details: [
        ["Table 'tb_origem' saved successfully.", 201],
        ["Table 'tb_destino' saved successfully.", 201],
      ],
    });
    expect((await get('/tables')).body.data.map((x: { name: string }) => x.name)).toEqual(['tb_destino', 'tb_origem']);
    expect((await get('/tables/tb_destino')).body).toMatchObject({
      name: 'tb_destino',
      dependencies: [{ table: 'tb_origem', is_required: true }],
      created_by: 'ana',
    });
    expect((await get('/task_executor')).body.data).toEqual([expect.objectContaining({ alias: 'api', method: 'http' })]);

    const reported = await post('/register_execution', {
      data: [{ table_name: 'tb_origem', partitions: [{ partition_name: 'ano_mes_referencia', value: '202402' }], source: 'glue', report_id: 'r-1' }],
      user: 'ana',
    });
    expect(reported.status).toBe(201);
    expect(reported.body.details[0]).toMatchObject({ message: 'Execution registered successfully.', duplicate: false });
    expect((await get('/executions?table=tb_origem')).body.data).toEqual([expect.objectContaining({ report_id: 'r-1', source: 'glue' })]);

    const waiting = (await get('/task-schedules?status=waiting_approval')).body.data;
    expect(waiting).toEqual([expect.objectContaining({ table: 'tb_destino', task: 'carga', status: 'waiting_approval' })]);
    const [approval] = (await get('/approval-status?status=pending')).body.data;
    expect(approval).toMatchObject({ task_schedule_id: waiting[0].id, status: 'pending' });
    const approved = await post('/approve', { approval_status_id: approval.id, user: 'bruno' });
    expect(approved).toMatchObject({ status: 200, body: { message: 'Task approved successfully.' } });
    const again = await post('/reject', { approval_status_id: approval.id, user: 'carla' });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'flux.conflict', message: expect.stringContaining('already approved by bruno') });

    t.clock.advance(30_000);
    expect(await t.service.flux.sweepOnce()).toBe(1);
    expect(peer.received[0].body).toMatchObject({ table: 'tb_destino', payload: { mes_anterior: 202401 }, task_schedule_id: waiting[0].id });

    const run = await post('/run', { table_name: 'tb_destino', task_name: 'carga', partitions: { ano_mes_referencia: '202403' }, user: 'ana' });
    expect(run).toMatchObject({ status: 201, body: { message: 'Task processed successfully.', task_schedule_id: expect.any(String) } });
    expect((await get(`/task-schedules/${run.body.task_schedule_id}`)).body).toMatchObject({ status: 'pending', manual: { user: 'ana' } });
  });

  it('when names are unknown, then 404 in the error envelope', async () => {
    expect((await get('/tables/nope')).status).toBe(404);
    const report = await post('/register_execution', { data: [{ table_name: 'nope', partitions: [], source: 'glue' }], user: 'ana' });
    expect(report.status).toBe(404);
    expect(report.body.error.code).toBe('resource.notFound');
    expect((await post('/approve', { approval_status_id: 'nope', user: 'ana' })).status).toBe(404);
    expect((await post('/run', { table_name: 'nope', task_name: 'x' })).status).toBe(404);
  });

  it('when a table is updated to close a cycle, then 400 names it; when deleted, then it is gone from the list', async () => {
    await post('/tables', { data: [{ name: 'c1' }, { name: 'c2', dependencies: [{ table: 'c1' }] }], user: 'ana' });
    const cycle = await send('PUT', '/tables/c1', { data: { dependencies: [{ table: 'c2' }] }, user: 'ana' });
    expect(cycle.status).toBe(400);
    expect(cycle.body.error.details).toEqual([{ path: 'data.dependencies', message: 'dependency cycle: c1 → c2 → c1' }]);
    const update = await send('PUT', '/tables/c2', { data: { description: 'second' }, user: 'bruno' });
    expect(update).toMatchObject({ status: 200, body: { data: { description: 'second', dependencies: [], last_modified_by: 'bruno' } } });
    expect((await send('DELETE', '/tables/c2', { user: 'bruno' })).status).toBe(200);
    expect((await get('/tables/c2')).status).toBe(404);
    expect((await send('DELETE', '/tables/c2', { user: 'bruno' })).status).toBe(404);
  });

  it('when a query is invalid, then 400 (executions need their table)', async () => {
    expect((await get('/executions')).status).toBe(400);
    expect((await get('/task-schedules?status=done')).status).toBe(400);
  });
});
