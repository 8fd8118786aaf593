/**
 * The client against a real server listening on 127.0.0.1: customers, activations, a device
 * (the device SDK) that approves while the client waits, typed errors, and webhooks whose
 * signatures the client's helper checks on a real receiver.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createDeviceClient, createMemoryKeyStore } from '@helpdesk-auth/device-sdk';
import { startTestHarness, type TestHarness } from '../../server/src/test-support/harness.ts';
import { createHelpdeskAuthClient, type HelpdeskAuthClient } from './client.ts';
import { HelpdeskAuthError } from './errors.ts';
import { verifyWebhook, type WebhookEvent } from './webhook-signature.ts';

describe('client SDK against a real server', () => {
  let h: TestHarness;
  let client: HelpdeskAuthClient;

  before(async () => {
    h = await startTestHarness('sqlite', { webhookAllowLoopback: true }, { listen: true, realClock: true });
    const tenant = await h.createTenant('sdk');
    const key = await h.createApiKey(tenant, [
      'customers:read',
      'customers:write',
      'devices:read',
      'devices:write',
      'verifications:read',
      'verifications:write',
      'webhooks:read',
      'webhooks:write',
      'calls:read',
      'calls:write',
    ]);
    client = createHelpdeskAuthClient({ baseUrl: h.baseUrl, apiKey: key });
  });
  after(async () => h?.close());

  it('manages customers, enrols a device with an activation, and waits for the approval', async () => {
    const customer = await client.customers.create({ displayName: 'Ada Client', externalId: 'CRM-1' });
    assert.equal((await client.customers.findByExternalId('CRM-1'))?.id, customer.id);
    const renamed = await client.customers.update(customer.id, { email: 'ada@example.com' });
    assert.equal(renamed.email, 'ada@example.com');

    const activation = await client.activations.create(customer.id);
    const phone = createDeviceClient({ store: createMemoryKeyStore(), baseUrl: h.baseUrl });
    const enrolled = await phone.enroll(activation.link, { label: 'Ada phone', platform: 'cli' });
    const devices = await client.devices.list(customer.id);
    assert.deepEqual(
      devices.items.map((d) => [d.id, d.status]),
      [[enrolled.deviceId, 'active']],
    );

    const started = await client.verifications.start({
      customerId: customer.id,
      reason: 'Card replacement',
      agentName: 'Sam',
    });
    assert.equal(started.status, 'pending');
    assert.ok(started.code);
    const waiting = client.verifications.waitForResult(started.id, { timeoutMs: 30_000 });
    const shown = await phone.fetchRequest(started.id);
    await phone.decide(shown, { decision: 'approve', code: started.code });
    const result = await waiting;
    assert.equal(result.status, 'approved');
    assert.equal(result.code, null, 'the code is gone once final');
    assert.equal(result.decidedByDeviceId, enrolled.deviceId);
  });

  it("announces a call, answers the IVR's check, refuses a wrong code with attemptsLeft, and ends it", async () => {
    const customer = await client.customers.create({ displayName: 'Cal Client' });
    const activation = await client.activations.create(customer.id);
    const phone = createDeviceClient({ store: createMemoryKeyStore(), baseUrl: h.baseUrl });
    await phone.enroll(activation.link, { label: 'Cal phone', platform: 'cli' });
    assert.deepEqual(await client.calls.active(customer.id), { active: false, notice: null });

    const notice = await client.calls.start(customer.id, {
      reason: 'About your card',
      mutualCode: 'customer_reads',
      agentName: 'Sam',
    });
    assert.equal(notice.status, 'active');
    assert.equal(notice.code, null);
    assert.equal((await client.calls.active(customer.id)).notice?.id, notice.id);
    const shown = await phone.fetchCallNotice(notice.id);
    assert.equal(shown.agentName, 'Sam');
    const wrong = await client.calls
      .checkCode(notice.id, shown.code === '000000' ? '111111' : '000000')
      .catch((e: unknown) => e);
    assert.ok(wrong instanceof HelpdeskAuthError);
    assert.deepEqual(
      [wrong.code, wrong.status, wrong.details],
      ['CALL_CODE_INVALID', 422, { attemptsLeft: 2 }],
    );
    assert.equal((await client.calls.checkCode(notice.id, shown.code!)).confirmation, 'confirmed');
    assert.equal((await client.calls.end(notice.id)).status, 'ended');
    const history = await client.calls.list({ customerId: customer.id });
    assert.deepEqual(
      history.items.map((n) => [n.id, n.status, n.confirmation]),
      [[notice.id, 'ended', 'confirmed']],
    );
  });

  it('throws HelpdeskAuthError with the server code, status, details and request id', async () => {
    const missing = await client.customers.get('cus_01M876HXB0A04Z448HGS16RQHZ').catch((e: unknown) => e);
    assert.ok(missing instanceof HelpdeskAuthError);
    assert.deepEqual([missing.code, missing.status], ['NOT_FOUND', 404]);
    assert.ok(missing.requestId);

    const lonely = await client.customers.create({ displayName: 'No Device' });
    const refused = await client.verifications
      .start({ customerId: lonely.id, reason: 'x', agentName: 'Sam' })
      .catch((e: unknown) => e);
    assert.ok(refused instanceof HelpdeskAuthError);
    assert.deepEqual([refused.code, refused.status], ['CUSTOMER_HAS_NO_DEVICE', 409]);

    const invalid = await client.customers.create({ displayName: '' }).catch((e: unknown) => e);
    assert.deepEqual(
      [(invalid as HelpdeskAuthError).code, (invalid as HelpdeskAuthError).status],
      ['VALIDATION_FAILED', 400],
    );

    const wrongKey = createHelpdeskAuthClient({ baseUrl: h.baseUrl, apiKey: 'hda_nonsense' });
    const unauthenticated = await wrongKey.customers.list().catch((e: unknown) => e);
    assert.equal((unauthenticated as HelpdeskAuthError).code, 'UNAUTHENTICATED');

    const nowhere = createHelpdeskAuthClient({ baseUrl: 'http://127.0.0.1:1', apiKey: 'x' });
    const network = await nowhere.customers.list().catch((e: unknown) => e);
    assert.deepEqual(
      [(network as HelpdeskAuthError).code, (network as HelpdeskAuthError).status],
      ['NETWORK_ERROR', 0],
    );
  });

  it('registers a webhook whose deliveries verifyWebhook accepts, and refuses tampered ones', async () => {
    const received: Array<{ body: string; signature: string; headers: IncomingHttpHeaders }> = [];
    const server: Server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8');
      });
      request.on('end', () => {
        received.push({
          body,
          signature: String(request.headers['helpdesk-auth-signature']),
          headers: request.headers,
        });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
      const { endpoint, secret } = await client.webhooks.create({ url, events: ['verification.cancelled'] });
      await client.webhooks.sendTest(endpoint.id);
      await h.runtime.services.webhooks.runOnce();
      assert.equal(received.length, 1);
      const [delivery] = received;
      const event: WebhookEvent = await verifyWebhook({
        payload: delivery!.body,
        signatureHeader: delivery!.signature,
        secret,
      });
      assert.equal(event.type, 'webhook.test');
      // The Standard Webhooks headers, as a plain record (Node) and as a Fetch `Headers` object.
      const standard = await verifyWebhook({ payload: delivery!.body, headers: delivery!.headers, secret });
      assert.equal(standard.id, delivery!.headers['webhook-id']);
      const fetchHeaders = new Headers(delivery!.headers as Record<string, string>);
      assert.equal(
        (await verifyWebhook({ payload: delivery!.body, headers: fetchHeaders, secret })).id,
        event.id,
      );
      // Without the standard headers, the earlier header found among the headers is checked.
      const { 'webhook-signature': _dropped, ...legacyOnly } = delivery!.headers;
      assert.equal(
        (await verifyWebhook({ payload: delivery!.body, headers: legacyOnly, secret })).id,
        event.id,
      );

      const rejects = async (options: Parameters<typeof verifyWebhook>[0], code: string) => {
        const error = await verifyWebhook(options).catch((e: unknown) => e);
        assert.ok(error instanceof HelpdeskAuthError, String(error));
        assert.equal(error.code, code);
      };
      const base = { payload: delivery!.body, signatureHeader: delivery!.signature, secret };
      await rejects(
        { ...base, payload: delivery!.body.replace('webhook.test', 'webhook.tesT') },
        'WEBHOOK_SIGNATURE_INVALID',
      );
      await rejects({ ...base, secret: `${secret}x` }, 'WEBHOOK_SIGNATURE_INVALID');
      await rejects({ ...base, signatureHeader: 'v1=abc' }, 'WEBHOOK_SIGNATURE_INVALID');
      await rejects({ ...base, signatureHeader: null }, 'WEBHOOK_SIGNATURE_INVALID');
      await rejects({ ...base, now: Date.now() + 301_000 }, 'WEBHOOK_TIMESTAMP_OUT_OF_RANGE');
      const headers = delivery!.headers;
      const standardBase = { payload: delivery!.body, headers, secret };
      await rejects(
        { ...standardBase, payload: delivery!.body.replace('webhook.test', 'webhook.tesT') },
        'WEBHOOK_SIGNATURE_INVALID',
      );
      await rejects(
        { ...standardBase, headers: { ...headers, 'webhook-id': `${headers['webhook-id']}x` } },
        'WEBHOOK_SIGNATURE_INVALID',
      );
      const otherKey = `whsec_${btoa('another key of thirty-two bytes!')}`;
      await rejects({ ...standardBase, secret: otherKey }, 'WEBHOOK_SIGNATURE_INVALID');
      await rejects(
        { ...standardBase, headers: { ...headers, 'webhook-signature': 'v1,@@@' } },
        'WEBHOOK_SIGNATURE_INVALID',
      );
      await rejects({ ...standardBase, now: Date.now() + 301_000 }, 'WEBHOOK_TIMESTAMP_OUT_OF_RANGE');

      // During a rotation each delivery carries two signatures; either secret verifies it.
      const rotated = await client.webhooks.rotateSecret(endpoint.id, { overlapSeconds: 600 });
      await client.webhooks.sendTest(endpoint.id);
      await h.runtime.services.webhooks.runOnce();
      const during = received[1]!;
      assert.equal(during.signature.match(/v1=/g)?.length, 2);
      assert.equal(String(during.headers['webhook-signature']).split(' ').length, 2);
      for (const key of [secret, rotated.secret, [`${secret}x`, rotated.secret]]) {
        await verifyWebhook({ payload: during.body, signatureHeader: during.signature, secret: key });
        await verifyWebhook({ payload: during.body, headers: during.headers, secret: key });
      }
      const deliveries = await client.webhooks.deliveries(endpoint.id);
      assert.deepEqual(
        deliveries.items.map((d) => [d.status, d.attempts[0]?.statusCode]),
        [
          ['succeeded', 204],
          ['succeeded', 204],
        ],
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
