import { describe, expect, it } from 'vitest';
import { createLogSender } from '../../src/channels/log-sender.js';
import { createRecordingSender } from '../support/recording-sender.js';
import { createCapturingLogger } from '../support/capture-logger.js';

const PHONE = '5511999990001';
const TEXT = 'Pressão 120x80 registrada.';

describe('LogSender', () => {
  it('when a reply is sent, then it is logged at info with the phone masked and no text, and reported sent', async () => {
    const { logger, lines } = createCapturingLogger('info');

    const result = await createLogSender(logger).send({ to: PHONE, outboxId: '01JOUT', reply: { text: TEXT, buttons: [{ id: 'yes', title: 'Sim' }] } });

    expect(result).toEqual({ status: 'sent', providerMessageId: 'log.01JOUT', attempts: 1 });
    const logged = lines();
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ level: 'info', message: 'outbound.logged', outboxId: '01JOUT', to: '*********0001', buttons: ['yes'] });
    expect(JSON.stringify(logged)).not.toContain(PHONE);
    expect(JSON.stringify(logged)).not.toContain(TEXT);
  });

  it('when the level is debug, then the text is logged too (phone still masked)', async () => {
    const { logger, lines } = createCapturingLogger('debug');

    await createLogSender(logger).send({ to: PHONE, outboxId: 'x', reply: { text: TEXT } });

    const debug = lines().find((l) => l.level === 'debug');
    expect(debug).toMatchObject({ message: 'outbound.text', text: TEXT });
    expect(JSON.stringify(lines())).not.toContain(PHONE);
  });
});

describe('RecordingSender', () => {
  it('when results are scripted, then they are returned in order, then the default sent', async () => {
    const sender = createRecordingSender();
    sender.willReturn({ status: 'failed', code: 131047, reason: 'outside_24h_window', retryable: false }, new Error('boom'));
    const msg = { to: PHONE, outboxId: 'a', reply: { text: 'oi' } };

    await expect(sender.send(msg)).resolves.toMatchObject({ status: 'failed', code: 131047 });
    await expect(sender.send(msg)).rejects.toThrow('boom');
    await expect(sender.send(msg)).resolves.toEqual({ status: 'sent', providerMessageId: 'rec.a', attempts: 1 });
    expect(sender.sent).toHaveLength(3);
  });
});
