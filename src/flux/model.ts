/**
 * Flux control's data, as zod schemas with the seed's field names (an existing producer keeps
 * working): table definitions, executors, execution reports, approvals, manual runs. Tables,
 * dependencies and tasks are named, never numbered: there is no id to mix up.
 */
import { z } from 'zod';

/** Letters, digits, `_ . -`: a name is part of DynamoDB keys (`#` separates them) and of debounce keys. */
export const nameSchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_.-]{1,128}$/, 'letters, digits, _ . - only (at most 128)');
/** A partition name is a template variable (`partitions.ano_mes_referencia`): an identifier. */
const partitionName = z
  .string()
  .trim()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'a letter or _, then letters, digits or _ (at most 64)');
export const userSchema = z.string().trim().min(1).max(128);

const partitionDef = z.strictObject({
  name: partitionName,
  type: z.string().trim().min(1).max(32).default('string'),
  is_required: z.boolean().default(false),
  sync_column: z.boolean().default(false),
});

/** `table` (ours) or `dependency_name` (the seed's); ids are refused: tables are keyed by name only. */
const dependencyDef = z
  .strictObject({ table: nameSchema.optional(), dependency_name: nameSchema.optional(), is_required: z.boolean().default(false) })
  .transform((d, ctx) => {
    const table = d.table ?? d.dependency_name;
    if (!table) {
      ctx.addIssue({ code: 'custom', path: ['table'], message: 'name the upstream table (table or dependency_name)' });
      return z.NEVER;
    }
    return { table, is_required: d.is_required };
  });

/** `executor` (ours) or `task_executor` (the seed's alias field). */
const taskDef = z
  .strictObject({
    alias: nameSchema,
    executor: nameSchema.optional(),
    task_executor: nameSchema.optional(),
    // A JSON template (text) or a JSON value whose strings are templates.
    params: z.union([z.string().max(20_000), z.record(z.string(), z.unknown())]).optional(),
    debounce_seconds: z.number().int().min(0).max(86_400).default(10),
  })
  .transform((t, ctx) => {
    const executor = t.executor ?? t.task_executor;
    if (!executor) {
      ctx.addIssue({ code: 'custom', path: ['executor'], message: 'name the executor (executor or task_executor alias)' });
      return z.NEVER;
    }
    return { alias: t.alias, executor, params: t.params ?? {}, debounce_seconds: t.debounce_seconds };
  });

const unique = <T>(list: T[], key: (t: T) => string, what: string, ctx: z.RefinementCtx, path: string) => {
  const seen = new Set<string>();
  for (const item of list) {
    const k = key(item);
    if (seen.has(k)) ctx.addIssue({ code: 'custom', path: [path], message: `${what} ${k} is listed twice` });
    seen.add(k);
  }
};

export const tableInputSchema = z
  .strictObject({
    name: nameSchema,
    description: z.string().max(2_000).default(''),
    requires_approval: z.boolean().default(false),
    partitions: z.array(partitionDef).max(20).default([]),
    dependencies: z.array(dependencyDef).max(50).default([]),
    tasks: z.array(taskDef).max(20).default([]),
  })
  .superRefine((t, ctx) => {
    unique(t.partitions, (p) => p.name, 'partition', ctx, 'partitions');
    unique(t.dependencies, (d) => d.table, 'dependency', ctx, 'dependencies');
    unique(t.tasks, (k) => k.alias, 'task', ctx, 'tasks');
  });
export type TableInput = z.output<typeof tableInputSchema>;
export type TaskDef = TableInput['tasks'][number];

const EXECUTOR_METHODS = ['workflow', 'http'] as const;
export const executorInputSchema = z
  .strictObject({
    alias: nameSchema,
    method: z.enum(EXECUTOR_METHODS),
    identification: z.string().trim().min(1).max(2_000),
    description: z.string().max(2_000).default(''),
  })
  .superRefine((e, ctx) => {
    if (e.method === 'http' && !/^https?:\/\/[^\s]+$/.test(e.identification))
      ctx.addIssue({ code: 'custom', path: ['identification'], message: 'an http executor is identified by its http(s) URL' });
  });

/** A partition value travels as text (DynamoDB keys, template context); numbers are accepted and written as text. */
const partitionValue = z.union([z.string().trim().min(1).max(256), z.number().finite().transform(String)]);

export const reportSchema = z.strictObject({
  table_name: nameSchema,
  partitions: z
    .array(z.strictObject({ partition_name: partitionName, value: partitionValue }))
    .max(20)
    .default([]),
  source: z.string().trim().min(1).max(128),
  task_schedule_id: z.string().trim().min(1).max(64).optional(),
  // The producer's id for this report: a repeat with the same id is the same execution.
  report_id: z.string().trim().min(1).max(256).optional(),
});
export type ReportInput = z.output<typeof reportSchema>;

export const decisionSchema = z.strictObject({ approval_status_id: z.string().trim().min(1).max(64), user: userSchema });

export const runSchema = z.strictObject({
  table_name: nameSchema,
  task_name: nameSchema,
  /** The partition values the run is for (default: those of the table's latest execution). */
  partitions: z.record(partitionName, partitionValue).optional(),
  user: userSchema.optional(),
});
export type RunInput = z.output<typeof runSchema>;

export const SCHEDULE_STATUSES = ['pending', 'waiting_approval', 'in_progress', 'completed', 'failed', 'rejected'] as const;
export type ScheduleStatus = (typeof SCHEDULE_STATUSES)[number];
export const APPROVAL_STATUSES = ['pending', 'approved', 'rejected'] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

/** Partition values by name. */
export type PartitionValues = Record<string, string>;

/** One execution report, as stored and as a schedule remembers its trigger. */
export interface Execution {
  execution_id: string;
  table: string;
  partitions: PartitionValues;
  source: string;
  date_time: string;
  report_id?: string;
  task_schedule_id?: string;
}
