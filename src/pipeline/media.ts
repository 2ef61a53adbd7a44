import type { HearingFailure, InboundMessage } from '../contracts/inbound.js';
import type { MediaFetcher, MediaFetchFailure, Transcriber, TranscriptionFailure } from '../contracts/media.js';
import type { Logger } from '../kernel/logger.js';
import type { Metrics } from './metrics.js';

export interface MediaSettings {
  /** MEDIA_MAX_BYTES: larger files are refused without being read. */
  maxBytes: number;
  /** MEDIA_FETCH_TIMEOUT_MS: the whole fetch (lookup and download). */
  fetchTimeoutMs: number;
  /** ISO-639-1 language of the voice notes. */
  language: string;
}

export interface MediaReaderDeps {
  /** One fetcher per provider that delivers media references. */
  fetchers: Partial<Record<InboundMessage['provider'], MediaFetcher>>;
  /** Absent without OPENAI_API_KEY: voice notes are then answered "pode escrever?". */
  transcriber?: Transcriber;
  metrics: Metrics;
  logger: Logger;
  settings: MediaSettings;
}

const FETCH_TO_HEARING: Record<MediaFetchFailure, HearingFailure> = {
  too_large: 'too_large',
  timeout: 'timeout',
  not_found: 'fetch_failed',
  unauthorized: 'fetch_failed',
  http_error: 'fetch_failed',
  network: 'fetch_failed',
  no_reference: 'fetch_failed',
};
const TRANSCRIPTION_TO_HEARING: Record<TranscriptionFailure, HearingFailure> = {
  timeout: 'timeout',
  rejected: 'transcription_failed',
  unavailable: 'transcription_failed',
  empty: 'empty',
};

/**
 * Reads what a message's media says before its turn, off the acknowledgement path: a voice note
 * or audio file is fetched and transcribed, and the turn runs on the transcript as if it had been
 * typed (`hearing.transcribed`); when it cannot be heard, the message says why and the engine
 * answers that it cannot listen now. Other messages pass unchanged. Never throws.
 */
export function createMediaReader(deps: MediaReaderDeps) {
  const { metrics, logger, settings } = deps;

  function unheard<M extends InboundMessage>(message: M, reason: HearingFailure, detail?: string): M {
    metrics.transcriptions.inc({ result: reason });
    const log = reason === 'no_transcriber' ? logger.info.bind(logger) : logger.warn.bind(logger);
    log('voice note not heard', { messageId: message.messageId, provider: message.provider, reason, ...(detail && { detail }) });
    return { ...message, hearing: { transcribed: false, reason } };
  }

  /** Whether `hear` will fetch and transcribe this message (it takes seconds). */
  const listensTo = (message: InboundMessage) => message.media?.kind === 'audio' || message.media?.kind === 'voice';

  async function hear<M extends InboundMessage>(message: M): Promise<M> {
    const media = message.media;
    if (!media || !listensTo(message)) return message;
    if (!deps.transcriber) return unheard(message, 'no_transcriber');
    const fetcher = deps.fetchers[message.provider];
    if (!fetcher) return unheard(message, 'no_fetcher');
    try {
      const fetched = await fetcher.fetch(media, { maxBytes: settings.maxBytes, timeoutMs: settings.fetchTimeoutMs });
      if (!fetched.ok) return unheard(message, FETCH_TO_HEARING[fetched.reason], fetched.reason);
      const heard = await deps.transcriber.transcribe(fetched.file, { language: settings.language });
      if (!heard.ok) return unheard(message, TRANSCRIPTION_TO_HEARING[heard.reason], heard.reason);
      metrics.transcriptions.inc({ result: 'ok' });
      return { ...message, text: heard.text, hearing: { transcribed: true } };
    } catch (error) {
      // A fetcher or transcriber bug must not cost the message its answer.
      return unheard(message, 'fetch_failed', (error as Error).message);
    }
  }

  return { hear, listensTo };
}

export type MediaReader = ReturnType<typeof createMediaReader>;
