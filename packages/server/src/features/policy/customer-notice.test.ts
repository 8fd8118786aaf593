/**
 * Customer notifications by push (docs/fallbacks.md, "Customer notifications"): after a fraud
 * report, a customer whose device has a push channel hears about it there, first; the message a
 * local RFC 8030 push service decrypts names the event and the time, and nobody; without a push
 * channel the notification goes by SMS.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cliActor } from '../../platform/audit-log.ts';
import { startTestHarness, type TestHarness } from '../../test-support/harness.ts';
import { startTestPushService, type TestPushService } from '../../test-support/stand-ins/push-service.ts';
import { enrollTestDevice, type TestDevice } from '../../test-support/test-device.ts';

describe('customer notifications by push', () => {
  let h: TestHarness;
  let push: TestPushService;
  let tenantId: string;
  let apiKey: string;

  before(async () => {
    push = await startTestPushService();
    // The local push service listens on loopback, which push endpoints may reach only in development.
    h = await startTestHarness(
      'sqlite',
      { pushAllowLoopback: true },
      { listen: true, realClock: true, pushAgent: push.agent },
    );
    const tenant = await h.createTenant('notice');
    tenantId = tenant.id;
    apiKey = await h.createApiKey(tenant, ['verifications:read', 'verifications:write', 'audit:read']);
  });
  after(async () => {
    await h?.close();
    await push?.close();
  });

  async function customerWithDevice(withPush: boolean): Promise<{ customerId: string; device: TestDevice }> {
    const customer = await h.runtime.services.customers.create(
      tenantId,
      { displayName: 'Nadia Notice', phone: '+447911123411' },
      cliActor,
    );
    const activation = await h.runtime.services.devices.createActivation(tenantId, customer.id, cliActor);
    const device = await enrollTestDevice(h.app, {
      publicUrl: h.config.publicUrl,
      activationCode: activation.code,
      now: () => Date.now(),
      ...(withPush ? { push: { kind: 'webpush', subscription: push.createSubscription() } } : {}),
    });
    return { customerId: customer.id, device };
  }

  async function reportFraud(customerId: string, device: TestDevice): Promise<void> {
    const started = await fetch(`${h.baseUrl}/v1/verifications`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ customerId, reason: 'Card replacement', agentName: 'Sam' }),
    });
    const { id } = (await started.json()) as { id: string };
    const decided = await fetch(`${h.baseUrl}/v1/device/verifications/${id}/decision`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ signedDecision: await device.decide(id, 'report_fraud') }),
    });
    assert.equal(decided.status, 200);
  }

  async function notified(
    customerId: string,
    event = 'fraud_reported',
    count = 1,
  ): Promise<Record<string, unknown>[] | undefined> {
    for (let i = 0; i < 100; i++) {
      const rows = await h.runtime.database.db
        .selectFrom('audit_events')
        .select('data')
        .where('tenant_id', '=', tenantId)
        .where('action', '=', 'customer.notified')
        .where('target_id', '=', customerId)
        .execute();
      const found = rows
        .map((r) => JSON.parse(r.data) as Record<string, unknown>)
        .filter((d) => d.event === event);
      if (found.length >= count) return found;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return undefined;
  }

  it('tells the customer on their device, with the event and the time only', async () => {
    const { customerId, device } = await customerWithDevice(true);
    const before = push.received.length;
    const reportedAt = Date.now();
    await reportFraud(customerId, device);
    const [audit] = (await notified(customerId)) ?? [];
    assert.deepEqual(audit, {
      event: 'fraud_reported',
      outcome: 'sent',
      channel: 'push',
      provider: 'webpush',
    });
    const notices = push.received
      .slice(before)
      .filter((m) => (m.payload as { type: string }).type === 'notice');
    assert.equal(notices.length, 1);
    const payload = notices[0]!.payload as { type: string; event: string; at: number };
    assert.deepEqual(Object.keys(payload).sort(), ['at', 'event', 'type']);
    assert.equal(payload.event, 'fraud_reported');
    assert.ok(Math.abs(payload.at * 1000 - reportedAt) < 10_000);
    assert.equal(notices[0]!.urgency, 'normal');
  });

  it('falls back to SMS when the device has no push channel', async () => {
    const { customerId, device } = await customerWithDevice(false);
    await reportFraud(customerId, device);
    const [audit] = (await notified(customerId)) ?? [];
    assert.equal(audit?.channel, 'sms');
  });

  it('tells the other device by push, and the phone number and e-mail address on file, of a new device', async () => {
    const customer = await h.runtime.services.customers.create(
      tenantId,
      { displayName: 'Elif Enrolled', phone: '+447911123412', email: 'elif@example.com' },
      cliActor,
    );
    const first = await h.runtime.services.devices.createActivation(tenantId, customer.id, cliActor);
    await enrollTestDevice(h.app, {
      publicUrl: h.config.publicUrl,
      activationCode: first.code,
      now: () => Date.now(),
      push: { kind: 'webpush', subscription: push.createSubscription() },
    });
    await notified(customer.id, 'device_enrolled', 2); // the first device: SMS and e-mail
    const before = push.received.length;
    const second = await h.runtime.services.devices.createActivation(tenantId, customer.id, cliActor);
    await enrollTestDevice(h.app, {
      publicUrl: h.config.publicUrl,
      activationCode: second.code,
      now: () => Date.now(),
    });
    const audits = (await notified(customer.id, 'device_enrolled', 5)) ?? [];
    assert.deepEqual(audits.map((a) => a.channel).sort(), ['email', 'email', 'push', 'sms', 'sms']);
    const notice = push.received.slice(before).find((m) => (m.payload as { type: string }).type === 'notice');
    assert.ok(notice, 'the first device heard of the second');
    assert.equal((notice.payload as { event: string }).event, 'device_enrolled');
  });
});
