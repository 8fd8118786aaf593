/**
 * Sending an activation link by SMS or e-mail (POST /v1/customers/{id}/activations/send), on
 * SQLite and PostgreSQL, through the development outbox provider: the customer receives a link in
 * their language that enrols their device; the agent sees only a masked address; nothing returns
 * or audits the link; a customer without a phone, another tenant's customer and a missing
 * provider are refused with typed codes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cliActor } from '../../platform/audit-log.ts';
import {
  databaseKinds,
  type OperatorClient,
  startTestHarness,
  type TestHarness,
} from '../../test-support/harness.ts';
import { postgresSkip } from '../../test-support/postgres.ts';
import { enrollTestDevice } from '../../test-support/test-device.ts';

interface OutboxMessage {
  recipient: string;
  subject: string | null;
  body: string;
}

for (const kind of databaseKinds) {
  describe(`sending an activation link on ${kind}`, {
    skip: kind === 'postgres' ? await postgresSkip() : false,
  }, () => {
    let h: TestHarness;
    let tenantId: string;
    let agent: OperatorClient;
    let otherAgent: OperatorClient;

    before(async () => {
      h = await startTestHarness(kind);
      const tenant = await h.tenantWithOperators('send-act');
      tenantId = tenant.id;
      agent = tenant.clients.agent;
      otherAgent = (await h.tenantWithOperators('send-other')).clients.agent;
    });
    after(async () => h?.close());

    const send = (client: OperatorClient, customerId: string, channel: string) =>
      h.app.inject({
        method: 'POST',
        url: `/v1/customers/${customerId}/activations/send`,
        ...client.auth(),
        payload: { channel },
      });

    async function outbox(client: OperatorClient): Promise<OutboxMessage[]> {
      const response = await h.app.inject({ method: 'GET', url: '/v1/dev/outbox', ...client.auth() });
      assert.equal(response.statusCode, 200, response.body);
      return (response.json() as { messages: OutboxMessage[] }).messages;
    }

    it('sends a link by SMS in the customer language that enrols their device', async () => {
      const customer = await h.runtime.services.customers.create(
        tenantId,
        { displayName: 'Greta', phone: '+4915123456789', locale: 'de-DE' },
        cliActor,
      );
      const response = await send(agent, customer.id, 'sms');
      assert.equal(response.statusCode, 201, response.body);
      const sent = response.json() as { channel: string; sentTo: string; expiresAt: string };
      assert.equal(sent.channel, 'sms');
      assert.equal(sent.sentTo, '+49 ••• •• 89');
      assert.ok(!sent.sentTo.includes('15123456'), 'the agent sees a masked number');
      assert.ok(!response.body.includes('activate#code='), 'the answer never carries the link');

      const message = (await outbox(agent)).find((m) => m.recipient === '+4915123456789');
      assert.ok(message, 'the SMS reached the provider');
      assert.match(message.body, /Richten Sie dieses Telefon ein/);
      const code = /activate#code=([0-9A-Z-]+)/.exec(message.body)?.[1];
      assert.ok(code, message.body);

      const device = await enrollTestDevice(h.app, {
        publicUrl: h.config.publicUrl,
        activationCode: code,
        now: h.clock.now,
      });
      const devices = await h.runtime.services.devices.list(tenantId, customer.id);
      assert.deepEqual(
        devices.map((d) => d.id),
        [device.id],
      );

      const audit = await h.runtime.database.db
        .selectFrom('audit_events')
        .select(['data'])
        .where('tenant_id', '=', tenantId)
        .where('action', '=', 'device.activation_sent')
        .execute();
      assert.equal(audit.length, 1);
      assert.ok(
        !audit[0]!.data.includes(code) && !audit[0]!.data.includes('#code='),
        'no link in the audit log',
      );
      assert.ok(!h.logLines.join('\n').includes(code), 'no code in the logs');
    });

    it('sends by e-mail with a subject', async () => {
      const customer = await h.runtime.services.customers.create(
        tenantId,
        { displayName: 'Hana', email: 'hana@example.com' },
        cliActor,
      );
      const response = await send(agent, customer.id, 'email');
      assert.equal(response.statusCode, 201, response.body);
      assert.equal((response.json() as { sentTo: string }).sentTo, 'h•••@example.com');
      const message = (await outbox(agent)).find((m) => m.recipient === 'hana@example.com');
      assert.ok(message?.subject?.includes('Set up your phone'));
    });

    it('refuses a customer without a phone number, with the reason', async () => {
      const customer = await h.runtime.services.customers.create(tenantId, { displayName: 'Ivo' }, cliActor);
      const response = await send(agent, customer.id, 'sms');
      assert.equal(response.statusCode, 409);
      const error = (response.json() as { error: { code: string; details: { reason: string } } }).error;
      assert.equal(error.code, 'CHANNEL_UNAVAILABLE');
      assert.equal(error.details.reason, 'NO_PHONE_NUMBER');
      const activations = await h.runtime.database.db
        .selectFrom('one_time_tokens')
        .select('id')
        .where('subject_id', '=', customer.id)
        .execute();
      assert.equal(activations.length, 0, 'no activation was created for nothing');
    });

    it("cannot send to another tenant's customer", async () => {
      const customer = await h.runtime.services.customers.create(
        tenantId,
        { displayName: 'Jon', phone: '+447911123499' },
        cliActor,
      );
      const response = await send(otherAgent, customer.id, 'sms');
      assert.equal(response.statusCode, 404);
      assert.equal((await outbox(agent)).filter((m) => m.recipient === '+447911123499').length, 0);
    });

    it('rejects an unknown channel', async () => {
      const customer = await h.runtime.services.customers.create(tenantId, { displayName: 'Kim' }, cliActor);
      assert.equal((await send(agent, customer.id, 'fax')).statusCode, 400);
    });
  });
}

describe('sending an activation link without a provider', () => {
  let h: TestHarness;
  after(async () => h?.close());

  it('answers CHANNEL_UNAVAILABLE with PROVIDER_NOT_CONFIGURED', async () => {
    h = await startTestHarness('sqlite', { smsProvider: 'none' });
    const tenant = await h.tenantWithOperators('no-sms');
    const customer = await h.runtime.services.customers.create(
      tenant.id,
      { displayName: 'Lea', phone: '+447911123498' },
      cliActor,
    );
    const response = await h.app.inject({
      method: 'POST',
      url: `/v1/customers/${customer.id}/activations/send`,
      ...tenant.clients.agent.auth(),
      payload: { channel: 'sms' },
    });
    assert.equal(response.statusCode, 409);
    const error = (response.json() as { error: { code: string; details: { reason: string } } }).error;
    assert.equal(error.details.reason, 'PROVIDER_NOT_CONFIGURED');
  });
});
