import { describe, expect, it } from 'vitest';
import { computeTwilioSignature, twilioSignatureBase, verifyTwilioSignature } from '../../../src/channels/twilio/signature.js';

/**
 * Twilio's published example (twilio.com/docs/usage/webhooks/webhooks-security, and the fixture of
 * twilio-node's spec/validation.spec.js): auth token "12345", this URL and these parameters. These
 * are the only vectors here not produced by this implementation, so they are the ones that catch a
 * base string built wrong in a way that is consistent with itself.
 */
const TOKEN = '12345';
const URL = 'https://mycompany.com/myapp.php?foo=1&bar=2';
const params = (caller: string): [string, string][] => [
  ['CallSid', 'CA1234567890ABCDE'],
  ['Caller', caller],
  ['Digits', '1234'],
  ['From', caller],
  ['To', '+18005551212'],
];
/** Twilio's documentation page. */
const DOCS = { params: params('+14158675310'), signature: 'GvWf1cFY/Q7PnoempGyD5oXAezc=' };
/** twilio-node's test suite. */
const SDK = { params: params('+14158675309'), signature: 'RSOYDt4T1cUTdK1PDd93/VVr8B8=' };

describe('the X-Twilio-Signature algorithm', () => {
  it("when Twilio's published example is signed, then the signatures are the published ones", () => {
    expect(computeTwilioSignature(TOKEN, URL, DOCS.params)).toBe(DOCS.signature);
    expect(computeTwilioSignature(TOKEN, URL, SDK.params)).toBe(SDK.signature);
  });

  it('when the parameters arrive in any order, then the signed string is the URL and each name+value, sorted by name, with no separator', () => {
    const shuffled = [...SDK.params].reverse();
    expect(twilioSignatureBase(URL, shuffled)).toBe(
      'https://mycompany.com/myapp.php?foo=1&bar=2CallSidCA1234567890ABCDECaller+14158675309Digits1234From+14158675309To+18005551212',
    );
    expect(verifyTwilioSignature(SDK.signature, TOKEN, URL, shuffled)).toBe(true);
  });

  it('when a name repeats, then its values are signed sorted, whatever their order (twilio-node vector)', () => {
    const signature = '83O6e2vORAoJHUNzJjDWN1jz+BA=';
    expect(
      verifyTwilioSignature(signature, TOKEN, URL, [
        ['MessagingBinding.Address', '+1325xxxxxxx'],
        ['MessagingBinding.Address', '+1415xxxxxxx'],
      ]),
    ).toBe(true);
    expect(
      verifyTwilioSignature(signature, TOKEN, URL, [
        ['MessagingBinding.Address', '+1415xxxxxxx'],
        ['MessagingBinding.Address', '+1325xxxxxxx'],
      ]),
    ).toBe(true);
  });

  it('when Twilio signed the URL without its port, or with the default port, then either spelling is accepted (twilio-node vectors)', () => {
    expect(verifyTwilioSignature(SDK.signature, TOKEN, 'https://mycompany.com:1234/myapp.php?foo=1&bar=2', SDK.params)).toBe(true);
    expect(verifyTwilioSignature('kvajT1Ptam85bY51eRf/AJRuM3w=', TOKEN, URL, SDK.params)).toBe(true);
    expect(verifyTwilioSignature('0ZXoZLH/DfblKGATFgpif+LLRf4=', TOKEN, URL.replace('https', 'http'), SDK.params)).toBe(true);
  });

  it('when the token, a parameter, the URL or its query differ, or the header is missing or malformed, then it is refused', () => {
    expect(verifyTwilioSignature(SDK.signature, 'other-token', URL, SDK.params)).toBe(false);
    expect(verifyTwilioSignature(SDK.signature, TOKEN, URL, [...SDK.params.slice(0, 2), ['Digits', '9999'], ...SDK.params.slice(3)])).toBe(false);
    expect(verifyTwilioSignature(SDK.signature, TOKEN, URL, [...SDK.params, ['Extra', '']])).toBe(false);
    expect(verifyTwilioSignature(SDK.signature, TOKEN, 'https://mycompany.com/myapp.php?foo=1&bar=3', SDK.params)).toBe(false);
    expect(verifyTwilioSignature(SDK.signature, TOKEN, 'https://mycompany.com/myapp.php', SDK.params)).toBe(false);
    expect(verifyTwilioSignature(undefined, TOKEN, URL, SDK.params)).toBe(false);
    expect(verifyTwilioSignature('', TOKEN, URL, SDK.params)).toBe(false);
    expect(verifyTwilioSignature('not base64 at all', TOKEN, URL, SDK.params)).toBe(false);
    expect(verifyTwilioSignature(SDK.signature, '', URL, SDK.params)).toBe(false);
  });
});
