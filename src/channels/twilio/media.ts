import type { InboundMedia } from '../../contracts/inbound.js';
import type { MediaFetcher, MediaFetchResult, MediaLimits } from '../../contracts/media.js';
import { downloadCapped } from '../download.js';
import { twilioBasicAuth } from './sender.js';

export interface TwilioMediaFetcherOptions {
  /** e.g. "https://api.twilio.com" (TWILIO_API_URL). */
  apiUrl: string;
  accountSid: string;
  authToken: string;
  /** Makes the fetch's overall timeout signal; tests inject one they expire by hand. Default: AbortSignal.timeout. */
  timeoutSignal?: (ms: number) => AbortSignal;
  fetch?: typeof fetch;
}

/**
 * Twilio's media: `MediaUrl0` is a Media resource of the API, read with the account's basic
 * auth; it redirects to a short-lived file URL, which is followed (the credentials are not sent
 * on to another origin). The credentials go only to the API's own origin or Twilio's hosts: a
 * reference to anywhere else is not fetched. The size cap and the timeout bound the download.
 */
export function createTwilioMediaFetcher(options: TwilioMediaFetcherOptions): MediaFetcher {
  const timeoutSignal = options.timeoutSignal ?? ((ms: number) => AbortSignal.timeout(ms));
  const headers = { authorization: twilioBasicAuth(options.accountSid, options.authToken) };
  const apiOrigin = new URL(options.apiUrl).origin;

  const trusted = (url: URL) =>
    url.origin === apiOrigin || (url.protocol === 'https:' && (url.hostname === 'twilio.com' || url.hostname.endsWith('.twilio.com')));

  return {
    fetch(media: InboundMedia, limits: MediaLimits): Promise<MediaFetchResult> {
      const url = media.url !== undefined && URL.canParse(media.url) ? new URL(media.url) : undefined;
      if (!url || !trusted(url)) return Promise.resolve({ ok: false, reason: 'no_reference' });
      if (media.size !== undefined && media.size > limits.maxBytes) return Promise.resolve({ ok: false, reason: 'too_large' });
      return downloadCapped(url.href, {
        headers,
        signal: timeoutSignal(limits.timeoutMs),
        maxBytes: limits.maxBytes,
        name: media.kind,
        mimeType: media.mimeType,
        fetch: options.fetch,
      });
    },
  };
}
