/**
 * Console sign-in: the ops token is exchanged for a signed session cookie; CSRF tokens are derived
 * from the session; wrong tokens are counted per IP. The cookie is stateless (an HMAC under a key
 * derived from the ops token), so every instance accepts it; rotating OPS_TOKEN signs everyone out.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { Clock } from '../kernel/clock.js';
import { verifyToken } from '../kernel/token.js';

export const SESSION_COOKIE = 'console_session';
/** The sign-in form's own CSRF secret (there is no session yet). */
export const PRE_COOKIE = 'console_pre';

export interface ConsoleSession {
  /** Random id of this sign-in: names the actor in what it changes, and binds its CSRF token. */
  sid: string;
  /** Epoch ms it expires. */
  exp: number;
}

export function createSessionKeys(opsToken: string, clock: Clock, ttlMs: number) {
  const key = createHmac('sha256', opsToken).update('console-session-key').digest();
  const mac = (text: string) => createHmac('sha256', key).update(text).digest('base64url');

  return {
    /** A new signed-in session and its cookie value. */
    issue(): { session: ConsoleSession; cookie: string } {
      const session = { sid: randomBytes(12).toString('base64url'), exp: clock.now() + ttlMs };
      const body = Buffer.from(JSON.stringify(session)).toString('base64url');
      return { session, cookie: `${body}.${mac(`session:${body}`)}` };
    },

    /** The session a cookie value carries; null when absent, forged or expired. */
    read(cookie: string | undefined): ConsoleSession | null {
      if (!cookie) return null;
      const [body, signature] = cookie.split('.');
      if (!body || !signature || !verifyToken(signature, mac(`session:${body}`))) return null;
      try {
        const session = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Partial<ConsoleSession>;
        if (typeof session.sid !== 'string' || typeof session.exp !== 'number' || session.exp <= clock.now()) return null;
        return { sid: session.sid, exp: session.exp };
      } catch {
        return null;
      }
    },

    /** The CSRF token of a session (or of a sign-in form's pre-session secret). */
    csrf: (sid: string) => mac(`csrf:${sid}`),
    checkCsrf: (sid: string, presented: unknown) => typeof presented === 'string' && verifyToken(presented, mac(`csrf:${sid}`)),
    /** A fresh pre-session secret for the sign-in form. */
    preSecret: () => randomBytes(16).toString('base64url'),
  };
}

/**
 * Wrong sign-in attempts per IP in a fixed window: after `maxFailures` the IP is refused (429,
 * even with the right token) until the window ends. In memory: each instance counts its own.
 */
export function createSignInLimiter(options: { clock: Clock; maxFailures: number; windowMs: number; maxTracked?: number }) {
  const { clock, maxFailures, windowMs } = options;
  const maxTracked = options.maxTracked ?? 10_000;
  const failures = new Map<string, { count: number; since: number }>();

  const current = (ip: string) => {
    const entry = failures.get(ip);
    if (entry && clock.now() - entry.since >= windowMs) {
      failures.delete(ip);
      return undefined;
    }
    return entry;
  };

  return {
    /** Seconds until `ip` may try again; 0 when it may now. */
    retryAfterSeconds(ip: string): number {
      const entry = current(ip);
      if (!entry || entry.count < maxFailures) return 0;
      return Math.max(1, Math.ceil((entry.since + windowMs - clock.now()) / 1000));
    },
    /** Counts a wrong token; returns the count in this window. */
    fail(ip: string): number {
      const entry = current(ip) ?? { count: 0, since: clock.now() };
      entry.count += 1;
      failures.delete(ip);
      failures.set(ip, entry);
      // Forget the oldest IPs first when many are tracked (a Map iterates in insertion order).
      while (failures.size > maxTracked) failures.delete(failures.keys().next().value!);
      return entry.count;
    },
  };
}

/** Pure: the cookies of a Cookie header. */
export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at < 0) continue;
    const name = part.slice(0, at).trim();
    const value = part.slice(at + 1).trim();
    if (name && !(name in out)) {
      try {
        out[name] = decodeURIComponent(value);
      } catch {
        out[name] = value;
      }
    }
  }
  return out;
}

/** Pure: a Set-Cookie value; HttpOnly and SameSite=Strict always, Secure when the request came over https. */
export function cookieHeader(name: string, value: string, options: { maxAgeSeconds: number; secure: boolean }): string {
  return [
    `${name}=${value}`,
    'Path=/console',
    `Max-Age=${Math.max(0, Math.floor(options.maxAgeSeconds))}`,
    'HttpOnly',
    'SameSite=Strict',
    ...(options.secure ? ['Secure'] : []),
  ].join('; ');
}
