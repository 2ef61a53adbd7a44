import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorMiddleware } from '../../src/routes/http.js';
import { twilioOffRoutes } from '../../src/routes/twilio.js';
import { createCapturingLogger } from '../support/capture-logger.js';
import { twilioForm, twilioText } from '../support/twilio-payloads.js';

describe('Twilio webhooks when Twilio is off (aws mode without TWILIO_AUTH_TOKEN)', () => {
  const { logger, lines } = createCapturingLogger();
  let server: Server;
  let url: string;

  beforeAll(async () => {
    const app = express().use(twilioOffRoutes()).use(errorMiddleware(logger));
    server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it.each(['/webhook/twilio', '/webhook/twilio/status'])(
    'when Twilio posts to %s, then 404 JSON saying Twilio is not configured, and a warn line',
    async (path) => {
      const res = await fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: twilioForm(twilioText('olá', '+5511977770099')),
      });
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({
        error: { code: 'resource.notFound', message: expect.stringMatching(/Twilio WhatsApp is not configured.*TWILIO_AUTH_TOKEN/) },
      });
      expect(lines().at(-1)).toMatchObject({ level: 'warn', message: 'request refused', code: 'resource.notFound', route: `POST ${path}` });
    },
  );
});
