import OpenAI, { toFile } from 'openai';
import type { MediaFile, Transcriber, TranscriptionResult } from '../contracts/media.js';

export interface OpenAITranscriberOptions {
  apiKey: string;
  /** e.g. `http://127.0.0.1:4010/v1`; the SDK default (api.openai.com) when unset. */
  baseURL?: string;
  /** OPENAI_TRANSCRIBE_MODEL, e.g. "gpt-4o-mini-transcribe" or "whisper-1". */
  model: string;
  timeoutMs: number;
}

/**
 * Speech to text with the OpenAI SDK's audio transcription (`audio.transcriptions.create`, the
 * file uploaded with `toFile`). One attempt, bounded by `timeoutMs`: a voice note that cannot be
 * heard is answered at once ("pode escrever?"), which beats a caregiver waiting on retries.
 */
export function createOpenAITranscriber(options: OpenAITranscriberOptions): Transcriber {
  const client = new OpenAI({ apiKey: options.apiKey, baseURL: options.baseURL, timeout: options.timeoutMs, maxRetries: 0 });

  return {
    async transcribe(file: MediaFile, { language }): Promise<TranscriptionResult> {
      try {
        const upload = await toFile(file.bytes, file.filename, { type: file.mimeType });
        const result = await client.audio.transcriptions.create(
          { file: upload, model: options.model, language, response_format: 'json' },
          { timeout: options.timeoutMs, maxRetries: 0 },
        );
        const text = result.text?.trim() ?? '';
        return text ? { ok: true, text } : { ok: false, reason: 'empty' };
      } catch (error) {
        if (error instanceof OpenAI.APIConnectionTimeoutError) return { ok: false, reason: 'timeout' };
        const status = error instanceof OpenAI.APIError ? (error.status as number | undefined) : undefined;
        if (status === undefined) return { ok: false, reason: 'unavailable' };
        // A 4xx other than rate limiting is about this file (format, size): retrying will not help.
        const rejected = status >= 400 && status < 500 && status !== 429;
        return { ok: false, reason: rejected ? 'rejected' : 'unavailable', status };
      }
    },
  };
}
