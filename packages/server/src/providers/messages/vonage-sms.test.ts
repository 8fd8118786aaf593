// Tests of the Vonage SMS provider against a local stand-in.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  startTestVonage,
  type VendorServer,
  vonageTestAccount,
} from '../../test-support/stand-ins/test-vendors.ts';
import { ProviderConfigError, ProviderError } from './message-provider.ts';
import { createVonageSmsProvider } from './vonage-sms.ts';

const message = {
  to: '+4915112345678',
  text: 'Acme: your verification code is 654321.',
  reference: 'msg_2',
  tenantId: 't',
};

describe('Vonage SMS provider against a local Vonage SMS API', () => {
  let vonage: VendorServer;
  before(async () => {
    vonage = await startTestVonage();
  });
  after(async () => vonage?.close());

  it('posts form-encoded from, to without +, text and client-ref to /sms/json with Basic auth', async () => {
    const provider = createVonageSmsProvider({ ...vonageTestAccount, apiUrl: vonage.url });
    const result = await provider.send(message);
    assert.equal(result.status, 'queued');
    assert.match(result.providerMessageId ?? '', /^[0-9A-F]{16}$/);
    assert.deepEqual(vonage.received.at(-1)!.raw, {
      from: 'AcmeBank',
      to: '4915112345678',
      text: message.text,
      'client-ref': 'msg_2',
    });
  });

  it('reads a non-zero message status as a refusal (4: bad credentials is misconfigured)', async () => {
    const provider = createVonageSmsProvider({
      ...vonageTestAccount,
      apiSecret: 'wrong',
      apiUrl: vonage.url,
    });
    await assert.rejects(provider.send(message), (error: unknown) => {
      assert.ok(error instanceof ProviderError);
      assert.equal(error.kind, 'misconfigured');
      assert.equal(error.providerCode, '4');
      return true;
    });
    vonage.failNext(200, { 'message-count': '1', messages: [{ status: '1', 'error-text': 'Throttled' }] });
    const ok = createVonageSmsProvider({ ...vonageTestAccount, apiUrl: vonage.url });
    await assert.rejects(ok.send(message), (e: unknown) => (e as ProviderError).kind === 'rate_limited');
  });

  it('refuses a sender id that Vonage would refuse, at creation', () => {
    assert.throws(
      () => createVonageSmsProvider({ ...vonageTestAccount, from: 'A sender id far too long' }),
      ProviderConfigError,
    );
  });
});
