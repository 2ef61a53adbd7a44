import OpenAI from 'openai';
import type { Understanding, UnderstandingService } from '../contracts/understanding.js';
import { systemClock, type Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/logger.js';
import type { NluContext } from './context.js';
import { buildMessages, llmJsonSchema, llmOutputSchema } from './openai/llm-output.js';
import { mergeWithRules } from './openai/merge.js';
import { redactForLlm, restoreDeep, type RedactionKind } from './openai/redaction.js';
import { analyseWithRules, MAX_TEXT_LENGTH } from './rules/rules-understanding.js';

export interface OpenAIUnderstandingOptions {
  apiKey: string;
  /** e.g. `http://127.0.0.1:4010/v1`; the SDK default (api.openai.com) when unset. */
  baseURL?: string;
  model: string;
  timeoutMs: number;
  logger: Logger;
  clock?: Clock;
  /** Told how many identifiers of each kind were kept out of a prompt (the LLM_PII_REDACTION metric). */
  onRedaction?: (kind: RedactionKind, count: number) => void;
}

export interface OpenAIUnderstandingStats {
  /** Requests sent to the API (at most one per message). */
  calls: number;
  /** Calls that failed (timeout, HTTP error, bad JSON, schema mismatch) and fell back to the rules. */
  fallbacks: number;
  /** Messages the rules answered alone (no call). */
  rulesOnly: number;
}

export interface OpenAIUnderstanding extends UnderstandingService {
  stats(): OpenAIUnderstandingStats;
}

type FailureKind = 'timeout' | 'http' | 'connection' | 'empty' | 'json' | 'schema' | 'other';

function failureKind(error: unknown): FailureKind {
  if (error instanceof OpenAI.APIConnectionTimeoutError) return 'timeout';
  if (error instanceof OpenAI.APIConnectionError) return 'connection';
  if (error instanceof OpenAI.APIError) return 'http';
  if (error instanceof FailedReading) return error.kind;
  return 'other';
}

class FailedReading extends Error {
  constructor(readonly kind: 'empty' | 'json' | 'schema') {
    super(`LLM output unusable: ${kind}`);
    this.name = 'FailedReading';
  }
}

/**
 * Rules first; when they are not certain, ONE chat-completions call with a strict JSON schema,
 * validated by zod and merged with the rules (ranges re-checked deterministically). Any failure
 * falls back to the rules' reading. Never throws.
 */
export function createOpenAIUnderstanding(options: OpenAIUnderstandingOptions): OpenAIUnderstanding {
  const client = new OpenAI({
    apiKey: options.apiKey,
    baseURL: options.baseURL,
    timeout: options.timeoutMs,
    // Retrying would break "at most one call per message"; the rules are the fallback.
    maxRetries: 0,
  });
  const clock = options.clock ?? systemClock;
  const stats: OpenAIUnderstandingStats = { calls: 0, fallbacks: 0, rulesOnly: 0 };

  async function callModel(text: string, context: NluContext) {
    stats.calls++;
    const completion = await client.chat.completions.create(
      {
        model: options.model,
        temperature: 0,
        max_completion_tokens: 800,
        messages: buildMessages(text, context),
        response_format: { type: 'json_schema', json_schema: { name: 'understanding', strict: true, schema: llmJsonSchema } },
      },
      { timeout: options.timeoutMs, maxRetries: 0 },
    );
    const content = completion.choices[0]?.message?.content;
    if (!content) throw new FailedReading('empty');
    let json: unknown;
    try {
      json = JSON.parse(content);
    } catch {
      throw new FailedReading('json');
    }
    const parsed = llmOutputSchema.safeParse(json);
    if (!parsed.success) throw new FailedReading('schema');
    return parsed.data;
  }

  return {
    stats: () => ({ ...stats }),
    async understand(input, context): Promise<Understanding> {
      const text = (input ?? '').normalize('NFC').slice(0, MAX_TEXT_LENGTH);
      const rules = analyseWithRules(text, context);
      if (rules.certain) {
        stats.rulesOnly++;
        return rules.understanding;
      }
      const started = clock.now();
      try {
        // Phones, e-mails and the people the conversation names never leave for the LLM (LGPD minimisation).
        const redacted = redactForLlm(text, context.identities);
        for (const [kind, count] of Object.entries(redacted.counts) as [RedactionKind, number][]) if (count) options.onRedaction?.(kind, count);
        const llm = restoreDeep(await callModel(redacted.text, context), redacted.restore);
        const merged = mergeWithRules(text, context, rules, llm);
        options.logger.debug('nlu.llm.ok', { durationMs: clock.now() - started, doubts: rules.doubts, expecting: context.expecting });
        return merged;
      } catch (error) {
        stats.fallbacks++;
        // Never the text: only why the call failed.
        options.logger.warn('nlu.llm.fallback', {
          reason: failureKind(error),
          status: error instanceof OpenAI.APIError ? (error.status as number | undefined) : undefined,
          durationMs: clock.now() - started,
        });
        return rules.understanding;
      }
    },
  };
}
