/**
 * A phone whose clock is minutes off, on each database: the device SDK learns the server's time
 * from the answers' Date header and signs again once (docs/device-protocol.md, "Clocks"), so it
 * enrolls, reads a request as still open and approves it; a clock the answers cannot explain is
 * refused after one second try.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  createDeviceClient,
  createMemoryKeyStore,
  type DeviceClient,
  type DeviceKeyStore,
  DeviceSdkError,
} from '@helpdesk-auth/device-sdk';
import { databaseKinds, startTestHarness, type TestHarness } from '../../test-support/harness.ts';
import { postgresSkip } from '../../test-support/postgres.ts';
import {
  createSoftAuthenticator,
  type SoftCredentialRequests,
  softCredentialsContainer,
} from '../../test-support/soft-authenticator.ts';

const system = { type: 'system', id: null } as const;
const minute = 60_000;

/** What the device sent and how the server answered, in order. */
type Exchange = { method: string; path: string; status: number };

function recordingFetch(log: Exchange[], rewrite?: (response: Response) => Response): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    log.push({
      method: init?.method ?? 'GET',
      path: new URL(String(input)).pathname,
      status: response.status,
    });
    return rewrite ? rewrite(response) : response;
  };
}

for (const kind of databaseKinds) {
  describe(`device SDK with a clock that is off, on ${kind}`, {
    skip: kind === 'postgres' ? await postgresSkip() : false,
  }, () => {
    let h: TestHarness;
    let tenantId: string;
    let apiKey: string;

    before(async () => {
      // The test clock is the server's: its proofs' window and its Date header.
      h = await startTestHarness(kind, {}, { listen: true });
      const tenant = await h.createTenant('skewed');
      tenantId = tenant.id;
      apiKey = await h.createApiKey(tenant, ['verifications:read', 'verifications:write']);
    });
    after(async () => h?.close());

    async function activationLink(): Promise<string> {
      const customer = await h.runtime.services.customers.create(tenantId, { displayName: 'Dana' }, system);
      return (await h.runtime.services.devices.createActivation(tenantId, customer.id, system)).link;
    }

    async function startVerification(deviceClient: DeviceClient): Promise<string> {
      const state = await deviceClient.state();
      const device = await deviceClient.device();
      assert.ok(state && device);
      const record = await h.runtime.services.devices.get(tenantId, state.deviceId);
      const response = await fetch(`${h.baseUrl}/v1/verifications`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ customerId: record.customerId, reason: 'Card replacement' }),
      });
      const body = (await response.json()) as { id: string; code: string };
      assert.equal(response.status, 201, JSON.stringify(body));
      return body.id;
    }

    async function codeOf(id: string): Promise<string> {
      const response = await fetch(`${h.baseUrl}/v1/verifications/${id}`, {
        headers: { authorization: `Bearer ${apiKey}` },
      });
      return ((await response.json()) as { code: string }).code;
    }

    for (const [label, skew] of [
      ['five minutes fast', 5 * minute],
      ['five minutes slow', -5 * minute],
    ] as const) {
      it(`a phone ${label} enrolls, sees the request open and approves it`, async () => {
        const log: Exchange[] = [];
        const store = createMemoryKeyStore();
        const phone = createDeviceClient({
          store,
          now: () => h.clock.now() + skew,
          fetch: recordingFetch(log),
        });
        await phone.enroll(await activationLink(), { label: 'Phone', platform: 'android' });
        // The first proof carried the phone's time and was refused; the answer's Date corrected it.
        assert.deepEqual(
          log.map((e) => [e.path, e.status]),
          [
            ['/v1/device/enroll', 401],
            ['/v1/device/enroll', 201],
          ],
        );
        assert.ok(Math.abs(phone.serverTime() - h.clock.now()) <= 1000, 'the SDK keeps the server time');

        const id = await startVerification(phone);
        log.length = 0;
        const request = await phone.fetchRequest(id);
        assert.equal(request.status, 'pending');
        assert.ok(
          request.expiresAt.getTime() > phone.serverTime(),
          'open by the server time, whatever the phone shows',
        );
        const outcome = await phone.decide(request, { decision: 'approve', code: await codeOf(id) });
        assert.deepEqual(outcome, { id, status: 'approved' });
        assert.deepEqual(
          log.map((e) => e.status),
          [200, 200],
          'once learnt, nothing is signed twice',
        );

        // A new client of the same phone (the app restarted) decides first thing: the decision
        // is refused once for its iat and sent again as a new decision.
        const second = await startVerification(phone);
        const shown = await phone.fetchRequest(second);
        const restartedLog: Exchange[] = [];
        const restarted = createDeviceClient({
          store,
          now: () => h.clock.now() + skew,
          fetch: recordingFetch(restartedLog),
        });
        const decided = await restarted.decide(shown, { decision: 'deny' });
        assert.deepEqual(decided, { id: second, status: 'denied' });
        assert.deepEqual(
          restartedLog.map((e) => e.status),
          [401, 200],
        );
      });
    }

    it('does not ask for biometrics twice: a refused assertion stands, the next decision has the server time', async () => {
      const store = createMemoryKeyStore();
      const skew = 5 * minute;
      const phone = createDeviceClient({ store, now: () => h.clock.now() + skew });
      await phone.enroll(await activationLink(), { label: 'Phone', platform: 'web' });
      const url = new URL(h.config.publicUrl);
      const authenticator = createSoftAuthenticator({
        origin: url.origin,
        rpId: url.hostname,
        userVerification: true,
      });
      const seen: SoftCredentialRequests = { create: [], get: [] };
      await phone.registerWebAuthn(softCredentialsContainer(authenticator, seen));
      const id = await startVerification(phone);
      const request = await phone.fetchRequest(id);
      const code = await codeOf(id);

      // The app restarted: its first answer is the refusal of an assertion signed with the phone's time.
      const restartedLog: Exchange[] = [];
      const restarted = createDeviceClient({
        store,
        now: () => h.clock.now() + skew,
        fetch: recordingFetch(restartedLog),
      });
      const credentials = softCredentialsContainer(authenticator, seen);
      await assert.rejects(
        restarted.decide(request, { decision: 'approve', code, credentials }),
        (error: unknown) => {
          assert.ok(error instanceof DeviceSdkError);
          assert.equal(error.code, 'DEVICE_PROOF_INVALID');
          return true;
        },
      );
      assert.equal(seen.get.length, 1, 'the customer was asked once');
      assert.deepEqual(
        restartedLog.map((e) => e.status),
        [401],
      );
      // The customer tries again: the same client now signs with the server's time.
      const outcome = await restarted.decide(request, { decision: 'approve', code, credentials });
      assert.deepEqual(outcome, { id, status: 'approved' });
      assert.equal(seen.get.length, 2);
    });

    it('signs again only once, and only when the answer moved the clock', async () => {
      const store: DeviceKeyStore = createMemoryKeyStore();
      const good = createDeviceClient({ store, now: h.clock.now });
      await good.enroll(await activationLink(), { label: 'Phone', platform: 'android' });

      // Answers whose Date keeps moving (a clock the server's answers cannot explain): one more
      // try after the first refusal, then the refusal stands.
      let shift = 0;
      const log: Exchange[] = [];
      const drifting = createDeviceClient({
        store,
        now: () => h.clock.now() + 10 * minute,
        fetch: recordingFetch(log, (response) => {
          shift += 10 * minute;
          const headers = new Headers(response.headers);
          headers.set('date', new Date(h.clock.now() + 10 * minute + shift).toUTCString());
          return new Response(response.body, { status: response.status, headers });
        }),
      });
      await assert.rejects(drifting.device(), (error: unknown) => {
        assert.ok(error instanceof DeviceSdkError);
        assert.equal(error.code, 'DEVICE_PROOF_INVALID');
        return true;
      });
      assert.deepEqual(
        log.map((e) => [e.path, e.status]),
        [
          ['/v1/device', 401],
          ['/v1/device', 401],
        ],
      );

      // A refusal that is not about time is never signed again, even when the answer moved the
      // clock: the revoked device's proof is right, its answer is DEVICE_REVOKED, once.
      const state = await good.state();
      assert.ok(state);
      await h.runtime.services.devices.revoke(tenantId, state.deviceId, system);
      const revokedLog: Exchange[] = [];
      const revoked = createDeviceClient({
        store,
        now: h.clock.now,
        fetch: recordingFetch(revokedLog, (response) => {
          const headers = new Headers(response.headers);
          headers.set('date', new Date(h.clock.now() + 10 * minute).toUTCString());
          return new Response(response.body, { status: response.status, headers });
        }),
      });
      await assert.rejects(revoked.device(), (error: unknown) => {
        assert.ok(error instanceof DeviceSdkError);
        assert.equal(error.code, 'DEVICE_REVOKED');
        return true;
      });
      assert.equal(revokedLog.length, 1);
    });

    it('a phone within a few seconds of the server signs with its own clock, never twice', async () => {
      const log: Exchange[] = [];
      const phone = createDeviceClient({
        store: createMemoryKeyStore(),
        now: () => h.clock.now() + 3000,
        fetch: recordingFetch(log),
      });
      await phone.enroll(await activationLink(), { label: 'Phone', platform: 'ios' });
      await phone.device();
      assert.deepEqual(
        log.map((e) => e.status),
        [201, 200],
      );
      assert.equal(phone.serverTime(), h.clock.now() + 3000);
    });
  });
}
