import { describe, expect, it } from 'vitest';
import { isBrazilianNationalNumber, normalisePhone, PhoneInvalidError, requireSessionId } from '../../src/contracts/phone.js';

describe('normalisePhone', () => {
  const table: [string, unknown, string | null][] = [
    ['formatted E.164 mobile', '+55 (11) 99999-9999', '5511999999999'],
    ['digits with country code', '5511999990001', '5511999990001'],
    ['national mobile without country code', '11999990001', '5511999990001'],
    ['national mobile with punctuation', '(21) 98765-4321', '5521987654321'],
    ['national landline (10 digits)', '1133334444', '551133334444'],
    ['12-digit landline already with 55 (bug H-10)', '551133334444', '551133334444'],
    ['12-digit landline with +55', '+55 11 3333-4444', '551133334444'],
    ['trunk prefix 0', '011 99999-0001', '5511999990001'],
    ['international access 00', '00 55 11 99999 0001', '5511999990001'],
    ['DDD 55 national mobile is prefixed once', '55 99999-0001', '5555999990001'],
    ['old 8-digit mobile with 55 gets the 9th digit', '551199990001', '5511999990001'],
    ['old 8-digit national mobile gets 55 and the 9th digit', '1199990001', '5511999990001'],
    ['US number with +', '+1 650-555-1234', '16505551234'],
    ['US number as Meta sends it (11 digits, third digit not 9)', '16505551234', '16505551234'],
    ['number input', 5511999990001, '5511999990001'],
    ['no digits', 'abc', null],
    ['empty', '', null],
    ['only zeros', '000', null],
    ['more than 15 digits', '+1234567890123456', null],
    ['not a string', { phone: 1 }, null],
  ];
  for (const [name, input, expected] of table) {
    it(`when ${name}, then ${JSON.stringify(expected)}`, () => {
      expect(normalisePhone(input)).toBe(expected);
    });
  }

  it('when the digits are marked international, then no 55 is added even if they look national', () => {
    expect(normalisePhone('11999990001', { international: true })).toBe('11999990001');
  });

  it('when normalised twice, then the result is stable (never double-prefixed)', () => {
    for (const raw of ['11999990001', '1133334444', '551133334444', '+55 55 99999-0001', '1199990001']) {
      const once = normalisePhone(raw)!;
      expect(normalisePhone(once)).toBe(once);
      expect(normalisePhone(`+${once}`)).toBe(once);
    }
  });
});

describe('isBrazilianNationalNumber', () => {
  it('when the area code does not exist or the subscriber form is wrong, then false', () => {
    expect(isBrazilianNationalNumber('2033334444')).toBe(false); // DDD 20 does not exist
    expect(isBrazilianNationalNumber('11899990001')).toBe(false); // 9-digit must start with 9
    expect(isBrazilianNationalNumber('1113334444')).toBe(false); // 8-digit numbers never start with 0–1
    expect(isBrazilianNationalNumber('11999990001')).toBe(true);
    expect(isBrazilianNationalNumber('1133334444')).toBe(true);
  });
});

describe('requireSessionId', () => {
  it('when the phone has no digits, then PhoneInvalidError (400) without echoing the input', () => {
    const error = (() => {
      try {
        requireSessionId('call me maybe');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(PhoneInvalidError);
    expect((error as PhoneInvalidError).status).toBe(400);
    expect((error as PhoneInvalidError).message).not.toContain('call me');
  });

  it('when the phone is valid, then the session id', () => {
    expect(requireSessionId('+55 11 99999-0001')).toBe('5511999990001');
  });
});
