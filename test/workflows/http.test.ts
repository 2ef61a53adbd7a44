import { QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPS_TOKEN, startTestService, type TestService } from '../support/service.js';
import { untilStatus } from '../support/workflows.js';

/** The /workflows API over HTTP: status codes, the error envelope, and that a refused request writes nothing. */
describe('workflow HTTP API', () => {
  let t: TestService;
  const auth = { authorization: `Bearer ${OPS_TOKEN}` };
  const post = (path: string, body: unknown) => t.post(path, body, auth);
  const table = () => `${t.prefix}JourneyControl`;
  /** Workflow headers in the table (running workflows add history items, never headers). */
  const headers = async () =>
    (
      await t.service.dynamo.doc.send(
        new ScanCommand({ TableName: table(), FilterExpression: 'sk = :h', ExpressionAttributeValues: { ':h': 'journey' }, Select: 'COUNT' }),
      )
    ).Count;
  /** Every item of one workflow (header and history). */
  const itemsOf = async (workflowId: string) =>
    (
      await t.service.dynamo.doc.send(
        new QueryCommand({ TableName: table(), KeyConditionExpression: 'journeyId = :id', ExpressionAttributeValues: { ':id': workflowId }, Select: 'COUNT' }),
      )
    ).Count;

  beforeAll(async () => {
    t = await startTestService({ env: { WORKFLOW_POLL_MAX_MS: '50' } });
  });
  afterAll(() => t?.stop());

  it('when a request has no ops token, then 401 and nothing is started', async () => {
    const res = await t.post('/workflows', { type: 'order', input: { order_id: 'NOAUTH' } });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('auth.unauthorized');
    expect((await t.get('/workflows/order:NOAUTH')).status).toBe(404);
  });

  it('when an order is started, then 201; the same again 200 with the same run; other input 409', async () => {
    const first = await post('/workflows', { type: 'order', input: { order_id: 'H-1', items: [] } });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ workflowId: 'order:H-1', runId: expect.stringMatching(/^[0-9A-Z]{26}$/), status: 'RUNNING' });
    const again = await post('/workflows', { type: 'order', input: { items: [], order_id: 'H-1' } });
    expect(again.status).toBe(200);
    expect(again.body.runId).toBe(first.body.runId);
    const other = await post('/workflows', { type: 'order', input: { order_id: 'H-1', items: [{ sku: 'X', quantity: 1 }] } });
    expect(other.status).toBe(409);
    expect(other.body.error).toMatchObject({ code: 'workflow.inputMismatch', details: { workflowId: 'order:H-1', runId: first.body.runId } });
  });

  it('when the type is unknown and the input invalid, then 400 lists every problem and nothing is written', async () => {
    const before = await headers();
    const unknown = await post('/workflows', { type: 'nope', input: {} });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details).toEqual([
      { path: 'type', message: expect.stringContaining('unknown workflow type "nope"; known: consolidation, order') },
    ]);
    const invalid = await post('/workflows', {
      type: 'order',
      input: { order_id: '', items: [{ quantity: -1 }], _demo: { failStep: 'Nope' } },
      workflowId: 'bad id!',
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.details.map((d: { path: string }) => d.path)).toEqual([
      'input.order_id',
      'input.items.0.sku',
      'input.items.0.quantity',
      'input._demo.failStep',
      'workflowId',
    ]);
    const badJson = await t.post('/workflows', '{"type":', auth);
    expect(badJson.status).toBe(400);
    const extra = await post('/workflows', { type: 'order', input: {}, surprise: 1 });
    expect(extra.status).toBe(400);
    const consolidation = await post('/workflows', { type: 'consolidation', input: { config: '/nonexistent.json', table: 't' } });
    expect(consolidation.status).toBe(400);
    expect(consolidation.body.error.details[0]).toMatchObject({ path: 'input.config', message: expect.stringContaining('cannot be read') });
    expect(await headers()).toBe(before);
  });

  it('when actions do not fit the run (resume running, unknown step, terminate or signal a finished one, unknown id), then 4xx and nothing is written', async () => {
    const started = await post('/workflows', { type: 'order', input: { order_id: 'H-2', _demo: { waitStep: 'ValidateInput' } } });
    const id = encodeURIComponent(started.body.workflowId);
    await untilStatus(t.service.workflows, 'order:H-2', ['WAITING']);
    const before = await itemsOf('order:H-2');
    expect((await post(`/workflows/${id}/resume`, {})).body.error.code).toBe('workflow.notResumable');
    expect((await post(`/workflows/${id}/signal`, { name: 'bad name' })).status).toBe(400);
    expect((await post(`/workflows/${id}/terminate`, { reason: '' })).status).toBe(400);
    expect((await post('/workflows/order%3ANOPE/terminate', { reason: 'x' })).status).toBe(404);
    expect((await post('/workflows/order%3ANOPE/resume', {})).status).toBe(404);
    expect(await itemsOf('order:H-2')).toBe(before);

    const terminated = await post(`/workflows/${id}/terminate`, { reason: 'test over' });
    expect(terminated).toMatchObject({ status: 200, body: { workflowId: 'order:H-2', status: 'TERMINATED' } });
    const after = await itemsOf('order:H-2');
    const unknownStep = await post(`/workflows/${id}/resume`, { fromStep: 'Nope' });
    expect(unknownStep).toMatchObject({
      status: 400,
      body: { error: { code: 'workflow.unknownStep', details: { steps: ['ValidateInput', 'ProcessData', 'EnrichData', 'SaveResults', 'NotifyCompletion'] } } },
    });
    expect((await post(`/workflows/${id}/terminate`, { reason: 'again' })).body.error.code).toBe('workflow.finished');
    expect((await post(`/workflows/${id}/signal`, { name: 'approve' })).status).toBe(409);
    expect(await itemsOf('order:H-2')).toBe(after);
  });

  it('when workflows are listed by status or type, then they come from the indexes page by page; neither filter is a 400', async () => {
    for (const n of [1, 2, 3]) await post('/workflows', { type: 'order', input: { order_id: `L-${n}` } });
    for (const n of [1, 2, 3]) await untilStatus(t.service.workflows, `order:L-${n}`, ['COMPLETED']);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await t.get(`/workflows?type=order&status=COMPLETED&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.workflows.map((w: { workflowId: string }) => w.workflowId));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(expect.arrayContaining(['order:L-1', 'order:L-2', 'order:L-3']));
    const byStatus = await t.get('/workflows?status=COMPLETED');
    expect(byStatus.body.workflows.every((w: { status: string }) => w.status === 'COMPLETED')).toBe(true);
    expect((await t.get('/workflows')).status).toBe(400);
    expect((await t.get('/workflows?status=DONE')).status).toBe(400);
    expect((await t.get('/workflows?type=order&cursor=notacursor')).body.error.code).toBe('request.invalid');
  });

  it('when a workflow and its history are read, then the view shows each step and the history pages by event id', async () => {
    await post('/workflows', { type: 'order', input: { order_id: 'R-1' } });
    await untilStatus(t.service.workflows, 'order:R-1', ['COMPLETED']);
    const view = await t.get('/workflows/order%3AR-1');
    expect(view.body).toMatchObject({
      workflowId: 'order:R-1',
      type: 'order',
      status: 'COMPLETED',
      steps: expect.arrayContaining([expect.objectContaining({ name: 'SaveResults', status: 'completed', attempts: 1 })]),
    });
    const page = await t.get('/workflows/order%3AR-1/history?limit=4');
    expect(page.body.events.map((e: { eventId: number }) => e.eventId)).toEqual([1, 2, 3, 4]);
    const next = await t.get(`/workflows/order%3AR-1/history?limit=4&cursor=${page.body.nextCursor}`);
    expect(next.body.events[0].eventId).toBe(5);
    expect((await t.get('/workflows/order%3AR-1/history?runId=NOPE')).status).toBe(404);
    const types = await t.get('/workflow-types');
    expect(types.body.types.map((x: { type: string }) => x.type)).toEqual(['consolidation', 'order', 'privacy-erasure']);
  });
});
