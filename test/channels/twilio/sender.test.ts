import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/kernel/logger.js';
import { createTwilioSender, type TwilioSenderOptions } from '../../../src/channels/twilio/sender.js';
import { optionsAsText } from '../../../src/channels/twilio/payload.js';
import { startFakeTwilioApi, twilioError, type FakeTwilioApi } from '../../support/fake-twilio-api.js';
import { TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM } from '../../support/twilio-payloads.js';
import { createCapturingLogger } from '../../support/capture-logger.js';

const PHONE = '5511999990001';
const TEXT = 'Dados clínicos salvos com sucesso!';
const CALLBACK = 'https://bot.example.com/webhook/twilio/status';
const YES_NO = [
  { id: 'yes', title: 'Sim' },
  { id: 'no', title: 'Não' },
];

describe('TwilioSender against a fake Twilio API', () => {
  let api: FakeTwilioApi;
  let sleeps: number[];

  beforeEach(async () => {
    api = await startFakeTwilioApi();
    sleeps = [];
  });
  afterEach(() => api.close());

  const sender = (overrides: Partial<TwilioSenderOptions> = {}) =>
    createTwilioSender({
      apiUrl: `${api.url}/`,
      accountSid: TWILIO_ACCOUNT_SID,
      authToken: TWILIO_AUTH_TOKEN,
      from: TWILIO_FROM,
      statusCallback: CALLBACK,
      logger: createLogger({ silent: true }),
      retry: { maxAttempts: 4, initialDelayMs: 100, maxDelayMs: 1000 },
      sleep: async (ms) => void sleeps.push(ms),
      random: () => 0.5,
      ...overrides,
    });

  it('when a reply is sent, then one form POST to Messages.json with basic auth, WhatsApp addresses and the status callback naming its outbox entry, and the SID comes back', async () => {
    const result = await sender().send({ to: PHONE, outboxId: '5511999990001/o1', reply: { text: TEXT } });

    expect(api.sends).toHaveLength(1);
    const [send] = api.sends;
    expect(result).toEqual({ status: 'sent', providerMessageId: send.sid, attempts: 1 });
    expect(send.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(send.path).toBe(`/2010-04-01/Accounts/${TWILIO_ACCOUNT_SID}/Messages.json`);
    expect(send.headers.authorization).toBe(`Basic ${Buffer.from(`${TWILIO_ACCOUNT_SID}:${TWILIO_AUTH_TOKEN}`).toString('base64')}`);
    expect(send.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(send.form).toEqual({
      From: `whatsapp:${TWILIO_FROM}`,
      To: `whatsapp:+${PHONE}`,
      Body: TEXT,
      StatusCallback: `${CALLBACK}?outbox=5511999990001%2Fo1`,
    });
  });

  it('when there is no public URL, then no StatusCallback is asked for', async () => {
    await sender({ statusCallback: undefined }).send({ to: PHONE, outboxId: 'o2', reply: { text: TEXT } });
    expect(api.sends[0].form).not.toHaveProperty('StatusCallback');
  });

  it('when the reply has yes/no buttons, then the options are written under the text, since Twilio needs templates for buttons', async () => {
    await sender().send({ to: PHONE, outboxId: 'o3', reply: { text: 'Confirma sua presença no plantão?', buttons: YES_NO } });
    expect(api.sends[0].form.Body).toBe('Confirma sua presença no plantão?\nResponda *sim* ou *não*.');
    expect(
      optionsAsText([
        { id: 'a', title: 'Manhã' },
        { id: 'b', title: 'Tarde' },
        { id: 'c', title: 'Noite' },
      ]),
    ).toBe('Responda *manhã*, *tarde* ou *noite*.');
  });

  it("when the text is over Twilio's 1600 characters, then it is cut with an ellipsis and the options line is kept", async () => {
    await sender().send({ to: PHONE, outboxId: 'o4', reply: { text: 'é'.repeat(2000), buttons: YES_NO } });
    const body = api.sends[0].form.Body;
    expect(Array.from(body)).toHaveLength(1600);
    expect(body.endsWith('…\nResponda *sim* ou *não*.')).toBe(true);
  });

  it('when Twilio answers 500, then 429 with Retry-After, then accepts, then it retries with backoff honouring the hint, sending the same form', async () => {
    api.script(twilioError(20500, 500), { ...twilioError(20429, 429), headers: { 'retry-after': '1' } });

    const result = await sender().send({ to: PHONE, outboxId: 'o5', reply: { text: TEXT } });

    expect(result).toMatchObject({ status: 'sent', attempts: 3 });
    expect(api.sends).toHaveLength(3);
    expect(new Set(api.sends.map((s) => JSON.stringify(s.form))).size).toBe(1);
    // Equal jitter with random=0.5 → 75 % of the cap (100, then 200 → Retry-After 1 s, within the 1 s cap).
    expect(sleeps).toEqual([75, 1000]);
  });

  it('when the channel rate limit (63018) outlasts the attempts, then failed and retryable, for the outbox to try later', async () => {
    api.script(...Array.from({ length: 4 }, () => twilioError(63018, 429)));

    const result = await sender().send({ to: PHONE, outboxId: 'o6', reply: { text: TEXT } });

    expect(result).toEqual({ status: 'failed', code: 63018, reason: 'throughput_limit', retryable: true, attempts: 4 });
    expect(sleeps).toHaveLength(3);
  });

  it('when Twilio refuses the recipient (400, 21211), then a terminal failure after one request: a 4xx is never retried', async () => {
    api.script(twilioError(21211, 400, "The 'To' number is not a valid phone number."));

    const result = await sender().send({ to: PHONE, outboxId: 'o7', reply: { text: TEXT } });

    expect(result).toEqual({ status: 'failed', code: 21211, reason: 'invalid_recipient', retryable: false, attempts: 1 });
    expect(sleeps).toEqual([]);
  });

  it('when the 24-hour window is closed (63016), then failed outside_24h_window without retry, even behind a 5xx', async () => {
    api.script(twilioError(63016, 502));

    const result = await sender().send({ to: PHONE, outboxId: 'o8', reply: { text: TEXT } });

    expect(result).toEqual({ status: 'failed', code: 63016, reason: 'outside_24h_window', retryable: false, attempts: 1 });
  });

  it('when an unknown 4xx code comes, then a terminal failure with Twilio’s message as the reason', async () => {
    api.script(twilioError(99999, 400, 'Something new'));
    expect(await sender().send({ to: PHONE, outboxId: 'o9', reply: { text: TEXT } })).toMatchObject({ status: 'failed', code: 99999, reason: 'Something new' });
  });

  it('when a 2xx answer carries no SID, then a terminal failure (retrying could send twice)', async () => {
    api.script({ status: 201, body: { status: 'queued' } });
    expect(await sender().send({ to: PHONE, outboxId: 'o10', reply: { text: TEXT } })).toMatchObject({
      status: 'failed',
      code: 'invalid_response',
      retryable: false,
    });
  });

  it('when the connection drops after the request left, then failed outcome_unknown without a blind retry', async () => {
    api.script({ destroy: true });
    expect(await sender().send({ to: PHONE, outboxId: 'o11', reply: { text: TEXT } })).toMatchObject({
      status: 'failed',
      reason: 'outcome_unknown',
      retryable: true,
      attempts: 1,
    });
    expect(api.sends).toHaveLength(1);
  });

  it('when sending with retries, then the info/warn logs carry the provider name and neither the phone number nor the text', async () => {
    const { logger, lines } = createCapturingLogger('info');
    api.script(twilioError(20503, 503));
    await sender({ logger }).send({ to: PHONE, outboxId: 'o12', reply: { text: TEXT } });
    expect(lines().map((l) => l.message)).toEqual(['twilio.send.retry', 'twilio.send.sent']);
    expect(JSON.stringify(lines())).not.toContain(PHONE);
    expect(JSON.stringify(lines())).not.toContain(TEXT);
  });

  it('when built, then it states the longest a send can take: every attempt to its timeout plus the longest backoffs', () => {
    expect(sender({ timeoutMs: 2_000 }).maxSendMs).toBe(4 * 2_000 + 3 * 1_000);
  });
});
