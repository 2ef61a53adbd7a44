import type { Logger } from '../kernel/logger.js';
import type { Stores } from '../infra/stores/index.js';
import type { DeliveryStatus } from '../contracts/inbound.js';
import type { Metrics } from './metrics.js';
import { parseOutboxId } from './outbox.js';

/**
 * Applies provider delivery statuses to outbox entries, monotonically (sent < delivered < read;
 * failed is terminal). Statuses never block messages: the webhook does not wait for them.
 */
export function createStatusHandler(deps: { stores: Stores<unknown>; metrics: Metrics; logger: Logger }) {
  async function applyOne(status: DeliveryStatus) {
    const at = parseOutboxId(status.bizOpaqueCallbackData) ?? undefined;
    const error = status.errors?.length ? { code: status.errors[0].code, title: status.errors[0].title } : undefined;
    const applied = await deps.stores.outbox.applyStatus(status.id, status.status, error, at);
    deps.metrics.statuses.inc({ status: status.status, applied: String(applied) });
  }

  /** Applies every status; failures are logged, never thrown (a status is not a message). */
  async function apply(statuses: DeliveryStatus[]): Promise<void> {
    await Promise.all(
      statuses.map((s) => applyOne(s).catch((error) => deps.logger.warn('status not applied', { status: s.status, error: (error as Error).message }))),
    );
  }

  return { apply };
}

export type StatusHandler = ReturnType<typeof createStatusHandler>;
