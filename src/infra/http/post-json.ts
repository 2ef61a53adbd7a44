import { Agent, request } from 'undici';

export interface PostAnswer {
  status: number;
  text: string;
  /** A response header by lower-case name (the first value when repeated). */
  header(name: string): string | null;
}

/**
 * POSTs a body with undici's `request` over a keep-alive pool of its own. Used for the backend
 * calls and the providers' send APIs: per call it costs about half the client CPU of node:http's
 * ClientRequest, and a third of `fetch` (streams, WHATWG objects), for what is one small JSON
 * request and answer. Aborting `signal` ends the request (or the reading of its answer) with the
 * signal's reason, as fetch does, so a timeout stays a TimeoutError.
 */
export function createJsonPoster(options: { maxSockets?: number } = {}) {
  const agent = new Agent({ connections: options.maxSockets ?? 64 });

  async function post(url: string, headers: Record<string, string>, body: string, signal: AbortSignal): Promise<PostAnswer> {
    try {
      const res = await request(url, { method: 'POST', dispatcher: agent, headers, body, signal });
      const text = await res.body.text();
      const header = (name: string) => {
        const value = res.headers[name];
        return (Array.isArray(value) ? value[0] : value) ?? null;
      };
      return { status: res.statusCode, text, header };
    } catch (error) {
      throw signal.aborted ? (signal.reason as Error) : error;
    }
  }

  return {
    post,
    /** Closes the idle keep-alive connections. */
    close() {
      void agent.destroy();
    },
  };
}
