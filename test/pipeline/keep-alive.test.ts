import { Agent, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestBody, startTestService, type TestService } from '../support/service.js';

/** Node's own idle keep-alive timeout (5 s, closed about a second later), which closes a connection a load balancer still reuses. */
const NODE_DEFAULT_CLOSE_MS = 6_000;

describe('HTTP keep-alive behind a load balancer', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService();
  });
  afterAll(() => t.stop());

  /** A client that keeps connections alive like a load balancer, counting the sockets it opens. */
  function balancer(maxSockets: number) {
    const agent = new Agent({ keepAlive: true, maxSockets });
    let opened = 0;
    const create = agent.createConnection.bind(agent);
    agent.createConnection = (...args: Parameters<typeof create>) => {
      opened++;
      return create(...args);
    };
    const send = (method: 'GET' | 'POST', path: string, body?: string, headers: Record<string, string> = {}) =>
      new Promise<number>((resolve, reject) => {
        const req = request(`${t.url}${path}`, { method, agent, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.end(body);
      });
    return { agent, send, opened: () => opened };
  }

  it('when started, then idle connections outlive a 60 s balancer and headers may take longer still (HTTP_KEEP_ALIVE_TIMEOUT_MS, HTTP_HEADERS_TIMEOUT_MS)', () => {
    expect(t.server.keepAliveTimeout).toBe(65_000);
    expect(t.server.headersTimeout).toBe(66_000);
    expect(t.server.headersTimeout).toBeGreaterThan(t.server.keepAliveTimeout);
  });

  it("when a keep-alive client sends many requests over 2 sockets, pausing longer than Node's default idle timeout, then none is reset and the sockets are reused", async () => {
    const lb = balancer(2);
    const burst = async (round: number) => {
      const statuses: number[] = [];
      for (let i = 0; i < 30; i++) {
        // Mostly cheap requests, with a real turn every few, two at a time (one per socket).
        const second =
          i % 6 === 0
            ? lb.send('POST', '/webhook/ingest', JSON.stringify(ingestBody(`ka ${round}-${i}`, `+55119777${String(round * 100 + i).padStart(5, '0')}`)), {
                'X-Idempotency-Key': `ka-${round}-${i}`,
              })
            : lb.send('GET', '/healthz');
        statuses.push(...(await Promise.all([lb.send('GET', '/healthz'), second])));
      }
      return statuses;
    };
    const first = await burst(1);
    // The idle gap is the behaviour under test (a balancer keeps connections idle this long): real time.
    await new Promise((resolve) => setTimeout(resolve, NODE_DEFAULT_CLOSE_MS + 1_000));
    const second = await burst(2);
    lb.agent.destroy();
    expect([...first, ...second].every((s) => s === 200)).toBe(true);
    expect(lb.opened()).toBe(2);
  });
});
