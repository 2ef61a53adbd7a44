import { describe, expect, it } from 'vitest';
import { ingestBody, startTestService } from '../support/service.js';

describe('probe', () => {
  it('when started, then it answers', async () => {
    const t0 = performance.now();
    const t = await startTestService({ real: true });
    const t1 = performance.now();
    const r = await t.post('/webhook/ingest', ingestBody('oi'), { 'X-Idempotency-Key': 'k1' });
    const t2 = performance.now();
    console.log('start', Math.round(t1 - t0), 'turn', Math.round(t2 - t1), r.body.reply);
    const t3 = performance.now();
    await t.stop();
    console.log('stop', Math.round(performance.now() - t3));
    expect(r.status).toBe(200);
  });
});
