import type { MediaFetchFailure, MediaFetchResult } from '../contracts/media.js';

/** File extensions by MIME type: transcription APIs read the format from the file name. */
const EXTENSIONS: Record<string, string> = {
  'audio/ogg': 'ogg',
  'audio/opus': 'ogg',
  'audio/mpeg': 'mp3',
  'audio/mp3': 'mp3',
  'audio/mp4': 'm4a',
  'audio/m4a': 'm4a',
  'audio/x-m4a': 'm4a',
  'audio/aac': 'aac',
  'audio/amr': 'amr',
  'audio/wav': 'wav',
  'audio/x-wav': 'wav',
  'audio/webm': 'webm',
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'video/mp4': 'mp4',
  'video/3gpp': '3gp',
  'application/pdf': 'pdf',
};

/** Pure: "voice" + "audio/ogg; codecs=opus" → "voice.ogg". */
function filenameFor(base: string, mimeType: string): string {
  const essence = mimeType.split(';')[0].trim().toLowerCase();
  return `${base}.${EXTENSIONS[essence] ?? 'bin'}`;
}

/** Pure: a failed HTTP answer as a fetch failure. */
export function failureOfStatus(status: number): MediaFetchFailure {
  if (status === 404 || status === 410) return 'not_found';
  if (status === 401 || status === 403) return 'unauthorized';
  return 'http_error';
}

/** Pure: a thrown fetch or read error as a fetch failure (an aborted timeout signal is a timeout). */
export function failureOfError(error: unknown): MediaFetchFailure {
  const e = error as { name?: string; cause?: { name?: string } } | undefined;
  return e?.name === 'TimeoutError' || e?.cause?.name === 'TimeoutError' || e?.name === 'AbortError' ? 'timeout' : 'network';
}

export interface DownloadOptions {
  headers?: Record<string, string>;
  maxBytes: number;
  /** Ends the download when it runs out (the caller's overall timeout). */
  signal: AbortSignal;
  /** Used when the answer has no content type. */
  mimeType?: string;
  /** File name without extension, e.g. the media kind. */
  name: string;
  fetch?: typeof fetch;
}

/**
 * Downloads a media file with a size cap: a declared Content-Length over `maxBytes` is refused
 * before reading, and a body that grows past it is cut off at once — never buffered whole.
 * Shared by every provider's MediaFetcher (Meta's lookaside URL, Twilio's MediaUrl).
 */
export async function downloadCapped(url: string, options: DownloadOptions): Promise<MediaFetchResult> {
  const doFetch = options.fetch ?? fetch;
  let response: Response;
  try {
    response = await doFetch(url, { headers: options.headers, signal: options.signal, redirect: 'follow' });
  } catch (error) {
    return { ok: false, reason: failureOfError(error) };
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    return { ok: false, reason: failureOfStatus(response.status), status: response.status };
  }
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > options.maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    return { ok: false, reason: 'too_large' };
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    // Node's fetch types a body's chunks as any; they are bytes.
    const reader: ReadableStreamDefaultReader<Uint8Array> | undefined = response.body?.getReader();
    while (reader) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > options.maxBytes) {
        await reader.cancel().catch(() => undefined);
        return { ok: false, reason: 'too_large' };
      }
      chunks.push(value);
    }
  } catch (error) {
    return { ok: false, reason: failureOfError(error) };
  }
  const mimeType = response.headers.get('content-type') ?? options.mimeType ?? 'application/octet-stream';
  return { ok: true, file: { bytes: Buffer.concat(chunks), mimeType, filename: filenameFor(options.name, mimeType) } };
}
