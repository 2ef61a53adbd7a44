import { once } from 'node:events';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMetaMediaFetcher } from '../../../src/channels/meta/media.js';
import { startFakeGraphApi, type FakeGraphApi } from '../../support/fake-graph-api.js';
import { manualTimeouts } from '../../support/events.js';

const MB = 1024 * 1024;
const limits = { maxBytes: 16 * MB, timeoutMs: 15_000 };
const voice = (id: string) => ({ kind: 'voice' as const, id, mimeType: 'audio/ogg; codecs=opus' });

describe('Meta media fetcher against a fake Graph API', () => {
  let graph: FakeGraphApi;
  beforeEach(async () => {
    graph = await startFakeGraphApi();
  });
  afterEach(() => graph.close());

  const fetcher = (timeoutSignal?: (ms: number) => AbortSignal) =>
    createMetaMediaFetcher({ graphUrl: `${graph.url}/`, apiVersion: 'v21.0', accessToken: 'EAAG-test-token', timeoutSignal });

  it('when a voice note is fetched, then the media id is looked up and its url downloaded, both with the bearer token', async () => {
    graph.media('wa-media-1', { bytes: Buffer.from('OggS-fake-voice'), mimeType: 'audio/ogg' });
    const result = await fetcher().fetch(voice('wa-media-1'), limits);
    expect(result).toEqual({ ok: true, file: { bytes: Buffer.from('OggS-fake-voice'), mimeType: 'audio/ogg', filename: 'voice.ogg' } });
    expect(graph.mediaRequests.map((r) => [r.path, r.headers.authorization])).toEqual([
      ['/v21.0/wa-media-1', 'Bearer EAAG-test-token'],
      ['/media-download/wa-media-1?ext=1', 'Bearer EAAG-test-token'],
    ]);
  });

  it('when the lookup declares a 20 MB file, then it is refused as too large without downloading', async () => {
    graph.media('big', { bytes: Buffer.alloc(1024), mimeType: 'audio/ogg', declaredSize: 20 * MB });
    expect(await fetcher().fetch(voice('big'), limits)).toEqual({ ok: false, reason: 'too_large' });
    expect(graph.mediaRequests.map((r) => r.path)).toEqual(['/v21.0/big']);
  });

  it('when a 20 MB file comes without a declared size, then the download is cut off once past the cap', async () => {
    graph.media('big-undeclared', { bytes: Buffer.alloc(20 * MB, 1), mimeType: 'audio/ogg', declaredSize: null });
    expect(await fetcher().fetch(voice('big-undeclared'), limits)).toEqual({ ok: false, reason: 'too_large' });
  });

  it('when the media id is unknown or the token is refused, then not_found or unauthorized', async () => {
    graph.media('forbidden', { bytes: Buffer.alloc(1), mimeType: 'audio/ogg', lookupStatus: 401 });
    expect(await fetcher().fetch(voice('missing'), limits)).toEqual({ ok: false, reason: 'not_found', status: 404 });
    expect(await fetcher().fetch(voice('forbidden'), limits)).toEqual({ ok: false, reason: 'unauthorized', status: 401 });
  });

  it('when the download does not answer before the timeout, then timeout', async () => {
    graph.media('slow', { bytes: Buffer.alloc(10), mimeType: 'audio/ogg', holdDownload: true });
    const timeouts = manualTimeouts();
    const download = once(graph.events, 'media').then(() => once(graph.events, 'media'));
    const pending = fetcher(timeouts.signal).fetch(voice('slow'), limits);
    await download;
    timeouts.expire();
    expect(await pending).toEqual({ ok: false, reason: 'timeout' });
  });

  it('when a reference has only a url, then it is downloaded directly with the token', async () => {
    graph.media('direct', { bytes: Buffer.from('jpeg'), mimeType: 'image/jpeg' });
    const result = await fetcher().fetch({ kind: 'image', url: `${graph.url}/media-download/direct` }, limits);
    expect(result).toMatchObject({ ok: true, file: { mimeType: 'image/jpeg', filename: 'image.jpg' } });
    expect(graph.mediaRequests.map((r) => r.path)).toEqual(['/media-download/direct']);
  });
});
