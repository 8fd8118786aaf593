// Tests of the message providers chosen by the configuration.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../config/config.ts';
import { createEventHub } from '../../platform/live-events.ts';
import { systemTimers } from '../../platform/timers.ts';
import { messageProvidersFromConfig } from './registry.ts';

const context = (overrides: Parameters<typeof loadConfig>[1]) => ({
  config: loadConfig({}, { mode: 'test', ...overrides }),
  db: {} as never,
  clock: () => 0,
  encryptionKey: Buffer.alloc(32),
  events: createEventHub(),
  timers: systemTimers,
});

describe('message providers from the configuration', () => {
  it('uses the development outbox by default outside production, and nothing in production', () => {
    const providers = messageProvidersFromConfig(context({}));
    assert.equal(providers.sms?.name, 'outbox');
    assert.equal(providers.email?.name, 'outbox');
    const production = loadConfig(
      {},
      {
        mode: 'production',
        encryptionKey: Buffer.alloc(32).toString('base64'),
        publicUrl: 'https://h.example.com',
      },
    );
    assert.deepEqual(messageProvidersFromConfig({ ...context({}), config: production }), {});
  });

  it('refuses the outbox in production, an unknown provider, and a provider without its settings', () => {
    assert.throws(
      () =>
        loadConfig(
          {
            SMS_PROVIDER: 'outbox',
            EMAIL_PROVIDER: 'outbox',
            ENCRYPTION_KEY: Buffer.alloc(32).toString('base64'),
          },
          { mode: 'production', publicUrl: 'https://h.example.com' },
        ),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.problems.includes('SMS_PROVIDER=outbox is for development only.') &&
        e.problems.includes('EMAIL_PROVIDER=outbox is for development only.'),
    );
    assert.throws(
      () => loadConfig({ SMS_PROVIDER: 'carrier-pigeon' }, { mode: 'test' }),
      (e: unknown) => e instanceof ConfigError && /SMS_PROVIDER must be one of/.test(e.problems.join(' ')),
    );
    assert.throws(
      () => loadConfig({ SMS_PROVIDER: 'twilio', EMAIL_PROVIDER: 'smtp' }, { mode: 'test' }),
      (e: unknown) =>
        e instanceof ConfigError &&
        ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM', 'SMTP_URL', 'EMAIL_FROM'].every((name) =>
          e.problems.some((p) => p.startsWith(name)),
        ),
    );
  });

  it('builds the configured vendor provider', () => {
    const providers = messageProvidersFromConfig(
      context({
        smsProvider: 'vonage',
        vonageApiKey: 'key',
        vonageApiSecret: 'secret',
        vonageFrom: 'Acme',
        emailProvider: 'none',
      }),
    );
    assert.equal(providers.sms?.name, 'vonage');
    assert.equal(providers.email, undefined);
  });
});
