import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, configSchema, loadConfig, twilioSettingsOf } from '../../src/config.js';

describe('loadConfig', () => {
  it('when the environment is empty, then every default applies', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      PORT: 3000,
      DYNAMODB_MODE: 'embedded',
      SESSION_TTL_DAYS: 7,
      LOCK_LEASE_MS: 10_000,
      OPENAI_MODEL: 'gpt-4o-mini',
      SESSION_CACHE_SIZE: 10_000,
      SESSION_CACHE_SECONDS: 600,
      RECOVERY_SWEEP_INTERVAL_MS: 30_000,
      OUTBOX_RESEND_AFTER_MS: 30_000,
    });
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

  it('when aws mode lacks its secrets, uses an endpoint and sets only some LAMBDA_*, then one ConfigError lists every rule broken', () => {
    const error = (() => {
      try {
        loadConfig({
          DYNAMODB_MODE: 'aws',
          DYNAMODB_ENDPOINT: 'http://localhost:8000',
          LAMBDA_GET_SCHEDULE: 'http://b/get',
          LAMBDA_UPDATE_SCHEDULE: 'http://b/upd',
        });
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.problems).toEqual([
      'OPS_TOKEN: required when DYNAMODB_MODE=aws',
      'PRIVACY_HASH_SALT: required when DYNAMODB_MODE=aws',
      'DYNAMODB_ENDPOINT: not allowed with DYNAMODB_MODE=aws (use embedded mode with an endpoint instead)',
      'WHATSAPP_APP_SECRET: required when DYNAMODB_MODE=aws',
      'LAMBDA_*: some are set but not all: missing LAMBDA_UPDATE_CLINICAL, LAMBDA_GET_NOTE_REPORT, LAMBDA_UPDATE_SUMMARY, LAMBDA_CREATE_SCHEDULE',
    ]);
  });

  it('when aws mode has its secrets and all six LAMBDA_* or none are set, then the configuration is accepted', () => {
    const aws = { DYNAMODB_MODE: 'aws', OPS_TOKEN: 'ops-token-0123456789', WHATSAPP_APP_SECRET: 'secret', PRIVACY_HASH_SALT: 'salt-0123456789abcdef' };
    const lambdas = Object.fromEntries(
      [
        'LAMBDA_GET_SCHEDULE',
        'LAMBDA_UPDATE_SCHEDULE',
        'LAMBDA_UPDATE_CLINICAL',
        'LAMBDA_GET_NOTE_REPORT',
        'LAMBDA_UPDATE_SUMMARY',
        'LAMBDA_CREATE_SCHEDULE',
      ].map((k) => [k, `http://b/${k}`]),
    );
    expect(loadConfig(aws)).toMatchObject({ OPS_TOKEN: 'ops-token-0123456789', opsTokenGenerated: false });
    expect(loadConfig({ ...aws, ...lambdas })).toMatchObject({ LAMBDA_CREATE_SCHEDULE: 'http://b/LAMBDA_CREATE_SCHEDULE' });
  });

  it('when OPS_TOKEN is unset in embedded mode, then a fresh random token of at least 16 characters is generated for the run', () => {
    const [a, b] = [loadConfig({}), loadConfig({})];
    expect(a.opsTokenGenerated).toBe(true);
    expect(a.OPS_TOKEN.length).toBeGreaterThanOrEqual(16);
    expect(a.OPS_TOKEN).not.toBe(b.OPS_TOKEN);
  });

  it('when HTTP_HEADERS_TIMEOUT_MS is not above HTTP_KEEP_ALIVE_TIMEOUT_MS, then the configuration is refused naming it', () => {
    expect(() => loadConfig({ HTTP_KEEP_ALIVE_TIMEOUT_MS: '65000', HTTP_HEADERS_TIMEOUT_MS: '65000' })).toThrow(/HTTP_HEADERS_TIMEOUT_MS: must be greater/);
    expect(loadConfig({ HTTP_KEEP_ALIVE_TIMEOUT_MS: '95000', HTTP_HEADERS_TIMEOUT_MS: '96000' }).HTTP_KEEP_ALIVE_TIMEOUT_MS).toBe(95_000);
  });

  it('when Twilio is set up only in part, then the configuration is refused naming what is missing', () => {
    const sid = `AC${'0'.repeat(32)}`;
    expect(() => loadConfig({ TWILIO_ACCOUNT_SID: sid, TWILIO_AUTH_TOKEN: 't' })).toThrow(/TWILIO_ACCOUNT_SID, TWILIO_WHATSAPP_FROM: set both/);
    expect(() => loadConfig({ TWILIO_WHATSAPP_FROM: '+14155238886', TWILIO_AUTH_TOKEN: 't' })).toThrow(/TWILIO_ACCOUNT_SID, TWILIO_WHATSAPP_FROM: set both/);
    expect(() => loadConfig({ TWILIO_ACCOUNT_SID: sid, TWILIO_WHATSAPP_FROM: '+14155238886' })).toThrow(/TWILIO_AUTH_TOKEN: required with TWILIO_ACCOUNT_SID/);
    expect(() => loadConfig({ TWILIO_ACCOUNT_SID: 'SK123', TWILIO_WHATSAPP_FROM: '14155238886', PUBLIC_BASE_URL: 'https://x.example/?a=1' })).toThrow(
      /TWILIO_ACCOUNT_SID[\s\S]*TWILIO_WHATSAPP_FROM[\s\S]*PUBLIC_BASE_URL/,
    );
  });

  it('when Twilio is fully set up, then its webhooks are signed, media can be fetched and replies are sent from the number (whatsapp: prefix optional)', () => {
    const sid = `AC${'0'.repeat(32)}`;
    const config = loadConfig({
      TWILIO_ACCOUNT_SID: sid,
      TWILIO_AUTH_TOKEN: 'tok',
      TWILIO_WHATSAPP_FROM: 'whatsapp:+14155238886',
      PUBLIC_BASE_URL: 'https://bot.example.com/base/',
    });
    expect(twilioSettingsOf(config)).toEqual({
      route: { authToken: 'tok', publicBaseUrl: 'https://bot.example.com/base' },
      api: { apiUrl: 'https://api.twilio.com', accountSid: sid, authToken: 'tok' },
      sender: { apiUrl: 'https://api.twilio.com', accountSid: sid, authToken: 'tok', from: '+14155238886', publicBaseUrl: 'https://bot.example.com/base' },
    });
  });

  it('when Twilio has no auth token, then its webhooks are served unsigned in embedded mode only, never in aws mode, and nothing is sent through it', () => {
    expect(twilioSettingsOf(loadConfig({}))).toEqual({ route: { authToken: undefined, publicBaseUrl: undefined }, api: null, sender: null });
    const awsEnv = { DYNAMODB_MODE: 'aws', OPS_TOKEN: 'ops-token-0123456789', WHATSAPP_APP_SECRET: 'secret', PRIVACY_HASH_SALT: 'salt-0123456789abcdef' };
    expect(twilioSettingsOf(loadConfig(awsEnv)).route).toBeNull();
    expect(twilioSettingsOf(loadConfig({ ...awsEnv, TWILIO_AUTH_TOKEN: 't' })).route).toEqual({
      authToken: 't',
      publicBaseUrl: undefined,
    });
  });

  it('when a variable is an empty string, then it counts as unset', () => {
    expect(loadConfig({ PORT: '', AUTO_CREATE_TABLES: 'false' })).toMatchObject({ PORT: 3000, AUTO_CREATE_TABLES: false });
  });

  it('when env.example is read, then it documents exactly the variables the schema reads', () => {
    const example = readFileSync(new URL('../../env.example', import.meta.url), 'utf8');
    const service = example.slice(0, example.indexOf('# --- Scripts only ---'));
    const documented = [...service.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(Object.keys(configSchema.shape).sort());
  });
});
