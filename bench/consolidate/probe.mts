import { startDynamoLocal } from '../../src/infra/dynamo/local.js';
import { createDynamo } from '../../src/infra/dynamo/client.js';
import { ensureTables } from '../../src/infra/dynamo/ensure-tables.js';
import { tableNames } from '../../src/infra/tables.js';
import { createFakeClock, systemClock } from '../../src/infra/clock.js';
import { createJourneyController } from '../../src/jobs/journey/journey-controller.js';
import { createJourneyStore } from '../../src/infra/stores/journey-store.js';
import { createCongregadoStore } from '../../src/infra/stores/congregado-store.js';
import { loadConsolidationConfig } from '../../src/jobs/consolidation/config.js';
import { runConsolidation } from '../../src/jobs/consolidation/consolidation-job.js';
import { openEngine } from '../../src/jobs/consolidation/engine.js';
const local = await startDynamoLocal({ dataDir: ':memory:' });
const d0 = createDynamo({ region: 'sa-east-1', endpoint: local.endpoint, credentials: { accessKeyId: 'l', secretAccessKey: 'l' } });
await ensureTables(d0.client, 'p_');
for (let i = 0; i < 2; i++) {
  const d = createDynamo({ region: 'sa-east-1', endpoint: local.endpoint, credentials: { accessKeyId: 'l', secretAccessKey: 'l' } });
  const names = tableNames('p_');
  d.client.middlewareStack.add((next, context) => async (args) => { const t = performance.now(); try { return await next(args); } finally { console.log('     ', context.commandName, (performance.now() - t).toFixed(0), 'ms'); } }, { step: 'initialize', name: 'probeTimer' });
  const t0 = performance.now();
  const log = (s: string) => console.log(((performance.now() - t0) | 0).toString().padStart(6), s);
  const controller = createJourneyController({ store: createJourneyStore({ doc: d.doc, tableName: names.journeys, clock: systemClock }), clock: systemClock });
  await runConsolidation(loadConsolidationConfig('.data/bench-consolidate/consolidation.json'), {}, { controller, congregados: createCongregadoStore({ doc: d.doc, tableName: names.congregados, clock: systemClock }), clock: createFakeClock(Date.UTC(2024, 1, 1 + i)), progress: log });
  log('done');
  d.destroy();
}
const e = await openEngine({ memoryLimit: '512MB', tempDirectory: '/tmp/x' });
const out = '.data/bench-consolidate/out/job/anomesdia=20240202/*.parquet';
for (const q of [`SELECT origem, count(*) FROM read_parquet('${out}') GROUP BY origem`, `SELECT * FROM read_parquet('${out}') ORDER BY num_oper, cod_idef_ver_oper LIMIT 1000`, `SELECT count(*) FROM read_parquet('.data/bench-consolidate/sor/anomesdia=20240116/part-0.parquet')`]) {
  const t = performance.now(); await e.rows(q); console.log((performance.now() - t).toFixed(0), q.slice(0, 60));
}
d0.destroy(); await local.stop();
