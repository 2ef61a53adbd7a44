import { EventEmitter } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { newMessageSid, signTwilio, twilioForm, twilioStatus, TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN } from './twilio-payloads.js';

/** One `POST …/Messages.json` the fake received. */
export interface RecordedTwilioSend {
  path: string;
  headers: IncomingHttpHeaders;
  /** The form parameters (From, To, Body, StatusCallback…). */
  form: Record<string, string>;
  /** The SID answered (when the send was answered with a message). */
  sid?: string;
}

/**
 * A scripted answer of the Messages endpoint; `destroy` drops the connection, `hold` never answers
 * (until close), `release` accepts the message with the given SID once the promise settles.
 */
export type TwilioResponseSpec =
  { status: number; body?: unknown; headers?: Record<string, string> } | { destroy: true } | { hold: true } | { release: Promise<unknown>; sid: string };

/** A file the fake serves behind a Media resource URL. */
export interface FakeTwilioMedia {
  bytes: Buffer;
  mimeType: string;
  /** The file never comes (until close). */
  hold?: boolean;
}

export interface FakeTwilioApi {
  /** e.g. "http://127.0.0.1:54321" — use as TWILIO_API_URL. */
  url: string;
  /** The sends, in order. */
  sends: RecordedTwilioSend[];
  /** Every media request: `api` (the Media resource, with its Authorization) and `cdn` (the file it redirects to). */
  mediaRequests: { at: 'api' | 'cdn'; path: string; authorization?: string }[];
  /** Emits 'send' (with the RecordedTwilioSend) as each send arrives, and 'media' as each media request does. */
  events: EventEmitter;
  /** Queue answers for the next sends; when the queue is empty every send is accepted (201, status queued). */
  script(...responses: TwilioResponseSpec[]): void;
  /** Serves a file and returns its `MediaUrl` (a Media resource URL of this account). */
  media(id: string, spec: FakeTwilioMedia): string;
  /**
   * Twilio calling a send's `StatusCallback`: the status form (with `ErrorCode` when given),
   * signed over the callback URL as Twilio knows it, posted to `serviceUrl` + that URL's path
   * (as a proxy in front of the service would). Returns the HTTP status.
   */
  statusCallback(send: RecordedTwilioSend, status: string, options: { serviceUrl: string; errorCode?: number; authToken?: string }): Promise<number>;
  close(): Promise<void>;
}

/** A Twilio REST error answer: `{code, message, more_info, status}`. */
export function twilioError(code: number, status = 400, message = `fake error ${code}`): TwilioResponseSpec {
  return { status, body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status } };
}

const listen = async (server: Server, host: string) => {
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return (server.address() as AddressInfo).port;
};

/**
 * A real HTTP server on 127.0.0.1 playing Twilio's REST API for one account: the Messages
 * endpoint (form encoded, basic auth; records each send, answers from the script, else 201 with
 * a fresh SID) and the Media resources of received messages, which need basic auth and redirect
 * (307) to a second server, on another origin, that plays the file store: like the presigned
 * store Twilio redirects to, it refuses a request that carries an Authorization header.
 */
export async function startFakeTwilioApi(): Promise<FakeTwilioApi> {
  const sends: RecordedTwilioSend[] = [];
  const mediaRequests: FakeTwilioApi['mediaRequests'] = [];
  const files = new Map<string, FakeTwilioMedia>();
  const queue: TwilioResponseSpec[] = [];
  const events = new EventEmitter();
  const expectedAuth = `Basic ${Buffer.from(`${TWILIO_ACCOUNT_SID}:${TWILIO_AUTH_TOKEN}`).toString('base64')}`;
  const accountPath = `/2010-04-01/Accounts/${TWILIO_ACCOUNT_SID}`;

  const cdn = createServer((req, res) => {
    mediaRequests.push({ at: 'cdn', path: req.url ?? '', authorization: req.headers.authorization });
    events.emit('media', mediaRequests.at(-1));
    const file = files.get(decodeURIComponent(/^\/files\/([^/?]+)/.exec(req.url ?? '')?.[1] ?? ''));
    if (req.headers.authorization) {
      res
        .writeHead(400, { 'content-type': 'application/xml' })
        .end('<Error><Code>InvalidArgument</Code><Message>Only one auth mechanism allowed</Message></Error>');
      return;
    }
    if (!file) return void res.writeHead(404).end();
    if (file.hold) return;
    res.writeHead(200, { 'content-type': file.mimeType, 'content-length': String(file.bytes.length) }).end(file.bytes);
  });
  const cdnPort = await listen(cdn, '127.0.0.1');
  // Another origin ("localhost" vs "127.0.0.1"): a client must not carry the API's credentials there.
  const cdnBase = `http://localhost:${cdnPort}`;

  const api = createServer((req, res) => {
    const path = req.url ?? '';
    if (req.method === 'GET') {
      mediaRequests.push({ at: 'api', path, authorization: req.headers.authorization });
      events.emit('media', mediaRequests.at(-1));
      const id = new RegExp(`^${accountPath}/Messages/[^/]+/Media/([^/?]+)$`).exec(path)?.[1];
      if (req.headers.authorization !== expectedAuth)
        return void res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 20003, status: 401 }));
      if (!id || !files.has(id)) return void res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 20404, status: 404 }));
      return void res.writeHead(307, { location: `${cdnBase}/files/${id}?X-Amz-Signature=fake` }).end();
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
      const recorded: RecordedTwilioSend = { path, headers: req.headers, form };
      sends.push(recorded);
      const spec = queue.shift();
      events.emit('send', recorded);
      if (spec && 'destroy' in spec) return void req.socket.destroy();
      if (spec && 'hold' in spec) return;
      if (spec && 'release' in spec) return void spec.release.then(() => accept(res, recorded, spec.sid));
      if (spec) {
        res.writeHead(spec.status, { 'content-type': 'application/json', ...spec.headers });
        return void res.end(spec.body === undefined ? '' : JSON.stringify(spec.body));
      }
      if (path !== `${accountPath}/Messages.json` || req.headers.authorization !== expectedAuth) {
        return void res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 20003, message: 'Authenticate', status: 401 }));
      }
      accept(res, recorded, newMessageSid());
    });

    /** Twilio's answer to an accepted message: the Message resource, status queued. */
    function accept(res: ServerResponse, recorded: RecordedTwilioSend, sid: string) {
      const { form } = recorded;
      recorded.sid = sid;
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          sid: recorded.sid,
          account_sid: TWILIO_ACCOUNT_SID,
          from: form.From,
          to: form.To,
          body: form.Body,
          status: 'queued',
          num_media: '0',
          direction: 'outbound-api',
          api_version: '2010-04-01',
          error_code: null,
          error_message: null,
          uri: `${accountPath}/Messages/${sid}.json`,
        }),
      );
    }
  });
  const port = await listen(api, '127.0.0.1');
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    sends,
    mediaRequests,
    events,
    script: (...responses) => void queue.push(...responses),
    media(id, spec) {
      files.set(id, spec);
      return `${url}${accountPath}/Messages/${newMessageSid('MM')}/Media/${id}`;
    },
    async statusCallback(send, status, options) {
      const callback = send.form.StatusCallback;
      if (!send.sid || !callback) throw new Error('this send has no SID or no StatusCallback');
      const params = twilioStatus(send.sid, status, { to: send.form.To.replace(/^whatsapp:/, ''), errorCode: options.errorCode });
      const target = new URL(callback);
      const res = await fetch(`${options.serviceUrl}${target.pathname}${target.search}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signTwilio(callback, params, options.authToken) },
        body: twilioForm(params),
      });
      await res.arrayBuffer();
      return res.status;
    },
    close: async () => {
      for (const server of [api, cdn]) {
        server.closeAllConnections();
        await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
      }
    },
  };
}
