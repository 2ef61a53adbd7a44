import type { InboundMedia } from '../../contracts/inbound.js';
import type { MediaFetcher, MediaFetchResult, MediaLimits } from '../../contracts/media.js';
import { downloadCapped, failureOfError, failureOfStatus } from '../download.js';

export interface MetaMediaFetcherOptions {
  /** e.g. "https://graph.facebook.com" (WHATSAPP_GRAPH_URL). */
  graphUrl: string;
  /** e.g. "v21.0" (WHATSAPP_API_VERSION). */
  apiVersion: string;
  accessToken: string;
  /** Makes the fetch's overall timeout signal; tests inject one they expire by hand. Default: AbortSignal.timeout. */
  timeoutSignal?: (ms: number) => AbortSignal;
  fetch?: typeof fetch;
}

/** The part of Graph's `GET /{media-id}` answer we use. */
interface MediaLookup {
  url?: unknown;
  mime_type?: unknown;
  file_size?: unknown;
}

/**
 * Meta's media: `GET {graph}/{version}/{media-id}` with the bearer token answers a short-lived
 * `url` (with `mime_type` and `file_size`); the file is then downloaded from that URL with the same
 * token. A declared size over the cap is refused without downloading. One timeout bounds both
 * requests. A reference that carries only a `url` (newer webhooks) is downloaded directly.
 */
export function createMetaMediaFetcher(options: MetaMediaFetcherOptions): MediaFetcher {
  const doFetch = options.fetch ?? fetch;
  const timeoutSignal = options.timeoutSignal ?? ((ms: number) => AbortSignal.timeout(ms));
  const headers = { authorization: `Bearer ${options.accessToken}` };
  const base = `${options.graphUrl.replace(/\/+$/, '')}/${options.apiVersion}`;

  async function lookup(
    id: string,
    signal: AbortSignal,
  ): Promise<{ ok: true; url: string; mimeType?: string; size?: number } | Exclude<MediaFetchResult, { ok: true }>> {
    let response: Response;
    try {
      response = await doFetch(`${base}/${encodeURIComponent(id)}`, { headers, signal });
    } catch (error) {
      return { ok: false, reason: failureOfError(error) };
    }
    const body = (await response.json().catch(() => ({}))) as MediaLookup;
    if (!response.ok) return { ok: false, reason: failureOfStatus(response.status), status: response.status };
    if (typeof body.url !== 'string' || body.url.length === 0) return { ok: false, reason: 'http_error', status: response.status };
    const size = Number(body.file_size);
    return {
      ok: true,
      url: body.url,
      mimeType: typeof body.mime_type === 'string' ? body.mime_type : undefined,
      size: Number.isFinite(size) ? size : undefined,
    };
  }

  return {
    async fetch(media: InboundMedia, limits: MediaLimits): Promise<MediaFetchResult> {
      const signal = timeoutSignal(limits.timeoutMs);
      const common = { headers, signal, maxBytes: limits.maxBytes, name: media.kind, fetch: doFetch };
      if (!media.id) {
        return media.url ? downloadCapped(media.url, { ...common, mimeType: media.mimeType }) : { ok: false, reason: 'no_reference' };
      }
      if (media.size !== undefined && media.size > limits.maxBytes) return { ok: false, reason: 'too_large' };
      const found = await lookup(media.id, signal);
      if (!found.ok) return found;
      if (found.size !== undefined && found.size > limits.maxBytes) return { ok: false, reason: 'too_large' };
      return downloadCapped(found.url, { ...common, mimeType: found.mimeType ?? media.mimeType });
    },
  };
}
