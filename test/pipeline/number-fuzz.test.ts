import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metaOther, metaStatus, metaText, metaWebhookOf, signMetaBody } from '../support/meta-payloads.js';
import { APP_SECRET, startTestService, type TestService } from '../support/service.js';

/**
 * Every route's body with numbers out of range, written as raw JSON text (1e400 cannot be written
 * from JS): each leaf replaced in turn, and an extra member added to every object. The answer is
 * 2xx or 4xx, never 5xx, and the service keeps serving.
 */
const OUT_OF_RANGE = [
  '1e400',
  '-1e400',
  '123456789012345678901234567890',
  '1e-200',
  '"NaN"',
  '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[-1e400]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]',
];
const MARK = '\u0000out-of-range\u0000';

type Json = unknown;

/** Every way to put the mark into `body`: each leaf replaced, and a new member on each object. */
function variants(body: Json): Json[] {
  const out: Json[] = [];
  const walk = (node: Json, replace: (v: Json) => Json) => {
    if (node !== null && typeof node === 'object') {
      if (Array.isArray(node)) node.forEach((child, i) => walk(child, (v) => replace(node.map((c, j) => (j === i ? v : c)))));
      else {
        const obj = node as Record<string, Json>;
        out.push(replace({ ...obj, extra_number: MARK }));
        for (const key of Object.keys(obj)) walk(obj[key], (v) => replace({ ...obj, [key]: v }));
      }
    } else out.push(replace(MARK));
  };
  walk(body, (v) => v);
  return out;
}

/** The raw JSON texts of every variant with every out-of-range token. */
const rawBodies = (body: Json) => variants(body).flatMap((v) => OUT_OF_RANGE.map((token) => JSON.stringify(v).replace(JSON.stringify(MARK), token)));

/** A distinct phone per route and body. */
const phoneOf = (route: number, i: number) => `55119${route}${String(i).padStart(6, '0')}`;

/** Runs `fn` over `items`, a few at a time (the checks are independent). */
async function inPool<T>(items: T[], fn: (item: T, i: number) => Promise<void>, size = 8): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: size }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i], i);
      }
    }),
  );
}

describe('out-of-range numbers on every route', () => {
  let t: TestService;
  let n = 0;
  beforeAll(async () => {
    t = await startTestService();
  });
  afterAll(() => t.stop());

  const expectNo5xx = (res: { status: number; body: unknown }, what: string) => {
    expect(res.status, `${what} → ${JSON.stringify(res.body)}`).toBeLessThan(500);
  };

  it('when /webhook/ingest bodies carry them, then never 5xx', async () => {
    const base = { message_id: 'm-fuzz', phoneNumber: '+5511944440001', text: 'PA 120x80', meta: { replyPayload: 'yes', count: 1, nested: { a: [1, 2.5] } } };
    // A phone per body, so accepted ones do not queue behind each other's session lock.
    await inPool(rawBodies(base), async (raw, i) =>
      expectNo5xx(await t.post('/webhook/ingest', raw.replace('5511944440001', phoneOf(1, i)), { 'X-Idempotency-Key': `fuzz-${++n}` }), raw),
    );
  });

  it('when /hooks/template-fired bodies carry them, with and without a key, then never 5xx', async () => {
    const base = {
      phoneNumber: '+5511944440002',
      template: 'pedir_sinais_vitais',
      metadata: { hint_campos_faltantes: ['FR'], size: 3, ratio: 0.5, deep: { list: [1, { x: 2 }] } },
    };
    await inPool(rawBodies(base), async (template, i) => {
      const raw = template.replace('5511944440002', phoneOf(2, i));
      expectNo5xx(await t.post('/hooks/template-fired', raw), raw);
      expectNo5xx(await t.post('/hooks/template-fired', raw, { 'X-Template-Idempotency-Key': `fuzz-${++n}` }), raw);
    });
  });

  it('when signed Meta webhooks carry them, then 200: a signed delivery is never refused for its content', async () => {
    const base = metaWebhookOf({
      messages: [
        metaText('oi', { from: '5511944440003' }),
        metaOther('location', { location: { latitude: -23.5, longitude: -46.6 } }, { from: '5511944440003' }),
      ],
      statuses: [metaStatus({ id: 'wamid.fuzz', status: 'delivered', recipientId: '5511944440003' })],
    });
    await inPool(rawBodies(base), async (template, i) => {
      const raw = template.replaceAll('5511944440003', phoneOf(3, i));
      const res = await t.post('/webhook/whatsapp', raw, { 'X-Hub-Signature-256': signMetaBody(raw, APP_SECRET) });
      expect(res.status, `${raw} → ${JSON.stringify(res.body)}`).toBe(200);
    });
    await t.service.queue.idle();
  });

  it('when ops queries carry them, then never 5xx', async () => {
    for (const token of ['1e400', '-1e400', '123456789012345678901234567890', '1e-400', 'NaN', 'Infinity']) {
      for (const key of ['limit', 'since', 'until'])
        expectNo5xx(await t.get(`/sessions/5511944440001/conversation?${key}=${encodeURIComponent(token)}`), `${key}=${token}`);
    }
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
  });
});
