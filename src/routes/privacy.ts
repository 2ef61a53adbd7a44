import { Router } from 'express';
import { z } from 'zod';
import { requireSessionId } from '../contracts/phone.js';
import type { Privacy } from '../privacy/index.js';
import { actorOf, auditOf, requestIdOf } from './actor.js';
import { handle, parseWith } from './http.js';
import { messageView, requireBearer } from './ops.js';

export interface PrivacyRoutesDeps {
  privacy: Privacy;
  opsToken: string;
}

const time = z.union([z.coerce.number().int().nonnegative(), z.iso.datetime().transform((s) => Date.parse(s))]);
const auditQuery = z.strictObject({
  /** A phone in any accepted form. */
  subject: z.string().min(1).max(40).optional(),
  since: time.optional(),
  after: z
    .string()
    .regex(/^\d{13}#[0-9A-Z]{26}$/, 'the `next` of the previous page')
    .optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** `/privacy`: erase and export one subject, read the audit; all behind the ops bearer token, all audited. */
export function privacyRoutes(deps: PrivacyRoutesDeps) {
  const router = Router();
  const { privacy } = deps;
  const audit = auditOf(privacy.audit);
  router.use('/privacy', requireBearer(deps.opsToken));

  router.delete(
    '/privacy/subjects/:phone',
    handle(async (req, res) => {
      const sessionId = requireSessionId(req.params.phone);
      const outcome = await privacy.erase(sessionId, actorOf(req), requestIdOf(res));
      const subject = privacy.audit.subject(sessionId);
      if (outcome.status === 'in_progress') {
        res
          .status(202)
          .json({ status: 'in_progress', subject: subject.masked, workflow_id: outcome.workflowId, message: 'send the same request again to see the outcome' });
        return;
      }
      res.json({
        status: 'erased',
        subject: subject.masked,
        workflow_id: outcome.workflowId,
        erased: outcome.erased,
        kept: outcome.kept,
        outside: outcome.outside,
      });
    }),
  );

  router.get(
    '/privacy/subjects/:phone/export',
    handle(async (req, res) => {
      const sessionId = requireSessionId(req.params.phone);
      const { head, stream } = await privacy.exportSubject(sessionId);
      await audit(req, res, 'privacy.export', { sessionId });
      // One JSON document, streamed: the head, then the conversation a page at a time (long histories never sit in memory whole).
      res.status(200).type('application/json');
      res.setHeader('Content-Disposition', `attachment; filename="export-${privacy.audit.subject(sessionId).hash.slice(0, 12)}.json"`);
      res.write(
        `{"subject":${JSON.stringify({ session_id: sessionId })},"exported_at":${JSON.stringify(head.exportedAt)},` +
          `"session":${JSON.stringify(head.session)},"pending_actions":${JSON.stringify(head.pendingActions)},` +
          `"workflows":${JSON.stringify(head.workflows)},"conversation":[`,
      );
      let first = true;
      try {
        await stream((entries) => {
          for (const entry of entries) {
            res.write(`${first ? '' : ','}${JSON.stringify(messageView(entry))}`);
            first = false;
          }
        });
      } catch (error) {
        // The status is sent already: cut the connection, so the client sees an incomplete document, never a short one.
        res.destroy(error as Error);
        return;
      }
      res.end(']}');
    }),
  );

  router.get(
    '/privacy/audit',
    handle(async (req, res) => {
      const q = parseWith(auditQuery, req.query, 'query');
      const sessionId = q.subject === undefined ? undefined : requireSessionId(q.subject);
      const page = await privacy.audit.list({ sessionId, since: q.since, limit: q.limit, after: q.after });
      await audit(req, res, 'privacy.audit.read', { sessionId, details: { entries: page.entries.length } });
      res.json({ entries: page.entries, next: page.next });
    }),
  );
  return router;
}
