import { once } from 'node:events';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTwilioMediaFetcher } from '../../../src/channels/twilio/media.js';
import { startFakeTwilioApi, type FakeTwilioApi } from '../../support/fake-twilio-api.js';
import { TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN } from '../../support/twilio-payloads.js';
import { manualTimeouts } from '../../support/events.js';

const MB = 1024 * 1024;
const limits = { maxBytes: 16 * MB, timeoutMs: 15_000 };
const voice = (url: string) => ({ kind: 'audio' as const, url, mimeType: 'audio/ogg' });
const BASIC = `Basic ${Buffer.from(`${TWILIO_ACCOUNT_SID}:${TWILIO_AUTH_TOKEN}`).toString('base64')}`;

describe('Twilio media fetcher against a fake Twilio API', () => {
  let api: FakeTwilioApi;
  beforeEach(async () => {
    api = await startFakeTwilioApi();
  });
  afterEach(() => api.close());

  const fetcher = (options: { authToken?: string; timeoutSignal?: (ms: number) => AbortSignal } = {}) =>
    createTwilioMediaFetcher({
      apiUrl: api.url,
      accountSid: TWILIO_ACCOUNT_SID,
      authToken: options.authToken ?? TWILIO_AUTH_TOKEN,
      timeoutSignal: options.timeoutSignal,
    });

  it('when a voice note is fetched, then its Media URL is read with basic auth and the redirect followed to the file, without the credentials', async () => {
    const url = api.media('ME-voice', { bytes: Buffer.from('OggS-fake-voice'), mimeType: 'audio/ogg' });
    const result = await fetcher().fetch(voice(url), limits);
    expect(result).toEqual({ ok: true, file: { bytes: Buffer.from('OggS-fake-voice'), mimeType: 'audio/ogg', filename: 'audio.ogg' } });
    expect(api.mediaRequests.map((r) => [r.at, r.authorization])).toEqual([
      ['api', BASIC],
      ['cdn', undefined],
    ]);
  });

  it('when the file is 20 MB, then it is refused as too large without reading it', async () => {
    const url = api.media('ME-big', { bytes: Buffer.alloc(20 * MB), mimeType: 'audio/ogg' });
    expect(await fetcher().fetch(voice(url), limits)).toEqual({ ok: false, reason: 'too_large' });
  });

  it('when the credentials are wrong, or the media is gone, then unauthorized or not_found', async () => {
    const url = api.media('ME-x', { bytes: Buffer.from('x'), mimeType: 'audio/ogg' });
    expect(await fetcher({ authToken: 'wrong' }).fetch(voice(url), limits)).toEqual({ ok: false, reason: 'unauthorized', status: 401 });
    expect(await fetcher().fetch(voice(url.replace('ME-x', 'ME-gone')), limits)).toEqual({ ok: false, reason: 'not_found', status: 404 });
  });

  it("when a media URL is on another host than the API's or Twilio's, then it is not fetched (the credentials never leave)", async () => {
    const foreign = `http://localhost:${new URL(api.url).port}/2010-04-01/Accounts/${TWILIO_ACCOUNT_SID}/Messages/MM1/Media/ME1`;
    expect(await fetcher().fetch(voice(foreign), limits)).toEqual({ ok: false, reason: 'no_reference' });
    expect(await fetcher().fetch(voice('http://media.twilio.com/x'), limits)).toEqual({ ok: false, reason: 'no_reference' });
    expect(await fetcher().fetch({ kind: 'audio', id: 'no-url' }, limits)).toEqual({ ok: false, reason: 'no_reference' });
    expect(api.mediaRequests).toEqual([]);
  });

  it('when the file does not come before the timeout, then timeout', async () => {
    const url = api.media('ME-slow', { bytes: Buffer.from('x'), mimeType: 'audio/ogg', hold: true });
    const timeouts = manualTimeouts();
    const atTheFile = once(api.events, 'media').then(() => once(api.events, 'media'));
    const pending = fetcher({ timeoutSignal: timeouts.signal }).fetch(voice(url), limits);
    await atTheFile;
    timeouts.expire();
    expect(await pending).toEqual({ ok: false, reason: 'timeout' });
  });
});
