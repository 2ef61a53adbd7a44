import { ValidationError } from '../kernel/errors.js';

/**
 * Phone → session id. The session id is the phone as E.164 digits without "+"
 * (`+55 (11) 99999-0001` → `5511999990001`). Brazil-first rules:
 *
 * - a leading "+" (or `{ international: true }`, used for Meta's `from`/`wa_id`) means the digits
 *   already carry a country code: they are never prefixed;
 * - otherwise leading zeros (trunk "0", international access "00") are dropped, and a Brazilian
 *   national number — a valid area code (DDD) followed by an 8-digit landline (first digit 2–5),
 *   an old 8-digit mobile (6–9) or a 9-digit mobile (first digit 9) — gets "55";
 * - anything else is kept as is: "551133334444" is a landline that already has 55 and must not
 *   get a second one (docs/decisions.md, Pipeline);
 * - a 12-digit Brazilian mobile in the pre-2016 form (8 digits starting 6–9, as old WhatsApp
 *   accounts still report in `wa_id`) gets its 9th digit, so both channels share one session.
 */

/** Every Brazilian area code (Anatel); none contains the digit 0. */
const BRAZIL_DDD = new Set([
  11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 22, 24, 27, 28, 31, 32, 33, 34, 35, 37, 38, 41, 42, 43, 44, 45, 46, 47, 48, 49, 51, 53, 54, 55, 61, 62, 63, 64, 65,
  66, 67, 68, 69, 71, 73, 74, 75, 77, 79, 81, 82, 83, 84, 85, 86, 87, 88, 89, 91, 92, 93, 94, 95, 96, 97, 98, 99,
]);

/** E.164 allows at most 15 digits; longer input is not a phone number. */
const E164_MAX_DIGITS = 15;
const BRAZIL_COUNTRY_CODE = '55';

export interface NormalisePhoneOptions {
  /** The digits are known to include the country code (Meta `from`, `wa_id`, `recipient_id`). */
  international?: boolean;
}

const isDdd = (two: string) => BRAZIL_DDD.has(Number(two));

/**
 * Pure: true for DDD + 8 digits (landline 2–5…, or a pre-2016 mobile 6–9…) or DDD + 9-digit
 * mobile (9…), without country code.
 */
export function isBrazilianNationalNumber(digits: string): boolean {
  if (!/^\d+$/.test(digits) || !isDdd(digits.slice(0, 2))) return false;
  const subscriber = digits.slice(2);
  if (subscriber.length === 8) return /^[2-9]/.test(subscriber);
  if (subscriber.length === 9) return subscriber.startsWith('9');
  return false;
}

/** Pure: "55" + DDD + 8-digit old-form mobile (6–9…) → with the 9th digit; anything else unchanged. */
function addNinthDigit(digits: string): string {
  if (digits.length === 12 && digits.startsWith(BRAZIL_COUNTRY_CODE) && isDdd(digits.slice(2, 4)) && /^[6-9]/.test(digits.slice(4))) {
    return `${digits.slice(0, 4)}9${digits.slice(4)}`;
  }
  return digits;
}

/**
 * Pure: the session id (E.164 digits, no "+") for a raw phone, or `null` when the input has no
 * digits or more than 15 of them. Returning null (not throwing) lets callers choose their error;
 * see `requireSessionId` for the throwing variant.
 */
export function normalisePhone(raw: unknown, options: NormalisePhoneOptions = {}): string | null {
  if (typeof raw !== 'string' && typeof raw !== 'number') return null;
  const text = String(raw).trim();
  const international = options.international === true || text.startsWith('+');
  let digits = text.replace(/\D/g, '');
  if (!international) digits = digits.replace(/^0+/, '');
  if (digits.length === 0 || digits.length > E164_MAX_DIGITS) return null;
  if (!international && isBrazilianNationalNumber(digits)) digits = BRAZIL_COUNTRY_CODE + digits;
  return addNinthDigit(digits);
}

/** Like `normalisePhone`, but throws `PhoneInvalidError` (400) instead of returning null. */
export function requireSessionId(raw: unknown, options?: NormalisePhoneOptions): string {
  const id = normalisePhone(raw, options);
  if (id === null) throw new PhoneInvalidError();
  return id;
}

/** The phone had no digits (or too many); the raw value is not echoed because it may be PII. */
export class PhoneInvalidError extends ValidationError {
  constructor() {
    super('phone number has no usable digits (expected E.164 or a Brazilian national number)');
  }
}
