/**
 * Biometric approval (docs/device-protocol.md, "Biometric approval"), on SQLite and PostgreSQL:
 * registering a WebAuthn credential, approving with an assertion over the decision, and the
 * tenant rule that approvals need user verification. Each attack test tries to break one rule
 * and checks the stored state, not only the answer.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { decisionChallenge, type VerificationDecision } from '@helpdesk-auth/core';
import { databaseKinds, startTestHarness, type TestHarness } from '../../test-support/harness.ts';
import { postgresSkip } from '../../test-support/postgres.ts';
import { createSoftAuthenticator, type SoftAuthenticator } from '../../test-support/soft-authenticator.ts';
import { enrollTestDevice, nonce, type TestDevice } from '../../test-support/test-device.ts';

const system = { type: 'system', id: null } as const;

/** The parts of PublicKeyCredentialCreationOptionsJSON these tests read. */
interface CreationOptions {
  challenge: string;
  rp: { id: string; name: string };
  user: { id: string };
  attestation: string;
  pubKeyCredParams: { alg: number }[];
  authenticatorSelection: { userVerification: string; authenticatorAttachment: string };
}
const errorCode = (response: { json(): unknown }) =>
  (response.json() as { error: { code: string } }).error.code;

for (const kind of databaseKinds) {
  describe(`biometric approval on ${kind}`, {
    skip: kind === 'postgres' ? await postgresSkip() : false,
  }, () => {
    let h: TestHarness;
    let tenantId: string;
    let apiKey: string;
    let origin: string;
    let rpId: string;
    let customerId: string;
    let device: TestDevice;

    before(async () => {
      h = await startTestHarness(kind);
      const tenant = await h.createTenant('bio');
      tenantId = tenant.id;
      apiKey = await h.createApiKey(tenant, ['verifications:read', 'verifications:write', 'tenant:write']);
      origin = new URL(h.config.publicUrl).origin;
      rpId = new URL(h.config.publicUrl).hostname;
    });
    after(async () => h?.close());

    async function enroll(forCustomer: string): Promise<TestDevice> {
      const activation = await h.runtime.services.devices.createActivation(tenantId, forCustomer, system);
      return enrollTestDevice(h.app, {
        publicUrl: h.config.publicUrl,
        activationCode: activation.code,
        now: h.clock.now,
      });
    }

    async function newCustomer(): Promise<string> {
      return (await h.runtime.services.customers.create(tenantId, { displayName: 'Dana' }, system)).id;
    }

    beforeEach(async () => {
      customerId = await newCustomer();
      device = await enroll(customerId);
      await setPolicy(false);
    });

    async function setPolicy(requireUserVerification: boolean) {
      const response = await h.app.inject({
        method: 'PATCH',
        url: '/v1/tenant',
        headers: { authorization: `Bearer ${apiKey}` },
        payload: { verification: { requireUserVerification } },
      });
      assert.equal(response.statusCode, 200, response.body);
    }

    async function registrationOptions(on: TestDevice) {
      const response = await h.app.inject({
        method: 'POST',
        url: '/v1/device/webauthn/registration-options',
        headers: { 'device-proof': await on.proof('POST', '/v1/device/webauthn/registration-options') },
      });
      assert.equal(response.statusCode, 200, response.body);
      return (response.json() as { options: CreationOptions }).options;
    }

    async function sendRegistration(on: TestDevice, body: unknown) {
      return h.app.inject({
        method: 'POST',
        url: '/v1/device/webauthn/registration',
        headers: { 'device-proof': await on.proof('POST', '/v1/device/webauthn/registration') },
        payload: { response: body },
      });
    }

    async function registerAuthenticator(
      on: TestDevice,
      userVerification = true,
    ): Promise<SoftAuthenticator> {
      const authenticator = createSoftAuthenticator({ origin, rpId, userVerification: true });
      const options = await registrationOptions(on);
      const response = await sendRegistration(on, authenticator.register(options));
      assert.equal(response.statusCode, 201, response.body);
      // Registration always requires UV; an authenticator that later asserts without it is the test's choice.
      return userVerification
        ? authenticator
        : {
            ...authenticator,
            assert: (challenge, overrides) =>
              authenticator.assert(challenge, { userVerified: false, ...overrides }),
          };
    }

    async function start(): Promise<{ id: string; code: string }> {
      const response = await h.app.inject({
        method: 'POST',
        url: '/v1/verifications',
        headers: { authorization: `Bearer ${apiKey}` },
        payload: { customerId, reason: 'Card replacement' },
      });
      assert.equal(response.statusCode, 201, response.body);
      return response.json();
    }

    function decisionFields(decision: VerificationDecision, code: string | null) {
      return { decision, code, nonce: nonce(), iat: Math.floor(h.clock.now() / 1000) };
    }

    async function assertionFor(
      authenticator: SoftAuthenticator,
      verificationId: string,
      fields: ReturnType<typeof decisionFields>,
      overrides?: Parameters<SoftAuthenticator['assert']>[1],
    ) {
      return authenticator.assert(
        await decisionChallenge({ verificationId, ...fields, actionSummary: null }),
        overrides,
      );
    }

    const post = (id: string, payload: unknown) =>
      h.app.inject({
        method: 'POST',
        url: `/v1/device/verifications/${id}/decision`,
        payload: payload as Record<string, unknown>,
      });
    const stored = (id: string) => h.runtime.services.verifications.get(tenantId, id);
    const evidenceOf = async (id: string) =>
      (
        await h.runtime.database.db
          .selectFrom('verifications')
          .select('decision_evidence')
          .where('id', '=', id)
          .executeTakeFirstOrThrow()
      ).decision_evidence;

    it('offers registration options that demand a platform authenticator with user verification', async () => {
      const options = await registrationOptions(device);
      assert.equal(options.rp.id, rpId);
      assert.equal(options.authenticatorSelection.userVerification, 'required');
      assert.equal(options.authenticatorSelection.authenticatorAttachment, 'platform');
      assert.equal(options.attestation, 'none');
      // Only algorithms whose signatures fit the decision body; no 2.4 kB post-quantum ones.
      assert.deepEqual(
        options.pubKeyCredParams.map((p) => p.alg),
        [-7, -8, -257],
      );
      assert.match(options.challenge, /^[A-Za-z0-9_-]{32,}$/);
      // The user handle names the device, never the customer.
      assert.equal(Buffer.from(options.user.id, 'base64url').toString(), device.id);
      assert.notEqual((await registrationOptions(device)).challenge, options.challenge);
    });

    it('registers a credential, shows it on the device, and audits it', async () => {
      await registerAuthenticator(device);
      const own = await h.app.inject({
        method: 'GET',
        url: '/v1/device',
        headers: { 'device-proof': await device.proof('GET', '/v1/device') },
      });
      assert.equal((own.json() as { device: { webauthn: boolean } }).device.webauthn, true);
      const audit = await h.runtime.database.db
        .selectFrom('audit_events')
        .select(['action', 'data'])
        .where('tenant_id', '=', tenantId)
        .where('target_id', '=', device.id)
        .where('action', '=', 'device.webauthn_registered')
        .execute();
      assert.equal(audit.length, 1);
    });

    it('a registration challenge works once, and only for the device it was issued to', async () => {
      const authenticator = createSoftAuthenticator({ origin, rpId, userVerification: true });
      const options = await registrationOptions(device);
      const registration = authenticator.register(options);

      const other = await enroll(customerId);
      const stolen = await sendRegistration(other, registration);
      assert.equal(stolen.statusCode, 422);
      assert.equal(errorCode(stolen), 'WEBAUTHN_REGISTRATION_FAILED');
      // The failed attempt spent the challenge: not even its own device can use it now.
      const reused = await sendRegistration(device, registration);
      assert.equal(errorCode(reused), 'WEBAUTHN_REGISTRATION_FAILED');

      const fresh = await sendRegistration(device, authenticator.register(await registrationOptions(device)));
      assert.equal(fresh.statusCode, 201, fresh.body);
      const again = await sendRegistration(device, authenticator.register(await registrationOptions(device)));
      assert.equal(again.statusCode, 201, 'registering again replaces the credential');
    });

    it('refuses a registration for another origin or RP, without user verification, or after expiry', async () => {
      const withUv = createSoftAuthenticator({ origin, rpId, userVerification: true });
      const phishing = await sendRegistration(
        device,
        withUv.register(await registrationOptions(device), { origin: 'https://helpdesk-auth.example.net' }),
      );
      assert.equal(errorCode(phishing), 'WEBAUTHN_REGISTRATION_FAILED');
      const otherRp = await sendRegistration(
        device,
        withUv.register(await registrationOptions(device), { rpId: 'example.net' }),
      );
      assert.equal(errorCode(otherRp), 'WEBAUTHN_REGISTRATION_FAILED');
      const noUv = createSoftAuthenticator({ origin, rpId, userVerification: false });
      const withoutUv = await sendRegistration(device, noUv.register(await registrationOptions(device)));
      assert.equal(errorCode(withoutUv), 'WEBAUTHN_REGISTRATION_FAILED');

      const options = await registrationOptions(device);
      h.clock.advance(5 * 60 * 1000 + 1);
      const late = await sendRegistration(device, withUv.register(options));
      assert.equal(errorCode(late), 'WEBAUTHN_REGISTRATION_FAILED');
      const own = await h.runtime.services.devices.get(tenantId, device.id);
      assert.equal(own.webauthn, false);
    });

    it('refuses a malformed assertion body with a 400, not a 500', async () => {
      const v = await start();
      const fields = decisionFields('approve', v.code);
      const cases: unknown[] = [
        { decision: fields },
        { decision: fields, webauthn: {} },
        { decision: fields, webauthn: { id: 'AA', rawId: 'AA', type: 'password', response: {} } },
        {
          decision: { ...fields, code: 42 },
          webauthn: { id: 'AA', rawId: 'AA', type: 'public-key', response: {} },
        },
        { decision: { ...fields, extra: 1 }, signedDecision: 'x' },
      ];
      for (const payload of cases) {
        const response = await post(v.id, payload);
        assert.equal(response.statusCode, 400, JSON.stringify(payload));
        assert.equal(errorCode(response), 'VALIDATION_FAILED');
      }
      // Well-formed but garbage bytes: a 401 from the verifier, never a 500.
      const garbage = await post(v.id, {
        decision: fields,
        webauthn: {
          id: 'AAAA',
          rawId: 'AAAA',
          type: 'public-key',
          response: { clientDataJSON: 'AAAA', authenticatorData: 'AAAA', signature: 'AAAA' },
        },
      });
      assert.equal(garbage.statusCode, 401);
      assert.equal((await stored(v.id)).status, 'pending');
    });

    it('refuses a malformed registration body with a 400, not a 500', async () => {
      for (const body of [
        {},
        { id: 'x' },
        'text',
        { id: 'AA', rawId: 'AA', type: 'public-key', response: {} },
      ]) {
        const response = await sendRegistration(device, body);
        assert.equal(response.statusCode, 400, JSON.stringify(body));
      }
    });

    it('approves with a user-verified assertion over the decision: assurance high, evidence kept', async () => {
      const authenticator = await registerAuthenticator(device);
      const v = await start();
      const fields = decisionFields('approve', v.code);
      // Counter 0, as many platform authenticators report: only the nonce stops a replay then.
      const webauthn = await assertionFor(authenticator, v.id, fields, { counter: 0 });
      const response = await post(v.id, { decision: fields, webauthn });
      assert.equal(response.statusCode, 200, response.body);
      const after = await stored(v.id);
      assert.equal(after.status, 'approved');
      assert.equal(after.assurance, 'high');
      assert.equal(after.decidedByDeviceId, device.id);
      const evidence = JSON.parse((await evidenceOf(v.id))!) as { payload: string; webauthn: { id: string } };
      assert.equal(evidence.webauthn.id, authenticator.credentialId);
      assert.equal(JSON.parse(evidence.payload).verificationId, v.id);

      // Replaying the same approval is refused (its nonce was spent).
      const replay = await post(v.id, { decision: fields, webauthn });
      assert.equal(errorCode(replay), 'DEVICE_PROOF_REPLAYED');
    });

    it('a device-key approval is recorded with assurance substantial, not high', async () => {
      const v = await start();
      const response = await post(v.id, {
        signedDecision: await device.decide(v.id, 'approve', { code: v.code }),
      });
      assert.equal(response.statusCode, 200, response.body);
      assert.equal((await stored(v.id)).assurance, 'substantial');
    });

    it('an assertion over another decision, code or request does not verify', async () => {
      const authenticator = await registerAuthenticator(device);
      const v = await start();
      const denied = decisionFields('deny', null);
      const webauthn = await assertionFor(authenticator, v.id, denied);
      // The customer tapped "deny"; someone in the middle turns it into an approval.
      const turned = await post(v.id, {
        decision: { ...denied, decision: 'approve', code: v.code },
        webauthn,
      });
      assert.equal(errorCode(turned), 'DECISION_SIGNATURE_INVALID');
      // An assertion made for another request cannot answer this one.
      const other = await start();
      const forOther = decisionFields('approve', other.code);
      const elsewhere = await post(v.id, {
        decision: forOther,
        webauthn: await assertionFor(authenticator, other.id, forOther),
      });
      assert.ok(['DECISION_SIGNATURE_INVALID', 'VERIFICATION_NOT_PENDING'].includes(errorCode(elsewhere)));
      const wrongOrigin = decisionFields('approve', other.code);
      const phishing = await post(other.id, {
        decision: wrongOrigin,
        webauthn: await assertionFor(authenticator, other.id, wrongOrigin, {
          origin: 'https://evil.example',
        }),
      });
      assert.equal(errorCode(phishing), 'DECISION_SIGNATURE_INVALID');
      assert.equal((await stored(other.id)).status, 'pending');
      assert.equal((await stored(other.id)).failedAttempts, 0);
    });

    it("another customer's credential cannot answer, and an unknown credential is refused", async () => {
      const v = await start();
      const strangerCustomer = await newCustomer();
      const stranger = await registerAuthenticator(await enroll(strangerCustomer));
      const fields = decisionFields('approve', v.code);
      const response = await post(v.id, {
        decision: fields,
        webauthn: await assertionFor(stranger, v.id, fields),
      });
      assert.equal(response.statusCode, 404);
      const unregistered = createSoftAuthenticator({ origin, rpId, userVerification: true });
      const fields2 = decisionFields('approve', v.code);
      const unknown = await post(v.id, {
        decision: fields2,
        webauthn: await assertionFor(unregistered, v.id, fields2),
      });
      assert.equal(errorCode(unknown), 'DECISION_SIGNATURE_INVALID');
      assert.equal((await stored(v.id)).status, 'pending');
    });

    it('a signature counter that goes backwards (a cloned authenticator) is refused', async () => {
      const authenticator = await registerAuthenticator(device);
      const first = await start();
      const f1 = decisionFields('deny', null);
      assert.equal(
        (
          await post(first.id, {
            decision: f1,
            webauthn: await assertionFor(authenticator, first.id, f1, { counter: 10 }),
          })
        ).statusCode,
        200,
      );
      const second = await start();
      const f2 = decisionFields('approve', second.code);
      const cloned = await post(second.id, {
        decision: f2,
        webauthn: await assertionFor(authenticator, second.id, f2, { counter: 5 }),
      });
      assert.equal(errorCode(cloned), 'DECISION_SIGNATURE_INVALID');
      assert.equal((await stored(second.id)).status, 'pending');
    });

    it("a revoked device's credential can do nothing", async () => {
      const authenticator = await registerAuthenticator(device);
      const v = await start();
      await h.runtime.services.devices.revoke(tenantId, device.id, system);
      const other = await enroll(customerId);
      const v2 = await start();
      assert.ok(other);
      const fields = decisionFields('approve', v2.code);
      const response = await post(v2.id, {
        decision: fields,
        webauthn: await assertionFor(authenticator, v2.id, fields),
      });
      assert.equal(errorCode(response), 'DEVICE_REVOKED');
      assert.equal((await stored(v2.id)).status, 'pending');
      assert.ok(v.id);
    });

    it('a wrong code in an assertion counts as a failed attempt', async () => {
      const authenticator = await registerAuthenticator(device);
      const v = await start();
      const fields = decisionFields('approve', v.code === '00' ? '01' : '00');
      const response = await post(v.id, {
        decision: fields,
        webauthn: await assertionFor(authenticator, v.id, fields),
      });
      assert.equal(response.statusCode, 422);
      assert.equal(errorCode(response), 'WRONG_CODE');
      assert.equal((await stored(v.id)).failedAttempts, 1);
    });

    describe('when the tenant requires user verification', () => {
      beforeEach(async () => setPolicy(true));

      it('refuses a device-key approval without spending a try, but accepts its denial', async () => {
        const v = await start();
        const response = await post(v.id, {
          signedDecision: await device.decide(v.id, 'approve', { code: v.code }),
        });
        assert.equal(response.statusCode, 403);
        assert.equal(errorCode(response), 'USER_VERIFICATION_REQUIRED');
        const after = await stored(v.id);
        assert.equal(after.status, 'pending');
        assert.equal(after.failedAttempts, 0);
        const deny = await post(v.id, { signedDecision: await device.decide(v.id, 'deny') });
        assert.equal(deny.statusCode, 200, deny.body);
        assert.equal((await stored(v.id)).status, 'denied');
      });

      it('refuses an assertion without the UV flag, and accepts one with it', async () => {
        const noUv = await registerAuthenticator(device, false);
        const v = await start();
        const fields = decisionFields('approve', v.code);
        const refused = await post(v.id, {
          decision: fields,
          webauthn: await assertionFor(noUv, v.id, fields),
        });
        assert.equal(refused.statusCode, 403);
        assert.equal(errorCode(refused), 'USER_VERIFICATION_REQUIRED');
        assert.equal((await stored(v.id)).status, 'pending');

        const withUv = await registerAuthenticator(device, true);
        const fields2 = decisionFields('approve', v.code);
        const accepted = await post(v.id, {
          decision: fields2,
          webauthn: await assertionFor(withUv, v.id, fields2),
        });
        assert.equal(accepted.statusCode, 200, accepted.body);
        assert.equal((await stored(v.id)).assurance, 'high');
      });

      it('a request started before the rule changed keeps the rule it started under', async () => {
        await setPolicy(false);
        const v = await start();
        await setPolicy(true);
        const response = await post(v.id, {
          signedDecision: await device.decide(v.id, 'approve', { code: v.code }),
        });
        assert.equal(response.statusCode, 200, response.body);
        assert.equal((await stored(v.id)).status, 'approved');
      });
    });
  });
}
