import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('loadConfig', () => {
  it('when the environment is empty, then every default applies', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ PORT: 3000, DYNAMODB_MODE: 'embedded', SESSION_TTL_DAYS: 7, LOCK_LEASE_MS: 10_000, OPENAI_MODEL: 'gpt-4o-mini', SESSION_CACHE_SIZE: 10_000, SESSION_CACHE_SECONDS: 600 });
  });

  it('when several variables are invalid, then one ConfigError lists every problem', () => {
    const error = (() => {
      try {
        loadConfig({ PORT: 'abc', DYNAMODB_MODE: 'cloud', LAMBDA_GET_SCHEDULE: 'not a url', AUTO_CREATE_TABLES: 'maybe', SESSION_CACHE_SECONDS: '86400' });
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    const fields = error!.problems.map((p) => p.split(':')[0]);
    expect(fields).toEqual(expect.arrayContaining(['PORT', 'DYNAMODB_MODE', 'LAMBDA_GET_SCHEDULE', 'AUTO_CREATE_TABLES', 'SESSION_CACHE_SECONDS']));
    expect(error!.message).toContain('Invalid configuration');
  });

  it('when aws mode has no OPS_TOKEN, then the configuration is refused', () => {
    expect(() => loadConfig({ DYNAMODB_MODE: 'aws' })).toThrow(/OPS_TOKEN/);
  });

  it('when a variable is an empty string, then it counts as unset', () => {
    expect(loadConfig({ PORT: '', AUTO_CREATE_TABLES: 'false' })).toMatchObject({ PORT: 3000, AUTO_CREATE_TABLES: false });
  });
});
