import { describe, expect, it } from 'vitest';
import { findJsonLimitProblem } from '../../src/kernel/json-limits.js';

describe('findJsonLimitProblem', () => {
  it('when a document holds only ordinary values, then there is no problem', () => {
    expect(findJsonLimitProblem(JSON.parse('{"a":[1,2.5,-3e10,0,-0,1e-100],"b":{"c":"1e400","d":null,"e":true}}'))).toBeNull();
  });

  it('when a number overflowed, is beyond the safe integers or is too small for DynamoDB, then its path is named', () => {
    expect(findJsonLimitProblem(JSON.parse('{"metadata":{"a":1e400}}'))?.path).toBe('metadata.a');
    expect(findJsonLimitProblem(JSON.parse('{"x":[0,-1e400]}'))?.path).toBe('x.1');
    expect(findJsonLimitProblem(JSON.parse('{"id":123456789012345678901234567890}'))?.message).toMatch(/send it as a string/);
    expect(findJsonLimitProblem(JSON.parse('{"tiny":1e-200}'))?.path).toBe('tiny');
  });

  it('when a document is nested thousands of levels deep, then the depth is reported without exhausting the stack', () => {
    const deep = JSON.parse(`${'['.repeat(50_000)}${']'.repeat(50_000)}`);
    expect(findJsonLimitProblem(deep)?.message).toMatch(/nested deeper than 20 levels/);
  });
});
