import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createService, type ServiceOverrides } from '../../src/compose.js';
import { createFakeClock } from '../../src/kernel/clock.js';
import { createRecordingSender } from './recording-sender.js';
import { captureLogger } from './logs.js';
import { createTestEngine, createTestUnderstanding } from './test-engine.js';

export const OPS_TOKEN = 'test-ops-token-0123456789';
export const APP_SECRET = 'test-app-secret';
export const VERIFY_TOKEN = 'test-verify-token';

/** A backend peer that is never called by the test engine; calling it is a test failure. */
const unusedBackends = {
  call: async () => {
    throw new Error('the test engine makes no backend calls');
  },
};

/**
 * The real service (Express on a free port, the real pipeline and stores) on the run's DynamoDB
 * Local with fresh tables, a fake clock, captured logs, a recording sender and the test engine.
 */
export async function startTestService(
  options: {
    env?: Record<string, string>;
    overrides?: ServiceOverrides;
    prefix?: string;
    /** The real engine, rules understanding and the demo backend (instead of the test engine). */
    real?: boolean;
  } = {},
) {
  const prefix = options.prefix ?? `t${randomBytes(4).toString('hex')}_`;
  const config = loadConfig({
    DYNAMODB_ENDPOINT: inject('dynamoEndpoint'),
    TABLE_PREFIX: prefix,
    OPS_TOKEN,
    WHATSAPP_APP_SECRET: APP_SECRET,
    WHATSAPP_VERIFY_TOKEN: VERIFY_TOKEN,
    LOG_LEVEL: 'debug',
    // The engine's warm-up is for a deploy's first minute; test services start many times (its own test turns it on).
    WARM_UP_ROUNDS: '0',
    DYNAMODB_TURN_TRACE: 'true',
    ...options.env,
  });
  const clock = createFakeClock(Date.now());
  const { logger, lines } = captureLogger('debug');
  const sender = createRecordingSender();
  const test = createTestEngine();
  const understanding = createTestUnderstanding();
  const service = await createService(config, {
    clock,
    logger,
    sender,
    ...(options.real ? {} : { engine: test.engine, understanding: understanding.service, backends: unusedBackends }),
    sweepIntervalMs: null,
    ...options.overrides,
  });
  const { url, server } = await service.start(0);

  /** Sends a request and reads the body as JSON when it is JSON. */
  async function request(path: string, init: RequestInit) {
    const res = await fetch(`${url}${path}`, init);
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    return { status: res.status, headers: res.headers, body: json as Record<string, any> };
  }

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
    });

  const get = (path: string, token: string | null = OPS_TOKEN) => request(path, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  return { service, url, server, config, clock, lines, sender, test, understanding, prefix, post, get, stop: () => service.stop() };
}

export type TestService = Awaited<ReturnType<typeof startTestService>>;

/** A body for POST /webhook/ingest. */
export const ingestBody = (text: string, phone = '+5511999990001', id = `m-${randomBytes(6).toString('hex')}`) => ({
  message_id: id,
  phoneNumber: phone,
  text,
});
