/**
 * Webhooks end to end: an admin registers an endpoint, verifications and devices change, and a
 * real receiver on 127.0.0.1 gets signed events it can check, exactly once per event, through
 * receiver outages, server restarts and competing server processes. Runs on SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { permissions } from '@helpdesk-auth/core';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import type { Config } from '../../config/config.ts';
import type { Actor } from '../../platform/audit-log.ts';
import { encryptSecret } from '../../platform/secrets.ts';
import {
  createTestDatabase,
  databaseKinds,
  type OperatorClient,
  startTestHarness,
  type TestDatabase,
  type TestHarness,
  type TestTenant,
} from '../../test-support/harness.ts';
import { postgresSkip } from '../../test-support/postgres.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../test-support/stand-ins/webhook-receiver.ts';
import { enrollTestDevice, type TestDevice } from '../../test-support/test-device.ts';
import { createWebhookService } from './webhooks.ts';

const system: Actor = { type: 'system', id: null };
const settings: Partial<Config> = { webhookAllowLoopback: true };

/** The longest a retry can be scheduled after `attempt` failures, plus a margin. */
const pastRetry = (attempt: number) => Math.min(6 * 3600_000, 10_000 * 2 ** (attempt - 1)) + 1000;

interface World {
  h: TestHarness;
  tenant: TestTenant;
  /** An API key with every scope: tests move the clock by hours, past any session. */
  key: string;
}

async function world(h: TestHarness, slug: string): Promise<World> {
  const tenant = await h.createTenant(slug);
  return { h, tenant, key: await h.createApiKey(tenant, [...permissions]) };
}

function call(w: World, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) {
  return w.h.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${w.key}` },
    ...(payload ? { payload } : {}),
  });
}

async function register(w: World, url: string, events: string[]) {
  const response = await call(w, 'POST', '/v1/webhooks', { url, events });
  assert.equal(response.statusCode, 201, response.body);
  return response.json() as { endpoint: { id: string }; secret: string };
}

async function customerWithDevice(w: World): Promise<{ customerId: string; device: TestDevice }> {
  const { services } = w.h.runtime;
  const customer = await services.customers.create(w.tenant.id, { displayName: 'Dana Webhook' }, system);
  const activation = await services.devices.createActivation(w.tenant.id, customer.id, system);
  const device = await enrollTestDevice(w.h.app, {
    publicUrl: w.h.config.publicUrl,
    activationCode: activation.code,
    now: w.h.clock.now,
  });
  return { customerId: customer.id, device };
}

async function startVerification(w: World, customerId: string): Promise<{ id: string; code: string }> {
  const response = await call(w, 'POST', '/v1/verifications', {
    customerId,
    reason: 'Card replacement',
    callReference: 'CALL-77',
    agentName: 'Sam',
  });
  assert.equal(response.statusCode, 201, response.body);
  return response.json() as { id: string; code: string };
}

async function decide(
  w: World,
  device: TestDevice,
  id: string,
  decision: 'approve' | 'deny' | 'report_fraud',
  code?: string,
) {
  const signedDecision = await device.decide(id, decision, { code: code ?? null });
  const response = await w.h.app.inject({
    method: 'POST',
    url: `/v1/device/verifications/${id}/decision`,
    payload: { signedDecision },
  });
  assert.equal(response.statusCode, 200, response.body);
}

for (const kind of databaseKinds) {
  describe(`webhooks on ${kind}`, { skip: kind === 'postgres' ? await postgresSkip() : false }, () => {
    let h: TestHarness;
    let w: World;
    let receiver: WebhookReceiver;

    before(async () => {
      h = await startTestHarness(kind, settings);
      w = await world(h, 'hooks');
      receiver = await startWebhookReceiver();
    });
    after(async () => {
      await receiver?.close();
      await h?.close();
    });
    beforeEach(async () => {
      // Each test starts without endpoints, even when an earlier one failed before cleaning up.
      for (const endpoint of await h.runtime.services.webhooks.list(w.tenant.id)) {
        await h.runtime.services.webhooks.remove(w.tenant.id, endpoint.id, system);
      }
      receiver.received.length = 0;
      receiver.respondWith = 200;
    });

    it('delivers signed verification events a receiver can check, with ids and statuses but no code', async () => {
      const { endpoint, secret } = await register(w, receiver.url, [
        'verification.started',
        'verification.approved',
      ]);
      receiver.secrets = [secret];
      assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/, 'Standard Webhooks: base64 of 32 bytes');
      const { customerId, device } = await customerWithDevice(w);
      const v = await startVerification(w, customerId);
      await decide(w, device, v.id, 'approve', v.code);

      await h.runtime.services.webhooks.runOnce();
      const events = receiver.received.map((r) => r.event).sort((x, y) => x.id.localeCompare(y.id));
      assert.deepEqual(
        events.map((e) => e.type),
        ['verification.started', 'verification.approved'],
      );
      for (const r of receiver.received) {
        assert.equal(r.validSignatures, 1, 'signed with the endpoint secret');
        assert.equal(r.validStandardSignatures, 1, 'and in the Standard Webhooks form');
        assert.equal(r.headers['webhook-id'], r.event.id);
        assert.equal(r.headers['webhook-timestamp'], String(Math.floor(h.clock.now() / 1000)));
        assert.equal(r.headers['helpdesk-auth-event-id'], r.event.id);
        assert.equal(r.headers['helpdesk-auth-event-type'], r.event.type);
        assert.equal(r.timestamp, Math.floor(h.clock.now() / 1000));
        // The code is two digits, which ids and times contain by chance: look for it as a value.
        assert.equal(/"code"/i.test(r.body) || r.body.includes(`"${v.code}"`), false, 'no code in a webhook');
        assert.equal(r.body.includes('Card replacement'), false, 'free text stays out');
      }
      assert.deepEqual(events[1]!.data, {
        verificationId: v.id,
        status: 'approved',
        customerId,
        method: 'push',
        deviceId: device.id,
        assurance: 'substantial',
      });
      assert.equal(events[0]!.data.callReference, 'CALL-77');
      assert.equal(events[0]!.tenantId, w.tenant.id);

      // A second round sends nothing new: each event is delivered once.
      await h.runtime.services.webhooks.runOnce();
      assert.equal(receiver.received.length, 2);

      const deliveries = await call(w, 'GET', `/v1/webhooks/${endpoint.id}/deliveries`);
      assert.equal(deliveries.statusCode, 200, deliveries.body);
      const items = deliveries.json().items as Array<{
        status: string;
        attempts: Array<{ statusCode: number }>;
      }>;
      assert.deepEqual(
        items.map((d) => [d.status, d.attempts.map((a) => a.statusCode)]),
        [
          ['succeeded', [200]],
          ['succeeded', [200]],
        ],
      );
      // The secret is shown once: stored sealed, never listed, never in the audit log.
      const listed = await call(w, 'GET', '/v1/webhooks');
      assert.equal(listed.body.includes(secret), false);
      const rows = await h.runtime.database.db.selectFrom('webhook_endpoints').selectAll().execute();
      assert.equal(
        JSON.stringify(rows).includes(secret.slice(6)),
        false,
        'the secret is not stored in clear',
      );
      const audit = await call(w, 'GET', '/v1/audit-events/export');
      assert.equal(audit.body.includes(secret.slice(6)), false);
      assert.match(audit.body, /"action":"webhook.created"/);
      await call(w, 'DELETE', `/v1/webhooks/${endpoint.id}`);
    });

    it('an endpoint may subscribe to webhook.test alone: it gets the tests it is sent and nothing else', async () => {
      const { endpoint, secret } = await register(w, receiver.url, ['webhook.test']);
      receiver.secrets = [secret];
      const listed = (await call(w, 'GET', `/v1/webhooks/${endpoint.id}`)).json() as { events: string[] };
      assert.deepEqual(listed.events, ['webhook.test']);
      const { customerId, device } = await customerWithDevice(w);
      const v = await startVerification(w, customerId);
      await decide(w, device, v.id, 'approve', v.code);
      assert.equal((await call(w, 'POST', `/v1/webhooks/${endpoint.id}/test`)).statusCode, 202);
      await h.runtime.services.webhooks.runOnce();
      assert.deepEqual(
        receiver.received.map((r) => [r.event.type, r.validStandardSignatures]),
        [['webhook.test', 1]],
      );
      // Changing to it and back with PATCH works too; an unknown type is still refused.
      const patched = await call(w, 'PATCH', `/v1/webhooks/${endpoint.id}`, {
        events: ['webhook.test', 'device.enrolled'],
      });
      assert.equal(patched.statusCode, 200, patched.body);
      const unknown = await call(w, 'PATCH', `/v1/webhooks/${endpoint.id}`, { events: ['webhook.tested'] });
      assert.deepEqual([unknown.statusCode, unknown.json().error.code], [400, 'VALIDATION_FAILED']);
      await call(w, 'DELETE', `/v1/webhooks/${endpoint.id}`);
    });

    it('sends only the subscribed events: denial, fraud report (and the customer news), device enrolled and revoked', async () => {
      const { endpoint, secret } = await register(w, receiver.url, [
        'verification.denied',
        'verification.fraud_reported',
        'customer.fraud_reported',
        'device.enrolled',
        'device.revoked',
      ]);
      receiver.secrets = [secret];
      const { customerId, device } = await customerWithDevice(w);
      const first = await startVerification(w, customerId);
      await decide(w, device, first.id, 'deny');
      const second = await startVerification(w, customerId);
      await decide(w, device, second.id, 'report_fraud');
      const revoked = await call(w, 'DELETE', `/v1/devices/${device.id}`);
      assert.equal(revoked.statusCode, 200, revoked.body);

      await h.runtime.services.webhooks.runOnce();
      // Deliveries go out several at a time, so they may arrive in any order.
      const order = [
        'device.enrolled',
        'verification.denied',
        'verification.fraud_reported',
        'customer.fraud_reported',
        'device.revoked',
      ];
      const events = receiver.received
        .map((r) => r.event)
        .sort((x, y) => order.indexOf(x.type) - order.indexOf(y.type));
      assert.deepEqual(
        events.map((e) => e.type),
        order,
      );
      assert.deepEqual(events[3]!.data, { customerId, verificationId: second.id, deviceId: device.id });
      assert.deepEqual(events[4]!.data, { deviceId: device.id, customerId, bySelf: false });
      assert.equal(new Set(events.map((e) => e.id)).size, events.length, 'every event has its own id');
      await call(w, 'DELETE', `/v1/webhooks/${endpoint.id}`);
    });

    it('retries with backoff while the receiver is down, keeps every attempt, and delivers when it is back', async () => {
      const { endpoint, secret } = await register(w, receiver.url, ['verification.cancelled']);
      receiver.secrets = [secret];
      const { customerId } = await customerWithDevice(w);
      const v = await startVerification(w, customerId);
      await receiver.stop();
      const cancelled = await call(w, 'POST', `/v1/verifications/${v.id}/cancel`);
      assert.equal(cancelled.statusCode, 200, cancelled.body);

      await h.runtime.services.webhooks.runOnce();
      // Not due yet: nothing is attempted again until the backoff has passed.
      assert.deepEqual(await h.runtime.services.webhooks.runOnce(), { dispatched: 0, attempted: 0 });
      h.clock.advance(pastRetry(1));
      await receiver.start();
      receiver.respondWith = 503;
      await h.runtime.services.webhooks.runOnce();
      assert.equal(receiver.received.length, 1);
      h.clock.advance(pastRetry(2));
      receiver.respondWith = 200;
      await h.runtime.services.webhooks.runOnce();
      assert.equal(receiver.received.length, 2);
      assert.equal(
        receiver.received[0]!.event.id,
        receiver.received[1]!.event.id,
        'the same event id on retry',
      );
      assert.equal(receiver.received[1]!.validSignatures, 1);

      const list = (await call(w, 'GET', `/v1/webhooks/${endpoint.id}/deliveries`)).json();
      const [delivery] = list.items as Array<{
        id: string;
        status: string;
        attempts: Array<{ outcome: string; statusCode: number | null; error: string | null }>;
      }>;
      assert.equal(delivery!.status, 'succeeded');
      assert.deepEqual(
        delivery!.attempts.map((a) => [a.outcome, a.statusCode]),
        [
          ['failed', null],
          ['failed', 503],
          ['succeeded', 200],
        ],
      );
      assert.match(delivery!.attempts[0]!.error!, /connection failed/);
      assert.equal(delivery!.attempts[1]!.error, 'HTTP 503');

      // Redeliver sends it again at once, with the same event id.
      const again = await call(w, 'POST', `/v1/webhooks/${endpoint.id}/deliveries/${delivery!.id}/redeliver`);
      assert.equal(again.statusCode, 202, again.body);
      await h.runtime.services.webhooks.runOnce();
      assert.equal(receiver.received.length, 3);
      assert.equal(receiver.received[2]!.event.id, receiver.received[0]!.event.id);
      const one = (await call(w, 'GET', `/v1/webhooks/${endpoint.id}/deliveries/${delivery!.id}`)).json();
      assert.equal(one.attempts.length, 4);
      await call(w, 'DELETE', `/v1/webhooks/${endpoint.id}`);
    });

    it('gives up after the configured attempts and marks the delivery failed', async () => {
      const { endpoint } = await register(w, receiver.url, ['verification.cancelled']);
      receiver.respondWith = 500;
      const { customerId } = await customerWithDevice(w);
      const v = await startVerification(w, customerId);
      await call(w, 'POST', `/v1/verifications/${v.id}/cancel`);
      for (let attempt = 1; attempt <= h.config.webhookMaxAttempts + 2; attempt++) {
        await h.runtime.services.webhooks.runOnce();
        h.clock.advance(pastRetry(attempt));
      }
      assert.equal(receiver.received.length, h.config.webhookMaxAttempts);
      const failed = (await call(w, 'GET', `/v1/webhooks/${endpoint.id}/deliveries?status=failed`)).json();
      assert.equal(failed.items.length, 1);
      assert.equal(failed.items[0].attempts.length, h.config.webhookMaxAttempts);
      await call(w, 'DELETE', `/v1/webhooks/${endpoint.id}`);
    });

    it('purges finished deliveries after 30 days, with their attempts, and keeps pending ones', async () => {
      const { endpoint } = await register(w, receiver.url, ['device.enrolled']);
      await call(w, 'POST', `/v1/webhooks/${endpoint.id}/test`);
      await h.runtime.services.webhooks.runOnce();
      receiver.respondWith = 500;
      await call(w, 'POST', `/v1/webhooks/${endpoint.id}/test`);
      await h.runtime.services.webhooks.runOnce();
      const statuses = async () =>
        (
          (await call(w, 'GET', `/v1/webhooks/${endpoint.id}/deliveries`)).json().items as Array<{
            status: string;
          }>
        ).map((d) => d.status);
      assert.deepEqual(await statuses(), ['pending', 'succeeded']);
      h.clock.advance(29 * 24 * 3600_000);
      assert.equal(await h.runtime.services.webhooks.purgeFinished(), 0);
      h.clock.advance(2 * 24 * 3600_000);
      assert.equal(await h.runtime.services.webhooks.purgeFinished(), 1);
      assert.deepEqual(await statuses(), ['pending']);
      const orphans = await h.runtime.database.db
        .selectFrom('webhook_attempts')
        .leftJoin('webhook_deliveries', 'webhook_deliveries.id', 'webhook_attempts.delivery_id')
        .select('webhook_attempts.delivery_id')
        .where('webhook_deliveries.id', 'is', null)
        .execute();
      assert.deepEqual(orphans, [], 'attempts go with their delivery');
    });

    it('rotates the secret: both secrets sign during the overlap, only the new one after', async () => {
      const { endpoint, secret: old } = await register(w, receiver.url, ['verification.cancelled']);
      const rotated = await call(w, 'POST', `/v1/webhooks/${endpoint.id}/rotate-secret?overlapSeconds=3600`);
      assert.equal(rotated.statusCode, 200, rotated.body);
      const { secret: fresh } = rotated.json() as { secret: string };
      assert.notEqual(fresh, old);
      receiver.secrets = [old, fresh];
      const test = await call(w, 'POST', `/v1/webhooks/${endpoint.id}/test`);
      assert.equal(test.statusCode, 202, test.body);
      await h.runtime.services.webhooks.runOnce();
      const during = receiver.received.at(-1)!;
      assert.equal(during.event.type, 'webhook.test');
      assert.equal(String(during.headers['helpdesk-auth-signature']).match(/v1=/g)?.length, 2);
      assert.equal(String(during.headers['webhook-signature']).split(' ').length, 2);
      assert.deepEqual([during.validSignatures, during.validStandardSignatures], [2, 2]);
      receiver.secrets = [old];
      h.clock.advance(3601_000);
      await call(w, 'POST', `/v1/webhooks/${endpoint.id}/test`);
      await h.runtime.services.webhooks.runOnce();
      const afterwards = receiver.received.at(-1)!;
      assert.equal(String(afterwards.headers['helpdesk-auth-signature']).match(/v1=/g)?.length, 1);
      assert.equal(afterwards.validSignatures, 0, 'the old secret no longer verifies');
      assert.equal(String(afterwards.headers['webhook-signature']).split(' ').length, 1);
      assert.equal(afterwards.validStandardSignatures, 0, 'in neither form');
      receiver.secrets = [fresh];
      const resent = (await call(w, 'GET', `/v1/webhooks/${endpoint.id}/deliveries?limit=1`)).json();
      assert.equal(resent.items[0].status, 'succeeded');
      assert.ok(resent.nextCursor, 'a second page exists');
      await call(w, 'DELETE', `/v1/webhooks/${endpoint.id}`);
    });

    it('a disabled endpoint gets nothing, and enabled again starts from then, not from a backlog', async () => {
      const { endpoint, secret } = await register(w, receiver.url, ['verification.cancelled']);
      receiver.secrets = [secret];
      const { customerId } = await customerWithDevice(w);
      const off = await call(w, 'PATCH', `/v1/webhooks/${endpoint.id}`, { enabled: false });
      assert.equal(off.json().enabled, false);
      const missed = await startVerification(w, customerId);
      await call(w, 'POST', `/v1/verifications/${missed.id}/cancel`);
      await h.runtime.services.webhooks.runOnce();
      assert.equal(receiver.received.length, 0);
      await call(w, 'PATCH', `/v1/webhooks/${endpoint.id}`, { enabled: true });
      const seen = await startVerification(w, customerId);
      await call(w, 'POST', `/v1/verifications/${seen.id}/cancel`);
      await h.runtime.services.webhooks.runOnce();
      assert.deepEqual(
        receiver.received.map((r) => r.event.data.verificationId),
        [seen.id],
      );
      await call(w, 'DELETE', `/v1/webhooks/${endpoint.id}`);
    });

    it("never sends one tenant's events to another tenant's endpoint, nor shows its endpoints", async () => {
      const other = await world(h, 'hooks-other');
      const { endpoint } = await register(w, receiver.url, ['verification.cancelled', 'device.enrolled']);
      const { customerId } = await customerWithDevice(other);
      const v = await startVerification(other, customerId);
      await call(other, 'POST', `/v1/verifications/${v.id}/cancel`);
      await h.runtime.services.webhooks.runOnce();
      assert.deepEqual(receiver.received, []);
      for (const [method, url] of [
        ['GET', `/v1/webhooks/${endpoint.id}`],
        ['PATCH', `/v1/webhooks/${endpoint.id}`],
        ['POST', `/v1/webhooks/${endpoint.id}/test`],
        ['GET', `/v1/webhooks/${endpoint.id}/deliveries`],
        ['DELETE', `/v1/webhooks/${endpoint.id}`],
      ] as const) {
        const response = await call(other, method, url, method === 'PATCH' ? { enabled: false } : undefined);
        assert.equal(response.statusCode, 404, `${method} ${url}: ${response.body}`);
      }
      assert.deepEqual((await call(other, 'GET', '/v1/webhooks')).json().items, []);
      await call(w, 'DELETE', `/v1/webhooks/${endpoint.id}`);
    });

    it('needs webhooks:read to read and webhooks:write to change; auditors read, agents neither', async () => {
      const clients: Record<string, OperatorClient> = {};
      for (const role of ['agent', 'supervisor', 'auditor'] as const) {
        const operator = await h.createOperator(w.tenant, role);
        clients[role] = await h.signIn(w.tenant, operator.email);
      }
      const as = (client: OperatorClient, method: 'GET' | 'POST', url: string, payload?: object) =>
        h.app.inject({ method, url, ...client.auth(), ...(payload ? { payload } : {}) });
      const body = { url: receiver.url, events: ['device.enrolled'] };
      assert.equal((await as(clients.agent!, 'GET', '/v1/webhooks')).statusCode, 403);
      assert.equal((await as(clients.supervisor!, 'POST', '/v1/webhooks', body)).statusCode, 403);
      assert.equal((await as(clients.auditor!, 'GET', '/v1/webhooks')).statusCode, 200);
      assert.equal((await as(clients.auditor!, 'POST', '/v1/webhooks', body)).statusCode, 403);
      const key = await h.createApiKey(w.tenant, ['webhooks:read']);
      const byKey = await h.app.inject({
        method: 'POST',
        url: '/v1/webhooks',
        headers: { authorization: `Bearer ${key}` },
        payload: body,
      });
      assert.equal(byKey.statusCode, 403);
    });
  });
}

describe('webhook URLs (server-side request forgery)', () => {
  let h: TestHarness;
  let w: World;
  before(async () => {
    h = await startTestHarness('sqlite');
    w = await world(h, 'ssrf');
  });
  after(async () => h?.close());

  it('refuses plain http, credentials, and private, link-local, loopback or reserved addresses', async () => {
    for (const url of [
      'http://hooks.example.com/x',
      'ftp://hooks.example.com/x',
      'https://user:pass@hooks.example.com/x',
      'https://hooks.example.com/x#frag',
      'https://10.0.0.7/x',
      'https://172.20.1.1/x',
      'https://192.168.1.10/x',
      'https://169.254.169.254/latest/meta-data',
      'https://100.64.0.1/x',
      'https://[fd00::1]/x',
      'https://[fe80::1]/x',
      'https://[::ffff:10.0.0.1]/x',
      'https://0.0.0.0/x',
      'https://127.0.0.1/x',
      'http://localhost:8080/x',
      'https://[::1]/x',
      'https://hooks.localhost/x',
    ]) {
      const response = await call(w, 'POST', '/v1/webhooks', { url, events: ['device.enrolled'] });
      assert.equal(response.statusCode, 400, `${url}: ${response.body}`);
      assert.equal(response.json().error.code, 'WEBHOOK_URL_REFUSED', url);
    }
    const garbage = await call(w, 'POST', '/v1/webhooks', { url: 'not a url', events: ['device.enrolled'] });
    assert.equal(garbage.json().error.code, 'VALIDATION_FAILED');
    const good = await call(w, 'POST', '/v1/webhooks', {
      url: 'https://hooks.example.com/helpdesk',
      events: ['device.enrolled'],
    });
    assert.equal(good.statusCode, 201, good.body);
    const changed = await call(w, 'PATCH', `/v1/webhooks/${good.json().endpoint.id}`, {
      url: 'https://192.168.0.1/x',
    });
    assert.equal(changed.json().error.code, 'WEBHOOK_URL_REFUSED');
  });
});

describe('webhook sender at connection time', () => {
  it('refuses a name that resolves to a loopback address, follows no redirect, and gives up on a hanging receiver', async () => {
    const { createHttpWebhookSender } = await import('../../providers/webhook-sender.ts');
    const receiver = await startWebhookReceiver();
    const target = await startWebhookReceiver();
    try {
      const strict = createHttpWebhookSender({
        timeoutMs: 2000,
        allowLoopback: false,
        allowPrivateNetworks: false,
      });
      const request = { headers: {}, body: '{}' };
      // A name, checked at connection time (as after a DNS rebinding): nothing reaches the receiver.
      const named = await strict.send({ ...request, url: `http://localhost:${receiver.port}/hooks` });
      assert.equal(named.outcome, 'failed');
      assert.equal(named.outcome === 'failed' && named.reason, 'address not allowed');
      const literal = await strict.send({ ...request, url: receiver.url });
      assert.equal(literal.outcome === 'failed' && literal.reason, 'address not allowed');
      assert.equal(receiver.received.length, 0);

      const local = createHttpWebhookSender({
        timeoutMs: 300,
        allowLoopback: true,
        allowPrivateNetworks: false,
      });
      receiver.respondWith = { status: 302, location: target.url };
      const redirected = await local.send({ ...request, url: receiver.url });
      assert.deepEqual(redirected.outcome === 'failed' && [redirected.status, redirected.reason], [
        302,
        'redirect 302 not followed',
      ]);
      assert.equal(target.received.length, 0, 'the redirect target is never called');

      receiver.respondWith = 'hang';
      const hung = await local.send({ ...request, url: receiver.url });
      assert.equal(hung.outcome === 'failed' && hung.reason, 'timeout after 300 ms');
    } finally {
      await receiver.close();
      await target.close();
    }
  });
});

for (const kind of databaseKinds) {
  describe(`webhook outbox across restarts and processes on ${kind}`, {
    skip: kind === 'postgres' ? await postgresSkip() : false,
  }, () => {
    let shared: TestDatabase;
    let receiver: WebhookReceiver;
    const encryptionKey = Buffer.alloc(32, 7).toString('base64');

    before(async () => {
      shared = await createTestDatabase(kind);
      receiver = await startWebhookReceiver();
    });
    after(async () => {
      await receiver?.close();
      await shared?.cleanup();
    });

    const open = () => startTestHarness(kind, { ...settings, ...shared.config, encryptionKey });

    it('loses nothing when the server stops before dispatching or delivering, and sends each event once', async () => {
      const first = await open();
      const w = await world(first, 'restart');
      const { secret } = await register(w, receiver.url, ['verification.started', 'verification.cancelled']);
      receiver.secrets = [secret];
      const { customerId } = await customerWithDevice(w);
      const a = await startVerification(w, customerId);
      // Dispatched but not delivered: the delivery rows wait in the database.
      await first.runtime.services.webhooks.dispatch();
      await call(w, 'POST', `/v1/verifications/${a.id}/cancel`);
      // Not even dispatched: only the audit entry records it.
      await first.close();

      const second = await open();
      await second.runtime.services.webhooks.runOnce();
      // Deliveries go out several at a time, so arrival order is not promised (the receivers'
      // guide says so): compare the set.
      assert.deepEqual(
        receiver.received.map((r) => [r.event.type, r.event.data.verificationId, r.validSignatures]).sort(),
        [
          ['verification.cancelled', a.id, 1],
          ['verification.started', a.id, 1],
        ],
      );
      await second.runtime.services.webhooks.runOnce();
      assert.equal(receiver.received.length, 2);
      await second.close();
    });

    it('a process that stalls mid-delivery loses its lease; another delivers, and the stalled one records nothing', async () => {
      receiver.received.length = 0;
      const h = await startTestHarness(kind, {
        ...settings,
        ...shared.config,
        encryptionKey,
        webhookTimeoutMs: 30_000,
      });
      try {
        const w = await world(h, 'stall');
        const { endpoint, secret } = await register(w, receiver.url, ['device.enrolled']);
        receiver.secrets = [secret];
        await call(w, 'POST', `/v1/webhooks/${endpoint.id}/test`);
        const stalled = h.runtime.services.webhooks;
        const other = createWebhookService(h.runtime.services.context);
        receiver.respondWith = 'hang';
        const first = stalled.deliverDue();
        for (let i = 0; i < 200 && receiver.received.length === 0; i++)
          await new Promise((r) => setTimeout(r, 10));
        assert.equal(receiver.received.length, 1, 'the first attempt reached the receiver');
        // Within the lease nobody else may send it.
        assert.equal(await other.deliverDue(), 0);
        h.clock.advance(30_000 + 60_000 + 1);
        receiver.respondWith = 200;
        assert.equal(await other.deliverDue(), 1);
        // The stalled process comes back: its connection breaks, and it finds its lease gone.
        await receiver.stop();
        await receiver.start();
        await first;
        const [delivery] = (await call(w, 'GET', `/v1/webhooks/${endpoint.id}/deliveries`)).json()
          .items as Array<{
          status: string;
          attempts: Array<{ outcome: string }>;
        }>;
        assert.equal(delivery!.status, 'succeeded');
        assert.deepEqual(
          delivery!.attempts.map((a) => a.outcome),
          ['succeeded'],
        );
        assert.equal(receiver.received.length, 2);
      } finally {
        await h.close();
      }
    });

    // SQLite serves one process (docs/architecture.md); there, two dispatchers share its connection.
    it('two server processes (on SQLite: two dispatchers) working at once deliver every event exactly once', async () => {
      receiver.received.length = 0;
      const one = await open();
      const two =
        kind === 'postgres'
          ? await open()
          : {
              runtime: { services: { webhooks: createWebhookService(one.runtime.services.context) } },
              close: async () => {},
            };
      assert.notEqual(one.runtime.services.webhooks.workerId, two.runtime.services.webhooks.workerId);
      try {
        const w = await world(one, 'pair');
        const { secret } = await register(w, receiver.url, [
          'verification.started',
          'verification.cancelled',
        ]);
        receiver.secrets = [secret];
        for (let c = 0; c < 2; c++) {
          const { customerId } = await customerWithDevice(w);
          for (let i = 0; i < 3; i++) await startVerification(w, customerId);
        }
        // Starting a new one cancels the customer's pending one: 6 started and 4 cancelled events.
        await Promise.all([
          one.runtime.services.webhooks.runOnce(),
          two.runtime.services.webhooks.runOnce(),
          one.runtime.services.webhooks.runOnce(),
          two.runtime.services.webhooks.runOnce(),
        ]);
        await Promise.all([one.runtime.services.webhooks.runOnce(), two.runtime.services.webhooks.runOnce()]);
        const eventIds = receiver.received.map((r) => r.event.id);
        assert.equal(eventIds.length, 10, receiver.received.map((r) => r.event.type).join(', '));
        assert.equal(new Set(eventIds).size, 10, 'no event was sent twice');
      } finally {
        await one.close();
        await two.close();
      }
    });
  });
}

// A receiver built on the `standardwebhooks` library, on the real clock so its time check applies.
for (const kind of databaseKinds) {
  describe(`Standard Webhooks receivers on ${kind}`, {
    skip: kind === 'postgres' ? await postgresSkip() : false,
  }, () => {
    let h: TestHarness;
    let w: World;
    let receiver: WebhookReceiver;

    before(async () => {
      h = await startTestHarness(kind, settings, { realClock: true });
      w = await world(h, 'standard');
      receiver = await startWebhookReceiver();
    });
    after(async () => {
      await receiver?.close();
      await h?.close();
    });

    it('the standardwebhooks library verifies a real delivery, and refuses it altered or replayed late', async () => {
      const { endpoint, secret } = await register(w, receiver.url, ['webhook.test']);
      assert.equal((await call(w, 'POST', `/v1/webhooks/${endpoint.id}/test`)).statusCode, 202);
      await h.runtime.services.webhooks.runOnce();
      const delivery = receiver.received.at(-1)!;
      const headers = delivery.headers as Record<string, string>;
      const event = new Webhook(secret).verify(delivery.body, headers) as { id: string; type: string };
      assert.deepEqual([event.type, event.id], ['webhook.test', headers['webhook-id']]);

      const refused = (body: string, changed: Record<string, string>) =>
        assert.throws(
          () => new Webhook(secret).verify(body, { ...headers, ...changed }),
          WebhookVerificationError,
        );
      refused(delivery.body.replace('webhook.test', 'webhook.tesT'), {});
      refused(delivery.body, { 'webhook-id': `${headers['webhook-id']}x` });
      refused(delivery.body, { 'webhook-timestamp': String(Number(headers['webhook-timestamp']) - 1) });
      refused(delivery.body, { 'webhook-timestamp': String(Math.floor(Date.now() / 1000) - 600) });
      const other = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
      assert.throws(() => new Webhook(other).verify(delivery.body, headers), WebhookVerificationError);
      await call(w, 'DELETE', `/v1/webhooks/${endpoint.id}`);
    });

    it('an endpoint whose secret predates the standard form signs both headers with it', async () => {
      const { endpoint } = await register(w, receiver.url, ['device.enrolled']);
      // A secret as issued before: base64url after the prefix.
      const earlier = 'whsec_3q2-7wAAAAD_____AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBk';
      await h.runtime.database.db
        .updateTable('webhook_endpoints')
        .set({
          secret_sealed: encryptSecret(h.runtime.encryptionKey, earlier, `webhook_endpoint:${endpoint.id}`),
        })
        .where('id', '=', endpoint.id)
        .execute();
      receiver.secrets = [earlier];
      await call(w, 'POST', `/v1/webhooks/${endpoint.id}/test`);
      await h.runtime.services.webhooks.runOnce();
      const delivery = receiver.received.at(-1)!;
      assert.deepEqual([delivery.validSignatures, delivery.validStandardSignatures], [1, 1]);
      // The library reads base64 keys; the receiver hands it the key's bytes.
      const key = Buffer.from(earlier.slice('whsec_'.length), 'base64url');
      const event = new Webhook(key, { format: 'raw' }).verify(
        delivery.body,
        delivery.headers as Record<string, string>,
      );
      assert.equal((event as { type: string }).type, 'webhook.test');
      await call(w, 'DELETE', `/v1/webhooks/${endpoint.id}`);
    });
  });
}
