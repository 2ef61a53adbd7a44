/**
 * At most `limit` tasks at once; the rest wait in FIFO order. Backpressure for asynchronous work
 * (the inbox): a burst of webhooks must not flood DynamoDB and starve the acknowledgements.
 */
export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}
