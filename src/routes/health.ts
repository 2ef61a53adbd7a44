import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Router } from 'express';
import { describeTables } from '../infra/dynamo/ensure-tables.js';
import { handle } from './http.js';

/** Public liveness and readiness: ready once warmed up, while DynamoDB answers and every table is ACTIVE. */
export function healthRoutes(deps: { client: DynamoDBClient; tablePrefix: string; warm?: () => boolean }) {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get(
    '/readyz',
    handle(async (_req, res) => {
      if (deps.warm && !deps.warm()) return res.status(503).json({ status: 'not_ready', reason: 'warming up' });
      try {
        const tables = await describeTables(deps.client, deps.tablePrefix);
        const notActive = tables.filter((t) => t.status !== 'ACTIVE').map((t) => `${t.name}: ${t.status}`);
        if (notActive.length) return res.status(503).json({ status: 'not_ready', reason: `tables not active: ${notActive.join(', ')}` });
        res.json({ status: 'ready' });
      } catch (error) {
        res.status(503).json({ status: 'not_ready', reason: `DynamoDB unreachable: ${(error as Error).name}` });
      }
    }),
  );
  return router;
}
