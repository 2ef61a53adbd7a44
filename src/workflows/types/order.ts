/**
 * The seed's order pipeline as a demo type (registered in embedded mode): ValidateInput →
 * ProcessData → EnrichData → SaveResults → NotifyCompletion, each with a compensation. Faults are
 * injected from the input's `_demo`, in the workflow's first run only (the "bug" is fixed by the
 * time an operator resumes it):
 *   {"failStep": "SaveResults", "times": 3}   that step's first 3 attempts fail (3 = all of them)
 *   {"slowStep": "EnrichData", "ms": 5000}    that step runs 5 s, heartbeating
 *   {"waitStep": "SaveResults", "signal": "approve", "timeoutMs": 60000}   that step waits for a signal
 *   {"failCompensation": "ProcessData"}       that step's compensation always fails
 */
import { z } from 'zod';
import { sleep } from '../../kernel/retry.js';
import { defineWorkflow, StepFailure, type CompensationContext, type StepContext, type WorkflowType } from '../define.js';

const ORDER = 'order';
const ORDER_STEPS = ['ValidateInput', 'ProcessData', 'EnrichData', 'SaveResults', 'NotifyCompletion'] as const;
type StepName = (typeof ORDER_STEPS)[number];
const stepName = z.enum(ORDER_STEPS);

const demoSchema = z
  .object({
    failStep: stepName.optional(),
    times: z.number().int().min(1).max(100).default(3),
    slowStep: stepName.optional(),
    ms: z.number().int().min(1).max(600_000).default(5_000),
    waitStep: stepName.optional(),
    signal: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/)
      .default('approve'),
    timeoutMs: z.number().int().min(1).optional(),
    failCompensation: stepName.optional(),
  })
  .strict();

const item = z.looseObject({
  sku: z.string().min(1),
  quantity: z.number().int().positive(),
  price: z.number().nonnegative().optional(),
  unit_price: z.number().nonnegative().optional(),
  discount: z.number().min(0).max(1).optional(),
});

/** The seed's order (any extra fields are kept); `order_id` is checked by ValidateInput, as in the seed, not at start. */
const orderSchema = z.looseObject({
  order_id: z.string().min(1).max(100).optional(),
  items: z.array(item).optional(),
  shipping: z.looseObject({ cost: z.number().nonnegative().optional() }).optional(),
  customer: z.looseObject({ tier: z.string().optional() }).optional(),
  _demo: demoSchema.optional(),
});
type Order = z.infer<typeof orderSchema>;

const HEARTBEAT_MS = 250;
const cents = (n: number) => Math.round(n * 100) / 100;

export interface OrderWorkflowOptions {
  /** Delay before a step's second attempt (then doubled); the demo keeps it short. */
  retryDelayMs?: number;
}

export function createOrderWorkflow(options: OrderWorkflowOptions = {}): WorkflowType {
  const retry = { maxAttempts: 3, initialDelayMs: options.retryDelayMs ?? 500, backoffCoefficient: 2, jitter: 'none' as const };

  /** The demo's faults for this step, then the step's own work. */
  const step = (name: StepName, work: (ctx: StepContext<Order>) => unknown) => ({
    name,
    retry,
    async run(ctx: StepContext<Order>) {
      const demo = ctx.run === 1 ? ctx.input._demo : undefined;
      let approval: unknown;
      if (demo?.waitStep === name) approval = await ctx.waitForSignal(demo.signal, { timeoutMs: demo.timeoutMs });
      if (demo?.slowStep === name) {
        for (let left = demo.ms; left > 0; left -= HEARTBEAT_MS) {
          await sleep(Math.min(HEARTBEAT_MS, left), ctx.signal);
          await ctx.heartbeat();
        }
      }
      if (demo?.failStep === name && ctx.attempt <= demo.times)
        throw new StepFailure(`Connection timeout (demo fault, attempt ${ctx.attempt})`, { type: 'DemoFault' });
      const result = (await work(ctx)) as Record<string, unknown>;
      return approval === undefined ? result : { ...result, approval };
    },
    compensate(ctx: CompensationContext<Order>) {
      if (ctx.run === 1 && ctx.input._demo?.failCompensation === name) throw new StepFailure(`cannot undo ${name} (demo fault)`, { type: 'DemoFault' });
      ctx.logger.info(`order ${ctx.input.order_id ?? '?'}: undid ${name}`, { reason: ctx.reason });
      return undefined;
    },
  });

  return defineWorkflow({
    type: ORDER,
    version: '1.0',
    description: "The seed's order pipeline (demo): five steps, each with a compensation, faults from _demo",
    input: orderSchema,
    businessKey: (order) => (order.order_id ? `order:${order.order_id}` : undefined),
    steps: [
      step('ValidateInput', ({ input }) => {
        if (!input.order_id) throw StepFailure.nonRetryable('order_id is required', { type: 'ValidationError' });
        return { status: 'validated', order_id: input.order_id, items: input.items?.length ?? 0 };
      }),
      step('ProcessData', ({ input }) => {
        const subtotal = (input.items ?? []).reduce((sum, i) => sum + i.quantity * (i.unit_price ?? i.price ?? 0) * (1 - (i.discount ?? 0)), 0);
        const shipping = input.shipping?.cost ?? 0;
        return { status: 'processed', subtotal: cents(subtotal), shipping: cents(shipping), total: cents(subtotal + shipping) };
      }),
      step('EnrichData', ({ input, previousResults }) => {
        const total = (previousResults.ProcessData as { total: number }).total;
        return { status: 'enriched', customer_tier: input.customer?.tier ?? 'standard', loyalty_points: Math.floor(total) };
      }),
      step('SaveResults', ({ input, idempotencyKey }) => ({ status: 'saved', record_id: `rec-${input.order_id}`, idempotency_key: idempotencyKey })),
      step('NotifyCompletion', ({ input }) => ({ status: 'notified', order_id: input.order_id })),
    ],
    result: (results) => ({ status: 'completed', results }),
  });
}
