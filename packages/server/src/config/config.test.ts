// Tests of the configuration: defaults, environment variables and the checks that refuse to start.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ConfigError,
  cookiesAreSecure,
  defaults,
  environmentVariables,
  loadConfig,
  webPushSubject,
} from './config.ts';

const key = Buffer.alloc(32, 7).toString('base64');

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('loadConfig', () => {
  it('starts with the documented defaults and no environment', () => {
    const config = loadConfig({});
    assert.equal(config.port, 8080);
    assert.equal(config.publicUrl, 'http://localhost:8080');
    assert.equal(config.databaseUrl, undefined);
    assert.equal(config.seedDemoData, true);
    assert.ok(config.dataDir.endsWith('/data'));
  });

  it('maps every setting to exactly one environment variable', () => {
    assert.deepEqual(Object.keys(environmentVariables).sort(), Object.keys(defaults).sort());
    assert.equal(new Set(Object.values(environmentVariables)).size, Object.keys(defaults).length);
  });

  it('reads typed values from the environment and derives the public URL from the port', () => {
    const config = loadConfig({ PORT: '9090', TRUST_PROXY: 'true', LOG_LEVEL: 'warn' });
    assert.equal(config.port, 9090);
    assert.equal(config.trustProxy, true);
    assert.equal(config.logLevel, 'warn');
    assert.equal(config.publicUrl, 'http://localhost:9090');
  });

  it('names every malformed variable at once', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      TRUST_PROXY: 'maybe',
      LOG_LEVEL: 'loud',
      DATABASE_URL: 'mysql://x',
      ENCRYPTION_KEY: 'c2hvcnQ=',
      PUBLIC_URL: 'not a url',
      REDIS_URL: 'http://127.0.0.1:6379',
      WEB_PUSH_SUBJECT: 'ops@example.com',
      DEVICE_PROOF_MAX_AGE_SECONDS: '-5',
    });
    for (const name of [
      'PORT',
      'TRUST_PROXY',
      'LOG_LEVEL',
      'DATABASE_URL',
      'ENCRYPTION_KEY',
      'PUBLIC_URL',
      'REDIS_URL',
      'WEB_PUSH_SUBJECT',
      'DEVICE_PROOF_MAX_AGE_SECONDS',
    ]) {
      assert.ok(
        problems.some((p) => p.startsWith(name)),
        `${name} should be reported`,
      );
    }
  });

  it('reads the time limits on receiving a request, and refuses a headers limit beyond the request limit', () => {
    assert.equal(defaults.httpHeadersTimeoutMs, 10_000);
    assert.equal(defaults.httpRequestTimeoutMs, 30_000);
    const config = loadConfig({
      HTTP_HEADERS_TIMEOUT_MS: '5000',
      HTTP_REQUEST_TIMEOUT_MS: '20000',
      HTTP_KEEP_ALIVE_TIMEOUT_MS: '61000',
    });
    assert.equal(config.httpHeadersTimeoutMs, 5000);
    assert.equal(config.httpRequestTimeoutMs, 20000);
    assert.equal(config.httpKeepAliveTimeoutMs, 61000);
    assert.deepEqual(problemsOf({ HTTP_HEADERS_TIMEOUT_MS: '40000' }), [
      'HTTP_HEADERS_TIMEOUT_MS must not be longer than HTTP_REQUEST_TIMEOUT_MS.',
    ]);
    for (const raw of ['0', '-1', 'soon']) {
      assert.deepEqual(problemsOf({ HTTP_REQUEST_TIMEOUT_MS: raw, HTTP_HEADERS_TIMEOUT_MS: '1' }), [
        'HTTP_REQUEST_TIMEOUT_MS must be a positive whole number.',
      ]);
    }
  });

  it('serves metrics nowhere by default, and checks the metrics token and port', () => {
    assert.equal(defaults.metricsToken, undefined);
    assert.equal(defaults.metricsPort, undefined);
    assert.equal(defaults.metricsHost, '127.0.0.1');
    const config = loadConfig({ METRICS_TOKEN: 'a'.repeat(32), METRICS_PORT: '9464' });
    assert.equal(config.metricsToken, 'a'.repeat(32));
    assert.equal(config.metricsPort, 9464);
    assert.deepEqual(problemsOf({ METRICS_TOKEN: 'short' }), [
      'METRICS_TOKEN must be at least 16 characters (openssl rand -hex 32).',
    ]);
    assert.deepEqual(problemsOf({ METRICS_PORT: 'metrics' }), [
      'METRICS_PORT must be a positive whole number.',
    ]);
    for (const port of ['70000', '8080']) {
      assert.deepEqual(problemsOf({ METRICS_PORT: port }), [
        'METRICS_PORT must be a port number other than PORT.',
      ]);
    }
  });

  it('refuses to start in production with development-only defaults', () => {
    const problems = problemsOf({ HELPDESK_AUTH_MODE: 'production', SEED_DEMO_DATA: 'true' });
    assert.ok(problems.some((p) => p.includes('ENCRYPTION_KEY is required')));
    assert.ok(problems.some((p) => p.includes('must use https')));
    assert.ok(problems.some((p) => p.includes('SEED_DEMO_DATA must be false')));
  });

  it('starts in production once the unsafe defaults are replaced', () => {
    const config = loadConfig({
      HELPDESK_AUTH_MODE: 'production',
      ENCRYPTION_KEY: key,
      PUBLIC_URL: 'https://verify.example.com',
    });
    assert.equal(config.mode, 'production');
    assert.equal(config.seedDemoData, false, 'no demo data in production unless asked (and then refused)');
  });
});

describe('cookiesAreSecure', () => {
  it('marks cookies Secure everywhere except plain http on this machine', () => {
    assert.equal(cookiesAreSecure(loadConfig({})), false);
    assert.equal(cookiesAreSecure(loadConfig({ PUBLIC_URL: 'https://localhost:8443' })), true);
    assert.equal(cookiesAreSecure(loadConfig({ PUBLIC_URL: 'http://helpdesk.internal:8080' })), true);
  });
});

describe('webPushSubject', () => {
  it('is the configured contact, else an https public URL off this machine, else a mailto', () => {
    assert.equal(
      webPushSubject(loadConfig({ WEB_PUSH_SUBJECT: 'mailto:ops@example.com' })),
      'mailto:ops@example.com',
    );
    assert.equal(
      webPushSubject(loadConfig({ PUBLIC_URL: 'https://auth.example.com/x' })),
      'https://auth.example.com',
    );
    // Push services refuse a local contact; the server must still start and push.
    assert.equal(
      webPushSubject(loadConfig({ PUBLIC_URL: 'https://localhost:8443' })),
      'mailto:helpdesk-auth@localhost',
    );
    assert.equal(webPushSubject(loadConfig({})), 'mailto:helpdesk-auth@localhost');
  });
});
