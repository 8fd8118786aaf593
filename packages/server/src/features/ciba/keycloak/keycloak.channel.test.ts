/**
 * Keycloak's CIBA HTTP authentication channel against a local server that behaves as Keycloak
 * does (test-support/stand-ins/keycloak-stand-in.ts): Keycloak's signed bearer token is verified against the
 * realm's published keys, a push verification starts on the customer's phone with the binding
 * message, the answer is 201, and the customer's decision goes back to Keycloak's callback
 * endpoint with the same bearer token, retried while Keycloak is briefly down. Forged, expired,
 * replayed and misdirected tokens are refused, and one tenant's realm cannot reach another's
 * customers.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { generateKeyPair } from 'jose';
import {
  answerOnPhone,
  type CibaSide,
  cibaSide,
  clearPushLock,
  enrollPhone,
  pendingOnPhone,
} from '../../../test-support/ciba.ts';
import { databaseKinds, startTestHarness, type TestHarness } from '../../../test-support/harness.ts';
import { postgresSkip } from '../../../test-support/postgres.ts';
import {
  type KeycloakStandIn,
  startKeycloakStandIn,
} from '../../../test-support/stand-ins/keycloak-stand-in.ts';

const channelPath = '/v1/keycloak/authentication-channel';

for (const kind of databaseKinds) {
  describe(`Keycloak authentication channel on ${kind}`, {
    skip: kind === 'postgres' ? await postgresSkip() : false,
  }, () => {
    let h: TestHarness;
    let keycloak: KeycloakStandIn;
    let a: CibaSide;
    let b: CibaSide;

    /**
     * Keycloak's request to the channel, exactly as its HttpAuthenticationChannelProvider sends it
     * (binding messages as Keycloak's backchannel endpoint lets them through: no spaces).
     */
    const fromKeycloak = (bearer: string | undefined, body: Record<string, unknown>) =>
      h.app.inject({
        method: 'POST',
        url: channelPath,
        headers: {
          'content-type': 'application/json',
          ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
        },
        payload: {
          login_hint: 'alice',
          scope: 'openid',
          is_consent_required: false,
          binding_message: null,
          acr_values: null,
          ...body,
        },
      });

    const errorCode = (response: { json(): unknown }) =>
      (response.json() as { error: { code: string } }).error.code;

    /** The agent reads the code from Helpdesk Auth (API or console) while the request is pending. */
    async function codeFor(side: CibaSide, verificationId: string): Promise<string> {
      const response = await h.app.inject({
        method: 'GET',
        url: `/v1/verifications/${verificationId}`,
        headers: { authorization: `Bearer ${side.adminKey}` },
      });
      assert.equal(response.statusCode, 200, response.body);
      return (response.json() as { code: string }).code;
    }

    const state = (side: CibaSide, id: string) =>
      h.runtime.services.keycloakChannel.callbackState(side.tenant.id, id);

    async function waitFor(check: () => Promise<boolean>) {
      for (let i = 0; i < 500; i++) {
        if (await check()) return;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      throw new Error('gave up waiting');
    }

    /** Past the push cap's window (against push bombing), which these many requests would reach. */
    const nextWindow = () => h.clock.advance(600_001);

    async function started(body: Record<string, unknown> = {}, bearerOptions = {}) {
      nextWindow();
      const response = await fromKeycloak(await keycloak.bearer(bearerOptions), body);
      assert.equal(response.statusCode, 201, response.body);
      return response.json() as { id: string; verificationId: string };
    }

    // Alice denies and reports fraud in several tests; the policy would then lock push for her
    // (push-policy.security.test.ts). Each test starts from a cleared lock, as after an admin's review.
    beforeEach(async () => clearPushLock(h, a));

    before(async () => {
      // Debug level: the channel logs the names of the properties it ignores there.
      h = await startTestHarness(kind, { integrationsAllowHttp: true, logLevel: 'debug' });
      keycloak = await startKeycloakStandIn({ now: h.clock.now });
      a = await cibaSide(h, 'kc-a', {
        externalId: 'alice',
        email: 'alice@a.example',
        phone: '+447911000011',
      });
      b = await cibaSide(h, 'kc-b', { externalId: 'bob', email: 'bob@b.example', phone: '+447911000012' });
      const configured = await h.app.inject({
        method: 'PUT',
        url: '/v1/keycloak-channel',
        headers: { authorization: `Bearer ${a.adminKey}` },
        payload: {
          baseUrl: `${keycloak.baseUrl}/`,
          realm: keycloak.realm,
          allowedClients: ['helpdesk-tool'],
          requesterName: 'Acme support',
        },
      });
      assert.equal(configured.statusCode, 200, configured.body);
      const channel = configured.json() as { issuer: string; channelUrl: string; baseUrl: string };
      assert.equal(channel.issuer, keycloak.issuer);
      assert.equal(channel.baseUrl, keycloak.baseUrl);
      assert.equal(channel.channelUrl, `${h.config.publicUrl}${channelPath}`);
    });
    after(async () => {
      await h?.close();
      await keycloak?.close();
    });

    it('approval: 201 to Keycloak, the phone shows the binding message, then SUCCEED with the same bearer', async () => {
      const bearer = await keycloak.bearer();
      const response = await fromKeycloak(bearer, { binding_message: 'Reset-password-7F3K' });
      assert.equal(response.statusCode, 201, response.body);
      const { id, verificationId } = response.json() as { id: string; verificationId: string };
      assert.match(id, /^kcr_/);

      const [shown] = await pendingOnPhone(h, a.device);
      assert.equal(shown!.id, verificationId);
      assert.equal(shown!.reason, 'Reset-password-7F3K');
      assert.equal(shown!.agentName, 'Acme support');

      await answerOnPhone(h, a.device, verificationId, { approveWith: await codeFor(a, verificationId) });
      const call = await keycloak.nextCall();
      assert.equal(call.authorization, `Bearer ${bearer}`);
      assert.deepEqual(JSON.parse(call.body), { status: 'SUCCEED' });
      assert.equal(call.answer, 200);
      await waitForOutcome(a, id, 'accepted');
    });

    it('denial and a fraud report: UNAUTHORIZED', async () => {
      for (const answer of ['deny', 'report_fraud'] as const) {
        const { id, verificationId } = await started();
        await answerOnPhone(h, a.device, verificationId, answer);
        assert.deepEqual(JSON.parse((await keycloak.nextCall()).body), { status: 'UNAUTHORIZED' });
        await waitForOutcome(a, id, 'accepted');
      }
    });

    it('no answer until the verification expires: CANCELLED', async () => {
      const { id } = await started({}, { expiresInSeconds: 600 });
      h.clock.advance(120_000);
      assert.deepEqual(JSON.parse((await keycloak.nextCall()).body), { status: 'CANCELLED' });
      await waitForOutcome(a, id, 'accepted');
    });

    it('Keycloak briefly down: the callback is retried until it is accepted', async () => {
      const { id, verificationId } = await started();
      keycloak.down(2);
      await answerOnPhone(h, a.device, verificationId, 'deny');
      assert.equal((await keycloak.nextCall()).answer, 503);
      // The retry is scheduled once the answer is in; then its time comes.
      await waitFor(async () => (await state(a, id)).attempts === 1);
      h.clock.advance(1_000);
      assert.equal((await keycloak.nextCall()).answer, 503);
      await waitFor(async () => (await state(a, id)).attempts === 2);
      h.clock.advance(2_000);
      const third = await keycloak.nextCall();
      assert.equal(third.answer, 200);
      assert.deepEqual(JSON.parse(third.body), { status: 'UNAUTHORIZED' });
      const final = await waitForOutcome(a, id, 'accepted');
      assert.equal(final.attempts, 2);
    });

    it('Keycloak down for good: eight attempts, then the callback is given up', async () => {
      const { id, verificationId } = await started();
      keycloak.down(100);
      try {
        await answerOnPhone(h, a.device, verificationId, 'deny');
        for (let attempt = 1; attempt <= 8; attempt++) {
          assert.equal((await keycloak.nextCall()).answer, 503);
          if (attempt < 8) {
            await waitFor(async () => (await state(a, id)).attempts === attempt);
            h.clock.advance(30_000);
          }
        }
        const final = await waitForOutcome(a, id, 'gave_up');
        assert.equal(final.attempts, 8);
      } finally {
        keycloak.down(0);
      }
    });

    it('a callback Keycloak refuses (its request already over) is not retried', async () => {
      const { id, verificationId } = await started({}, { expiresInSeconds: 30 });
      h.clock.advance(31_000);
      await answerOnPhone(h, a.device, verificationId, 'deny');
      assert.equal((await keycloak.nextCall()).answer, 403);
      const final = await waitForOutcome(a, id, 'refused');
      assert.equal(final.attempts, 0);
      h.clock.advance(60_000);
      assert.equal(keycloak.calls.filter((c) => c.answer === 403).length, 1);
    });

    it('refuses a missing, forged, expired, foreign or ID token with 401, and starts nothing', async () => {
      const before = (await pendingOnPhone(h, a.device)).length;
      const other = await generateKeyPair('RS256');
      const cases: Array<[string, string | undefined]> = [
        ['no bearer', undefined],
        ['not a JWT', 'not-a-jwt'],
        ['signed by another key', await keycloak.bearer({ key: other.privateKey })],
        ['an unknown realm', await keycloak.bearer({ issuer: `${keycloak.baseUrl}/realms/other` })],
        ['an ID token', await keycloak.bearer({ typ: 'ID' })],
        ['expired', await keycloak.bearer({ expiresInSeconds: -10 })],
      ];
      for (const [label, bearer] of cases) {
        const response = await fromKeycloak(bearer, {});
        assert.equal(response.statusCode, 401, `${label}: ${response.body}`);
        assert.equal(errorCode(response), 'UNAUTHENTICATED', label);
      }
      assert.equal((await pendingOnPhone(h, a.device)).length, before);
    });

    it('refuses a client the tenant did not allow (403) and a replayed token (409)', async () => {
      nextWindow();
      const stranger = await fromKeycloak(await keycloak.bearer({ azp: 'some-other-app' }), {});
      assert.equal(stranger.statusCode, 403, stranger.body);
      const bearer = await keycloak.bearer();
      assert.equal((await fromKeycloak(bearer, {})).statusCode, 201);
      const replay = await fromKeycloak(bearer, {});
      assert.equal(replay.statusCode, 409, replay.body);
      assert.equal(errorCode(replay), 'CONFLICT');
    });

    it("reaches only the configured tenant's customers; a bad binding message is a 400", async () => {
      const unknown = await fromKeycloak(await keycloak.bearer(), { login_hint: 'bob' });
      assert.equal(unknown.statusCode, 404, unknown.body);
      assert.deepEqual(await pendingOnPhone(h, b.device), []);
      const badMessage = await fromKeycloak(await keycloak.bearer(), { binding_message: 'a\nb' });
      assert.equal(badMessage.statusCode, 400);
      assert.equal(errorCode(badMessage), 'VALIDATION_FAILED');
      // The same login hint forms as CIBA: e-mail and phone.
      nextWindow();
      assert.equal(
        (await fromKeycloak(await keycloak.bearer(), { login_hint: 'alice@a.example' })).statusCode,
        201,
      );
      assert.equal(
        (await fromKeycloak(await keycloak.bearer(), { login_hint: '+44 7911 000011' })).statusCode,
        201,
      );
    });

    it('a lower-case hint for an upper-case external id, with further CIBA parameters, starts a verification', async () => {
      // Keycloak stores usernames in lower case and sends the username as login_hint; it flattens
      // the CIBA request's other parameters into the body (AuthenticationChannelRequest's
      // @JsonAnyGetter). With the guide's mapping the customer's external id is CUST-1001.
      const customer = await h.runtime.services.customers.create(
        a.tenant.id,
        { displayName: 'Keycloak user', externalId: 'CUST-1001' },
        { type: 'system', id: null },
      );
      const phone = await enrollPhone(h, a.tenant, customer.id);
      nextWindow();
      const bearer = await keycloak.bearer();
      const response = await fromKeycloak(bearer, {
        login_hint: 'cust-1001',
        binding_message: 'Sign-in-4K2P',
        ui_locales: 'de',
        requested_expiry: '120',
        custom: { nested: [1, true] },
      });
      assert.equal(response.statusCode, 201, response.body);
      const { id, verificationId } = response.json() as { id: string; verificationId: string };
      assert.match(id, /^kcr_/);
      const [shown] = await pendingOnPhone(h, phone);
      assert.deepEqual([shown?.id, shown?.reason], [verificationId, 'Sign-in-4K2P']);
      const stored = await h.runtime.database.db
        .selectFrom('verifications')
        .select('customer_id')
        .where('id', '=', verificationId)
        .executeTakeFirstOrThrow();
      assert.equal(stored.customer_id, customer.id);
      const logged = h.logLines.find((line) => line.includes('properties ignored'));
      assert.ok(logged, 'the ignored properties are logged at debug');
      assert.deepEqual(JSON.parse(logged).ignoredProperties, ['ui_locales', 'requested_expiry', 'custom']);
      assert.equal(/"de"|nested/.test(logged), false, 'names only, never values');
      await answerOnPhone(h, phone, verificationId, 'deny');
      // Earlier tests' callbacks may still be queued: find this request's, by its bearer token.
      let call = await keycloak.nextCall();
      while (call.authorization !== `Bearer ${bearer}`) call = await keycloak.nextCall();
      assert.deepEqual(JSON.parse(call.body), { status: 'UNAUTHORIZED' });
      // Still only this tenant's customers, and the known properties are still checked.
      nextWindow();
      const foreign = await fromKeycloak(await keycloak.bearer(), { login_hint: 'BOB', extra: 'x' });
      assert.equal(foreign.statusCode, 404, foreign.body);
      const badMessage = await fromKeycloak(await keycloak.bearer(), {
        login_hint: 'cust-1001',
        binding_message: 'a\nb',
        extra: 'x',
      });
      assert.deepEqual([badMessage.statusCode, errorCode(badMessage)], [400, 'VALIDATION_FAILED']);
      const badHint = await fromKeycloak(await keycloak.bearer(), { login_hint: 42, extra: 'x' });
      assert.deepEqual([badHint.statusCode, errorCode(badHint)], [400, 'VALIDATION_FAILED']);
    });

    it("another tenant cannot claim the same realm, nor read or remove this tenant's channel", async () => {
      const claim = await h.app.inject({
        method: 'PUT',
        url: '/v1/keycloak-channel',
        headers: { authorization: `Bearer ${b.adminKey}` },
        payload: { baseUrl: keycloak.baseUrl, realm: keycloak.realm, requesterName: 'Intruder' },
      });
      assert.equal(claim.statusCode, 409, claim.body);
      for (const method of ['GET', 'DELETE'] as const) {
        const response = await h.app.inject({
          method,
          url: '/v1/keycloak-channel',
          headers: { authorization: `Bearer ${b.adminKey}` },
        });
        assert.equal(response.statusCode, 404, `${method}: ${response.body}`);
      }
      const mine = await h.app.inject({
        method: 'GET',
        url: '/v1/keycloak-channel',
        headers: { authorization: `Bearer ${a.adminKey}` },
      });
      assert.equal(mine.statusCode, 200);
      assert.equal((mine.json() as { requesterName: string }).requesterName, 'Acme support');
    });

    it('only admins configure the channel; agents may not even read it', async () => {
      const agentKey = await h.createApiKey(a.tenant, ['verifications:write']);
      const response = await h.app.inject({
        method: 'GET',
        url: '/v1/keycloak-channel',
        headers: { authorization: `Bearer ${agentKey}` },
      });
      assert.equal(response.statusCode, 403);
      const tenant = await h.tenantWithOperators('kc-roles');
      const asRole = (role: 'agent' | 'auditor' | 'admin', method: 'GET' | 'PUT') =>
        h.app.inject({
          method,
          url: '/v1/keycloak-channel',
          ...tenant.clients[role].auth(),
          ...(method === 'PUT'
            ? { payload: { baseUrl: 'https://id.example.com', realm: 'r', requesterName: 'X' } }
            : {}),
        });
      assert.equal((await asRole('agent', 'GET')).statusCode, 403);
      assert.equal((await asRole('auditor', 'GET')).statusCode, 404);
      assert.equal((await asRole('auditor', 'PUT')).statusCode, 403);
      assert.equal((await asRole('admin', 'PUT')).statusCode, 200);
    });

    async function waitForOutcome(side: CibaSide, id: string, outcome: string) {
      for (let i = 0; i < 500; i++) {
        const state = await h.runtime.services.keycloakChannel.callbackState(side.tenant.id, id);
        if (state.outcome === outcome) return state;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      throw new Error(`callback of ${id} never became ${outcome}`);
    }
  });
}
