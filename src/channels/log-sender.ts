import type { Logger } from '../kernel/logger.js';
import type { OutboundMessage, Sender, SendResult } from '../contracts/sender.js';

/**
 * Embedded-mode `Sender`: nothing leaves the process. Logs the reply at info without its text
 * (the logger masks `to`), and the text at debug. Always `sent`, with id `log.<outboxId>`.
 */
export function createLogSender(logger: Logger): Sender {
  const log = logger.child({ component: 'log-sender' });
  return {
    name: 'log',
    send(message: OutboundMessage): Promise<SendResult> {
      const buttons = message.reply.buttons?.map((b) => b.id) ?? [];
      log.info('outbound.logged', { outboxId: message.outboxId, to: message.to, chars: message.reply.text.length, buttons });
      log.debug('outbound.text', { outboxId: message.outboxId, to: message.to, text: message.reply.text });
      return Promise.resolve({ status: 'sent', providerMessageId: `log.${message.outboxId}`, attempts: 1 });
    },
  };
}
