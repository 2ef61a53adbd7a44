import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import express, { Router } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdempotencyInProgressError, ValidationError } from '../../src/kernel/errors.js';
import { errorMiddleware, requestContext } from '../../src/routes/http.js';
import { createFront, mountPlain, servesItself, type PlainRoute } from '../../src/routes/plain-routes.js';
import { createCapturingLogger } from '../support/capture-logger.js';

/** Echoes what it read, or fails as the body asks: a plain route to compare the front with Express. */
const echo: PlainRoute = {
  path: '/echo',
  limit: 64,
  async handle(req) {
    const text = req.body.toString('utf8');
    if (text === 'invalid') throw new ValidationError('not this one', [{ path: 'body', message: 'no' }]);
    if (text === 'busy') throw new IdempotencyInProgressError('k', 7);
    if (text === 'crash') throw new Error('boom');
    req.logger.info('echoed');
    return { status: 201, headers: { 'X-Echo': 'yes' }, json: { text, key: req.headers['x-key'] ?? null } };
  },
};

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

describe('plain routes: node:http in front of Express', () => {
  const { logger, lines } = createCapturingLogger();
  let server: Server;
  let port: number;
  /** Which of the two served each answer: this test's Express app says so (X-Powered-By), the front does not. */
  const servedBy: string[] = [];

  beforeAll(async () => {
    const router = Router();
    mountPlain(router, echo, logger);
    const app = express().use(requestContext(logger)).use(router).use(errorMiddleware(logger));
    const front = createFront({ routes: [echo], app, logger });
    server = createServer(front);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** POSTs `body`; `chunked` leaves out Content-Length, so the body is streamed in chunks. */
  const post = (path: string, body: Buffer | string, options: { chunked?: boolean; headers?: Record<string, string> } = {}) =>
    new Promise<Reply>((resolve, reject) => {
      const bytes = Buffer.from(body);
      const headers = { 'x-request-id': 'req-1', 'x-key': 'abc', ...options.headers, ...(options.chunked ? {} : { 'content-length': String(bytes.length) }) };
      const req = request({ port, path, method: 'POST', headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          servedBy.push(res.headers['x-powered-by'] === 'Express' ? 'express' : 'front');
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode!, headers: res.headers, body: text ? JSON.parse(text) : null });
        });
      });
      req.on('error', reject);
      if (options.chunked) req.write(bytes.subarray(0, 1));
      req.end(options.chunked ? bytes.subarray(1) : bytes);
    });

  /** The parts of an answer both paths must agree on. */
  const comparable = (r: Reply) => ({
    status: r.status,
    body: r.body,
    contentType: r.headers['content-type'],
    requestId: r.headers['x-request-id'],
    echo: r.headers['x-echo'],
    retryAfter: r.headers['retry-after'],
  });

  it.each(['hello', 'invalid', 'busy', 'crash'])(
    'when %s is posted with a length and when it is streamed in chunks, then the front and Express give the same answer',
    async (text) => {
      servedBy.length = 0;
      const plain = await post('/echo?x=1', text);
      const chunked = await post('/echo', text, { chunked: true });
      expect(servedBy).toEqual(['front', 'express']);
      expect(comparable(plain)).toEqual(comparable(chunked));
      expect(plain.headers['x-request-id']).toBe('req-1');
    },
  );

  it('when the route answers, then its status, headers and JSON are sent, and its logger carries the request id', async () => {
    const reply = await post('/echo', 'hello');
    expect(comparable(reply)).toEqual({
      status: 201,
      body: { text: 'hello', key: 'abc' },
      contentType: 'application/json; charset=utf-8',
      requestId: 'req-1',
      echo: 'yes',
      retryAfter: undefined,
    });
    expect(lines().at(-1)).toMatchObject({ message: 'echoed', requestId: 'req-1' });
  });

  it('when a request is refused or in progress, then the error shape, its Retry-After and one warn line with the route', async () => {
    const invalid = await post('/echo', 'invalid');
    expect(invalid).toMatchObject({
      status: 400,
      body: { error: { code: 'request.invalid', message: 'not this one', details: [{ path: 'body', message: 'no' }] } },
    });
    expect(lines().at(-1)).toMatchObject({ level: 'warn', message: 'request refused', status: 400, route: 'POST /echo', requestId: 'req-1' });
    const busy = await post('/echo', 'busy');
    expect(busy).toMatchObject({ status: 409, body: { error: { code: 'idempotency.inProgress' } } });
    expect(busy.headers['retry-after']).toBe('7');
  });

  it('when a body is over the limit or encoded, then Express takes it: 413 for the size, the decoded body for gzip', async () => {
    servedBy.length = 0;
    const large = await post('/echo', 'x'.repeat(65));
    expect(large).toMatchObject({ status: 413, body: { error: { code: 'request.tooLarge' } } });
    const gzipped = await post('/echo', gzipSync('hello'), { headers: { 'content-encoding': 'gzip' } });
    expect(gzipped).toMatchObject({ status: 201, body: { text: 'hello' } });
    expect(servedBy).toEqual(['express', 'express']);
  });

  it('when no request id is sent, then each answer gets a new one', async () => {
    const a = await post('/echo', 'hello', { headers: { 'x-request-id': '' } });
    const b = await post('/echo', 'hello', { headers: { 'x-request-id': '' } });
    expect(a.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id']);
  });

  it('servesItself takes only a POST to a plain route, of a stated length within the limit, not encoded', () => {
    const routes = new Map([[echo.path, echo]]);
    const req = (method: string, url: string, headers: Record<string, string> = { 'content-length': '5' }) => servesItself({ method, url, headers }, routes);
    expect(req('POST', '/echo')).toBe(echo);
    expect(req('POST', '/echo?a=b')).toBe(echo);
    expect(req('GET', '/echo')).toBeUndefined();
    expect(req('POST', '/echo/')).toBeUndefined();
    expect(req('POST', '/other')).toBeUndefined();
    expect(req('POST', '/echo', {})).toBeUndefined();
    expect(req('POST', '/echo', { 'content-length': '65' })).toBeUndefined();
    expect(req('POST', '/echo', { 'content-length': '64' })).toBe(echo);
    expect(req('POST', '/echo', { 'content-length': '5', 'content-encoding': 'gzip' })).toBeUndefined();
    expect(req('POST', '/echo', { 'content-length': '5', 'content-encoding': 'identity' })).toBe(echo);
  });
});
