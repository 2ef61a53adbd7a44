import { Agent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

export interface PostAnswer {
  status: number;
  text: string;
  /** A response header by lower-case name (the first value when repeated). */
  header(name: string): string | null;
}

/**
 * POSTs a body over node:http(s) with keep-alive agents of its own. Used for the backend calls and
 * the providers' send APIs instead of fetch: undici's fetch cost about twice the CPU per call (streams, WHATWG objects)
 * for what is one small JSON request and answer. Aborting `signal` ends the request (or the
 * reading of its answer) with the signal's reason, as fetch does, so a timeout stays a TimeoutError.
 */
export function createJsonPoster(options: { maxSockets?: number } = {}) {
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 64 };
  const agents = { http: new Agent(agentOptions), https: new HttpsAgent(agentOptions) };

  function post(url: string, headers: Record<string, string>, body: string, signal: AbortSignal): Promise<PostAnswer> {
    return new Promise<PostAnswer>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason as Error);
      const target = new URL(url);
      const secure = target.protocol === 'https:';
      let settled = false;
      const finish = (error: unknown, answer?: PostAnswer) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        if (answer && !error) resolve(answer);
        else reject((signal.aborted ? signal.reason : error) as Error);
      };
      const onResponse = (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        const header = (name: string) => {
          const value = res.headers[name];
          return (Array.isArray(value) ? value[0] : value) ?? null;
        };
        res.on('end', () => finish(null, { status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), header }));
        res.on('error', (error) => finish(error));
        res.on('close', () => finish(new Error('the connection closed before the answer was complete')));
      };
      const req = (secure ? httpsRequest : httpRequest)(
        target,
        { method: 'POST', agent: secure ? agents.https : agents.http, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } },
        onResponse,
      );
      const onAbort = () => req.destroy(signal.reason as Error);
      signal.addEventListener('abort', onAbort, { once: true });
      req.on('error', (error) => finish(error));
      req.end(body);
    });
  }

  return {
    post,
    /** Closes the idle keep-alive sockets. */
    close() {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}
