import { Agent, type Dispatcher } from 'undici';

export interface PostAnswer {
  status: number;
  text: string;
  /** A response header by lower-case name (the first value when repeated). */
  header(name: string): string | null;
}

/** Where a URL is sent: its origin and its path with the query. */
interface Target {
  origin: string;
  path: string;
}

/** The configured URLs are a handful; parsed once each (bounded, in case a caller builds them). */
const TARGETS_MAX = 256;

/** The error a timed-out call rejects with: what `fetch` gives for `AbortSignal.timeout`. */
const timeoutError = () => new DOMException('The operation was aborted due to timeout', 'TimeoutError');

/**
 * POSTs a body over a keep-alive pool of its own, with undici's dispatcher and a handler that
 * collects the answer. Used for the backend calls and the providers' send APIs: per call it costs
 * about half the client CPU of node:http's ClientRequest (a third of `fetch`), and less than
 * undici's `request`, whose answer is a stream, for what is one small JSON request and answer.
 * After `timeoutMs` the request (or the reading of its answer) ends with a `TimeoutError`, as with
 * fetch. The timer is the poster's own, cleared once the answer has been read: an
 * `AbortSignal.timeout` stays armed after the call and, when it fires, builds an error with its
 * stack and dispatches an event (~1 % of the service's CPU). A `timeoutSignal` given instead (tests
 * expire it by hand) ends the call with the signal's reason.
 */
export function createJsonPoster(options: { maxSockets?: number; timeoutSignal?: (ms: number) => AbortSignal } = {}) {
  const agent = new Agent({ connections: options.maxSockets ?? 64 });
  const targets = new Map<string, Target>();

  function targetOf(url: string): Target {
    let target = targets.get(url);
    if (!target) {
      const parsed = new URL(url);
      target = { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
      if (targets.size >= TARGETS_MAX) targets.clear();
      targets.set(url, target);
    }
    return target;
  }

  function post(url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<PostAnswer> {
    return new Promise<PostAnswer>((resolve, reject) => {
      const signal = options.timeoutSignal?.(timeoutMs) ?? null;
      if (signal?.aborted) {
        reject(signal.reason as Error);
        return;
      }
      const { origin, path } = targetOf(url);
      let controller: Dispatcher.DispatchController | null = null;
      /** Why the call was ended early (the deadline, the caller's signal); null while it runs. */
      let ended: Error | null = null;
      let status = 0;
      let answerHeaders: Record<string, string | string[] | undefined> = {};
      let chunks: Buffer[] = [];
      const end = (reason: Error) => {
        ended = reason;
        controller?.abort(reason);
      };
      const onAbort = () => end(signal?.reason as Error);
      const timer = signal ? null : setTimeout(() => end(timeoutError()), timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      const settle = () => {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const handler: Dispatcher.DispatchHandler = {
        onRequestStart(started) {
          controller = started;
          if (ended) started.abort(ended);
        },
        onResponseStart(_c, statusCode, responseHeaders) {
          // 1xx answers are informational: the final one follows.
          if (statusCode < 200) return;
          status = statusCode;
          answerHeaders = responseHeaders;
          chunks = [];
        },
        onResponseData(_c, chunk) {
          chunks.push(chunk);
        },
        onResponseEnd() {
          settle();
          const header = (name: string) => {
            const value = answerHeaders[name];
            return (Array.isArray(value) ? value[0] : value) ?? null;
          };
          resolve({ status, text: Buffer.concat(chunks).toString('utf8'), header });
        },
        onResponseError(_c, error) {
          settle();
          reject(ended ?? error);
        },
      };
      agent.dispatch({ origin, path, method: 'POST', headers, body }, handler);
    });
  }

  return {
    post,
    /** Closes the idle keep-alive connections. */
    close() {
      void agent.destroy();
    },
  };
}
