import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalHash, canonicalJson } from '../../src/kernel/canonical-json.js';
import { sameBackendCall, type BackendCall } from '../../src/contracts/backends.js';

describe('canonicalJson', () => {
  it('when keys come in any order, then they are written sorted by code unit at every level', () => {
    expect(canonicalJson({ b: 1, a: 2, B: 3, _: 4, '10': 5, '9': 6 })).toBe('{"10":5,"9":6,"B":3,"_":4,"a":2,"b":1}');
    expect(canonicalJson({ z: { y: [{ d: 1, c: 2 }], x: null } })).toBe('{"z":{"x":null,"y":[{"c":2,"d":1}]}}');
  });

  it('when members or elements are undefined, then members are dropped and elements become null, as JSON does', () => {
    expect(canonicalJson({ a: undefined, b: [undefined, 1], c: () => 1 })).toBe('{"b":[null,1]}');
    expect(canonicalJson(undefined)).toBe('null');
    expect(canonicalJson([])).toBe('[]');
    expect(canonicalJson({})).toBe('{}');
  });

  it('when text holds accents, emoji, quotes or control characters, then it is written as JSON.stringify writes it', () => {
    const text = 'pressão 12x8 ✓ 👩🏽‍⚕️ "aspas" \\ \n\t\u0001';
    expect(canonicalJson({ nota: text })).toBe(`{"nota":${JSON.stringify(text)}}`);
    // Unicode keys sort by UTF-16 code unit: "é" (U+00E9) after "z".
    expect(canonicalJson({ é: 1, z: 2 })).toBe('{"z":2,"é":1}');
  });

  it('when a value is a Date, then it is its ISO string; plain scalars are as JSON writes them', () => {
    expect(canonicalJson({ at: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)) })).toBe('{"at":"2026-01-02T03:04:05.000Z"}');
    expect([true, false, null, 0, -1.5, 1e21, 'x'].map(canonicalJson)).toEqual(['true', 'false', 'null', '0', '-1.5', '1e+21', '"x"']);
  });

  it('when a value has no faithful JSON form (NaN, Infinity, bigint), then it throws a request.invalid error', () => {
    for (const bad of [NaN, Infinity, { a: [-Infinity] }, 10n]) {
      expect(() => canonicalJson(bad)).toThrow(expect.objectContaining({ code: 'request.invalid' }));
    }
  });

  it('when JSON data is hashed, then the hash is the SHA-256 of its canonical text and ignores key order', () => {
    const text = '{"a":1,"b":[2]}';
    expect(canonicalHash({ b: [2], a: 1 })).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
    expect(canonicalHash({ a: 1, b: [2] })).toBe(canonicalHash({ b: [2], a: 1 }));
    expect(canonicalHash({ a: 1, b: [3] })).not.toBe(canonicalHash({ a: 1, b: [2] }));
  });
});

describe('sameBackendCall', () => {
  const call: BackendCall = { operation: 'updateWorkScheduleResponse', request: { scheduleID: 'sch-1', responseValue: 'confirmado' } };

  it('when two calls differ only in key order or undefined members, then they are the same call', () => {
    const reordered = { request: { responseValue: 'confirmado', scheduleID: 'sch-1' }, operation: 'updateWorkScheduleResponse' } as BackendCall;
    expect(sameBackendCall(call, reordered)).toBe(true);
    const clinical: BackendCall = {
      operation: 'updateClinicalData',
      request: { reportID: 'r', reportDate: 'd', scheduleID: 's', caregiverIdentifier: 'c', patientIdentifier: 'p', heartRate: 80 },
    };
    expect(sameBackendCall(clinical, { ...clinical, request: { ...clinical.request, clinicalNote: undefined } })).toBe(true);
  });

  it('when a request value or the operation differs, then they are different calls', () => {
    expect(sameBackendCall(call, { ...call, request: { ...call.request, responseValue: 'cancelado' } })).toBe(false);
    expect(sameBackendCall(call, { operation: 'getScheduleStarted', request: { phoneNumber: 'sch-1' } })).toBe(false);
  });
});
