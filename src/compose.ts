import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createApp } from './app.js';
import { dynamoSettingsOf, privacySaltOf, twilioSettingsOf, type Config } from './config.js';
import { BACKEND_CONTRACTS, type BackendOperation, type Backends } from './contracts/backends.js';
import type { ConversationEngine } from './contracts/engine.js';
import type { UnderstandingService } from './contracts/understanding.js';
import { createDemoBackend, type DemoBackend } from './demo-backend/index.js';
import { createEngine } from './graph/index.js';
import { createBackends, backendUrlsFrom } from './infra/backends/index.js';
import type { CircuitState } from './infra/http/circuit-breaker.js';
import { systemClock, type Clock } from './kernel/clock.js';
import { openDynamo } from './infra/dynamo/open.js';
import { createLogger, type Logger } from './kernel/logger.js';
import { createStores } from './infra/stores/index.js';
import { tableNames } from './infra/tables.js';
import { createOpenAITranscriber, createRulesUnderstanding, createUnderstanding } from './nlu/index.js';
import { createLogSender } from './channels/log-sender.js';
import { createMetaMediaFetcher } from './channels/meta/media.js';
import { createMetaCloudSender } from './channels/meta/sender.js';
import { parseMetaWebhook } from './channels/meta/normalise.js';
import { computeMetaSignature, verifyMetaSignature } from './channels/meta/signature.js';
import { createJsonPoster } from './infra/http/post-json.js';
import { createServer, request as httpGet, type Server } from 'node:http';
import { createTwilioMediaFetcher } from './channels/twilio/media.js';
import { createTwilioSender } from './channels/twilio/sender.js';
import { TWILIO_STATUS_PATH } from './routes/twilio.js';
import type { Sender } from './contracts/sender.js';
import { createEntrypoints } from './pipeline/entrypoints.js';
import { createInbox } from './pipeline/inbox.js';
import { createMediaReader } from './pipeline/media.js';
import { KeyedQueue } from './pipeline/keyed-queue.js';
import { createMetrics } from './pipeline/metrics.js';
import { createOutbox } from './pipeline/outbox.js';
import { createRecovery } from './pipeline/recovery.js';
import { createTurnHistory } from './pipeline/turn-history.js';
import { createStatusHandler } from './pipeline/statuses.js';
import { SessionCache } from './pipeline/session-cache.js';
import { createTurnRunner } from './pipeline/turn.js';
import { createLoopDelayProbe, TurnScheduler } from './pipeline/turn-scheduler.js';
import { warmUp } from './pipeline/warm-up.js';
import { createCongregadoStore } from './infra/stores/congregado-store.js';
import { createJourneyStore } from './infra/stores/journey-store.js';
import { createFlux } from './flux/index.js';
import { createWorkflows, type WorkflowType } from './workflows/index.js';
import { createConsolidationWorkflow } from './workflows/types/consolidation.js';
import { createOrderWorkflow } from './workflows/types/order.js';
import { createAuditStore } from './infra/stores/audit-store.js';
import { createSubjectStore } from './infra/stores/subject-store.js';
import { createAuditLog, createErasureWorkflow, createPrivacy } from './privacy/index.js';

/** Replaceable parts, for tests and the benchmark. Anything absent is built from the config. */
export interface ServiceOverrides {
  clock?: Clock;
  logger?: Logger;
  engine?: ConversationEngine<unknown>;
  understanding?: UnderstandingService;
  backends?: Backends;
  /** Replaces every provider's sender (tests record what would be sent). */
  sender?: Sender;
  /** Period of the recovery sweeps instead of RECOVERY_SWEEP_INTERVAL_MS; null: none (tests call `sweep()`). */
  sweepIntervalMs?: number | null;
  /** Workflow types registered beside the built-in ones (tests, the benchmark). */
  workflowTypes?: WorkflowType[];
  /** Period of the flux sweeper instead of FLUX_SWEEP_INTERVAL_MS; null: none (tests call `flux.sweepOnce()`). */
  fluxSweepIntervalMs?: number | null;
}

/**
 * Composition root: builds every part from the config (embedded defaults: DynamoDB Local, the demo
 * backend, rules understanding, replies logged) and returns start/stop. It only wires: every rule
 * and default lives in config.ts, every behaviour in the part that owns it.
 */
export async function createService(config: Config, overrides: ServiceOverrides = {}) {
  const clock = overrides.clock ?? systemClock;
  const logger = overrides.logger ?? createLogger({ level: config.LOG_LEVEL });
  const stops: (() => Promise<void> | void)[] = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  };

  try {
    // DynamoDB: external endpoint, embedded DynamoDB Local, or the real service.
    const opened = await openDynamo(dynamoSettingsOf(config));
    stops.push(() => opened.close());
    const dynamo = opened.dynamo;
    if (opened.local) logger.info('embedded DynamoDB Local', { endpoint: opened.endpoint, dataDir: config.DYNAMODB_DATA_DIR, shared: opened.local.shared });
    for (const r of opened.prepared) logger.info('table prepared', { table: r.table, actions: r.actions });

    // Backends: configured Lambdas, or the local demo backend.
    let demo: DemoBackend | undefined;
    let backends = overrides.backends;
    // The breakers' states for the console's Health page, when the backends are the HTTP clients.
    let circuits: (() => Record<string, CircuitState>) | undefined;
    if (!backends) {
      let urls = backendUrlsFrom(config);
      if (!urls) {
        const started = await createDemoBackend({ clock, logger });
        stops.push(() => started.close());
        demo = started;
        urls = started.urls;
        logger.info('demo backend started (no LAMBDA_* configured)', { url: started.url });
      }
      const http = createBackends({ urls, timeoutMs: config.BACKEND_TIMEOUT_MS, maxRetries: config.BACKEND_MAX_RETRIES, logger, clock });
      circuits = () => Object.fromEntries((Object.keys(BACKEND_CONTRACTS) as BackendOperation[]).map((op) => [op, http.circuitState(op)]));
      backends = http;
    }

    // Replies leave through the provider the conversation came in on; one without credentials logs them.
    const twilio = twilioSettingsOf(config);
    const logSender = createLogSender(logger);
    const senders = {
      meta:
        overrides.sender ??
        (config.WHATSAPP_ACCESS_TOKEN && config.WHATSAPP_PHONE_NUMBER_ID
          ? createMetaCloudSender({
              graphUrl: config.WHATSAPP_GRAPH_URL,
              apiVersion: config.WHATSAPP_API_VERSION,
              phoneNumberId: config.WHATSAPP_PHONE_NUMBER_ID,
              accessToken: config.WHATSAPP_ACCESS_TOKEN,
              logger,
            })
          : logSender),
      twilio:
        overrides.sender ??
        (twilio.sender
          ? createTwilioSender({ ...twilio.sender, statusCallback: twilio.sender.publicBaseUrl && twilio.sender.publicBaseUrl + TWILIO_STATUS_PATH, logger })
          : logSender),
    };

    const engine = overrides.engine ?? createEngine();
    const metrics = createMetrics({ defaultMetrics: true });
    const turnHistory = createTurnHistory({ metrics, clock });
    const understanding =
      overrides.understanding ??
      createUnderstanding(
        { apiKey: config.OPENAI_API_KEY, baseURL: config.OPENAI_BASE_URL, model: config.OPENAI_MODEL, timeoutMs: config.OPENAI_TIMEOUT_MS },
        { logger, clock, onRedaction: (kind, count) => metrics.llmPiiRedactions.inc({ kind }, count) },
      );
    const stores = createStores<unknown>({
      doc: dynamo.doc,
      tables: tableNames(config.TABLE_PREFIX),
      clock,
      sessionSchema: engine.stateSchema,
      sessionTtlDays: config.SESSION_TTL_DAYS,
      bufferTtlDays: config.BUFFER_TTL_DAYS,
      lockLeaseMs: config.LOCK_LEASE_MS,
    });
    const instanceId = `${process.pid.toString(36)}${randomBytes(3).toString('hex')}`;
    const turns = createTurnRunner<unknown>({
      stores,
      engine,
      understanding,
      backends,
      clock,
      logger,
      metrics,
      instanceId,
      counter: config.DYNAMODB_TURN_TRACE ? dynamo.counter : undefined,
      cache: new SessionCache({ maxEntries: config.SESSION_CACHE_SIZE, maxAgeMs: config.SESSION_CACHE_SECONDS * 1000, clock }),
      settings: {
        lockLeaseMs: config.LOCK_LEASE_MS,
        lockWaitMs: config.LOCK_WAIT_MS,
        inProgressMs: config.IDEMPOTENCY_IN_PROGRESS_MS,
        pendingActionTtlMs: config.PENDING_ACTION_TTL_MINUTES * 60_000,
        resumeTtlMs: config.RESUME_TTL_MINUTES * 60_000,
      },
    });
    const queue = new KeyedQueue();
    // Voice notes: fetched from the provider that delivered them, transcribed when OPENAI_API_KEY is set.
    const media = createMediaReader({
      fetchers: {
        ...(config.WHATSAPP_ACCESS_TOKEN && {
          meta: createMetaMediaFetcher({
            graphUrl: config.WHATSAPP_GRAPH_URL,
            apiVersion: config.WHATSAPP_API_VERSION,
            accessToken: config.WHATSAPP_ACCESS_TOKEN,
          }),
        }),
        ...(twilio.api && { twilio: createTwilioMediaFetcher(twilio.api) }),
      },
      transcriber: config.OPENAI_API_KEY
        ? createOpenAITranscriber({
            apiKey: config.OPENAI_API_KEY,
            baseURL: config.OPENAI_BASE_URL,
            model: config.OPENAI_TRANSCRIBE_MODEL,
            timeoutMs: config.OPENAI_TRANSCRIBE_TIMEOUT_MS,
          })
        : undefined,
      metrics,
      logger,
      settings: { maxBytes: config.MEDIA_MAX_BYTES, fetchTimeoutMs: config.MEDIA_FETCH_TIMEOUT_MS, language: 'pt' },
    });
    const outbox = createOutbox({ stores, senders, logger, metrics, clock, resendAfterMs: config.OUTBOX_RESEND_AFTER_MS });
    // Inbox turns start after the acks waiting on the event loop, fewer at once while it lags.
    const loopDelay = createLoopDelayProbe();
    stops.push(() => loopDelay.stop());
    const scheduler = new TurnScheduler({
      maxConcurrent: config.INBOX_CONCURRENCY,
      targetDelayMs: config.INBOX_LOOP_DELAY_TARGET_MS,
      ackTargetMs: config.INBOX_ACK_TARGET_MS,
      probe: loopDelay.read,
      clock,
    });
    const inbox = createInbox({
      stores,
      turns,
      outbox,
      queue,
      scheduler,
      media,
      clock,
      logger,
      metrics,
      instanceId,
      settings: {
        dedupTtlMs: config.PROVIDER_DEDUP_TTL_DAYS * 86_400_000,
        inProgressMs: config.IDEMPOTENCY_IN_PROGRESS_MS,
      },
    });
    const statuses = createStatusHandler({ stores, metrics, logger });
    const entrypoints = createEntrypoints({ turns, queue, clock, metrics, idempotencyTtlMs: config.IDEMPOTENCY_TTL_SECONDS * 1000 });
    const recovery = createRecovery({
      inbox,
      outbox,
      logger,
      intervalMs: overrides.sweepIntervalMs === undefined ? config.RECOVERY_SWEEP_INTERVAL_MS : overrides.sweepIntervalMs,
      figures: { metrics, clock },
    });

    // Step workflows on the journey store; the order demo type only on a developer's machine.
    const names = tableNames(config.TABLE_PREFIX);
    const subjects = createSubjectStore({ doc: dynamo.doc, tables: names });
    const workflows = createWorkflows({
      store: createJourneyStore({ doc: dynamo.doc, tableName: names.journeys, clock, ttlDays: config.JOURNEY_TTL_DAYS }),
      types: [
        createConsolidationWorkflow({ congregados: createCongregadoStore({ doc: dynamo.doc, tableName: names.congregados, clock }), clock }),
        ...(config.DYNAMODB_MODE === 'embedded' ? [createOrderWorkflow()] : []),
        createErasureWorkflow({ locks: stores.locks, subjects, lockLeaseMs: config.LOCK_LEASE_MS, lockWaitMs: config.LOCK_WAIT_MS }),
        ...(overrides.workflowTypes ?? []),
      ],
      clock,
      logger,
      instanceId,
      settings: { workers: config.WORKFLOW_WORKERS, leaseMs: config.WORKFLOW_LEASE_MS, pollMaxMs: config.WORKFLOW_POLL_MAX_MS },
    });

    // Flux control: its `workflow` executors start runs here, and their outcomes come back through its listener.
    const flux = createFlux({
      doc: dynamo.doc,
      tableName: names.flux,
      clock,
      logger,
      workflows,
      settings: {
        sweepIntervalMs: overrides.fluxSweepIntervalMs === undefined ? config.FLUX_SWEEP_INTERVAL_MS : overrides.fluxSweepIntervalMs,
        leaseMs: config.FLUX_LEASE_MS,
        http: { timeoutMs: config.FLUX_HTTP_TIMEOUT_MS, maxAttempts: config.FLUX_HTTP_MAX_ATTEMPTS },
      },
    });
    // Privacy (LGPD): erasure (a workflow), export, and the audit of ops reads and actions.
    const audit = createAuditLog({
      store: createAuditStore({ doc: dynamo.doc, tableName: names.privacyAudit, clock, retentionDays: config.AUDIT_RETENTION_DAYS }),
      salt: privacySaltOf(config),
    });
    const privacy = createPrivacy({
      sessions: stores.sessions,
      pendingActions: stores.pendingActions,
      buffer: stores.buffer,
      subjects,
      workflows: workflows.service,
      audit,
      clock,
      erasureWaitMs: config.ERASURE_WAIT_MS,
    });

    const app = createApp({
      logger,
      metrics,
      stores,
      client: dynamo.client,
      tablePrefix: config.TABLE_PREFIX,
      entrypoints,
      inbox,
      statuses,
      opsToken: config.OPS_TOKEN,
      dynamoRequests: () => dynamo.counter.snapshot(),
      whatsapp: { appSecret: config.WHATSAPP_APP_SECRET, verifyToken: config.WHATSAPP_VERIFY_TOKEN },
      twilio: twilio.route,
      clock,
      workflows: workflows.service,
      flux: flux.service,
      turnHistory,
      circuits,
      warm: () => warm,
      privacy,
      console: {
        sessionMinutes: config.CONSOLE_SESSION_MINUTES,
        signInMaxFailures: config.CONSOLE_SIGNIN_MAX_FAILURES,
        signInWindowSeconds: config.CONSOLE_SIGNIN_WINDOW_SECONDS,
      },
    });

    let server: Server | undefined;
    let warm = false;

    return {
      app,
      config,
      stores,
      dynamo,
      metrics,
      queue,
      inbox,
      outbox,
      demo,
      workflows,
      flux,
      privacy,
      opsToken: config.OPS_TOKEN,
      sweep: recovery.sweepOnce,
      /**
       * Warms up (DynamoDB connections, the engine and the rules; no backend traffic), so the first
       * deliveries after a deploy are as fast as later ones and /readyz answers only once warm; then
       * listens on `port` (default PORT; 0 picks a free one) and starts the recovery sweeps and the workflow workers.
       */
      async start(port = config.PORT): Promise<{ url: string; port: number; server: Server }> {
        const delivery = Buffer.from(JSON.stringify(WARM_UP_DELIVERY));
        const extras = [
          () => verifyMetaSignature(delivery, 'sha256=00', 'warm-up'),
          () => parseMetaWebhook(JSON.parse(delivery.toString('utf8')), { receivedAt: clock.now() }),
        ];
        // Best effort: an unreachable DynamoDB is /readyz's to report, not a reason not to start.
        if (config.WARM_UP_ROUNDS > 0)
          await warmUp({
            doc: dynamo.doc,
            tables: names,
            engine,
            rules: createRulesUnderstanding(),
            extras,
            rounds: config.WARM_UP_ROUNDS,
            now: () => clock.now(),
          }).then(
            (ms) => logger.info('warmed up', { ms: Math.round(ms) }),
            (error: Error) => logger.warn('warm-up incomplete', { error: error.message }),
          );
        server = await new Promise<Server>((resolve, reject) => {
          const s = createServer(app).listen(port, '0.0.0.0', () => resolve(s));
          s.once('error', reject);
        });
        // Behind a load balancer an idle connection must stay open longer than the balancer keeps
        // it (Node's default 5 s < ALB's 60 s), or the balancer reuses a socket we just closed: 502/reset.
        server.keepAliveTimeout = config.HTTP_KEEP_ALIVE_TIMEOUT_MS;
        server.headersTimeout = config.HTTP_HEADERS_TIMEOUT_MS;
        stops.push(
          () =>
            new Promise<void>((resolve) => {
              server!.close(() => resolve());
              server!.closeAllConnections();
            }),
        );
        recovery.start();
        stops.push(() => recovery.stop());
        turnHistory.start();
        stops.push(() => turnHistory.stop());
        workflows.start();
        stops.push(() => workflows.stop());
        flux.start();
        stops.push(() => flux.stop());
        stops.push(() => queue.idle());
        const actual = (server.address() as AddressInfo).port;
        // The HTTP stack warmed on loopback (node and Express; the front, undici and Meta's ack path
        // with an empty signed delivery, which stores nothing); only then is /readyz 200.
        const poster = createJsonPoster({ maxSockets: 1 });
        const empty = JSON.stringify({ object: 'whatsapp_business_account', entry: [] });
        const signed = {
          'content-type': 'application/json',
          ...(config.WHATSAPP_APP_SECRET && { 'x-hub-signature-256': computeMetaSignature(empty, config.WHATSAPP_APP_SECRET) }),
        };
        for (let i = 0; i < Math.min(50, 2 * config.WARM_UP_ROUNDS); i++) {
          await loopbackGet(actual, '/healthz');
          await poster.post(`http://127.0.0.1:${actual}/webhook/whatsapp`, signed, empty, 5_000).catch(() => undefined);
        }
        poster.close();
        warm = true;
        return { url: `http://127.0.0.1:${actual}`, port: actual, server };
      },
      /** Stops accepting, drains queued turns, stops the demo backend and DynamoDB Local. */
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** A Meta delivery of one text message, for the warm-up of the signature check and the parser. */
const WARM_UP_DELIVERY = {
  object: 'whatsapp_business_account',
  entry: [
    {
      id: '0',
      changes: [
        {
          field: 'messages',
          value: {
            messaging_product: 'whatsapp',
            metadata: { display_phone_number: '0', phone_number_id: '0' },
            contacts: [{ wa_id: '5500000000000', profile: { name: 'Warm-up' } }],
            messages: [{ from: '5500000000000', id: 'wamid.warmup', timestamp: '0', type: 'text', text: { body: 'oi, bom dia' } }],
          },
        },
      ],
    },
  ],
};

/** One GET to this very process, its answer read and dropped. */
function loopbackGet(port: number, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    httpGet({ host: '127.0.0.1', port, path }, (res) => {
      res.resume();
      res.on('end', () => resolve());
    })
      .on('error', reject)
      .end();
  });
}
