import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../src/kernel/clock.js';
import { createTestDynamo, type TestDynamo } from '../support/dynamo.js';
import { startServerProcess } from '../support/server-process.js';
import { OPS_TOKEN, startTestService, type TestService } from '../support/service.js';
import { allHistory, lines, retryLines, untilStatus } from '../support/workflows.js';

const LEASE_MS = 2_000;

describe('a workflow worker killed mid-step', () => {
  let dynamo: TestDynamo;
  let rescuer: TestService | undefined;
  let server: ChildProcess | undefined;

  beforeAll(async () => {
    dynamo = await createTestDynamo();
  });
  afterAll(async () => {
    server?.kill('SIGKILL');
    await rescuer?.stop();
    dynamo?.destroy();
  });

  it('when the process running a step is SIGKILLed, then another instance takes the run over after the lease and finishes it from the last checkpoint', async () => {
    const first = await startServerProcess(dynamo, { WORKFLOW_LEASE_MS: String(LEASE_MS), WORKFLOW_POLL_MAX_MS: '100' });
    server = first.child;
    const started = await fetch(`${first.url}/workflows`, {
      method: 'POST',
      headers: { authorization: `Bearer ${OPS_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'order', input: { order_id: 'CRASH-1', _demo: { slowStep: 'EnrichData', ms: 1_500 } } }),
    });
    expect(started.status).toBe(201);
    const { workflowId } = (await started.json()) as { workflowId: string };

    // Another instance on the same tables, real clock; it waits while the first holds the run.
    rescuer = await startTestService({
      prefix: dynamo.prefix,
      overrides: { clock: systemClock },
      env: { WORKFLOW_LEASE_MS: String(LEASE_MS), WORKFLOW_POLL_MAX_MS: '100' },
    });
    const workflows = rescuer.service.workflows;
    await vi.waitFor(async () => expect((await workflows.service.get(workflowId)).steps[2].status).toBe('running'), { timeout: 30_000, interval: 20 });
    server.kill('SIGKILL');
    await new Promise((resolve) => server!.once('exit', resolve));

    const view = await untilStatus(workflows, workflowId, ['COMPLETED'], 30_000);
    expect(view.steps.map((s) => [s.name, s.attempts])).toEqual([
      ['ValidateInput', 1],
      ['ProcessData', 1],
      ['EnrichData', 2],
      ['SaveResults', 1],
      ['NotifyCompletion', 1],
    ]);
    const events = await allHistory(workflows, workflowId);
    const history = lines(events);
    expect(history.filter((l) => l.startsWith('ActivityTaskStarted ValidateInput') || l.startsWith('ActivityTaskStarted ProcessData'))).toHaveLength(2);
    const from = history.indexOf('ActivityTaskStarted EnrichData#1');
    expect(history.slice(from, from + 6)).toEqual([...retryLines('EnrichData', 1, 'ActivityTaskTimedOut'), 'ActivityTaskStarted EnrichData#2']);
    const workers = events.filter((e) => e.eventType === 'ActivityTaskStarted').map((e) => e.attributes.worker);
    expect(new Set(workers).size).toBe(2);
    expect(events.find((e) => e.eventType === 'ActivityTaskTimedOut')!.attributes).toMatchObject({ timeoutType: 'LEASE_EXPIRED', worker: workers[0] });
  }, 120_000);
});
