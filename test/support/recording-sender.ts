import type { OutboundMessage, Sender, SendResult } from '../../src/contracts/sender.js';

export interface RecordingSender extends Sender {
  /** Every message passed to `send`, in call order. */
  readonly sent: OutboundMessage[];
  /** Queue results for the next calls (then back to `sent` with id `rec.<outboxId>`). */
  willReturn(...results: (SendResult | Error)[]): void;
}

/** A `Sender` for tests: records calls; results can be scripted, an `Error` is thrown as is. */
export function createRecordingSender(): RecordingSender {
  const sent: OutboundMessage[] = [];
  const queue: (SendResult | Error)[] = [];
  return {
    name: 'recording',
    sent,
    willReturn(...results) {
      queue.push(...results);
    },
    async send(message) {
      sent.push(message);
      const next = queue.shift();
      if (next instanceof Error) throw next;
      return next ?? { status: 'sent', providerMessageId: `rec.${message.outboxId}`, attempts: 1 };
    },
  };
}
