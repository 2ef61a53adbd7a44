import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyMetaSignature } from '../../../src/channels/meta/signature.js';
import { verifyToken } from '../../../src/kernel/token.js';
import { metaText, metaWebhookOf, serialiseLikeMeta, signMetaBody } from '../../support/meta-payloads.js';

const SECRET = 'app-secret-123';
const raw = Buffer.from(serialiseLikeMeta(metaWebhookOf({ messages: [metaText('Não consegui medir a PA 😢')] })));

describe('verifyMetaSignature', () => {
  it('when the header is the HMAC of the raw bytes, then true', () => {
    expect(verifyMetaSignature(raw, signMetaBody(raw, SECRET), SECRET)).toBe(true);
  });

  it('when the hex is uppercase or the prefix differs in case, then still true', () => {
    const header = signMetaBody(raw, SECRET);
    expect(verifyMetaSignature(raw, `SHA256=${header.slice(7).toUpperCase()}`, SECRET)).toBe(true);
  });

  it('when the secret is wrong, then false', () => {
    expect(verifyMetaSignature(raw, signMetaBody(raw, 'other-secret'), SECRET)).toBe(false);
  });

  it('when the header is missing, then false', () => {
    expect(verifyMetaSignature(raw, undefined, SECRET)).toBe(false);
  });

  it('when the header is malformed, then false and nothing throws', () => {
    const good = signMetaBody(raw, SECRET).slice(7);
    for (const header of ['', 'sha256=', good, `sha1=${good}`, `sha256=${'z'.repeat(64)}`, `sha256=${good} extra`, 'sha256=💥'.repeat(10)]) {
      expect(verifyMetaSignature(raw, header, SECRET)).toBe(false);
    }
  });

  it('when the digest has the wrong length, then false without throwing', () => {
    const good = signMetaBody(raw, SECRET);
    expect(verifyMetaSignature(raw, good.slice(0, -2), SECRET)).toBe(false);
    expect(verifyMetaSignature(raw, `${good}00`, SECRET)).toBe(false);
  });

  it('when the JSON is re-serialised (unicode un-escaped), then the original signature fails', () => {
    const header = signMetaBody(raw, SECRET);
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(raw.toString('utf8'))));
    expect(reserialised.equals(raw)).toBe(false);
    expect(verifyMetaSignature(reserialised, header, SECRET)).toBe(false);
  });

  it('when one byte changes, then false', () => {
    const header = signMetaBody(raw, SECRET);
    const tampered = Buffer.from(raw);
    tampered[tampered.length - 2] ^= 1;
    expect(verifyMetaSignature(tampered, header, SECRET)).toBe(false);
  });

  it('when the secret is empty, then false even for an HMAC made with the empty key', () => {
    const header = `sha256=${createHmac('sha256', '').update(raw).digest('hex')}`;
    expect(verifyMetaSignature(raw, header, '')).toBe(false);
  });

  it('when two secrets are active (rotation), then a signature by either passes', () => {
    expect(verifyMetaSignature(raw, signMetaBody(raw, 'old'), ['new', 'old'])).toBe(true);
    expect(verifyMetaSignature(raw, signMetaBody(raw, 'new'), ['new', 'old'])).toBe(true);
    expect(verifyMetaSignature(raw, signMetaBody(raw, 'gone'), ['new', 'old'])).toBe(false);
  });
});

describe('verifyToken', () => {
  it('when equal, then true', () => {
    expect(verifyToken('verify-me', 'verify-me')).toBe(true);
  });

  it('when different content or length, then false', () => {
    expect(verifyToken('verify-mE', 'verify-me')).toBe(false);
    expect(verifyToken('verify', 'verify-me')).toBe(false);
    expect(verifyToken('verify-me-longer', 'verify-me')).toBe(false);
  });

  it('when either side is missing or the expected token is empty, then false', () => {
    expect(verifyToken(undefined, 'x')).toBe(false);
    expect(verifyToken('x', undefined)).toBe(false);
    expect(verifyToken('', '')).toBe(false);
    expect(verifyToken(null, null)).toBe(false);
  });
});
