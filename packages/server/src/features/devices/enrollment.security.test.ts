/**
 * Enrollment attacked from outside: push endpoints aimed at the server's own network (server-side
 * request forgery, at registration and again at connection time after DNS), activation codes
 * raced by a double tap or shared by many customers behind one address, an earlier activation
 * that must stop working, and the customer told about a new device.
 */
import assert from 'node:assert/strict';
import { createECDH, randomBytes } from 'node:crypto';
import type { LookupAddress } from 'node:dns';
import { Agent } from 'node:https';
import { type AddressInfo, createServer, type LookupFunction } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { defaultVerificationPolicy, type VerificationPolicy } from '@helpdesk-auth/core';
import { cliActor } from '../../platform/audit-log.ts';
import type { DatabaseKind } from '../../storage/database.ts';
import { startTestHarness, type TestHarness } from '../../test-support/harness.ts';
import { postgresSkip } from '../../test-support/postgres.ts';
import { startTestPushService, type TestPushService } from '../../test-support/stand-ins/push-service.ts';
import { createDeviceKeys, enrollTestDevice, signProof } from '../../test-support/test-device.ts';

/** Keys as a browser's subscription carries them (RFC 8291 section 3), for any endpoint. */
function subscriptionTo(endpoint: string) {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return {
    kind: 'webpush',
    subscription: {
      endpoint,
      keys: {
        p256dh: ecdh.getPublicKey().toString('base64url'),
        auth: randomBytes(16).toString('base64url'),
      },
    },
  };
}

/** A DNS that answers from a table; a name's answers are given in turn, the last one repeated. */
function tableLookup(table: Record<string, string[]>): LookupFunction {
  const asked = new Map<string, number>();
  return ((hostname: string, _options: unknown, callback: (...args: unknown[]) => void) => {
    const answers = table[hostname];
    if (!answers) {
      const error = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
      return process.nextTick(() => callback(error, []));
    }
    const n = asked.get(hostname) ?? 0;
    asked.set(hostname, n + 1);
    const address = answers[Math.min(n, answers.length - 1)]!;
    const result: LookupAddress[] = [{ address, family: address.includes(':') ? 6 : 4 }];
    process.nextTick(() => callback(null, result));
  }) as unknown as LookupFunction;
}

function enrollmentSuite(kind: DatabaseKind) {
  let h: TestHarness;
  let push: TestPushService;
  let tenantId: string;
  /** Counts every TCP connection made to it: what a port scan through push delivery would touch. */
  let probe: ReturnType<typeof createServer>;
  let probeConnections = 0;
  let probePort = 0;

  before(async () => {
    push = await startTestPushService();
    probe = createServer((socket) => {
      probeConnections += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    probePort = (probe.address() as AddressInfo).port;
    const dns = tableLookup({
      'loopback.test': ['127.0.0.1'],
      // Public when the device registers it, this machine when the server connects.
      'rebind.test': ['203.0.113.7', '127.0.0.1'],
    });
    h = await startTestHarness(
      kind,
      {},
      {
        // The same DNS in the agent itself: were the server's own check missing at connection
        // time, the socket would reach the probe below.
        pushAgent: new Agent({ ...push.agent.options, lookup: dns }),
        resolveHost: dns,
      },
    );
    tenantId = (await h.createTenant('enrol')).id;
  });
  after(async () => {
    await h?.close();
    await push?.close();
    await new Promise((resolve) => probe?.close(resolve));
  });

  const newCustomer = (phone?: string) =>
    h.runtime.services.customers.create(
      tenantId,
      { displayName: 'Erin Enrol', ...(phone ? { phone } : {}) },
      cliActor,
    );
  const activate = async (customerId: string) =>
    (await h.runtime.services.devices.createActivation(tenantId, customerId, cliActor)).code;

  /** One raw enrollment request; the answer as it is, not thrown. */
  async function enrollRaw(activationCode: string, options: { push?: unknown; remoteAddress?: string } = {}) {
    const { publicJwk, privateKey } = await createDeviceKeys();
    const url = `${new URL(h.config.publicUrl).origin}/v1/device/enroll`;
    return h.app.inject({
      method: 'POST',
      url: '/v1/device/enroll',
      remoteAddress: options.remoteAddress ?? '198.51.100.50',
      headers: {
        'device-proof': await signProof(privateKey, { jwk: publicJwk }, 'POST', url, h.clock.now()),
      },
      payload: {
        activationCode,
        label: 'Phone',
        platform: 'web',
        ...(options.push !== undefined ? { push: options.push } : {}),
      },
    });
  }

  const enrollCount = async (address: string) =>
    (
      await h.runtime.database.db
        .selectFrom('rate_limits')
        .select('count')
        .where('key', '=', `enroll:address:${address}`)
        .executeTakeFirst()
    )?.count ?? 0;

  const refusedEndpoints = [
    'https://127.0.0.1/push/a',
    'https://localhost/push/a',
    'https://10.1.2.3/push/a',
    'https://169.254.169.254/latest/meta-data',
    'https://[::1]/push/a',
    'https://[::ffff:192.168.0.1]/push/a',
    'https://loopback.test/push/a',
  ];

  it('refuses push endpoints on this machine or in private networks at enrollment, without spending the code', async () => {
    const customer = await newCustomer();
    const code = await activate(customer.id);
    const http = await enrollRaw(code, { push: subscriptionTo('http://push.example.com/a') });
    assert.equal(http.statusCode, 400, http.body);
    assert.equal(http.json().error.code, 'VALIDATION_FAILED');
    for (const endpoint of refusedEndpoints) {
      const response = await enrollRaw(code, { push: subscriptionTo(endpoint) });
      assert.equal(response.statusCode, 400, `${endpoint}: ${response.body}`);
      assert.equal(response.json().error.code, 'PUSH_ENDPOINT_REFUSED', endpoint);
    }
    assert.equal((await enrollRaw(code, { push: null })).statusCode, 201, 'the code still works');
  });

  it('refuses the same endpoints when a device replaces its subscription', async () => {
    const customer = await newCustomer();
    const device = await enrollTestDevice(h.app, {
      publicUrl: h.config.publicUrl,
      activationCode: await activate(customer.id),
      now: h.clock.now,
    });
    const patch = async (body: object) =>
      h.app.inject({
        method: 'PATCH',
        url: '/v1/device',
        headers: { 'device-proof': await device.proof('PATCH', '/v1/device') },
        payload: body,
      });
    const http = await patch({ push: subscriptionTo('http://push.example.com/a') });
    assert.equal(http.statusCode, 400);
    for (const endpoint of refusedEndpoints) {
      const response = await patch({ push: subscriptionTo(endpoint) });
      assert.equal(response.statusCode, 400, `${endpoint}: ${response.body}`);
      assert.equal(response.json().error.code, 'PUSH_ENDPOINT_REFUSED', endpoint);
    }
    const stored = await h.runtime.services.devices.get(tenantId, device.id);
    assert.equal(stored.push, null, 'nothing was stored');
  });

  it('does not connect when a registered name resolves to this machine at send time (DNS rebinding); the timeline says only that delivery failed', async () => {
    const customer = await newCustomer();
    await enrollTestDevice(h.app, {
      publicUrl: h.config.publicUrl,
      activationCode: await activate(customer.id),
      now: h.clock.now,
      push: subscriptionTo(`https://rebind.test:${probePort}/push/a`),
    });
    const apiKey = await h.createApiKey({ id: tenantId, slug: 'enrol' }, [
      'verifications:read',
      'verifications:write',
    ]);
    const started = await h.app.inject({
      method: 'POST',
      url: '/v1/verifications',
      headers: { authorization: `Bearer ${apiKey}` },
      payload: { customerId: customer.id, reason: 'Address change', agentName: 'Sam' },
    });
    assert.equal(started.statusCode, 201, started.body);
    const id = started.json().id as string;
    type Timeline = { type: string; detail: string | null }[];
    let timeline: Timeline = [];
    for (let i = 0; i < 200 && !timeline.some((e) => e.type === 'unreachable'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      const detail = await h.app.inject({
        method: 'GET',
        url: `/v1/verifications/${id}`,
        headers: { authorization: `Bearer ${apiKey}` },
      });
      timeline = detail.json().timeline as Timeline;
    }
    const unreachable = timeline.find((e) => e.type === 'unreachable');
    assert.equal(unreachable?.detail, 'push service not reachable');
    assert.equal(probeConnections, 0, 'no connection was made to this machine');
  });

  it('a double tap enrolls once; the other requests hear "already used" and do not count as wrong codes', async () => {
    const customer = await newCustomer();
    const code = await activate(customer.id);
    const address = '198.51.100.60';
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => enrollRaw(code, { remoteAddress: address })),
    );
    const statuses = answers.map((a) => a.statusCode).sort();
    assert.deepEqual(statuses, [201, 409, 409, 409, 409]);
    for (const answer of answers.filter((a) => a.statusCode === 409)) {
      assert.equal(answer.json().error.code, 'ACTIVATION_USED');
    }
    // Asked again later, the same answer: the code is right, only used.
    assert.equal((await enrollRaw(code, { remoteAddress: address })).json().error.code, 'ACTIVATION_USED');
    assert.equal(await enrollCount(address), 0, 'nothing counted against the address');
  });

  it('customers behind one address (carrier NAT) who double-tap their own right codes are never blocked', async () => {
    const address = '198.51.100.70';
    for (let i = 0; i < 15; i++) {
      const code = await activate((await newCustomer()).id);
      const pair = await Promise.all([
        enrollRaw(code, { remoteAddress: address }),
        enrollRaw(code, { remoteAddress: address }),
      ]);
      assert.deepEqual(pair.map((a) => a.statusCode).sort(), [201, 409], `customer ${i}`);
    }
    // A wrong code still counts.
    assert.equal((await enrollRaw('ZZZZ-ZZZZ-ZZZZ-ZZZZ', { remoteAddress: address })).statusCode, 401);
    assert.equal(await enrollCount(address), 1);
  });

  it('a new activation revokes the earlier unused one, in the audit log too', async () => {
    const customer = await newCustomer();
    const first = await activate(customer.id);
    const second = await activate(customer.id);
    const old = await enrollRaw(first);
    assert.equal(old.statusCode, 401);
    assert.equal(old.json().error.code, 'ACTIVATION_INVALID');
    assert.equal((await enrollRaw(second)).statusCode, 201);
    const revoked = await h.runtime.database.db
      .selectFrom('audit_events')
      .select('data')
      .where('tenant_id', '=', tenantId)
      .where('action', '=', 'device.activations_revoked')
      .where('target_id', '=', customer.id)
      .execute();
    assert.equal(revoked.length, 1);
    assert.equal((JSON.parse(revoked[0]!.data) as { activationIds: string[] }).activationIds.length, 1);
  });

  it('enrolling a second device sends a push notice to the first device, and an SMS when the policy asks', async () => {
    // The local push service listens on loopback, which push endpoints may reach only in development.
    const dev = await startTestHarness(kind, { pushAllowLoopback: true }, { pushAgent: push.agent });
    try {
      const tenant = await dev.createTenant('notice');
      const customer = await dev.runtime.services.customers.create(
        tenant.id,
        { displayName: 'Nico Notice', phone: '+447911123499' },
        cliActor,
      );
      const enroll = async (subscription: object) =>
        enrollTestDevice(dev.app, {
          publicUrl: dev.config.publicUrl,
          activationCode: (
            await dev.runtime.services.devices.createActivation(tenant.id, customer.id, cliActor)
          ).code,
          now: dev.clock.now,
          push: { kind: 'webpush', subscription },
        });
      const first = push.createSubscription();
      await enroll(first);
      const policy = structuredClone(defaultVerificationPolicy) as VerificationPolicy;
      policy.notifications.afterDeviceEnrollment = true;
      await dev.runtime.services.fallbacks.policies.replace(
        tenant.id,
        { policy, expectedVersion: 0 },
        cliActor,
      );

      const before = push.received.length;
      await enroll(push.createSubscription());
      const notices = (await push.waitForMessages(before + 1, 5000)).slice(before);
      // A moment for a second message, which must not come: the new device itself is not told.
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(push.received.length, before + 1);
      assert.equal(notices[0]!.subscriptionEndpoint, first.endpoint);
      const payload = notices[0]!.payload as { type: string; event: string; at: number };
      assert.deepEqual(payload, {
        type: 'notice',
        event: 'device_enrolled',
        at: Math.floor(dev.clock.now() / 1000),
      });

      let sms: { body: string } | undefined;
      for (let i = 0; i < 200 && !sms; i++) {
        sms = await dev.runtime.database.db
          .selectFrom('message_outbox')
          .select('body')
          .where('tenant_id', '=', tenant.id)
          .where('recipient', '=', '+447911123499')
          .executeTakeFirst();
        if (!sms) await new Promise((resolve) => setTimeout(resolve, 10));
      }
      assert.match(
        sms?.body ?? '',
        /^Tenant notice: a new device was set up to confirm your identity at .* UTC\./,
      );
    } finally {
      await dev.close();
    }
  });
}

describe('enrollment security: SQLite', () => enrollmentSuite('sqlite'));
describe('enrollment security: PostgreSQL', { skip: await postgresSkip() }, () =>
  enrollmentSuite('postgres'),
);
