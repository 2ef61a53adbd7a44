import { randomBytes } from 'node:crypto';
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
  TABLE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]*$/, 'letters, digits, _ . - only')
    .default(''),

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
  // Counts each turn's DynamoDB requests and round trips (/metrics/sessions). Off by default: its
  // AsyncLocalStorage turns on promise hooks for every promise of the process (a few % of CPU).
  DYNAMODB_TURN_TRACE: envBool(false),
  // Event-loop lag (p99, ms) above which the inbox runs fewer turns at once, so acks stay fast.
  INBOX_LOOP_DELAY_TARGET_MS: positiveInt(10),
  // An ack's durable write slower than this (ms) also means fewer turns at once (they queue in DynamoDB too).
  INBOX_ACK_TARGET_MS: positiveInt(25),
  // Rounds of the engine and rules over sample messages before /readyz (0: no warm-up).
  WARM_UP_ROUNDS: nonNegativeInt(30),
  RECOVERY_SWEEP_INTERVAL_MS: positiveInt(30_000),
  OUTBOX_RESEND_AFTER_MS: positiveInt(30_000),
  SESSION_CACHE_SIZE: nonNegativeInt(10_000),
  // Bounded well below the session and lock-item lifetimes, whose versions validate a cached copy.
  SESSION_CACHE_SECONDS: z.coerce.number().int().positive().max(3600).default(600),

  // Step workflows
  WORKFLOW_WORKERS: nonNegativeInt(4),
  // A run whose holder stops renewing (it died) is taken over this long after its last renewal.
  WORKFLOW_LEASE_MS: z.coerce.number().int().min(1_000).default(15_000),
  WORKFLOW_POLL_MAX_MS: z.coerce.number().int().min(10).max(60_000).default(2_000),

  // Flux control
  // How often each instance's sweeper looks for due schedules (a local due time wakes it sooner).
  FLUX_SWEEP_INTERVAL_MS: z.coerce.number().int().min(10).max(60_000).default(2_000),
  // A schedule claimed by an instance that dies before its executor is started is fired again this long
  // after; longer than FLUX_HTTP_MAX_ATTEMPTS × FLUX_HTTP_TIMEOUT_MS plus backoff.
  FLUX_LEASE_MS: z.coerce.number().int().min(1_000).default(60_000),
  FLUX_HTTP_TIMEOUT_MS: positiveInt(10_000),
  FLUX_HTTP_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(3),

  // Ops
  OPS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  // Ops console (/console): how long a sign-in lasts; wrong tokens allowed per IP in a window before 429.
  CONSOLE_SESSION_MINUTES: positiveInt(480),
  CONSOLE_SIGNIN_MAX_FAILURES: positiveInt(5),
  CONSOLE_SIGNIN_WINDOW_SECONDS: positiveInt(900),

  // Privacy (LGPD): the audit's own retention, the key of subjects' salted hashes, how long DELETE waits
  AUDIT_RETENTION_DAYS: positiveInt(365),
  PRIVACY_HASH_SALT: z.string().min(16, 'must be at least 16 characters').optional(),
  ERASURE_WAIT_MS: nonNegativeInt(30_000),

  // WhatsApp (Meta Cloud API)
  WHATSAPP_VERIFY_TOKEN: z.string().min(1).optional(),
  WHATSAPP_APP_SECRET: z.string().min(1).optional(),
  WHATSAPP_ACCESS_TOKEN: z.string().min(1).optional(),
  WHATSAPP_PHONE_NUMBER_ID: z.string().min(1).optional(),
  WHATSAPP_GRAPH_URL: z.string().url().default('https://graph.facebook.com'),
  WHATSAPP_API_VERSION: z
    .string()
    .regex(/^v\d+\.\d+$/, 'like v21.0')
    .default('v21.0'),

  // WhatsApp through Twilio (a second provider beside Meta)
  TWILIO_ACCOUNT_SID: z
    .string()
    .regex(/^AC[0-9a-fA-F]{32}$/, 'AC followed by 32 hex digits')
    .optional(),
  TWILIO_AUTH_TOKEN: z.string().min(1).optional(),
  TWILIO_WHATSAPP_FROM: z
    .string()
    .regex(/^(whatsapp:)?\+\d{8,15}$/, 'E.164, e.g. +14155238886')
    .transform((v) => v.replace(/^whatsapp:/, ''))
    .optional(),
  TWILIO_API_URL: z.string().url().default('https://api.twilio.com'),
  /** The service's public URL (scheme, host, optional path prefix) when behind a proxy: Twilio signs the URL it called. */
  PUBLIC_BASE_URL: z
    .url({ protocol: /^https?$/ })
    .refine((u) => !/[?#]/.test(u), 'no query or fragment')
    .transform((u) => u.replace(/\/+$/, ''))
    .optional(),

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

  // Media: voice notes are fetched and transcribed (with OPENAI_API_KEY); larger files are refused unread
  MEDIA_MAX_BYTES: positiveInt(16 * 1024 * 1024),
  MEDIA_FETCH_TIMEOUT_MS: positiveInt(15_000),
  OPENAI_TRANSCRIBE_MODEL: z.string().min(1).default('gpt-4o-mini-transcribe'),
  OPENAI_TRANSCRIBE_TIMEOUT_MS: positiveInt(30_000),

  // HTTP server behind a load balancer: idle connections outlive the balancer's (AWS ALB: 60 s)
  HTTP_KEEP_ALIVE_TIMEOUT_MS: positiveInt(65_000),
  HTTP_HEADERS_TIMEOUT_MS: positiveInt(66_000),
});

/** The validated environment; OPS_TOKEN is always set (generated for this run when it was not). */
export type Config = Omit<z.infer<typeof configSchema>, 'OPS_TOKEN'> & {
  OPS_TOKEN: string;
  /** True when OPS_TOKEN was not set and one was generated for this run (the server prints it). */
  opsTokenGenerated: boolean;
};

const LAMBDA_VARIABLES = Object.keys(configSchema.shape).filter((key) => key.startsWith('LAMBDA_'));

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Validates an env-like record and applies every cross-field rule; throws ConfigError listing
 * every problem at once. Without OPS_TOKEN (allowed only in embedded mode) a random one is made.
 */
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
  // A generated salt would change at every start and orphan the audit's subject hashes.
  if (config.DYNAMODB_MODE === 'aws' && !config.PRIVACY_HASH_SALT) problems.push('PRIVACY_HASH_SALT: required when DYNAMODB_MODE=aws');
  if (config.DYNAMODB_MODE === 'aws' && config.DYNAMODB_ENDPOINT) {
    problems.push('DYNAMODB_ENDPOINT: not allowed with DYNAMODB_MODE=aws (use embedded mode with an endpoint instead)');
  }
  // Unsigned Meta webhooks are a convenience of a developer's machine only.
  if (config.DYNAMODB_MODE === 'aws' && !config.WHATSAPP_APP_SECRET) problems.push('WHATSAPP_APP_SECRET: required when DYNAMODB_MODE=aws');
  // Twilio: sending needs the account, the number and the token (the REST API's basic auth).
  if (Boolean(config.TWILIO_ACCOUNT_SID) !== Boolean(config.TWILIO_WHATSAPP_FROM)) {
    problems.push('TWILIO_ACCOUNT_SID, TWILIO_WHATSAPP_FROM: set both to send replies through Twilio, or neither');
  }
  if (config.TWILIO_ACCOUNT_SID && !config.TWILIO_AUTH_TOKEN)
    problems.push('TWILIO_AUTH_TOKEN: required with TWILIO_ACCOUNT_SID (basic auth of the API and media)');
  // All six backend URLs, or none (then the local demo backend runs): a partial set is a mistake.
  const missingLambdas = LAMBDA_VARIABLES.filter((key) => !config[key as keyof typeof config]);
  if (missingLambdas.length > 0 && missingLambdas.length < LAMBDA_VARIABLES.length) {
    problems.push(`LAMBDA_*: some are set but not all: missing ${missingLambdas.join(', ')}`);
  }
  // Node's guidance: headers may start arriving on a kept-alive connection right before it would close.
  if (config.HTTP_HEADERS_TIMEOUT_MS <= config.HTTP_KEEP_ALIVE_TIMEOUT_MS) {
    problems.push('HTTP_HEADERS_TIMEOUT_MS: must be greater than HTTP_KEEP_ALIVE_TIMEOUT_MS');
  }
  if (problems.length) throw new ConfigError(problems);
  const opsTokenGenerated = config.OPS_TOKEN === undefined;
  return { ...config, OPS_TOKEN: config.OPS_TOKEN ?? randomBytes(24).toString('base64url'), opsTokenGenerated };
}

/** The salt of subjects' hashes: PRIVACY_HASH_SALT, else (a developer's machine) one derived from the ops token. */
export const privacySaltOf = (config: Config) => config.PRIVACY_HASH_SALT ?? `derived:${config.OPS_TOKEN}`;

/** The DynamoDB part of the config, in the shape `openDynamo` takes (the server and the batch jobs open it alike). */
export function dynamoSettingsOf(config: Config) {
  return {
    mode: config.DYNAMODB_MODE,
    endpoint: config.DYNAMODB_ENDPOINT,
    dataDir: config.DYNAMODB_DATA_DIR,
    region: config.AWS_REGION,
    accessKeyId: config.AWS_ACCESS_KEY_ID,
    secretAccessKey: config.AWS_SECRET_ACCESS_KEY,
    autoCreateTables: config.AUTO_CREATE_TABLES,
    tablePrefix: config.TABLE_PREFIX,
  };
}

/**
 * The Twilio part of the config. `route`: the webhooks are served with signatures checked
 * (TWILIO_AUTH_TOKEN), or unsigned in embedded mode only; in aws mode without a token they are
 * not served at all. `api`: media can be fetched (account SID and token). `sender`: replies are
 * sent through Twilio (and the number too); else they are logged.
 */
export function twilioSettingsOf(config: Config) {
  const { TWILIO_ACCOUNT_SID: accountSid, TWILIO_AUTH_TOKEN: authToken, TWILIO_WHATSAPP_FROM: from, TWILIO_API_URL: apiUrl } = config;
  const served = authToken !== undefined || config.DYNAMODB_MODE === 'embedded';
  const api = accountSid && authToken ? { apiUrl, accountSid, authToken } : null;
  return {
    route: served ? { authToken, publicBaseUrl: config.PUBLIC_BASE_URL } : null,
    api,
    sender: api && from ? { ...api, from, publicBaseUrl: config.PUBLIC_BASE_URL } : null,
  };
}

/** What the Redis import reads of the config (`npm run migrate:redis`): DynamoDB, and the stores' and journeys' lifetimes. */
export function migrationSettingsOf(config: Config) {
  return {
    dynamo: dynamoSettingsOf(config),
    stores: { sessionTtlDays: config.SESSION_TTL_DAYS, bufferTtlDays: config.BUFFER_TTL_DAYS, lockLeaseMs: config.LOCK_LEASE_MS },
    journeyTtlDays: config.JOURNEY_TTL_DAYS,
  };
}
