import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { createJsonPoster } from '../../src/infra/http/post-json.js';

/** A local peer: answers with `answer`, or holds the request (never answers) when it returns null. */
async function peer(answer: (req: IncomingMessage, body: string) => { status: number; body: string } | null) {
  const held: ServerResponse[] = [];
  const arrived: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      arrived.push(body);
      const out = answer(req, body);
      if (!out) return void held.push(res);
      res.writeHead(out.status, { 'content-type': 'application/json', 'retry-after': '7' }).end(out.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  stops.push(async () => {
    for (const res of held) res.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/calls?x=1`, arrived };
}

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

describe('the JSON poster', () => {
  it('posts the body and gives the status, the text and the headers of the answer', async () => {
    const { url, arrived } = await peer((req, body) => ({ status: 201, body: JSON.stringify({ path: req.url, echo: JSON.parse(body) as unknown }) }));
    const poster = createJsonPoster();
    const answer = await poster.post(url, { 'content-type': 'application/json' }, '{"a":1}', 5_000);
    poster.close();
    expect(arrived).toEqual(['{"a":1}']);
    expect(answer.status).toBe(201);
    expect(JSON.parse(answer.text)).toEqual({ path: '/calls?x=1', echo: { a: 1 } });
    expect(answer.header('retry-after')).toBe('7');
    expect(answer.header('x-absent')).toBeNull();
  });

  it('clears its deadline timer once the answer is read', async () => {
    const { url } = await peer(() => ({ status: 200, body: '{}' }));
    const poster = createJsonPoster();
    const set = vi.spyOn(globalThis, 'setTimeout');
    const clear = vi.spyOn(globalThis, 'clearTimeout');
    onTestFinished(() => {
      set.mockRestore();
      clear.mockRestore();
    });
    for (let i = 0; i < 3; i++) await poster.post(url, {}, '{}', 31_337);
    // The poster's own timers are the ones armed for the deadline; undici keeps timers of its own.
    const deadlines = set.mock.calls.flatMap((call, i) => (call[1] === 31_337 ? [set.mock.results[i].value as unknown] : []));
    expect(deadlines).toHaveLength(3);
    const cleared = clear.mock.calls.map((call) => call[0] as unknown);
    for (const timer of deadlines) expect(cleared).toContain(timer);
    poster.close();
  });

  it('ends a call that outlives its deadline with a TimeoutError, as fetch does', async () => {
    const { url, arrived } = await peer(() => null);
    const poster = createJsonPoster();
    await expect(poster.post(url, {}, '{"slow":true}', 50)).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(arrived).toEqual(['{"slow":true}']);
    poster.close();
  });

  it('ends a call with the reason of the given timeout signal', async () => {
    const { url, arrived } = await peer(() => null);
    const controller = new AbortController();
    const poster = createJsonPoster({ timeoutSignal: () => controller.signal });
    const call = poster.post(url, {}, '{}', 5_000);
    await expect.poll(() => arrived.length).toBe(1);
    controller.abort(new Error('shutting down'));
    await expect(call).rejects.toThrow('shutting down');
    await expect(poster.post(url, {}, '{}', 5_000)).rejects.toThrow('shutting down');
    poster.close();
  });
});
