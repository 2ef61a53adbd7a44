/** The CLIs' one way to call the running service over HTTP with JSON (chat, workflow). */

/** The service's error envelope, `{error:{code,message,details}}`, when an answer carries one. */
export interface ErrorBody {
  code?: string;
  message?: string;
  details?: unknown;
}

/** What a call came to: an answer (any status), or no answer in time, or no connection. */
export type JsonAnswer =
  { kind: 'answer'; status: number; ok: boolean; body: unknown; error?: ErrorBody } | { kind: 'timeout' } | { kind: 'unreachable'; code: string };

export interface JsonRequest {
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** Sent as JSON when present. */
  body?: unknown;
  timeoutMs: number;
}

/** Calls `url`; the body is parsed as JSON (null when empty or not JSON). Never throws for the network. */
export async function requestJson(url: string, request: JsonRequest): Promise<JsonAnswer> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: request.method,
      headers: { 'content-type': 'application/json', ...request.headers },
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      signal: AbortSignal.timeout(request.timeoutMs),
    });
  } catch (error) {
    const e = error as { name?: string; cause?: { code?: string } };
    if (e.name === 'TimeoutError') return { kind: 'timeout' };
    return { kind: 'unreachable', code: e.cause?.code ?? e.name ?? 'error' };
  }
  const text = await response.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON (a proxy's page): the status still says what happened.
  }
  const error = (body as { error?: ErrorBody } | null)?.error;
  return { kind: 'answer', status: response.status, ok: response.ok, body, ...(error ? { error } : {}) };
}
