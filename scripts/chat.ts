/**
 * Talk to the running service as a caregiver, like `rasa shell`:
 *   npx tsx scripts/chat.ts --phone +5511999990001 [--url http://localhost:3000]
 * Each line is POSTed to `{url}/webhook/ingest`; the replies are printed. `/quit` exits.
 * Works with piped stdin too: `printf 'oi\nsim\n' | npx tsx scripts/chat.ts --phone ...`.
 */
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ulid } from 'ulid';
import { requestJson, type ErrorBody } from './http-json.js';

export interface ChatOptions {
  url: string;
  phone: string;
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** Shows a prompt (TTY); otherwise each sent line is echoed so a piped transcript reads well. */
  interactive: boolean;
  newId?: () => string;
  timeoutMs?: number;
}

interface ReplyLike {
  text?: unknown;
  buttons?: { id?: string; title?: string }[];
}

const USER = 'você> ';
const BOT = 'bot>  ';

/** Pure: the printable lines of an ingest answer (`replies: [{text, buttons?}]`). */
export function formatReplies(body: unknown): string[] {
  const replies = (body as { replies?: ReplyLike[] } | null)?.replies;
  if (!Array.isArray(replies) || replies.length === 0) return ['(sem resposta)'];
  const lines: string[] = [];
  for (const reply of replies) {
    const text = typeof reply?.text === 'string' ? reply.text : '';
    text.split('\n').forEach((line, i) => lines.push(`${i === 0 ? BOT : ' '.repeat(BOT.length)}${line}`));
    if (Array.isArray(reply?.buttons) && reply.buttons.length > 0) {
      lines.push(' '.repeat(BOT.length) + reply.buttons.map((b) => `[${String(b?.title ?? b?.id ?? '?')}]`).join(' '));
    }
  }
  return lines;
}

/** Pure: a polite one-liner for an error answer (its `{error:{code,message}}` when the service sent one). */
function describeHttpError(status: number, error: ErrorBody | undefined): string {
  const detail = error?.code ? ` (${error.code}${error.message ? `: ${error.message}` : ''})` : '';
  return `⚠ o serviço respondeu HTTP ${status}${detail}. Tente de novo em instantes.`;
}

async function sendLine(options: ChatOptions, text: string): Promise<string[]> {
  const messageId = (options.newId ?? ulid)();
  const answer = await requestJson(`${options.url.replace(/\/+$/, '')}/webhook/ingest`, {
    method: 'POST',
    headers: { 'x-idempotency-key': messageId },
    body: { message_id: messageId, phoneNumber: options.phone, text },
    timeoutMs: options.timeoutMs ?? 60_000,
  });
  if (answer.kind === 'timeout') return ['⚠ o serviço não respondeu a tempo. Tente de novo.'];
  if (answer.kind === 'unreachable') return [`⚠ não consegui falar com ${options.url} (${answer.code}). O serviço está rodando? (npm start)`];
  if (!answer.ok) return [describeHttpError(answer.status, answer.error)];
  return formatReplies(answer.body);
}

/** Reads lines until end of input or `/quit`, sending each to the service in order. */
export async function runChat(options: ChatOptions): Promise<void> {
  const write = (line: string) => options.output.write(`${line}\n`);
  // The output is only given to readline on a TTY: there it draws the prompt and echoes typing.
  const rl = createInterface({
    input: options.input,
    output: options.interactive ? options.output : undefined,
    terminal: options.interactive,
  });
  if (options.interactive) {
    write(`Conversando como ${options.phone} com ${options.url}. Digite /quit para sair.`);
    rl.setPrompt(USER);
    rl.prompt();
  }
  try {
    // `for await` keeps piped lines in order: each waits for the previous answer.
    for await (const rawLine of rl) {
      const line = rawLine.trim();
      if (line === '/quit' || line === '/sair') break;
      if (line !== '') {
        if (!options.interactive) write(`${USER}${line}`);
        for (const out of await sendLine(options, line)) write(out);
      }
      if (options.interactive) rl.prompt();
    }
  } finally {
    rl.close();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      phone: { type: 'string', short: 'p' },
      url: { type: 'string', short: 'u', default: process.env.CHAT_URL ?? 'http://localhost:3000' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || !values.phone) {
    process.stderr.write('usage: npm run chat -- --phone +5511999990001 [--url http://localhost:3000]\n');
    process.exitCode = values.help ? 0 : 2;
    return;
  }
  await runChat({
    url: values.url,
    phone: values.phone,
    input: process.stdin,
    output: process.stdout,
    interactive: Boolean(process.stdin.isTTY),
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`chat failed: ${(error as Error).message}\n`);
    process.exitCode = 1;
  });
}
