/**
 * SMS delivery reports, on SQLite and PostgreSQL. Twilio (StatusCallback): an SMS code is sent
 * through a local server that checks requests as Twilio's Messages API does; the message names our
 * status callback; a report signed as Twilio signs it (X-Twilio-Signature) updates the delivery
 * the agent sees; unsigned, forged or re-pointed reports change nothing. Vonage (delivery
 * receipts): the message names a callback URL with a secret; receipts there, as GET or POST, are
 * recorded; a guessed URL or another account's receipt is refused.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { cliActor } from '../../../platform/audit-log.ts';
import {
  databaseKinds,
  type OperatorClient,
  startTestHarness,
  type TestHarness,
} from '../../../test-support/harness.ts';
import { postgresSkip } from '../../../test-support/postgres.ts';
import {
  startTestTwilio,
  startTestVonage,
  twilioTestAccount,
  type VendorServer,
  vonageTestAccount,
} from '../../../test-support/stand-ins/test-vendors.ts';
import { twilioStatusPath, vonageReceiptPath } from '../provider-callbacks.ts';

/** What Twilio sends: the URL it called followed by each parameter name and value, sorted. */
function twilioSignature(token: string, url: string, params: Record<string, string>): string {
  const data = Object.keys(params)
    .sort()
    .reduce((text, key) => text + key + params[key], url);
  return createHmac('sha1', token).update(data, 'utf8').digest('base64');
}

interface Challenge {
  id: string;
  deliveries: { provider: string; status: string; detail: string | null }[];
}

/** Sends an SMS code to a new customer; its challenge and the provider's message id. */
async function sendSmsCode(
  h: TestHarness,
  agent: OperatorClient,
  tenantId: string,
  phone: string,
): Promise<{ challengeId: string; providerMessageId: string }> {
  const customer = await h.runtime.services.customers.create(
    tenantId,
    { displayName: 'Rita Report', phone },
    cliActor,
  );
  const response = await h.app.inject({
    method: 'POST',
    url: '/v1/otp-challenges',
    ...agent.auth(),
    payload: { customerId: customer.id, channel: 'sms', action: 'verify_caller' },
  });
  assert.equal(response.statusCode, 201, response.body);
  const challengeId = (response.json() as Challenge).id;
  const row = await h.runtime.database.db
    .selectFrom('message_deliveries')
    .select('provider_message_id')
    .where('challenge_id', '=', challengeId)
    .executeTakeFirstOrThrow();
  return { challengeId, providerMessageId: row.provider_message_id! };
}

/** The deliveries the agent sees on a challenge. */
async function deliveriesOf(h: TestHarness, agent: OperatorClient, id: string) {
  const response = await h.app.inject({ method: 'GET', url: `/v1/otp-challenges/${id}`, ...agent.auth() });
  return (response.json() as Challenge).deliveries;
}

for (const kind of databaseKinds) {
  describe(`Twilio delivery reports on ${kind}`, {
    skip: kind === 'postgres' ? await postgresSkip() : false,
  }, () => {
    let h: TestHarness;
    let twilio: VendorServer;
    let agent: OperatorClient;
    let tenantId: string;
    let callbackUrl: string;

    before(async () => {
      twilio = await startTestTwilio();
      h = await startTestHarness(kind, {
        smsProvider: 'twilio',
        twilioAccountSid: twilioTestAccount.accountSid,
        twilioAuthToken: twilioTestAccount.authToken,
        twilioFrom: twilioTestAccount.from,
        twilioApiUrl: twilio.url,
      });
      const tenant = await h.tenantWithOperators('reports');
      tenantId = tenant.id;
      agent = tenant.clients.agent;
      callbackUrl = `${h.config.publicUrl.replace(/\/$/, '')}${twilioStatusPath}`;
    });
    after(async () => {
      await h?.close();
      await twilio?.close();
    });

    async function sendCode(): Promise<{ challengeId: string; messageSid: string }> {
      const phone = `+4479111${String(twilio.received.length).padStart(5, '0')}`;
      const { challengeId, providerMessageId } = await sendSmsCode(h, agent, tenantId, phone);
      assert.equal(
        twilio.received.at(-1)!.raw.StatusCallback,
        callbackUrl,
        'each message names our status callback',
      );
      // The Message SID Twilio answered with, kept to match its reports.
      assert.ok(providerMessageId.startsWith('SM'));
      return { challengeId, messageSid: providerMessageId };
    }

    const report = (params: Record<string, string>, signature: string | undefined) =>
      h.app.inject({
        method: 'POST',
        url: twilioStatusPath,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          ...(signature ? { 'x-twilio-signature': signature } : {}),
        },
        payload: new URLSearchParams(params).toString(),
      });

    it('a signed report moves the delivery to delivered, or undelivered with the error', async () => {
      const { challengeId, messageSid } = await sendCode();
      const delivered = {
        MessageSid: messageSid,
        MessageStatus: 'delivered',
        AccountSid: twilioTestAccount.accountSid,
      };
      const ok = await report(
        delivered,
        twilioSignature(twilioTestAccount.authToken, callbackUrl, delivered),
      );
      assert.equal(ok.statusCode, 204, ok.body);
      assert.equal((await deliveriesOf(h, agent, challengeId))[0]!.status, 'delivered');

      const second = await sendCode();
      const failed = { MessageSid: second.messageSid, MessageStatus: 'undelivered', ErrorCode: '30003' };
      await report(failed, twilioSignature(twilioTestAccount.authToken, callbackUrl, failed));
      const [delivery] = await deliveriesOf(h, agent, second.challengeId);
      assert.equal(delivery!.status, 'undelivered');
      assert.equal(delivery!.detail, 'Twilio error 30003');
    });

    it('refuses unsigned, forged and re-pointed reports, and changes nothing', async () => {
      const { challengeId, messageSid } = await sendCode();
      const params = { MessageSid: messageSid, MessageStatus: 'failed' };
      const before = (await deliveriesOf(h, agent, challengeId))[0]!.status;
      for (const signature of [
        undefined,
        twilioSignature('another-accounts-token', callbackUrl, params),
        // Signed for another URL: a report captured elsewhere cannot be replayed here.
        twilioSignature(twilioTestAccount.authToken, 'https://elsewhere.example/status', params),
        // Signed over other parameters.
        twilioSignature(twilioTestAccount.authToken, callbackUrl, { ...params, MessageStatus: 'delivered' }),
      ]) {
        const response = await report(params, signature);
        assert.equal(response.statusCode, 403, response.body);
        assert.equal((response.json() as { error: { code: string } }).error.code, 'FORBIDDEN');
      }
      assert.equal((await deliveriesOf(h, agent, challengeId))[0]!.status, before);
    });

    it('answers 204 to a report about a message it does not know, so Twilio stops retrying', async () => {
      const params = { MessageSid: `SM${'0'.repeat(32)}`, MessageStatus: 'delivered' };
      const response = await report(
        params,
        twilioSignature(twilioTestAccount.authToken, callbackUrl, params),
      );
      assert.equal(response.statusCode, 204);
    });
  });
}

for (const kind of databaseKinds) {
  describe(`Vonage delivery receipts on ${kind}`, {
    skip: kind === 'postgres' ? await postgresSkip() : false,
  }, () => {
    let h: TestHarness;
    let vonage: VendorServer;
    let agent: OperatorClient;
    let tenantId: string;
    let receiptUrl: string;

    before(async () => {
      vonage = await startTestVonage();
      h = await startTestHarness(kind, {
        smsProvider: 'vonage',
        vonageApiKey: vonageTestAccount.apiKey,
        vonageApiSecret: vonageTestAccount.apiSecret,
        vonageFrom: vonageTestAccount.from,
        vonageApiUrl: vonage.url,
      });
      const tenant = await h.tenantWithOperators('receipts');
      tenantId = tenant.id;
      agent = tenant.clients.agent;
    });
    after(async () => {
      await h?.close();
      await vonage?.close();
    });

    async function sendCode(): Promise<{ challengeId: string; messageId: string }> {
      const phone = `+4479112${String(vonage.received.length).padStart(5, '0')}`;
      const { challengeId, providerMessageId } = await sendSmsCode(h, agent, tenantId, phone);
      receiptUrl = vonage.received.at(-1)!.raw.callback!;
      assert.ok(receiptUrl.startsWith(`${h.config.publicUrl.replace(/\/$/, '')}${vonageReceiptPath}/`));
      return { challengeId, messageId: providerMessageId };
    }

    const pathOf = (url: string) => new URL(url).pathname;

    it('records receipts sent as a GET or a JSON POST to the URL named with the message', async () => {
      const first = await sendCode();
      const query = new URLSearchParams({
        messageId: first.messageId,
        status: 'delivered',
        'err-code': '0',
        'api-key': vonageTestAccount.apiKey,
      });
      const got = await h.app.inject({ method: 'GET', url: `${pathOf(receiptUrl)}?${query}` });
      assert.equal(got.statusCode, 204, got.body);
      assert.equal((await deliveriesOf(h, agent, first.challengeId))[0]!.status, 'delivered');

      const second = await sendCode();
      const posted = await h.app.inject({
        method: 'POST',
        url: pathOf(receiptUrl),
        payload: {
          messageId: second.messageId,
          status: 'expired',
          'err-code': '5',
          'api-key': vonageTestAccount.apiKey,
        },
      });
      assert.equal(posted.statusCode, 204, posted.body);
      const [delivery] = await deliveriesOf(h, agent, second.challengeId);
      assert.equal(delivery!.status, 'undelivered');
      assert.equal(delivery!.detail, 'Vonage error 5');
    });

    it('refuses a receipt at a guessed URL or for another account, and changes nothing', async () => {
      const { challengeId, messageId } = await sendCode();
      const before = (await deliveriesOf(h, agent, challengeId))[0]!.status;
      const guessed = await h.app.inject({
        method: 'GET',
        url: `${vonageReceiptPath}/${'0'.repeat(64)}?messageId=${messageId}&status=failed`,
      });
      assert.equal(guessed.statusCode, 404);
      const otherAccount = await h.app.inject({
        method: 'GET',
        url: `${pathOf(receiptUrl)}?messageId=${messageId}&status=failed&api-key=someone-else`,
      });
      assert.equal(otherAccount.statusCode, 403);
      assert.equal((await deliveriesOf(h, agent, challengeId))[0]!.status, before);
    });
  });
}
