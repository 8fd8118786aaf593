/**
 * Push to a bank's own apps, on each database: the tenant's admin sets its FCM service account and
 * APNs key, a customer enrolls an Android device (FCM token) and an iPhone (APNs token), an agent
 * starts a verification, and the local FCM and APNs stand-ins receive exactly the documented
 * requests; an uninstalled app's token is dropped and the agent's timeline says "unreachable".
 * Then the credential rules: validated on save, sealed at rest, never returned, audited, per
 * tenant; the token refresh that keeps the device; the test push.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { Agent } from 'node:https';
import { after, before, describe, it } from 'node:test';
import { createDeviceClient, createMemoryKeyStore } from '@helpdesk-auth/device-sdk';
import { readAuditChain } from '../../../platform/audit-log.ts';
import {
  databaseKinds,
  type OperatorClient,
  startTestHarness,
  type TestHarness,
  type TestTenant,
} from '../../../test-support/harness.ts';
import { postgresSkip } from '../../../test-support/postgres.ts';
import { startTestApnsServer, type TestApnsServer } from '../../../test-support/stand-ins/apns-server.ts';
import { startTestFcmServer, type TestFcmServer } from '../../../test-support/stand-ins/fcm-server.ts';
import { createSelfSignedCertificate } from '../../../test-support/stand-ins/push-service.ts';
import { enrollTestDevice, type TestDevice } from '../../../test-support/test-device.ts';

const system = { type: 'system', id: null } as const;

/** Lines of a PEM key's body: any of them in a stored or returned text means the key leaked (a fixed pattern such as `MII` also turns up by chance in random ciphertext). */
const keyBodyLines = (...pems: string[]): string[] =>
  pems.flatMap((pem) => pem.split('\n').filter((line) => line.length >= 40 && !line.startsWith('-----')));
const assertNoKeyIn = (text: string, pems: string[]): void => {
  assert.doesNotMatch(text, /PRIVATE KEY/);
  for (const line of keyBodyLines(...pems))
    assert.ok(!text.includes(line), 'a line of a private key appears in the text');
};

interface TimelineEvent {
  type: string;
  deviceId: string | null;
  channel: string | null;
  detail: string | null;
}

for (const kind of databaseKinds) {
  describe(`push through FCM and APNs on ${kind}`, {
    skip: kind === 'postgres' ? await postgresSkip() : false,
  }, () => {
    let h: TestHarness;
    let fcm: TestFcmServer;
    let apns: TestApnsServer;
    let tenant: TestTenant & { clients: Record<string, OperatorClient> };
    let admin: OperatorClient;
    let agent: OperatorClient;

    before(async () => {
      // One certificate for both stand-ins, which the server's push agent trusts, and nothing else does.
      const tls = createSelfSignedCertificate();
      fcm = await startTestFcmServer({ tls });
      apns = await startTestApnsServer({ tls });
      // The token URI is on loopback, which outbound push connections may reach only in development.
      h = await startTestHarness(
        kind,
        { pushAllowLoopback: true, fcmBaseUrl: fcm.origin, apnsHost: apns.host },
        { listen: true, realClock: true, pushAgent: new Agent({ ca: tls.cert }) },
      );
      tenant = await h.tenantWithOperators('bank');
      admin = tenant.clients.admin!;
      agent = tenant.clients.agent!;
    });
    after(async () => {
      await h?.close();
      await fcm?.close();
      await apns?.close();
    });

    const inject = (
      client: OperatorClient,
      method: 'GET' | 'PUT' | 'POST' | 'DELETE',
      url: string,
      payload?: unknown,
    ) =>
      h.app.inject({
        method,
        url,
        ...client.auth(),
        ...(payload === undefined ? {} : { payload: payload as object }),
      });

    async function auditOf(tenantId: string) {
      const entries = [];
      for await (const entry of readAuditChain(h.runtime.database.db, tenantId)) entries.push(entry);
      return entries;
    }

    async function setCredentials(client = admin) {
      const f = await inject(client, 'PUT', '/v1/tenant/push-credentials/fcm', {
        serviceAccountJson: fcm.serviceAccountJson,
      });
      assert.equal(f.statusCode, 200, f.body);
      const a = await inject(client, 'PUT', '/v1/tenant/push-credentials/apns', {
        teamId: apns.teamId,
        keyId: apns.keyId,
        privateKey: apns.privateKeyPem,
        bundleId: apns.bundleId,
        environment: 'production',
      });
      assert.equal(a.statusCode, 200, a.body);
    }

    async function enroll(
      tenantId: string,
      push: unknown,
    ): Promise<{ device: TestDevice; customerId: string }> {
      const customer = await h.runtime.services.customers.create(
        tenantId,
        { displayName: 'Robin Example' },
        system,
      );
      const activation = await h.runtime.services.devices.createActivation(tenantId, customer.id, system);
      const device = await enrollTestDevice(h.app, {
        publicUrl: h.config.publicUrl,
        activationCode: activation.code,
        now: () => Date.now(),
        push,
      });
      return { device, customerId: customer.id };
    }

    async function enrollSecond(tenantId: string, customerId: string, push: unknown): Promise<TestDevice> {
      const activation = await h.runtime.services.devices.createActivation(tenantId, customerId, system);
      return enrollTestDevice(h.app, {
        publicUrl: h.config.publicUrl,
        activationCode: activation.code,
        now: () => Date.now(),
        push,
      });
    }

    async function start(client: OperatorClient, customerId: string): Promise<string> {
      const started = await inject(client, 'POST', '/v1/verifications', {
        customerId,
        reason: 'Card replacement',
      });
      assert.equal(started.statusCode, 201, started.body);
      return (started.json() as { id: string }).id;
    }

    /** The timeline once `count` delivery outcomes (sent, unreachable) are on it. */
    async function outcomes(client: OperatorClient, id: string, count: number): Promise<TimelineEvent[]> {
      for (let i = 0; i < 300; i++) {
        const read = await inject(client, 'GET', `/v1/verifications/${id}`);
        const timeline = (read.json() as { timeline: TimelineEvent[] }).timeline.filter((e) =>
          ['sent', 'unreachable', 'delivered'].includes(e.type),
        );
        if (timeline.length >= count) return timeline;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.fail(`timeline of ${id} never had ${count} delivery outcomes`);
    }

    it('delivers one verification to an FCM and an APNs device exactly as documented, then marks stale tokens unreachable', async () => {
      await setCredentials();
      const fcmToken = fcm.registerToken();
      const apnsToken = apns.registerToken();
      const { device: android, customerId } = await enroll(tenant.id, { kind: 'fcm', token: fcmToken });
      const iphone = await enrollSecond(tenant.id, customerId, {
        kind: 'apns',
        token: apnsToken,
        environment: 'production',
      });

      // The second enrollment told the first device by a notice (docs/fallbacks.md); the request
      // comes after it.
      const fcmBefore = fcm.received.length;
      const apnsBefore = apns.received.length;
      const id = await start(agent, customerId);
      const startedAt = Math.floor(Date.now() / 1000);
      await outcomes(agent, id, 2);
      const forRequest = (m: { message?: unknown; payload?: unknown }) =>
        JSON.stringify(m).includes(`"type":"verification"`);
      const fcmMessages = fcm.received.slice(fcmBefore).filter(forRequest);
      const apnsMessages = apns.received.slice(apnsBefore).filter(forRequest);
      assert.equal(fcmMessages.length, 1);
      assert.equal(apnsMessages.length, 1);
      const [fcmMessage] = fcmMessages;
      const [apnsMessage] = apnsMessages;

      // FCM: a data message of identifiers, high priority, the TTL, and the alert an iOS app behind FCM needs.
      const expiration = Number(
        (fcmMessage!.message as { apns: { headers: Record<string, string> } }).apns.headers[
          'apns-expiration'
        ],
      );
      assert.ok(Math.abs(expiration - (startedAt + h.config.pushTtlSeconds)) <= 2);
      assert.deepEqual(fcmMessage!.message, {
        token: fcmToken,
        data: { type: 'verification', id },
        android: { priority: 'HIGH', ttl: `${h.config.pushTtlSeconds}s`, collapse_key: 'verification' },
        apns: {
          headers: {
            'apns-push-type': 'alert',
            'apns-priority': '10',
            'apns-expiration': String(expiration),
            'apns-collapse-id': id,
          },
          payload: {
            aps: {
              alert: { 'title-loc-key': 'HDA_VERIFICATION_TITLE', 'loc-key': 'HDA_VERIFICATION_BODY' },
              sound: 'default',
              'mutable-content': 1,
            },
            type: 'verification',
            id,
          },
        },
      });
      // APNs: the app's topic, an alert, priority 10, the TTL, collapsing on the verification.
      assert.equal(apnsMessage!.token, apnsToken);
      assert.equal(apnsMessage!.authority, apns.host);
      assert.deepEqual(apnsMessage!.headers, {
        'apns-topic': apns.bundleId,
        'apns-push-type': 'alert',
        'apns-priority': '10',
        'apns-expiration': apnsMessage!.headers['apns-expiration'],
        'apns-collapse-id': id,
      });
      assert.ok(
        Math.abs(Number(apnsMessage!.headers['apns-expiration']) - (startedAt + h.config.pushTtlSeconds)) <=
          2,
      );
      assert.deepEqual(apnsMessage!.payload, {
        aps: {
          alert: { 'title-loc-key': 'HDA_VERIFICATION_TITLE', 'loc-key': 'HDA_VERIFICATION_BODY' },
          sound: 'default',
          'mutable-content': 1,
        },
        type: 'verification',
        id,
      });
      // Nothing about the customer, the reason or the agent left for Google or Apple.
      for (const text of [JSON.stringify(fcmMessage), JSON.stringify(apnsMessage)]) {
        assert.doesNotMatch(text, /Robin|Card replacement|agent of/);
      }
      const sent = await outcomes(agent, id, 2);
      assert.deepEqual(
        sent.map((e) => [e.type, e.deviceId, e.channel]).sort(),
        [
          ['sent', android.id, 'fcm'],
          ['sent', iphone.id, 'apns'],
        ].sort(),
      );

      // The customer uninstalls both apps: FCM says UNREGISTERED, APNs says Unregistered.
      fcm.unregister(fcmToken);
      apns.unregister(apnsToken);
      const second = await start(agent, customerId);
      const unreachable = await outcomes(agent, second, 2);
      assert.deepEqual(
        unreachable.map((e) => [e.type, e.deviceId, e.channel, e.detail]).sort(),
        [
          ['unreachable', android.id, 'fcm', 'subscription gone'],
          ['unreachable', iphone.id, 'apns', 'subscription gone'],
        ].sort(),
      );
      for (const device of [android, iphone]) {
        const read = await inject(agent, 'GET', `/v1/devices/${device.id}`);
        assert.equal((read.json() as { push: string | null }).push, null, 'the gone channel is dropped');
      }
      // A third request does not knock on the vendors' doors again.
      const attemptsBefore = fcm.attempts.length + apns.attempts.length;
      const third = await start(agent, customerId);
      const none = await outcomes(agent, third, 2);
      assert.ok(none.every((e) => e.type === 'unreachable' && e.detail === 'no open channel'));
      assert.equal(fcm.attempts.length + apns.attempts.length, attemptsBefore);
    });

    it("puts the vendors' other refusals on the agent's timeline in their words and keeps the channel; retries 5xx after Retry-After", async () => {
      await setCredentials();
      // Two customers, so no enrollment notice to the other device takes a queued answer.
      const { device: android, customerId: androidOwner } = await enroll(tenant.id, {
        kind: 'fcm',
        token: fcm.registerToken(),
      });
      const { device: iphone, customerId: iphoneOwner } = await enroll(tenant.id, {
        kind: 'apns',
        token: apns.registerToken(),
        environment: 'production',
      });

      // Refusals for good: Google's INVALID_ARGUMENT, Apple's DeviceTokenNotForTopic (an app of
      // another bundle id). Neither is retried, and neither means the app is gone.
      const fcmAttempts = fcm.attempts.length;
      const apnsAttempts = apns.attempts.length;
      fcm.failNext(1, { status: 400, errorStatus: 'INVALID_ARGUMENT' });
      const refusedOnAndroid = await start(agent, androidOwner);
      const [fcmOutcome] = await outcomes(agent, refusedOnAndroid, 1);
      apns.failNext(1, { status: 400, reason: 'DeviceTokenNotForTopic' });
      const refusedOnIphone = await start(agent, iphoneOwner);
      const [apnsOutcome] = await outcomes(agent, refusedOnIphone, 1);
      assert.deepEqual(
        [fcmOutcome, apnsOutcome].map((e) => [e!.type, e!.deviceId, e!.channel, e!.detail]),
        [
          ['unreachable', android.id, 'fcm', 'FCM rejected the message (INVALID_ARGUMENT, 400)'],
          ['unreachable', iphone.id, 'apns', 'APNs refused the notification (DeviceTokenNotForTopic, 400)'],
        ],
      );
      assert.equal(fcm.attempts.length, fcmAttempts + 1, 'a 400 is not retried');
      assert.equal(apns.attempts.length, apnsAttempts + 1, 'a 400 is not retried');
      for (const [device, channel] of [
        [android, 'fcm'],
        [iphone, 'apns'],
      ] as const) {
        const read = await inject(agent, 'GET', `/v1/devices/${device.id}`);
        assert.equal((read.json() as { push: string | null }).push, channel, 'the channel is kept');
      }

      // Busy vendors: one 503 each, with Retry-After; the second attempt gets through.
      fcm.failNext(1, { status: 503, errorStatus: 'UNAVAILABLE', retryAfter: '1' });
      const retriedOnAndroid = await start(agent, androidOwner);
      apns.failNext(1, { status: 503, reason: 'ServiceUnavailable', retryAfter: '1' });
      const retriedOnIphone = await start(agent, iphoneOwner);
      const retried = [
        ...(await outcomes(agent, retriedOnAndroid, 1)),
        ...(await outcomes(agent, retriedOnIphone, 1)),
      ];
      assert.deepEqual(
        retried.map((e) => [e.type, e.channel]),
        [
          ['sent', 'fcm'],
          ['sent', 'apns'],
        ],
      );
      assert.deepEqual(
        fcm.attempts.slice(fcmAttempts + 1).map((a) => a.status),
        [503, 200],
      );
      assert.deepEqual(
        apns.attempts.slice(apnsAttempts + 1).map((a) => a.status),
        [503, 200],
      );
    });

    it('keeps the device when the app reports a new token (PATCH /v1/device), and its test push uses the new one', async () => {
      await setCredentials();
      const { device } = await enroll(tenant.id, { kind: 'fcm', token: fcm.registerToken() });
      const fresh = fcm.registerToken();
      const patched = await h.app.inject({
        method: 'PATCH',
        url: '/v1/device',
        headers: { 'device-proof': await device.proof('PATCH', '/v1/device') },
        payload: { push: { kind: 'fcm', token: fresh } },
      });
      assert.equal(patched.statusCode, 200, patched.body);
      assert.equal((patched.json() as { device: { id: string; push: string } }).device.id, device.id);

      // The app moves to APNs (sandbox build): same device, same key, new channel.
      const apnsToken = apns.registerToken();
      const moved = await h.app.inject({
        method: 'PATCH',
        url: '/v1/device',
        headers: { 'device-proof': await device.proof('PATCH', '/v1/device') },
        payload: { push: { kind: 'apns', token: apnsToken, environment: 'sandbox' } },
      });
      assert.equal(moved.statusCode, 200, moved.body);
      assert.equal((moved.json() as { device: { push: string } }).device.push, 'apns');

      const before = apns.received.length;
      const tested = await inject(admin, 'POST', `/v1/devices/${device.id}/test-push`);
      assert.equal(tested.statusCode, 200, tested.body);
      assert.deepEqual(tested.json(), { outcome: 'accepted', channel: 'apns', status: 200, detail: null });
      const got = apns.received.slice(before);
      assert.equal(got.length, 1);
      assert.equal(got[0]!.token, apnsToken);
      assert.equal((got[0]!.payload as { type: string }).type, 'test');
      assert.equal(got[0]!.headers['apns-collapse-id'], 'test');

      // Agents may not send test pushes (devices:write), and it is audited with its outcome.
      const forbidden = await inject(tenant.clients.auditor!, 'POST', `/v1/devices/${device.id}/test-push`);
      assert.equal(forbidden.statusCode, 403);
      const chain = await auditOf(tenant.id);
      const entry = chain.find((e) => e.action === 'device.test_push_sent' && e.targetId === device.id);
      assert.ok(entry, 'test push audited');
      assert.deepEqual(JSON.parse(entry.data), { channel: 'apns', outcome: 'accepted', status: 200 });
    });

    it('the device SDK enrolls an iPhone with its APNs token and moves it to FCM, keeping the device', async () => {
      await setCredentials();
      const customer = await h.runtime.services.customers.create(tenant.id, { displayName: 'Kim' }, system);
      const activation = await h.runtime.services.devices.createActivation(tenant.id, customer.id, system);
      const client = createDeviceClient({ store: createMemoryKeyStore(), baseUrl: h.baseUrl });
      const apnsToken = apns.registerToken();
      const state = await client.enroll(activation.link, {
        label: "Kim's iPhone",
        platform: 'ios',
        push: { kind: 'apns', token: apnsToken, environment: 'sandbox' },
      });
      assert.equal((await client.device()).push, 'apns');
      const before = apns.received.length;
      await start(agent, customer.id);
      const [got] = (await apns.waitForMessages(before + 1)).slice(before);
      assert.equal(got!.token, apnsToken);
      const moved = await client.updatePush({ kind: 'fcm', token: fcm.registerToken() });
      assert.equal(moved.id, state.deviceId);
      assert.equal(moved.push, 'fcm');
      assert.equal((await client.state())?.deviceId, state.deviceId);
    });

    it('refuses tokens the vendors could never accept, at enrollment and on PATCH', async () => {
      const customer = await h.runtime.services.customers.create(tenant.id, { displayName: 'Sam' }, system);
      for (const push of [
        { kind: 'fcm', token: 'short' },
        { kind: 'fcm', token: 'has spaces in it, which FCM tokens never do' },
        { kind: 'apns', token: 'zz'.repeat(32) },
        // Hex of an odd length is no byte string: past the schema, refused as PUSH_TOKEN_INVALID.
        { kind: 'apns', token: `${'ab'.repeat(32)}c` },
        { kind: 'apns', token: 'ab'.repeat(32), environment: 'staging' },
        { kind: 'apns', token: 'ab'.repeat(32), extra: true },
        { kind: 'sms', token: 'ab'.repeat(32) },
      ]) {
        const activation = await h.runtime.services.devices.createActivation(tenant.id, customer.id, system);
        await assert.rejects(
          enrollTestDevice(h.app, {
            publicUrl: h.config.publicUrl,
            activationCode: activation.code,
            now: () => Date.now(),
            push,
          }),
          /enroll failed: 400/,
          JSON.stringify(push),
        );
      }
    });

    it('validates credentials on save with typed codes, and never returns or stores the keys in the clear', async () => {
      const withTokenUri = (uri: string) =>
        JSON.stringify({ ...(JSON.parse(fcm.serviceAccountJson) as object), token_uri: uri });
      const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
        type: 'pkcs8',
        format: 'pem',
      }) as string;
      const cases: Array<[string, unknown, string]> = [
        [
          '/v1/tenant/push-credentials/fcm',
          { serviceAccountJson: '{"type":"service_account"' },
          'PUSH_CREDENTIALS_INVALID',
        ],
        [
          '/v1/tenant/push-credentials/fcm',
          {
            serviceAccountJson: JSON.stringify({
              ...JSON.parse(fcm.serviceAccountJson),
              private_key: rsa.replace('MII', 'XXX'),
            }),
          },
          'PUSH_CREDENTIALS_INVALID',
        ],
        [
          '/v1/tenant/push-credentials/fcm',
          { serviceAccountJson: fcm.serviceAccountJson, extra: 1 },
          'VALIDATION_FAILED',
        ],
        // A token URI into a private network would make the server POST there (request forgery).
        [
          '/v1/tenant/push-credentials/fcm',
          { serviceAccountJson: withTokenUri('https://10.1.2.3/token') },
          'PUSH_CREDENTIALS_INVALID',
        ],
        [
          '/v1/tenant/push-credentials/fcm',
          { serviceAccountJson: withTokenUri('https://[fd00::1]/token') },
          'PUSH_CREDENTIALS_INVALID',
        ],
        [
          '/v1/tenant/push-credentials/apns',
          {
            teamId: apns.teamId,
            keyId: apns.keyId,
            privateKey: rsa,
            bundleId: apns.bundleId,
            environment: 'production',
          },
          'PUSH_CREDENTIALS_INVALID',
        ],
        [
          '/v1/tenant/push-credentials/apns',
          {
            teamId: 'short',
            keyId: apns.keyId,
            privateKey: apns.privateKeyPem,
            bundleId: apns.bundleId,
            environment: 'production',
          },
          'VALIDATION_FAILED',
        ],
        [
          '/v1/tenant/push-credentials/apns',
          {
            teamId: apns.teamId,
            keyId: apns.keyId,
            privateKey: apns.privateKeyPem,
            bundleId: apns.bundleId,
            environment: 'staging',
          },
          'VALIDATION_FAILED',
        ],
      ];
      for (const [url, payload, code] of cases) {
        const answer = await inject(admin, 'PUT', url, payload);
        assert.equal(answer.statusCode, 400, `${url} ${answer.body}`);
        assert.equal((answer.json() as { error: { code: string } }).error.code, code);
        assertNoKeyIn(answer.body, [
          rsa,
          apns.privateKeyPem,
          (JSON.parse(fcm.serviceAccountJson) as { private_key: string }).private_key,
        ]);
      }
      // Only admins change them; supervisors and agents cannot even read them.
      const byAgent = await inject(agent, 'PUT', '/v1/tenant/push-credentials/fcm', {
        serviceAccountJson: fcm.serviceAccountJson,
      });
      assert.equal(byAgent.statusCode, 403);

      await setCredentials();
      const read = await inject(admin, 'GET', '/v1/tenant/push-credentials');
      assert.equal(read.statusCode, 200);
      const body = read.json() as { fcm: Record<string, string>; apns: Record<string, string> };
      const account = JSON.parse(fcm.serviceAccountJson) as Record<string, string>;
      assert.deepEqual(Object.keys(body.fcm).sort(), [
        'clientEmail',
        'privateKeyId',
        'projectId',
        'updatedAt',
      ]);
      assert.equal(body.fcm.projectId, fcm.projectId);
      assert.equal(body.fcm.clientEmail, fcm.clientEmail);
      assert.equal(body.fcm.privateKeyId, account.private_key_id);
      assert.deepEqual(body.apns, {
        ...body.apns,
        teamId: apns.teamId,
        keyId: apns.keyId,
        bundleId: apns.bundleId,
        environment: 'production',
      });
      assert.doesNotMatch(read.body, /PRIVATE KEY/);

      const rows = await h.runtime.database.db
        .selectFrom('push_credentials')
        .selectAll()
        .where('tenant_id', '=', tenant.id)
        .execute();
      assert.equal(rows.length, 2);
      for (const row of rows) {
        assert.match(row.secret_sealed, /^v1\./);
        assertNoKeyIn(`${row.identity}${row.secret_sealed}`, [
          apns.privateKeyPem,
          account.private_key ?? assert.fail('the service account has no key'),
        ]);
      }
      const chain = await auditOf(tenant.id);
      const set = chain.filter((e) => e.action === 'tenant.push_credentials_set');
      assert.ok(set.length >= 2);
      for (const entry of set) assert.doesNotMatch(entry.data, /PRIVATE KEY|private_key"/);
    });

    it('saves credentials sent at once without a conflict, leaving one row per kind and every save audited', async () => {
      const fresh = await h.tenantWithOperators('parallel-bank');
      const answers = await Promise.all(
        Array.from({ length: 6 }, () =>
          inject(fresh.clients.admin!, 'PUT', '/v1/tenant/push-credentials/fcm', {
            serviceAccountJson: fcm.serviceAccountJson,
          }),
        ),
      );
      for (const answer of answers) assert.equal(answer.statusCode, 200, answer.body);
      const rows = await h.runtime.database.db
        .selectFrom('push_credentials')
        .select('kind')
        .where('tenant_id', '=', fresh.id)
        .execute();
      assert.deepEqual(rows, [{ kind: 'fcm' }]);
      const audited = (await auditOf(fresh.id)).filter((e) => e.action === 'tenant.push_credentials_set');
      assert.equal(audited.length, 6);
    });

    it('uses each tenant its own credentials only: a tenant without them cannot reach its app devices', async () => {
      await setCredentials();
      const other = await h.tenantWithOperators('credit-union');
      const read = await inject(other.clients.admin!, 'GET', '/v1/tenant/push-credentials');
      assert.deepEqual(read.json(), { fcm: null, apns: null });
      const fcmToken = fcm.registerToken();
      const { customerId } = await enroll(other.id, { kind: 'fcm', token: fcmToken });
      await enrollSecond(other.id, customerId, { kind: 'apns', token: apns.registerToken() });
      const id = await start(other.clients.agent!, customerId);
      const timeline = await outcomes(other.clients.agent!, id, 2);
      assert.deepEqual(timeline.map((e) => [e.type, e.channel, e.detail]).sort(), [
        ['unreachable', 'apns', 'no APNs credentials for this tenant'],
        ['unreachable', 'fcm', 'no FCM credentials for this tenant'],
      ]);
      assert.ok(!fcm.received.some((r) => (r.message as { token: string }).token === fcmToken));

      // The first tenant removes its APNs key: its iPhones become unreachable, with the reason.
      const removed = await inject(admin, 'DELETE', '/v1/tenant/push-credentials/apns');
      assert.equal(removed.statusCode, 204);
      const again = await inject(admin, 'DELETE', '/v1/tenant/push-credentials/apns');
      assert.equal(again.statusCode, 404);
      const { device: iphone } = await enroll(tenant.id, {
        kind: 'apns',
        token: apns.registerToken(),
        environment: 'production',
      });
      const tested = await inject(admin, 'POST', `/v1/devices/${iphone.id}/test-push`);
      assert.deepEqual(tested.json(), {
        outcome: 'failed',
        channel: 'apns',
        status: null,
        detail: 'no APNs credentials for this tenant',
      });
      // A device of another tenant is not found.
      const cross = await inject(other.clients.admin!, 'POST', `/v1/devices/${iphone.id}/test-push`);
      assert.equal(cross.statusCode, 404);
    });
  });
}
