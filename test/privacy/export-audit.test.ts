import { describe, expect, it } from 'vitest';
import { OPS_TOKEN } from '../support/service.js';
import { ANA, ANA_ID, anaFirstAssessmentDone, startE2E, type E2E } from '../e2e/e2e.js';

const asDpo = { authorization: `Bearer ${OPS_TOKEN}`, 'x-actor': 'dpo@example' };
const getAs = async (e: E2E, path: string) => {
  const res = await fetch(`${e.url}${path}`, { headers: asDpo });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, any> };
};

describe('exporting a subject (GET /privacy/subjects/:phone/export)', () => {
  it('when a subject is exported, then the document holds the state, the pending actions and the whole conversation the ops endpoints show', async () => {
    const e = await startE2E();
    await anaFirstAssessmentDone(e);
    await e.say(ANA, 'paciente com tosse seca');
    const [state, conversation, pending] = await Promise.all([
      getAs(e, `/sessions/${ANA_ID}/state`),
      getAs(e, `/sessions/${ANA_ID}/conversation?limit=500`),
      getAs(e, `/sessions/${ANA_ID}/pending-actions`),
    ]);

    const res = await getAs(e, `/privacy/subjects/${encodeURIComponent('(11) 99999-0001')}/export`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="export-[0-9a-f]{12}\.json"$/);
    const doc = res.body;
    expect(doc.subject).toEqual({ session_id: ANA_ID });
    expect(doc.session.state).toEqual(state.body.state);
    expect(doc.session.version).toBe(state.body.version);
    expect(doc.conversation).toEqual(conversation.body.messages);
    expect(doc.conversation.length).toBeGreaterThan(6);
    expect(doc.pending_actions).toEqual(pending.body.actions);
    expect(doc.pending_actions.length).toBeGreaterThan(0);
  });

  it('when the subject has no data, then the export is an empty document, not an error', async () => {
    const e = await startE2E();
    const res = await getAs(e, '/privacy/subjects/5511977776666/export');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ session: null, pending_actions: [], workflows: [], conversation: [] });
  });
});

describe('the privacy audit (GET /privacy/audit)', () => {
  it('when an operator reads a state, a conversation, pending actions and an export, then each read is in the audit with who, what, the masked subject and the request id', async () => {
    const e = await startE2E();
    await anaFirstAssessmentDone(e);
    const reads = [
      { path: `/sessions/${ANA_ID}/state`, action: 'session.state.read' },
      { path: `/sessions/${ANA_ID}/conversation`, action: 'session.conversation.read' },
      { path: `/sessions/${ANA_ID}/pending-actions`, action: 'session.pendingActions.read' },
      { path: `/privacy/subjects/${ANA_ID}/export`, action: 'privacy.export' },
    ];
    const requestIds: string[] = [];
    for (const read of reads) {
      const res = await getAs(e, read.path);
      expect(res.status).toBe(200);
      requestIds.push(res.headers.get('x-request-id')!);
    }

    const audit = await getAs(e, `/privacy/audit?subject=${encodeURIComponent(ANA)}`);
    expect(audit.status).toBe(200);
    expect(audit.body.entries.map((a: { action: string }) => a.action)).toEqual(reads.map((r) => r.action));
    for (const [i, entry] of (audit.body.entries as Record<string, any>[]).entries()) {
      expect(entry).toMatchObject({
        actor: { id: expect.stringMatching(/^ops:[0-9a-f]{8}$/), name: 'dpo@example' },
        subjectMasked: '5511*****0001',
        requestId: requestIds[i],
      });
    }
    // The audit holds no phone number in clear.
    expect(JSON.stringify(audit.body)).not.toContain(ANA_ID);
  });

  it('when a subject is erased, then the audit records the erasure by salted hash only, and reading the audit is audited too', async () => {
    const e = await startE2E();
    await anaFirstAssessmentDone(e);
    const erased = await fetch(`${e.url}/privacy/subjects/${ANA_ID}`, { method: 'DELETE', headers: asDpo });
    expect(erased.status).toBe(200);

    const first = await getAs(e, `/privacy/audit?subject=${ANA_ID}`);
    const erasure = (first.body.entries as Record<string, any>[]).find((a) => a.action === 'privacy.erase');
    expect(erasure).toMatchObject({ subjectHash: expect.stringMatching(/^[0-9a-f]{32}$/), details: { erased: { sessions: 1 } } });
    expect(erasure!.subjectMasked).toBeUndefined();

    const since = (await getAs(e, `/privacy/audit?since=${encodeURIComponent(first.body.entries[0].at)}`)).body.entries as Record<string, any>[];
    expect(since.map((a) => a.action)).toContain('privacy.audit.read');
  });

  it('when a workflow is started through the ops API, then the action is in the audit', async () => {
    const e = await startE2E();
    const started = await e.post('/workflows', { type: 'order', input: { order_id: 'ORD-AUDIT' } }, asDpo);
    expect(started.status).toBe(201);
    const entries = (await getAs(e, '/privacy/audit')).body.entries as Record<string, any>[];
    expect(entries).toContainEqual(expect.objectContaining({ action: 'workflow.start', details: expect.objectContaining({ workflowId: 'order:ORD-AUDIT' }) }));
  });

  it('when the audit query is malformed, then it answers 400', async () => {
    const e = await startE2E();
    expect((await getAs(e, '/privacy/audit?limit=0')).status).toBe(400);
    expect((await getAs(e, '/privacy/audit?after=nope')).status).toBe(400);
  });
});
