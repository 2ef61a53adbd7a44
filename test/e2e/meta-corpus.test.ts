import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metaCorpus } from '../support/meta-corpus.js';
import { ANA_ID } from './e2e.js';
import { anaConfirmedOverMeta, startMetaE2E, type MetaE2E } from './meta-e2e.js';

/** The help menu's text: never the answer to something that is not text. */
const HELP_MENU = 'Posso registrar presença';

describe('real-world Meta deliveries, one confirmed caregiver', () => {
  const cleanups: (() => Promise<void>)[] = [];
  let e: MetaE2E;
  let entriesBefore = 0;
  const corpus = metaCorpus(ANA_ID);
  beforeAll(async () => {
    e = await startMetaE2E({ cleanup: (fn) => void cleanups.unshift(fn) });
    await anaConfirmedOverMeta(e);
    entriesBefore = (await e.userEntries(ANA_ID)).length;
  });
  afterAll(async () => {
    for (const fn of cleanups) await fn();
  });

  it.each(corpus.map((c) => [c.name, c] as const))('when "%s" arrives signed, then 200 and a type-appropriate reply', async (_, c) => {
    const before = e.sender.sent.length;
    await e.deliver(c.body);
    const replies = e.sender.sent.slice(before).map((s) => s.reply.text);
    if ('none' in c.reply) expect(replies).toEqual([]);
    else {
      expect(replies).toHaveLength(c.messages);
      if ('firstLine' in c.reply)
        expect(replies[0].split('\n')[0]).toMatch(c.reply.firstLine instanceof RegExp ? c.reply.firstLine : new RegExp(`^${escape(c.reply.firstLine)}$`));
    }
    if (!('any' in c.reply) && !('greeting' in c.reply)) for (const reply of replies) expect(reply).not.toContain(HELP_MENU);
  });

  it('when the whole corpus has arrived, then every user message is an inbound entry and nothing failed', async () => {
    const expected = corpus.reduce((n, c) => n + c.messages, 0);
    expect((await e.userEntries(ANA_ID)).length - entriesBefore).toBe(expected);
    expect(e.lines.filter((l) => l.level === 'error')).toEqual([]);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
