import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import type { AuditLog } from '../privacy/index.js';

/** Who acts, as recorded in workflow histories and in the privacy audit. */
export interface OpsActor {
  id: string;
  name?: string;
}

/**
 * Who acts: the ops token (named by a hash prefix, never the token) and, when the caller says so,
 * a person (`X-Actor`, as the CLI sends $USER). Recorded in the history of what they did.
 */
export function actorOf(req: Request): OpsActor {
  const token = (req.header('authorization') ?? '').slice('Bearer '.length);
  const name = req
    .header('x-actor')
    ?.replace(/[^\w .@-]/g, '')
    .slice(0, 64);
  return { id: `ops:${createHash('sha256').update(token).digest('hex').slice(0, 8)}`, ...(name ? { name } : {}) };
}

/** The request id app.ts gave this request (echoed in X-Request-Id). */
export const requestIdOf = (res: Response) => String(res.getHeader('X-Request-Id') ?? '') || undefined;

/** Records an ops read or action in the privacy audit before the answer goes out (no unaudited read). */
export const auditOf =
  (audit: AuditLog | undefined) =>
  (req: Request, res: Response, action: string, extra: { sessionId?: string; details?: Record<string, unknown> } = {}) =>
    audit?.record({ actor: actorOf(req), action, requestId: requestIdOf(res), ...extra });
