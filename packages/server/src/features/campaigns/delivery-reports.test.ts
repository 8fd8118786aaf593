/**
 * A campaign's "delivered" step from the SMS vendor's own reports, on SQLite and PostgreSQL: an
 * invitation campaign sends through a local server that answers as Twilio's Messages API does
 * (accepted, not yet delivered), and a status report signed as Twilio signs it marks that message
 * delivered in the funnel; a forged report changes nothing.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { cliActor } from '../../platform/audit-log.ts';
import { databaseKinds, startTestHarness, type TestHarness } from '../../test-support/harness.ts';
import { postgresSkip } from '../../test-support/postgres.ts';
import {
  startTestTwilio,
  twilioTestAccount,
  type VendorServer,
} from '../../test-support/stand-ins/test-vendors.ts';

/** Where Twilio reports what became of each SMS (features/methods/provider-callbacks.ts). */
const twilioStatusPath = '/v1/providers/twilio/status';

function twilioSignature(token: string, url: string, params: Record<string, string>): string {
  const data = Object.keys(params)
    .sort()
    .reduce((text, key) => text + key + params[key], url);
  return createHmac('sha1', token).update(data, 'utf8').digest('base64');
}

for (const kind of databaseKinds) {
  describe(`campaign delivery reports on ${kind}`, {
    skip: kind === 'postgres' ? await postgresSkip() : false,
  }, () => {
    let h: TestHarness;
    let twilio: VendorServer;

    before(async () => {
      twilio = await startTestTwilio();
      h = await startTestHarness(kind, {
        smsProvider: 'twilio',
        twilioAccountSid: twilioTestAccount.accountSid,
        twilioAuthToken: twilioTestAccount.authToken,
        twilioFrom: twilioTestAccount.from,
        twilioApiUrl: twilio.url,
      });
    });
    after(async () => {
      await h?.close();
      await twilio?.close();
    });

    it("moves to delivered when Twilio reports it, and only on Twilio's signature", async () => {
      const { services } = h.runtime;
      const tenant = await h.createTenant('reports');
      for (let i = 0; i < 2; i++) {
        await services.customers.create(
          tenant.id,
          { displayName: `R ${i}`, phone: `+4479111${30000 + i}` },
          cliActor,
        );
      }
      const { campaign } = await services.campaigns.create(
        tenant.id,
        { name: 'Reports', kind: 'invitation', channel: 'sms', audience: { kind: 'all' } },
        cliActor,
      );
      await services.campaigns.change(tenant.id, campaign.id, 'start', cliActor);
      while ((await services.campaignSender.tick()).busy) h.clock.advance(1000);
      assert.equal(twilio.received.length, 2);
      let { funnel } = await services.campaigns.get(tenant.id, campaign.id);
      assert.deepEqual([funnel.sent, funnel.delivered], [2, 0], 'accepted is not delivered');

      const row = await h.runtime.database.db
        .selectFrom('campaign_recipients')
        .select('provider_message_id')
        .where('campaign_id', '=', campaign.id)
        .executeTakeFirstOrThrow();
      const callbackUrl = `${h.config.publicUrl.replace(/\/$/, '')}${twilioStatusPath}`;
      const params = {
        MessageSid: row.provider_message_id!,
        MessageStatus: 'delivered',
        AccountSid: twilioTestAccount.accountSid,
      };
      const send = (signature: string) =>
        h.app.inject({
          method: 'POST',
          url: twilioStatusPath,
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
          payload: new URLSearchParams(params).toString(),
        });
      const forged = await send(twilioSignature('not the auth token', callbackUrl, params));
      assert.equal(forged.statusCode, 403);
      ({ funnel } = await services.campaigns.get(tenant.id, campaign.id));
      assert.equal(funnel.delivered, 0);

      const signed = await send(twilioSignature(twilioTestAccount.authToken, callbackUrl, params));
      assert.equal(signed.statusCode, 204, signed.body);
      ({ funnel } = await services.campaigns.get(tenant.id, campaign.id));
      assert.deepEqual([funnel.sent, funnel.delivered], [2, 1]);
    });

    it('a provider that is down delays the customer instead of failing them', async () => {
      const { services } = h.runtime;
      const tenant = await h.createTenant('outage');
      for (let i = 0; i < 2; i++) {
        await services.customers.create(
          tenant.id,
          { displayName: `O ${i}`, phone: `+4479111${40000 + i}` },
          cliActor,
        );
      }
      const { campaign } = await services.campaigns.create(
        tenant.id,
        { name: 'Outage', kind: 'invitation', channel: 'sms', audience: { kind: 'all' }, ratePerSecond: 1 },
        cliActor,
      );
      await services.campaigns.change(tenant.id, campaign.id, 'start', cliActor);
      const before = twilio.received.length;
      twilio.failNext(503, { code: 20500, message: 'Service unavailable' });
      const first = await services.campaignSender.tick();
      assert.ok(first.waitMs !== null && first.waitMs >= 1000, 'the sender waits before trying again');
      let { funnel } = await services.campaigns.get(tenant.id, campaign.id);
      assert.deepEqual([funnel.sent, funnel.failed, funnel.pending], [0, 0, 2]);
      while ((await services.campaignSender.tick()).busy) h.clock.advance(30_000);
      ({ funnel } = await services.campaigns.get(tenant.id, campaign.id));
      assert.deepEqual([funnel.sent, funnel.failed, funnel.pending], [2, 0, 0]);
      assert.equal(twilio.received.length - before, 2, 'each customer got one message');
    });
  });
}
