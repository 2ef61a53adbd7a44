import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/kernel/logger.js';
import { createMetaCloudSender, type MetaCloudSenderOptions } from '../../../src/channels/meta/sender.js';
import { graphError, startFakeGraphApi, type FakeGraphApi } from '../../support/fake-graph-api.js';
import { createCapturingLogger } from '../../support/capture-logger.js';
import { manualTimeouts } from '../../support/events.js';

const PHONE = '5511999990001';
const TEXT = 'Seus sinais vitais foram salvos.';

describe('MetaCloudSender against a fake Graph API', () => {
  let graph: FakeGraphApi;
  let sleeps: number[];

  beforeEach(async () => {
    graph = await startFakeGraphApi();
    sleeps = [];
  });
  afterEach(async () => {
    await graph.close();
  });

  const sender = (overrides: Partial<MetaCloudSenderOptions> = {}) =>
    createMetaCloudSender({
      graphUrl: `${graph.url}/`,
      apiVersion: 'v21.0',
      phoneNumberId: '106540352242922',
      accessToken: 'EAAG-test-token',
      logger: createLogger({ silent: true }),
      retry: { maxAttempts: 4, initialDelayMs: 100, maxDelayMs: 1000 },
      sleep: async (ms) => void sleeps.push(ms),
      random: () => 0.5,
      ...overrides,
    });

  it('when built, then it states the longest a send can take: every attempt to its timeout plus the longest backoffs', () => {
    expect(sender({ timeoutMs: 2_000 }).maxSendMs).toBe(4 * 2_000 + 3 * 1_000);
  });

  it('when a text reply is sent, then one POST with the bearer token and the text body, and the wamid comes back', async () => {
    const result = await sender().send({ to: PHONE, outboxId: '01JOUTBOX1', reply: { text: TEXT } });

    expect(result).toEqual({ status: 'sent', providerMessageId: 'wamid.FAKE000001', attempts: 1 });
    expect(graph.requests).toHaveLength(1);
    const [req] = graph.requests;
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/v21.0/106540352242922/messages');
    expect(req.headers.authorization).toBe('Bearer EAAG-test-token');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.body).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: PHONE,
      type: 'text',
      text: { body: TEXT, preview_url: false },
      biz_opaque_callback_data: '01JOUTBOX1',
    });
  });

  it('when the reply has yes/no buttons, then an interactive button message is posted', async () => {
    await sender().send({
      to: PHONE,
      outboxId: 'o2',
      reply: {
        text: 'Confirma sua presença no plantão?',
        buttons: [
          { id: 'yes', title: 'Sim' },
          { id: 'no', title: 'Não' },
        ],
      },
    });
    expect(graph.requests[0].body).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: PHONE,
      type: 'interactive',
      interactive: {
        type: 'button',
        body: { text: 'Confirma sua presença no plantão?' },
        action: {
          buttons: [
            { type: 'reply', reply: { id: 'yes', title: 'Sim' } },
            { type: 'reply', reply: { id: 'no', title: 'Não' } },
          ],
        },
      },
      biz_opaque_callback_data: 'o2',
    });
  });

  it('when Graph answers 500, then 429, then 130429, then 200, then it retries with growing backoff and succeeds', async () => {
    graph.script({ status: 500, body: { error: { message: 'oops', code: 2 } } }, { status: 429 }, graphError(130429, { status: 400 }));

    const result = await sender().send({ to: PHONE, outboxId: 'o3', reply: { text: TEXT } });

    expect(result).toEqual({ status: 'sent', providerMessageId: 'wamid.FAKE000004', attempts: 4 });
    expect(graph.requests).toHaveLength(4);
    // Same body every time: the retry does not change the message or its correlation id.
    expect(new Set(graph.requests.map((r) => r.rawBody)).size).toBe(1);
    // Equal jitter with random=0.5 → 75 % of the cap: caps 100, 200, 400.
    expect(sleeps).toEqual([75, 150, 300]);
  });

  it('when a 429 carries Retry-After, then the wait honours it up to the policy cap', async () => {
    graph.script(
      { ...graphError(130429, { status: 429 }), headers: { 'retry-after': '0' } },
      { ...graphError(130429, { status: 429 }), headers: { 'retry-after': '60' } },
    );

    const result = await sender().send({ to: PHONE, outboxId: 'o3b', reply: { text: TEXT } });

    expect(result).toMatchObject({ status: 'sent', attempts: 3 });
    expect(sleeps).toEqual([75, 1000]);
  });

  it('when throughput errors outlast the attempts, then failed with code 130429 and retryable true', async () => {
    graph.script(...Array.from({ length: 4 }, () => graphError(130429, { status: 429 })));

    const result = await sender().send({ to: PHONE, outboxId: 'o4', reply: { text: TEXT } });

    expect(result).toEqual({ status: 'failed', code: 130429, reason: 'throughput_limit', retryable: true, attempts: 4 });
    expect(graph.requests).toHaveLength(4);
    expect(sleeps).toHaveLength(3);
  });

  it('when Graph answers 400 invalid parameter, then a terminal failure with its code after one request', async () => {
    graph.script(graphError(100, { message: '(#100) Invalid parameter' }));

    const result = await sender().send({ to: PHONE, outboxId: 'o5', reply: { text: TEXT } });

    expect(result).toEqual({ status: 'failed', code: 100, reason: 'invalid_parameter', retryable: false, attempts: 1 });
    expect(graph.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('when the 24-hour window is closed (131047), then failed with reason outside_24h_window and no retry', async () => {
    graph.script(graphError(131047, { message: 'Re-engagement message' }));

    const result = await sender().send({ to: PHONE, outboxId: 'o6', reply: { text: TEXT } });

    expect(result).toEqual({ status: 'failed', code: 131047, reason: 'outside_24h_window', retryable: false, attempts: 1 });
    expect(graph.requests).toHaveLength(1);
  });

  it('when the connection drops after the request was sent, then failed outcome_unknown without a blind retry', async () => {
    graph.script({ destroy: true });

    const result = await sender().send({ to: PHONE, outboxId: 'o7', reply: { text: TEXT } });

    expect(result).toMatchObject({ status: 'failed', reason: 'outcome_unknown', retryable: true, attempts: 1 });
    expect(graph.requests).toHaveLength(1);
  });

  it('when Graph does not answer within the timeout, then failed with code timeout and no retry', async () => {
    graph.script({ hold: true });
    const timeouts = manualTimeouts();
    const arrived = once(graph.events, 'request');

    const sending = sender({ timeoutMs: 100, timeoutSignal: timeouts.signal }).send({ to: PHONE, outboxId: 'o8', reply: { text: TEXT } });
    await arrived;
    timeouts.expire();
    const result = await sending;

    expect(result).toEqual({ status: 'failed', code: 'timeout', reason: 'outcome_unknown', retryable: true, attempts: 1 });
  });

  it('when the connection is refused, then it retries (nothing left the process) and reports failed retryable', async () => {
    const closedUrl = await new Promise<string>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const { port } = s.address() as AddressInfo;
        s.close(() => resolve(`http://127.0.0.1:${port}`));
      });
    });

    const result = await sender({ graphUrl: closedUrl, retry: { maxAttempts: 3, initialDelayMs: 10, maxDelayMs: 10 } }).send({
      to: PHONE,
      outboxId: 'o9',
      reply: { text: TEXT },
    });

    expect(result).toEqual({ status: 'failed', code: 'ECONNREFUSED', reason: 'connection_failed', retryable: true, attempts: 3 });
    expect(sleeps).toHaveLength(2);
  });

  it('when sending with retries and failures, then info/warn logs contain no phone number and no message text', async () => {
    const { logger, lines } = createCapturingLogger('info');
    graph.script({ status: 503 }, graphError(131047, { message: `Cannot send to ${PHONE}` }));

    await sender({ logger }).send({ to: PHONE, outboxId: 'o10', reply: { text: TEXT } });
    await sender({ logger }).send({ to: PHONE, outboxId: 'o11', reply: { text: TEXT } });

    const dump = JSON.stringify(lines());
    expect(lines().map((l) => l.message)).toEqual(['meta.send.retry', 'meta.send.failed', 'meta.send.sent']);
    expect(dump).not.toContain(PHONE);
    expect(dump).not.toContain(TEXT);
  });
});
