import { describe, expect, it } from 'vitest';
import { maskPhone } from '../../src/kernel/logger.js';
import { captureLogger } from '../support/logs.js';

describe('logger', () => {
  it('when a phone number appears in a field or in the message, then only its last 4 digits remain', () => {
    const { logger, lines } = captureLogger();
    logger.info('turn for 5511999990001 done', { sessionId: '5511999990001', nested: { phoneNumber: '+5511988887777' } });
    const raw = JSON.stringify(lines[0]);
    expect(raw).not.toContain('5511999990001');
    expect(raw).not.toContain('5511988887777');
    expect(raw).toContain('0001');
    expect(lines[0].sessionId).toBe(maskPhone('5511999990001'));
  });

  it('when message text is logged at info, then it is omitted; at debug, then it is kept', () => {
    const { logger, lines } = captureLogger();
    logger.info('inbound', { text: 'paciente com dor' });
    logger.debug('inbound', { text: 'paciente com dor' });
    expect(lines[0].text).toBe('[omitted]');
    expect(lines[1].text).toBe('paciente com dor');
  });

  it('when a child logger carries a request id, then every line has it', () => {
    const { logger, lines } = captureLogger();
    logger.child({ requestId: 'req-1' }).warn('slow');
    expect(lines[0]).toMatchObject({ requestId: 'req-1', level: 'warn', message: 'slow' });
  });
});
