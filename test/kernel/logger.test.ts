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

  it('when the level is info, then a debug entry is dropped before it is formatted; warn and error pass', () => {
    const { logger, lines } = captureLogger('info');
    let serialised = 0;
    const detail = {
      toJSON() {
        serialised++;
        return 'x';
      },
    };
    logger.warn('kept', { detail });
    expect(serialised).toBe(1);
    logger.child({ requestId: 'req-2' }).debug('noisy', { detail });
    logger.error('also kept');
    expect(serialised).toBe(1);
    expect(lines.map((l) => l.message)).toEqual(['kept', 'also kept']);
  });

  it('when a child logger carries a request id, then every line has it', () => {
    const { logger, lines } = captureLogger();
    logger.child({ requestId: 'req-1' }).warn('slow');
    expect(lines[0]).toMatchObject({ requestId: 'req-1', level: 'warn', message: 'slow' });
  });

  it('when a generated request id has a long run of digits, then it is logged as is; a client id holding a phone is masked', () => {
    const { logger, lines } = captureLogger();
    logger.child({ requestId: '550e8400-e29b-41d4-a716-446655440000' }).warn('refused');
    logger.child({ requestId: 'client-5511999990001' }).warn('refused');
    expect(lines[0].requestId).toBe('550e8400-e29b-41d4-a716-446655440000');
    expect(lines[1].requestId).toBe(`client-${maskPhone('5511999990001')}`);
  });
});
