/**
 * A data subject (LGPD art. 5 V): a caregiver known by their phone. Pure helpers to name one
 * without storing the phone (salted hash, masked form) and to find the phone inside any stored
 * value, whatever form it was written in.
 */
import { createHmac } from 'node:crypto';
import { normalisePhone } from '../contracts/phone.js';

export interface Subject {
  /** The session id: E.164 digits without "+". */
  sessionId: string;
  /** HMAC-SHA256 of the session id under the privacy salt (hex, 32 chars): names the subject in the audit and in workflow ids. */
  hash: string;
  /** `5511*****0001`: enough for an operator to recognise, not to dial. */
  masked: string;
}

/** Pure: the subject of a session id. */
export function subjectOf(sessionId: string, salt: string): Subject {
  return { sessionId, hash: subjectHash(sessionId, salt), masked: maskPhone(sessionId) };
}

const subjectHash = (sessionId: string, salt: string) => createHmac('sha256', salt).update(sessionId).digest('hex').slice(0, 32);

/** Pure: a phone's first 4 and last 4 digits, the rest starred. */
const maskPhone = (digits: string) =>
  digits.length <= 8 ? '*'.repeat(digits.length) : `${digits.slice(0, 4)}${'*'.repeat(digits.length - 8)}${digits.slice(-4)}`;

/** A run of digits as phones are written: `+55 (11) 99999-0001`, `5511999990001`, `11 99999 0001`. */
const PHONE_LIKE = /\+?\d[\d\s().-]{6,}\d/g;

/** Pure: whether a phone-like run in `text` is the subject's phone (any accepted form, with or without the country code). */
function mentions(text: string, sessionId: string): boolean {
  for (const [run] of text.matchAll(PHONE_LIKE)) if (normalisePhone(run) === sessionId || run.replace(/\D/g, '').includes(sessionId)) return true;
  return false;
}

/** Pure: whether any string (or key) inside `value` names the subject's phone. */
export function carriesSubject(value: unknown, sessionId: string): boolean {
  if (typeof value === 'string') return mentions(value, sessionId);
  if (typeof value === 'number') return String(value) === sessionId;
  if (Array.isArray(value)) return value.some((v) => carriesSubject(v, sessionId));
  if (value && typeof value === 'object') return Object.entries(value).some(([k, v]) => mentions(k, sessionId) || carriesSubject(v, sessionId));
  return false;
}

/** What replaces the subject's phone in a scrubbed value. */
const ERASED = '[apagado]';

/** Pure: `value` with every mention of the subject's phone replaced by ERASED (keys and strings, deeply). */
export function scrubSubject<T>(value: T, sessionId: string): T {
  const scrubText = (text: string) =>
    text.replace(PHONE_LIKE, (run) => (normalisePhone(run) === sessionId || run.replace(/\D/g, '').includes(sessionId) ? ERASED : run));
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return scrubText(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [scrubText(k), walk(x)]));
    return v;
  };
  return walk(value) as T;
}
