// Tests of the Twilio SMS provider against a local stand-in.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  startTestTwilio,
  twilioTestAccount,
  type VendorServer,
} from '../../test-support/stand-ins/test-vendors.ts';
import { ProviderConfigError, ProviderError } from './message-provider.ts';
import { createTwilioSmsProvider, twilioDeliveryStatus, verifyTwilioSignature } from './twilio-sms.ts';

const message = {
  to: '+4915112345678',
  text: 'Acme: your verification code is 123456.',
  reference: 'msg_1',
  tenantId: 't',
};

describe('Twilio SMS provider against a local Twilio', () => {
  let twilio: VendorServer;
  before(async () => {
    twilio = await startTestTwilio();
  });
  after(async () => twilio?.close());

  it('sends with Basic auth and a form-encoded body to the Messages resource', async () => {
    const provider = createTwilioSmsProvider({ ...twilioTestAccount, apiUrl: twilio.url });
    const result = await provider.send(message);
    assert.equal(result.status, 'queued');
    assert.match(result.providerMessageId ?? '', /^SM[0-9a-f]{32}$/);
    const sms = twilio.received.at(-1)!;
    assert.deepEqual(sms.raw, { To: message.to, Body: message.text, From: twilioTestAccount.from });
  });

  it('uses MessagingServiceSid when the sender is a Messaging Service, and passes the status callback', async () => {
    const service = `MG${'a'.repeat(32)}`;
    const provider = createTwilioSmsProvider({
      ...twilioTestAccount,
      from: service,
      apiUrl: twilio.url,
      statusCallbackUrl: 'https://helpdesk.example.com/v1/providers/twilio/status',
    });
    await provider.send(message);
    const raw = twilio.received.at(-1)!.raw;
    assert.equal(raw.MessagingServiceSid, service);
    assert.equal(raw.From, undefined);
    assert.equal(raw.StatusCallback, 'https://helpdesk.example.com/v1/providers/twilio/status');
  });

  it("reports a wrong auth token as misconfigured, with Twilio's error code", async () => {
    const provider = createTwilioSmsProvider({
      ...twilioTestAccount,
      authToken: 'wrong',
      apiUrl: twilio.url,
    });
    await assert.rejects(provider.send(message), (error: unknown) => {
      assert.ok(error instanceof ProviderError);
      assert.equal(error.kind, 'misconfigured');
      assert.equal(error.providerCode, '20003');
      assert.doesNotMatch(error.message, /123456|wrong/);
      return true;
    });
  });

  it('maps 429 and 5xx onto rate_limited and unreachable, and a dead server onto unreachable', async () => {
    const provider = createTwilioSmsProvider({ ...twilioTestAccount, apiUrl: twilio.url });
    twilio.failNext(429, { code: 20429, message: 'Too Many Requests', status: 429 });
    await assert.rejects(
      provider.send(message),
      (e: unknown) => (e as ProviderError).kind === 'rate_limited',
    );
    twilio.failNext(503, {});
    await assert.rejects(provider.send(message), (e: unknown) => (e as ProviderError).kind === 'unreachable');
    const dead = createTwilioSmsProvider({ ...twilioTestAccount, apiUrl: 'http://127.0.0.1:9' });
    await assert.rejects(dead.send(message), (e: unknown) => (e as ProviderError).kind === 'unreachable');
  });

  it('refuses an incomplete or unsafe configuration at creation', () => {
    assert.throws(
      () => createTwilioSmsProvider({ accountSid: 'nope', authToken: '', from: '12' }),
      (e: unknown) =>
        e instanceof ProviderConfigError &&
        /ACCOUNT_SID/.test(e.message) &&
        /AUTH_TOKEN/.test(e.message) &&
        /TWILIO_FROM/.test(e.message),
    );
    assert.throws(
      () => createTwilioSmsProvider({ ...twilioTestAccount, apiUrl: 'http://api.twilio.example' }),
      /https/,
    );
  });
});

describe('Twilio status callbacks', () => {
  // The example of Twilio's webhook security documentation: this URL, these parameters and the
  // Auth Token 12345 sign to this value.
  const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
  const params = {
    CallSid: 'CA1234567890ABCDE',
    Caller: '+12349013030',
    Digits: '1234',
    From: '+12349013030',
    To: '+18005551212',
  };

  it('accepts the signature Twilio documents and refuses any change', () => {
    assert.equal(verifyTwilioSignature('12345', url, params, '0/KCTR6DLpKmkAf8muzZqo1nDgQ='), true);
    assert.equal(
      verifyTwilioSignature('12345', url, { ...params, Digits: '1235' }, '0/KCTR6DLpKmkAf8muzZqo1nDgQ='),
      false,
    );
    assert.equal(verifyTwilioSignature('54321', url, params, '0/KCTR6DLpKmkAf8muzZqo1nDgQ='), false);
  });

  it('maps Twilio message statuses onto the shared delivery statuses', () => {
    assert.equal(twilioDeliveryStatus('sending'), 'queued');
    assert.equal(twilioDeliveryStatus('delivered'), 'delivered');
    assert.equal(twilioDeliveryStatus('undelivered'), 'undelivered');
    assert.equal(twilioDeliveryStatus('canceled'), 'failed');
    assert.equal(twilioDeliveryStatus('whatever'), undefined);
  });
});
