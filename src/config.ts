import { z } from 'zod';

/** Parses "true"/"false"/"1"/"0" env strings into booleans (zod's coerce treats "false" as true). */
const envBool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

const optionalUrl = z.string().url().optional();
const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const nonNegativeInt = (fallback: number) => z.coerce.number().int().min(0).default(fallback);

/**
 * Every environment variable the service reads, with its default.
 * `env.example` documents the same list; keep them in step.
 */
export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  LOG_LEVEL: z.enum(['error', 'warn', 'info', 'debug']).default('info'),

  // DynamoDB
  DYNAMODB_MODE: z.enum(['embedded', 'aws']).default('embedded'),
  DYNAMODB_ENDPOINT: optionalUrl,
  DYNAMODB_DATA_DIR: z.string().min(1).default('./.data/dynamodb'),
  AWS_REGION: z.string().min(1).default('sa-east-1'),
  AWS_ACCESS_KEY_ID: z.string().optional(),
  AWS_SECRET_ACCESS_KEY: z.string().optional(),
  AUTO_CREATE_TABLES: envBool(false),
  TABLE_PREFIX: z.string().regex(/^[A-Za-z0-9_.-]*$/, 'letters, digits, _ . - only').default(''),

  // Lifetimes
  SESSION_TTL_DAYS: positiveInt(7),
  BUFFER_TTL_DAYS: positiveInt(7),
  LOCK_LEASE_MS: positiveInt(10_000),
  LOCK_WAIT_MS: positiveInt(10_000),
  IDEMPOTENCY_TTL_SECONDS: positiveInt(600),
  IDEMPOTENCY_IN_PROGRESS_MS: positiveInt(30_000),
  PROVIDER_DEDUP_TTL_DAYS: positiveInt(7),
  PENDING_ACTION_TTL_MINUTES: positiveInt(10),
  RESUME_TTL_MINUTES: positiveInt(30),
  JOURNEY_TTL_DAYS: positiveInt(30),
  INBOX_CONCURRENCY: positiveInt(8),
  SESSION_CACHE_SIZE: nonNegativeInt(10_000),
  // Bounded well below the session and lock-item lifetimes, whose versions validate a cached copy.
  SESSION_CACHE_SECONDS: z.coerce.number().int().positive().max(3600).default(600),

  // Ops
  OPS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),

  // WhatsApp (Meta Cloud API)
  WHATSAPP_VERIFY_TOKEN: z.string().min(1).optional(),
  WHATSAPP_APP_SECRET: z.string().min(1).optional(),
  WHATSAPP_ACCESS_TOKEN: z.string().min(1).optional(),
  WHATSAPP_PHONE_NUMBER_ID: z.string().min(1).optional(),
  WHATSAPP_GRAPH_URL: z.string().url().default('https://graph.facebook.com'),
  WHATSAPP_API_VERSION: z.string().regex(/^v\d+\.\d+$/, 'like v21.0').default('v21.0'),

  // Backends ("Lambdas"); when all are unset, `npm start` runs the local demo backend
  LAMBDA_GET_SCHEDULE: optionalUrl,
  LAMBDA_UPDATE_SCHEDULE: optionalUrl,
  LAMBDA_UPDATE_CLINICAL: optionalUrl,
  LAMBDA_GET_NOTE_REPORT: optionalUrl,
  LAMBDA_UPDATE_SUMMARY: optionalUrl,
  LAMBDA_CREATE_SCHEDULE: optionalUrl,
  BACKEND_TIMEOUT_MS: positiveInt(10_000),
  BACKEND_MAX_RETRIES: z.coerce.number().int().min(0).max(10).default(2),

  // Understanding
  OPENAI_API_KEY: z.string().min(1).optional(),
  OPENAI_BASE_URL: optionalUrl,
  OPENAI_MODEL: z.string().min(1).default('gpt-4o-mini'),
  OPENAI_TIMEOUT_MS: positiveInt(8_000),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Pure: validates an env-like record; throws ConfigError listing every problem at once. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings in .env files mean "unset", not "invalid".
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = configSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  }
  const config = parsed.data;
  const problems: string[] = [];
  if (config.DYNAMODB_MODE === 'aws' && !config.OPS_TOKEN) problems.push('OPS_TOKEN: required when DYNAMODB_MODE=aws');
  if (config.DYNAMODB_MODE === 'aws' && config.DYNAMODB_ENDPOINT) {
    problems.push('DYNAMODB_ENDPOINT: not allowed with DYNAMODB_MODE=aws (use embedded mode with an endpoint instead)');
  }
  if (problems.length) throw new ConfigError(problems);
  return config;
}
