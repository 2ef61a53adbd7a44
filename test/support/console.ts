import { OPS_TOKEN } from './service.js';

/** A cookie jar of one browser-less console user: fetch with cookies kept, forms posted as a browser would. */
export function consoleClient(baseUrl: string) {
  const jar = new Map<string, string>();

  function keep(res: Response) {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at);
      const value = pair.slice(at + 1);
      if (/Max-Age=0/.test(line)) jar.delete(name);
      else jar.set(name, value);
    }
  }

  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');

  async function request(path: string, init: RequestInit = {}) {
    const res = await fetch(`${baseUrl}${path}`, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), cookie: cookie() } });
    keep(res);
    return { status: res.status, headers: res.headers, text: await res.text() };
  }

  const get = (path: string) => request(path);
  const post = (path: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
    request(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(form).toString() });

  /** The CSRF token a page's forms carry. */
  const csrfOf = (page: string) => /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';

  /** Opens the sign-in form and posts `token` with the form's CSRF token. */
  async function signIn(token = OPS_TOKEN) {
    const form = await get('/console/sign-in');
    return post('/console/sign-in', { _csrf: csrfOf(form.text), token });
  }

  return { jar, get, post, signIn, csrfOf };
}
