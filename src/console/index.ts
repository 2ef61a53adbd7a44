/**
 * The ops console at /console: sign-in with the ops token (a signed, HttpOnly, SameSite=Strict
 * cookie), a CSRF token on every POST, a Content-Security-Policy without inline scripts, and the
 * sections of sections.ts. The JSON ops API keeps its bearer token; this is its second door.
 */
import express, { Router, type ErrorRequestHandler, type Request, type RequestHandler, type Response } from 'express';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Clock } from '../kernel/clock.js';
import { z } from 'zod';
import { AppError, NotFoundError } from '../kernel/errors.js';
import type { Logger } from '../kernel/logger.js';
import { verifyToken } from '../kernel/token.js';
import { requestLogger } from '../routes/http.js';
import type { OpsViews } from '../routes/ops-views.js';
import { PRE_COOKIE, SESSION_COOKIE, cookieHeader, createSessionKeys, createSignInLimiter, parseCookies } from './auth.js';
import { html } from './html.js';
import { csrfField, frame, sendPage, type SignedIn } from './layout.js';
import type { SectionContext } from './section.js';
import { SECTIONS } from './sections.js';

export interface ConsoleDeps {
  views: OpsViews;
  opsToken: string;
  clock: Clock;
  logger: Logger;
  settings: { sessionMinutes: number; signInMaxFailures: number; signInWindowSeconds: number };
}

const BASE = '/console';
const SIGN_IN = `${BASE}/sign-in`;
/** The sign-in form must be posted within this long of being shown. */
const PRE_MAX_AGE_S = 1800;

/** No inline script or style, nothing from elsewhere, no framing. htmx is served from node_modules by the route below. */
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

const securityHeaders: RequestHandler = (_req, res, next) => {
  res.setHeader('Content-Security-Policy', CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cache-Control', 'no-store');
  next();
};

/** Static files, read once on first use: htmx from its npm package, the stylesheet beside this file. */
const ASSETS: Record<string, { type: string; path: () => string }> = {
  'htmx.min.js': { type: 'text/javascript', path: () => createRequire(import.meta.url).resolve('htmx.org/dist/htmx.min.js') },
  'console.css': { type: 'text/css', path: () => new URL('./assets/console.css', import.meta.url).pathname },
};

/** Over https (directly, or as a proxy in front says) the cookies also carry Secure. */
const isHttps = (req: Request) => req.secure || req.header('x-forwarded-proto') === 'https';

export function consoleRoutes(deps: ConsoleDeps) {
  const { logger, clock, settings } = deps;
  const keys = createSessionKeys(deps.opsToken, clock, settings.sessionMinutes * 60_000);
  const limiter = createSignInLimiter({ clock, maxFailures: settings.signInMaxFailures, windowMs: settings.signInWindowSeconds * 1000 });
  const nav = SECTIONS.map(({ id, title, path }) => ({ id, title, path }));
  const ctx: SectionContext = { views: deps.views, clock, logger, nav };
  const assets = new Map<string, Promise<Buffer>>();

  const router = Router();
  router.use(BASE, securityHeaders, express.urlencoded({ extended: false, limit: '32kb', parameterLimit: 50 }));

  router.get(`${BASE}/assets/:name`, (req, res, next) => {
    // Own keys only: "constructor" or "__proto__" is no asset.
    const asset = Object.hasOwn(ASSETS, req.params.name) ? ASSETS[req.params.name] : undefined;
    if (!asset) return next();
    if (!assets.has(req.params.name)) assets.set(req.params.name, readFile(asset.path()));
    assets
      .get(req.params.name)!
      .then((body) => {
        res.setHeader('Cache-Control', 'public, max-age=3600');
        res.type(asset.type).send(body);
      })
      .catch(next);
  });

  /** The sign-in page, with a fresh pre-session secret whose CSRF token the form carries. */
  function signInPage(req: Request, res: Response, status = 200, message?: string) {
    const secret = keys.preSecret();
    res.append('Set-Cookie', cookieHeader(PRE_COOKIE, secret, { maxAgeSeconds: PRE_MAX_AGE_S, secure: isHttps(req) }));
    const body = html`<section class="sign-in card">
      <h1>Sign in</h1>
      ${message ? html`<p class="error" role="alert">${message}</p>` : ''}
      <form method="post" action="${SIGN_IN}" hx-boost="false">
        ${csrfField(keys.csrf(`pre:${secret}`))}
        <label>Ops token <input type="password" name="token" autocomplete="current-password" required autofocus /></label>
        <button type="submit">Sign in</button>
      </form>
      <p class="muted">The token is OPS_TOKEN (printed by <code>npm start</code> when it generated one).</p>
    </section>`;
    sendPage(res, frame({ title: 'Sign in', body }), status);
  }

  router.get(SIGN_IN, (req, res) => signInPage(req, res));

  router.post(SIGN_IN, (req, res) => {
    const log = requestLogger(res, logger);
    const ip = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    const wait = limiter.retryAfterSeconds(ip);
    if (wait > 0) {
      log.warn('console sign-in refused: too many wrong tokens', { ip, retryAfterSeconds: wait });
      res.setHeader('Retry-After', String(wait));
      return signInPage(req, res, 429, `Too many wrong tokens from this address. Try again in ${Math.ceil(wait / 60)} min.`);
    }
    const pre = parseCookies(req.header('cookie'))[PRE_COOKIE];
    const form = (req.body ?? {}) as Record<string, unknown>;
    if (!pre || !keys.checkCsrf(`pre:${pre}`, form._csrf)) {
      log.warn('console request refused: CSRF token missing or wrong', { route: 'POST /console/sign-in' });
      return signInPage(req, res, 403, 'The form expired. Sign in again.');
    }
    if (typeof form.token !== 'string' || !verifyToken(form.token, deps.opsToken)) {
      const failures = limiter.fail(ip);
      log.warn('console sign-in refused: wrong ops token', { ip, failures });
      return signInPage(req, res, 401, 'Wrong token.');
    }
    const { session, cookie } = keys.issue();
    res.append('Set-Cookie', cookieHeader(PRE_COOKIE, '', { maxAgeSeconds: 0, secure: isHttps(req) }));
    res.append('Set-Cookie', cookieHeader(SESSION_COOKIE, cookie, { maxAgeSeconds: (session.exp - clock.now()) / 1000, secure: isHttps(req) }));
    log.info('console signed in', { actor: `console:${session.sid.slice(0, 8)}` });
    res.redirect(303, nav[0].path);
  });

  // Everything below needs a signed-in session; every POST also its CSRF token.
  router.use(BASE, (req, res, next) => {
    const session = keys.read(parseCookies(req.header('cookie'))[SESSION_COOKIE]);
    if (!session) {
      if (req.header('hx-request')) {
        res.setHeader('HX-Redirect', SIGN_IN);
        return res.status(401).end();
      }
      return res.redirect(303, SIGN_IN);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const presented = (req.body as Record<string, unknown> | undefined)?._csrf ?? req.header('x-csrf-token');
      if (!keys.checkCsrf(session.sid, presented)) {
        requestLogger(res, logger).warn('console request refused: CSRF token missing or wrong', { route: `${req.method} ${BASE}${req.path}` });
        return sendPage(
          res,
          frame({
            title: 'Refused',
            body: html`<h1>Refused</h1>
              <p class="error">The CSRF token is missing or wrong. Reload the page and try again.</p>`,
          }),
          403,
        );
      }
    }
    (res.locals as { console?: SignedIn }).console = { session, csrf: keys.csrf(session.sid) };
    next();
  });

  router.post(`${BASE}/sign-out`, (req, res) => {
    res.append('Set-Cookie', cookieHeader(SESSION_COOKIE, '', { maxAgeSeconds: 0, secure: isHttps(req) }));
    res.redirect(303, SIGN_IN);
  });

  router.get([BASE, `${BASE}/`], (_req, res) => res.redirect(303, nav[0].path));
  for (const section of SECTIONS) section.mount(router, ctx);

  router.use(BASE, (_req, _res, next) => next(new NotFoundError('no such console page')));
  router.use(BASE, errorPage(ctx));
  return router;
}

/** A console page's refusal as a page (a workflow that does not exist, a bad id); anything else goes on to the app's handler. */
function errorPage(ctx: SectionContext): ErrorRequestHandler {
  return (error, _req, res, next) => {
    const known = error instanceof AppError ? error : error instanceof z.ZodError ? new AppError('request.invalid', 'invalid address') : null;
    if (!known || known.status >= 500) return next(error);
    const signedIn = (res.locals as { console?: SignedIn }).console;
    const body = html`<h1>${known.status === 404 ? 'Not found' : 'Refused'}</h1>
      <p class="error">${known.message}</p>`;
    sendPage(res, frame({ title: 'Refused', body, ...(signedIn ? { nav: { entries: ctx.nav, current: '', csrf: signedIn.csrf } } : {}) }), known.status);
  };
}
