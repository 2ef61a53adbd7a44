import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import express, { Router } from 'express';
import type { RequestListener } from 'node:http';
import type { Clock } from './kernel/clock.js';
import type { Logger } from './kernel/logger.js';
import type { Stores } from './infra/stores/index.js';
import type { CircuitState } from './infra/http/circuit-breaker.js';
import type { Entrypoints } from './pipeline/entrypoints.js';
import type { Inbox } from './pipeline/inbox.js';
import type { Metrics } from './pipeline/metrics.js';
import type { TurnHistory } from './pipeline/turn-history.js';
import type { StatusHandler } from './pipeline/statuses.js';
import { consoleRoutes } from './console/index.js';
import { healthRoutes } from './routes/health.js';
import { errorMiddleware, notFound, requestContext } from './routes/http.js';
import { createFront, mountPlain } from './routes/plain-routes.js';
import { opsRoutes } from './routes/ops.js';
import { createOpsViews } from './routes/ops-views.js';
import { ingestRoute, templateRoutes } from './routes/webhooks.js';
import { twilioOffRoutes, twilioRoutes } from './routes/twilio.js';
import { metaWebhookRoute, whatsappRoutes } from './routes/whatsapp.js';
import { fluxRoutes } from './routes/flux.js';
import { privacyRoutes } from './routes/privacy.js';
import { workflowRoutes } from './routes/workflows.js';
import type { Privacy } from './privacy/index.js';
import type { WorkflowService } from './workflows/index.js';
import type { FluxService } from './flux/index.js';

export interface AppDeps {
  logger: Logger;
  metrics: Metrics;
  stores: Stores<unknown>;
  client: DynamoDBClient;
  tablePrefix: string;
  entrypoints: Entrypoints;
  inbox: Inbox;
  statuses: StatusHandler;
  opsToken: string;
  dynamoRequests: () => { requests: number; byOperation: Record<string, number>; byTable: Record<string, number> };
  whatsapp: { appSecret?: string; verifyToken?: string };
  /** Twilio's webhooks; null: off, they answer 404 saying so (aws mode without TWILIO_AUTH_TOKEN). */
  twilio: { authToken?: string; publicBaseUrl?: string } | null;
  /** Stands in for a provider's missing timestamps. */
  clock: Clock;
  workflows: WorkflowService;
  flux: FluxService;
  /** The last hour of turn figures for the console's Health page. */
  turnHistory: TurnHistory;
  /** The backends' circuit-breaker states (absent: backends without a breaker). */
  circuits?: () => Record<string, CircuitState>;
  /** False until the service has warmed up (then /readyz may say ready); absent: always warm. */
  warm?: () => boolean;
  privacy: Privacy;
  console: { sessionMinutes: number; signInMaxFailures: number; signInWindowSeconds: number };
}

/**
 * Builds the HTTP handler from its dependencies; no I/O happens here. The Express app serves every
 * route; the deliveries that come with every message (plain routes) are also served from node:http
 * directly when they have the common shape (routes/plain-routes.ts).
 */
export function createApp(deps: AppDeps): RequestListener {
  const app = express();
  app.disable('x-powered-by');
  // No ETag: Express hashes every body for it (SHA-1 per answer), and nothing here is cached by clients.
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.use(requestContext(deps.logger));
  app.use(healthRoutes({ client: deps.client, tablePrefix: deps.tablePrefix, warm: deps.warm }));
  const provider = { inbox: deps.inbox, statuses: deps.statuses, logger: deps.logger, metrics: deps.metrics, clock: deps.clock };
  const plain = [ingestRoute(deps.entrypoints), metaWebhookRoute({ ...provider, ...deps.whatsapp })];
  const plainRouter = Router();
  for (const route of plain) mountPlain(plainRouter, route, deps.logger);
  app.use(plainRouter);
  app.use(templateRoutes(deps.entrypoints));
  app.use(whatsappRoutes({ ...provider, ...deps.whatsapp }));
  app.use(deps.twilio ? twilioRoutes({ ...provider, ...deps.twilio }) : twilioOffRoutes());
  // One set of ops use-cases, two doors: the JSON API (bearer token) and the console (cookie session).
  const views = createOpsViews({
    stores: deps.stores,
    metrics: deps.metrics,
    client: deps.client,
    tablePrefix: deps.tablePrefix,
    workflows: deps.workflows,
    flux: deps.flux,
    turnHistory: deps.turnHistory,
    circuits: deps.circuits,
    dynamoRequests: deps.dynamoRequests,
    audit: deps.privacy.audit,
  });
  app.use(consoleRoutes({ views, opsToken: deps.opsToken, clock: deps.clock, logger: deps.logger, settings: deps.console }));
  app.use(workflowRoutes({ workflows: deps.workflows, opsToken: deps.opsToken, audit: deps.privacy.audit }));
  app.use(fluxRoutes({ flux: deps.flux, opsToken: deps.opsToken }));
  app.use(privacyRoutes({ privacy: deps.privacy, opsToken: deps.opsToken }));
  app.use(opsRoutes({ views, metrics: deps.metrics, opsToken: deps.opsToken, audit: deps.privacy.audit }));
  app.use(notFound);
  app.use(errorMiddleware(deps.logger));
  return createFront({ routes: plain, app, logger: deps.logger });
}
