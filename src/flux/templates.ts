/**
 * Task params are Jinja templates, as in the seed (`{{ partitions.ano_mes_referencia | int - 1 }}`),
 * rendered with nunjucks: autoescape off (the output is JSON, not HTML) and an undefined variable
 * is an error, never an empty string that would start a task with a wrong input.
 */
import nunjucks from 'nunjucks';

const env = new nunjucks.Environment(null, { autoescape: false, throwOnUndefined: true });

export type Rendered = { ok: true; payload: unknown } | { ok: false; error: string };

/** nunjucks prefixes its messages with "(unknown path)" and line noise; keep the reason. */
const reason = (error: unknown) =>
  (error instanceof Error ? error.message : String(error))
    .replace(/^\(unknown path\)\s*/, '')
    .replace(/\s+/g, ' ')
    .trim();

/** Pure: checks a template's syntax (at registration); the message, or null. */
export function templateProblem(params: string | Record<string, unknown>): string | null {
  try {
    // Eager: nunjucks otherwise compiles at the first render.
    new nunjucks.Template(typeof params === 'string' ? params : JSON.stringify(params), env, undefined, true);
    return null;
  } catch (error) {
    return reason(error);
  }
}

/**
 * Pure: renders `params` over `context`. A text template must render to JSON (it is the payload);
 * an object's strings are templates, so its rendering is JSON by construction unless a value
 * injects quotes — then that is the error.
 */
export function renderParams(params: string | Record<string, unknown>, context: object): Rendered {
  const text = typeof params === 'string' ? params : JSON.stringify(params);
  let out: string;
  try {
    out = env.renderString(text, context);
  } catch (error) {
    return { ok: false, error: `template: ${reason(error)}` };
  }
  try {
    return { ok: true, payload: out.trim() === '' ? {} : (JSON.parse(out) as unknown) };
  } catch {
    return { ok: false, error: `template: the rendered params are not JSON: ${out.slice(0, 200)}` };
  }
}
