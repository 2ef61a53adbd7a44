import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationSettingsOf } from '../../src/config.js';
import { BACKEND_ENV, type BackendOperation } from '../../src/contracts/backends.js';
import { migrate } from '../../src/migration/migrate.js';
import { RECONFIRM_PREFIX } from '../../src/migration/map-action.js';
import { startScriptedServer, type ReceivedRequest } from '../backends/scripted-server.js';
import { metaText, metaWebhookOf, serialiseLikeMeta, signMetaBody } from '../support/meta-payloads.js';
import { startRedisServer, type TestRedis } from '../support/redis-server.js';
import { APP_SECRET, ingestBody, startTestService, type TestService } from '../support/service.js';

/**
 * The fixture's checkpoints pickled by CPython (test/fixtures/migration/make_legacy_pickles.py) at
 * `now`, not at the committed fixture's fixed time: what the import writes must outlive the test in
 * DynamoDB Local, which deletes items whose TTL is past on the wall clock.
 */
function cpythonPickles(nowSeconds: number): Record<string, string> {
  const script = fileURLToPath(new URL('../fixtures/migration/make_legacy_pickles.py', import.meta.url));
  return (JSON.parse(execFileSync('python3', [script, String(nowSeconds)], { encoding: 'utf8' })) as { pickles: Record<string, string> }).pickles;
}
const ANA = '5511999990001';
const BRUNO = '5511999990002';
const MINUTE = 60_000;

/** The backend as the legacy service left it: Ana's shift awaiting confirmation, Bruno's confirmed. */
function legacyBackend() {
  const response: Record<string, string> = { [ANA]: 'aguardando resposta', [BRUNO]: 'confirmado' };
  const shift = (phone: string) =>
    phone === ANA
      ? {
          caregiverID: 'cg-ana',
          caregiverFirstName: 'Ana',
          scheduleID: 'sch-ana-fx',
          reportID: 'rep-ana-fx',
          reportDate: '2026-11-23T08:00:00',
          patientID: 'pt-jose',
          patientFirstName: 'José',
        }
      : {
          caregiverID: 'cg-bruno',
          caregiverFirstName: 'Bruno',
          scheduleID: 'sch-bruno-fx',
          reportID: 'rep-bruno-fx',
          reportDate: '2026-11-23T07:00:00',
          patientID: 'pt-helena',
          patientFirstName: 'Helena',
        };
  return (request: ReceivedRequest) => {
    const body = request.body as Record<string, string>;
    switch (request.path.slice(1) as BackendOperation) {
      case 'getScheduleStarted': {
        const phone = body.phoneNumber.replace(/\D/g, '');
        return {
          body: {
            ...shift(phone),
            day: '23/11/2026',
            start: '08:00',
            finish: '20:00',
            response: response[phone],
            shiftAllow: true,
            finishReminderSent: false,
            company: 'DEMO',
            cooperative: 'DEMO',
          },
        };
      }
      case 'updateWorkScheduleResponse':
        response[ANA] = body.responseValue;
        return { body: { message: 'ok' } };
      case 'getNoteReport':
        return { body: { notes: [] } };
      default:
        return { body: { message: 'ok' } };
    }
  };
}

/** Legacy keys → real redis-server → migrate → the real service on DynamoDB Local, with the real engine. */
describe('migrating from a real redis-server, then talking to the service', () => {
  let redis: TestRedis;
  let backend: Awaited<ReturnType<typeof startScriptedServer>>;
  let t: TestService;
  /** The legacy service's now: the fake clock's, in whole seconds as the fixture script takes it. */
  let legacyNow: number;
  const calls = (operation: BackendOperation) => backend.requests.filter((r) => r.path === `/${operation}`);
  const say = async (phone: string, text: string) =>
    (await t.post('/webhook/ingest', ingestBody(text, `+${phone}`), { 'X-Idempotency-Key': `k-${text}-${phone}-${Math.random()}` })).body;

  beforeAll(async () => {
    [redis, backend] = await Promise.all([startRedisServer(), startScriptedServer(legacyBackend())]);
    const lambdas = Object.fromEntries(Object.entries(BACKEND_ENV).map(([op, env]) => [env, `${backend.url}/${op}`]));
    t = await startTestService({ real: true, env: lambdas });
    const seed = redis.client.pipeline();
    legacyNow = Math.floor(t.clock.now() / 1000) * 1000;
    for (const [key, base64] of Object.entries(cpythonPickles(legacyNow / 1000))) seed.set(key, Buffer.from(base64, 'base64'), 'PX', 50 * MINUTE);
    seed.set('msg:wamid.LEGACY-ANA-1', JSON.stringify({ status: 'ok' }), 'PX', 8 * MINUTE);
    seed.set('cache:0cc175b9c0f1b6a8', '{}', 'PX', 4 * MINUTE);
    await seed.exec();
    const result = await migrate(
      migrationSettingsOf(t.config),
      { redisUrl: redis.url, dryRun: false, concurrency: 4, batchSize: 100, leaseMs: 30_000 },
      { clock: t.clock },
    );
    expect(result.counts.imported).toEqual({ sessions: 2, actions: 2, reconfirmations: 1, deliveries: 1 });
  });
  afterAll(async () => {
    await t?.stop();
    await Promise.all([redis?.stop(), backend?.close()]);
  });

  it('when Ana answers "sim" to the imported presence question, then exactly one backend call carries the legacy payload, and her kept vitals resume', async () => {
    const actionId = (await t.get(`/sessions/${ANA}/state`)).body.state.pending.actionId as string;
    const reply = await say(ANA, 'sim');
    expect(calls('updateWorkScheduleResponse')).toHaveLength(1);
    expect(calls('updateWorkScheduleResponse')[0].body).toEqual({ scheduleID: 'sch-ana-fx', responseValue: 'confirmado' });
    expect(calls('updateWorkScheduleResponse')[0].headers['idempotency-key']).toBe(actionId);
    expect(reply.reply).toContain('Presença confirmada!');
    expect(reply.reply).toContain('PA 120x80, FC 78');
    await say(ANA, 'sim');
    expect(calls('updateWorkScheduleResponse')).toHaveLength(1);
  });

  it('when Bruno is asked again and says "sim", then the clinical data he had confirmed is saved exactly once, as it was', async () => {
    await t.service.outbox.sweep(0);
    const asked = t.sender.sent.find((m) => m.to === BRUNO)!;
    expect(asked.reply.text.startsWith(RECONFIRM_PREFIX)).toBe(true);
    expect(calls('updateClinicalData')).toHaveLength(0);
    expect((await say(BRUNO, 'sim')).reply).toContain('Dados clínicos salvos com sucesso!');
    expect(calls('updateClinicalData').map((r) => r.body)).toEqual([
      {
        reportID: 'rep-bruno-fx',
        reportDate: '2026-11-23T07:00:00',
        scheduleID: 'sch-bruno-fx',
        caregiverIdentifier: 'cg-bruno',
        patientIdentifier: 'pt-helena',
        bloodPressure: '130x85',
        heartRate: 82,
        respRate: 18,
        saturationO2: 96,
        temperature: 36.9,
        clinicalNote: 'Paciente consciente e orientado.',
      },
    ]);
  });

  it('when Meta redelivers a message the legacy service had processed, then it is a duplicate and nothing is processed again', async () => {
    const before = (await t.get(`/sessions/${ANA}/conversation?limit=200`)).body;
    const backendCalls = backend.requests.length;
    const raw = serialiseLikeMeta(metaWebhookOf({ messages: [metaText('sim', { from: ANA, id: 'wamid.LEGACY-ANA-1' })] }));
    const res = await t.post('/webhook/whatsapp', raw, { 'X-Hub-Signature-256': signMetaBody(raw, APP_SECRET) });
    expect(res.body).toMatchObject({ received: 1, duplicates: 1 });
    await t.service.queue.idle();
    expect((await t.get(`/sessions/${ANA}/conversation?limit=200`)).body).toEqual(before);
    expect(backend.requests.length).toBe(backendCalls);
  });

  it('when the conversation is read, then the import is recorded at the legacy time as a system entry', async () => {
    const entries = (await t.get(`/sessions/${ANA}/conversation?limit=200`)).body.messages as { role: string; at: string; meta: Record<string, unknown> }[];
    expect(entries[0]).toMatchObject({
      role: 'system',
      at: new Date(legacyNow - 2 * MINUTE).toISOString(),
      meta: { origin: 'redis_import', format: 'pickle' },
    });
  });
});
