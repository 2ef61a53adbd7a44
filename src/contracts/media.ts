import type { InboundMedia } from './inbound.js';

/**
 * How the pipeline reads the files users send, whatever the provider: a `MediaFetcher` per
 * provider turns a media reference into bytes (within a size cap and a time limit), and one
 * `Transcriber` turns a voice note into text. Both report expected failures as results, never
 * by throwing, so a voice note that cannot be heard still gets an answer.
 */

/** A fetched file. */
export interface MediaFile {
  bytes: Uint8Array;
  /** As the provider served it, e.g. "audio/ogg; codecs=opus". */
  mimeType: string;
  /** A name with an extension that fits the type, e.g. "voice.ogg" (transcription APIs read it). */
  filename: string;
}

/** The limits every fetch honours (MEDIA_MAX_BYTES, MEDIA_FETCH_TIMEOUT_MS). */
export interface MediaLimits {
  maxBytes: number;
  timeoutMs: number;
}

export const MEDIA_FETCH_FAILURES = ['too_large', 'timeout', 'not_found', 'unauthorized', 'http_error', 'network', 'no_reference'] as const;
export type MediaFetchFailure = (typeof MEDIA_FETCH_FAILURES)[number];

export type MediaFetchResult = { ok: true; file: MediaFile } | { ok: false; reason: MediaFetchFailure; status?: number };

/**
 * Fetches a file a user sent from the provider that delivered it. Meta: `GET /{media-id}` on the
 * Graph API gives a short-lived URL, downloaded with the bearer token; Twilio: `MediaUrl0`,
 * downloaded with the account's basic auth. A file over `maxBytes` is refused without reading
 * the rest; the whole fetch is bounded by `timeoutMs`.
 */
export interface MediaFetcher {
  fetch(media: InboundMedia, limits: MediaLimits): Promise<MediaFetchResult>;
}

export const TRANSCRIPTION_FAILURES = ['timeout', 'rejected', 'unavailable', 'empty'] as const;
export type TranscriptionFailure = (typeof TRANSCRIPTION_FAILURES)[number];

export type TranscriptionResult = { ok: true; text: string } | { ok: false; reason: TranscriptionFailure; status?: number };

/** Speech to text (OpenAI's audio transcription in production). */
export interface Transcriber {
  /** `language` is ISO-639-1 ("pt"): it improves accuracy and latency. */
  transcribe(file: MediaFile, options: { language: string }): Promise<TranscriptionResult>;
}
