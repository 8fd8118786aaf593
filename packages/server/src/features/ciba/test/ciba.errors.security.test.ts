/**
 * Every error of the CIBA protocol endpoints (OpenID CIBA Core 1.0 sections 11 and 13, RFC 6749
 * section 5.2), each provoked for real, with its status and the OAuth error shape; client
 * authentication attacks (wrong secret, unknown client, revoked client, a second method, a
 * replayed or misdirected assertion); and isolation between clients and tenants.
 *
 * Not produced, by design: expired_login_hint_token, missing_user_code and invalid_user_code
 * (login_hint_token and user_code are not supported and are refused as invalid_request, tested
 * below), and transaction_failed (push mode only, not offered).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type CryptoKey, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { cliActor } from '../../../platform/audit-log.ts';
import {
  answerOnPhone,
  basicAuth,
  type CibaSide,
  cibaSide,
  clearPushLock,
  formPost,
  pendingOnPhone,
  registerClient,
} from '../../../test-support/ciba.ts';
import { databaseKinds, startTestHarness, type TestHarness } from '../../../test-support/harness.ts';
import { postgresSkip } from '../../../test-support/postgres.ts';

const backchannel = '/oidc/backchannel-authentication';
const token = '/oidc/token';
const cibaGrant = 'urn:openid:params:grant-type:ciba';

type Response = Awaited<ReturnType<typeof formPost>>;

function assertOAuthError(response: Response, status: number, error: string): void {
  assert.equal(response.statusCode, status, response.body);
  const body = response.json() as Record<string, unknown>;
  assert.deepEqual(Object.keys(body).sort(), ['error', 'error_description']);
  assert.equal(body.error, error, String(body.error_description));
  assert.equal(response.headers['cache-control'], 'no-store');
}

for (const kind of databaseKinds) {
  describe(`CIBA protocol errors on ${kind}`, {
    skip: kind === 'postgres' ? await postgresSkip() : false,
  }, () => {
    let h: TestHarness;
    let a: CibaSide;
    let b: CibaSide;
    let poll: { id: string; auth: string };
    let ping: { id: string; auth: string };
    let otherPoll: { id: string; auth: string };
    let bClient: { id: string; auth: string };
    let jwt: { id: string; privateKey: CryptoKey };

    const issuer = () => h.config.publicUrl;
    const start = (auth: string, params: Record<string, string> = {}) =>
      formPost(h, backchannel, { scope: 'openid', login_hint: 'CUST-A', ...params }, { authorization: auth });
    const redeem = (auth: string, authReqId: string, params: Record<string, string> = {}) =>
      formPost(
        h,
        token,
        { grant_type: cibaGrant, auth_req_id: authReqId, ...params },
        { authorization: auth },
      );
    async function started(auth = poll.auth, params: Record<string, string> = {}) {
      // Past the push cap's window (against push bombing), which these many requests would reach.
      h.clock.advance(600_001);
      const response = await start(auth, params);
      assert.equal(response.statusCode, 200, response.body);
      return response.json() as { auth_req_id: string; verification_code: string; interval: number };
    }

    async function assertion(
      claims: Record<string, unknown> = {},
      key = jwt.privateKey,
      audience = issuer(),
    ) {
      const now = Math.floor(h.clock.now() / 1000);
      return new SignJWT({ jti: crypto.randomUUID(), ...claims })
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .setIssuer(jwt.id)
        .setSubject(jwt.id)
        .setAudience(audience)
        .setIssuedAt(now)
        .setExpirationTime(now + 60)
        .sign(key);
    }
    const withAssertion = (value: string) => ({
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: value,
    });

    before(async () => {
      h = await startTestHarness(kind, { integrationsAllowHttp: true });
      a = await cibaSide(h, 'tenant-a', {
        externalId: 'CUST-A',
        email: 'a@example.com',
        phone: '+447911000001',
      });
      b = await cibaSide(h, 'tenant-b', {
        externalId: 'CUST-B',
        email: 'b@example.com',
        phone: '+447911000002',
      });
      const basic = async (side: CibaSide, extra: Record<string, unknown> = {}) => {
        const { id, secret } = await registerClient(h, side, {
          name: 'Desk',
          tokenEndpointAuthMethod: 'client_secret_basic',
          deliveryMode: 'poll',
          ...extra,
        });
        return { id, auth: basicAuth(id, secret!) };
      };
      poll = await basic(a);
      otherPoll = await basic(a);
      ping = await basic(a, { deliveryMode: 'ping', notificationEndpoint: 'http://127.0.0.1:9/notify' });
      bClient = await basic(b);
      const keys = await generateKeyPair('ES256');
      const registered = await registerClient(h, a, {
        name: 'JWT desk',
        tokenEndpointAuthMethod: 'private_key_jwt',
        jwks: { keys: [{ ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'ES256' }] },
        deliveryMode: 'poll',
      });
      jwt = { id: registered.id, privateKey: keys.privateKey };
      // A customer without a phone, and two customers sharing one number.
      await h.runtime.services.customers.create(
        a.tenant.id,
        { displayName: 'No phone', externalId: 'NOPHONE' },
        cliActor,
      );
      for (const name of ['Twin one', 'Twin two'])
        await h.runtime.services.customers.create(
          a.tenant.id,
          { displayName: name, phone: '+447911000099' },
          cliActor,
        );
    });
    after(async () => h?.close());

    describe('backchannel authentication endpoint', () => {
      it('invalid_request: a missing scope, no hint, two hints, login_hint_token, user_code, a request object', async () => {
        const cases: Array<Record<string, string>> = [
          { scope: '' },
          { login_hint: '' },
          { login_hint_token: 'eyJ.x.y' },
          { login_hint: '', login_hint_token: 'eyJ.x.y' },
          { id_token_hint: 'eyJ.x.y' },
          { user_code: '1234' },
          { request: 'eyJ.x.y' },
          { requested_expiry: '0' },
          { requested_expiry: '-5' },
          { requested_expiry: 'soon' },
        ];
        for (const params of cases) {
          const body = { scope: 'openid', login_hint: 'CUST-A', ...params };
          for (const [key, value] of Object.entries(body))
            if (value === '') delete body[key as keyof typeof body];
          assertOAuthError(
            await formPost(h, backchannel, body, { authorization: poll.auth }),
            400,
            'invalid_request',
          );
        }
      });

      it('invalid_request: a repeated parameter, a JSON body, a query string', async () => {
        const repeated = await h.app.inject({
          method: 'POST',
          url: backchannel,
          headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: poll.auth },
          payload: 'scope=openid&login_hint=CUST-A&login_hint=CUST-B',
        });
        assertOAuthError(repeated, 400, 'invalid_request');
        const json = await h.app.inject({
          method: 'POST',
          url: backchannel,
          headers: { authorization: poll.auth },
          payload: { scope: 'openid', login_hint: 'CUST-A' },
        });
        assertOAuthError(json, 400, 'invalid_request');
        const query = await h.app.inject({
          method: 'POST',
          url: `${backchannel}?client_secret=x`,
          headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: poll.auth },
          payload: 'scope=openid&login_hint=CUST-A',
        });
        assertOAuthError(query, 400, 'invalid_request');
      });

      it('invalid_request: a ping client without client_notification_token, or with one that is no bearer token', async () => {
        assertOAuthError(await start(ping.auth), 400, 'invalid_request');
        assertOAuthError(
          await start(ping.auth, { client_notification_token: 'has spaces' }),
          400,
          'invalid_request',
        );
      });

      it('invalid_scope: no openid, or a scope this provider does not offer', async () => {
        assertOAuthError(await start(poll.auth, { scope: 'profile' }), 400, 'invalid_scope');
        assertOAuthError(await start(poll.auth, { scope: 'openid payments' }), 400, 'invalid_scope');
      });

      it('unknown_user_id: no such customer, an ambiguous phone, a customer of another tenant', async () => {
        assertOAuthError(
          await start(poll.auth, { login_hint: 'nobody@example.com' }),
          400,
          'unknown_user_id',
        );
        assertOAuthError(await start(poll.auth, { login_hint: '+447911000099' }), 400, 'unknown_user_id');
        assertOAuthError(await start(poll.auth, { login_hint: 'CUST-B' }), 400, 'unknown_user_id');
        assertOAuthError(await start(poll.auth, { login_hint: 'b@example.com' }), 400, 'unknown_user_id');
        assert.deepEqual(await pendingOnPhone(h, b.device), [], "tenant B's phone was never asked");
      });

      it('an external-id hint matches without regard to case and surrounding spaces, within the tenant only', async () => {
        const verificationOf = async (authReqId: string) =>
          h.runtime.database.db
            .selectFrom('ciba_requests')
            .select('verification_id')
            .where('id', '=', authReqId)
            .executeTakeFirstOrThrow();
        for (const hint of ['cust-a', '  Cust-A  ', 'CUST-A']) {
          const { auth_req_id } = await started(poll.auth, { login_hint: hint });
          const { verification_id } = await verificationOf(auth_req_id);
          const [shown] = await pendingOnPhone(h, a.device);
          assert.equal(shown?.id, verification_id, `${JSON.stringify(hint)} names CUST-A`);
        }
        assertOAuthError(await start(poll.auth, { login_hint: 'cust-b' }), 400, 'unknown_user_id');
        assertOAuthError(await start(poll.auth, { login_hint: 'cust-a%' }), 400, 'unknown_user_id');
        assert.deepEqual(await pendingOnPhone(h, b.device), [], "tenant B's phone was never asked");
      });

      it('unknown_user_id: two customers whose external ids differ only in case are not guessed between', async () => {
        await h.runtime.services.customers.create(
          a.tenant.id,
          { displayName: 'Twin one', externalId: 'TWIN-7' },
          { type: 'system', id: null },
        );
        await h.runtime.services.customers.create(
          a.tenant.id,
          { displayName: 'Twin two', externalId: 'twin-7' },
          { type: 'system', id: null },
        );
        for (const hint of ['twin-7', 'TWIN-7', 'Twin-7']) {
          assertOAuthError(await start(poll.auth, { login_hint: hint }), 400, 'unknown_user_id');
        }
      });

      it('invalid_binding_message: too long, a line break, a right-to-left override, only spaces', async () => {
        for (const message of [
          'x'.repeat(101),
          'Line one\nLine two',
          'Pay \u202Eevil',
          '   ',
          'zero\u200Bwidth',
        ]) {
          assertOAuthError(
            await start(poll.auth, { binding_message: message }),
            400,
            'invalid_binding_message',
          );
        }
        assert.equal((await started(poll.auth, { binding_message: 'Adresse ändern – Nº 42 ✓' })).interval, 5);
      });

      it('invalid_client (401): none, wrong secret, unknown client, client_secret_post, two methods', async () => {
        assertOAuthError(
          await formPost(h, backchannel, { scope: 'openid', login_hint: 'CUST-A' }),
          401,
          'invalid_client',
        );
        const wrong = await start(basicAuth(poll.id, 'hdacs_wrong'));
        assertOAuthError(wrong, 401, 'invalid_client');
        assert.equal(wrong.headers['www-authenticate'], 'Basic realm="helpdesk-auth"');
        assertOAuthError(
          await start(basicAuth('oic_01JZZZZZZZZZZZZZZZZZZZZZZZ', 'x')),
          401,
          'invalid_client',
        );
        assertOAuthError(await start('Bearer abc'), 401, 'invalid_client');
        const post = await formPost(h, backchannel, {
          scope: 'openid',
          login_hint: 'CUST-A',
          client_id: poll.id,
          client_secret: 'x',
        });
        assertOAuthError(post, 401, 'invalid_client');
        // A secret client presenting an assertion for itself: wrong method for this client.
        assertOAuthError(
          await formPost(
            h,
            backchannel,
            { scope: 'openid', login_hint: 'CUST-A', ...withAssertion(await assertion()) },
            {
              authorization: poll.auth,
            },
          ),
          400,
          'invalid_request',
        );
      });

      it('invalid_client: a replayed assertion, another audience, another key, expired, wrong iss/sub', async () => {
        const good = await assertion();
        const params = { scope: 'openid', login_hint: 'CUST-A' };
        assert.equal((await formPost(h, backchannel, { ...params, ...withAssertion(good) })).statusCode, 200);
        assertOAuthError(
          await formPost(h, backchannel, { ...params, ...withAssertion(good) }),
          401,
          'invalid_client',
        );
        const elsewhere = await assertion({}, jwt.privateKey, 'https://other.example');
        assertOAuthError(
          await formPost(h, backchannel, { ...params, ...withAssertion(elsewhere) }),
          401,
          'invalid_client',
        );
        const forged = await assertion({}, (await generateKeyPair('ES256')).privateKey);
        assertOAuthError(
          await formPost(h, backchannel, { ...params, ...withAssertion(forged) }),
          401,
          'invalid_client',
        );
        const stale = await assertion();
        h.clock.advance(5 * 60_000);
        assertOAuthError(
          await formPost(h, backchannel, { ...params, ...withAssertion(stale) }),
          401,
          'invalid_client',
        );
        const wrongType = { ...withAssertion(await assertion()), client_assertion_type: 'urn:other' };
        assertOAuthError(await formPost(h, backchannel, { ...params, ...wrongType }), 401, 'invalid_client');
        const mismatch = await formPost(h, backchannel, {
          ...params,
          ...withAssertion(await assertion()),
          client_id: poll.id,
        });
        assertOAuthError(mismatch, 400, 'invalid_request');
      });

      it('unauthorized_client: a suspended client; it works again once reactivated', async () => {
        const suspend = (status: string) =>
          h.app.inject({
            method: 'PATCH',
            url: `/v1/oidc-clients/${otherPoll.id}`,
            headers: { authorization: `Bearer ${a.adminKey}` },
            payload: { status },
          });
        assert.equal((await suspend('suspended')).statusCode, 200);
        assertOAuthError(await start(otherPoll.auth), 400, 'unauthorized_client');
        assert.equal((await suspend('active')).statusCode, 200);
        assert.equal((await start(otherPoll.auth)).statusCode, 200);
      });

      it('access_denied (403): the customer has no phone to ask', async () => {
        assertOAuthError(await start(poll.auth, { login_hint: 'NOPHONE' }), 403, 'access_denied');
      });
    });

    describe('token endpoint', () => {
      it('invalid_request: no grant_type, no auth_req_id', async () => {
        assertOAuthError(
          await formPost(h, token, { auth_req_id: 'x' }, { authorization: poll.auth }),
          400,
          'invalid_request',
        );
        assertOAuthError(
          await formPost(h, token, { grant_type: cibaGrant }, { authorization: poll.auth }),
          400,
          'invalid_request',
        );
      });

      it('unsupported_grant_type', async () => {
        const response = await formPost(
          h,
          token,
          { grant_type: 'authorization_code', code: 'x' },
          { authorization: poll.auth },
        );
        assertOAuthError(response, 400, 'unsupported_grant_type');
      });

      it('invalid_client (401): wrong secret; a revoked client', async () => {
        const { auth_req_id } = await started();
        assertOAuthError(await redeem(basicAuth(poll.id, 'hdacs_wrong'), auth_req_id), 401, 'invalid_client');
        const doomed = await registerClient(h, a, {
          name: 'Doomed',
          tokenEndpointAuthMethod: 'client_secret_basic',
          deliveryMode: 'poll',
        });
        const doomedAuth = basicAuth(doomed.id, doomed.secret!);
        const request = await started(doomedAuth);
        const revoked = await h.app.inject({
          method: 'DELETE',
          url: `/v1/oidc-clients/${doomed.id}`,
          headers: { authorization: `Bearer ${a.adminKey}` },
        });
        assert.equal(revoked.statusCode, 200);
        assertOAuthError(await redeem(doomedAuth, request.auth_req_id), 401, 'invalid_client');
      });

      it('unauthorized_client: a suspended client cannot redeem', async () => {
        const request = await started(otherPoll.auth);
        await h.runtime.services.oidcClients.update(
          a.tenant.id,
          otherPoll.id,
          { status: 'suspended' },
          cliActor,
        );
        try {
          assertOAuthError(await redeem(otherPoll.auth, request.auth_req_id), 400, 'unauthorized_client');
        } finally {
          await h.runtime.services.oidcClients.update(
            a.tenant.id,
            otherPoll.id,
            { status: 'active' },
            cliActor,
          );
        }
      });

      it("invalid_grant: an unknown auth_req_id, another client's, another tenant's, one redeemed before", async () => {
        const request = await started();
        assertOAuthError(await redeem(poll.auth, 'cba_01JZZZZZZZZZZZZZZZZZZZZZZZ'), 400, 'invalid_grant');
        assertOAuthError(await redeem(otherPoll.auth, request.auth_req_id), 400, 'invalid_grant');
        assertOAuthError(await redeem(bClient.auth, request.auth_req_id), 400, 'invalid_grant');
        const [shown] = await pendingOnPhone(h, a.device);
        await answerOnPhone(h, a.device, shown!.id, { approveWith: request.verification_code });
        // The other clients' attempts did not use it up.
        assert.equal((await redeem(poll.auth, request.auth_req_id)).statusCode, 200);
        assertOAuthError(await redeem(poll.auth, request.auth_req_id), 400, 'invalid_grant');
      });

      it('authorization_pending, then slow_down when polled before the interval', async () => {
        const request = await started();
        assertOAuthError(await redeem(poll.auth, request.auth_req_id), 400, 'authorization_pending');
        assertOAuthError(await redeem(poll.auth, request.auth_req_id), 400, 'slow_down');
        h.clock.advance(10_000);
        assertOAuthError(await redeem(poll.auth, request.auth_req_id), 400, 'authorization_pending');
      });

      it('two polls at the same moment: at most one counts as on time', async () => {
        const request = await started();
        const answers = await Promise.all([1, 2, 3, 4].map(() => redeem(poll.auth, request.auth_req_id)));
        const errors = answers.map((r) => (r.json() as { error: string }).error).sort();
        assert.deepEqual(errors, ['authorization_pending', 'slow_down', 'slow_down', 'slow_down']);
      });

      it('expired_token: after expires_in, whether or not the phone answered later', async () => {
        const request = await started();
        h.clock.advance(120_000);
        assertOAuthError(await redeem(poll.auth, request.auth_req_id), 400, 'expired_token');
      });

      it('access_denied: denied, fraud reported, cancelled by an agent, superseded', async () => {
        for (const answer of ['deny', 'report_fraud'] as const) {
          const request = await started();
          const [shown] = await pendingOnPhone(h, a.device);
          await answerOnPhone(h, a.device, shown!.id, answer);
          assertOAuthError(await redeem(poll.auth, request.auth_req_id), 400, 'access_denied');
          // A fraud report locks push for the customer until an admin clears it (docs/policy.md).
          await clearPushLock(h, a);
        }
        const cancelled = await started();
        const [shown] = await pendingOnPhone(h, a.device);
        await h.runtime.services.verifications.cancel(a.tenant.id, shown!.id, cliActor);
        assertOAuthError(await redeem(poll.auth, cancelled.auth_req_id), 400, 'access_denied');
        const first = await started();
        assert.equal((await start(poll.auth)).statusCode, 200, 'a newer request for the same customer');
        assertOAuthError(await redeem(poll.auth, first.auth_req_id), 400, 'access_denied');
      });

      it('access_denied: an approval below the acr the client asked for', async () => {
        const request = await started(poll.auth, { acr_values: 'urn:helpdesk-auth:acr:high' });
        const [shown] = await pendingOnPhone(h, a.device);
        await answerOnPhone(h, a.device, shown!.id, { approveWith: request.verification_code });
        assertOAuthError(await redeem(poll.auth, request.auth_req_id), 400, 'access_denied');
        // Unknown acr values are a wish, not a demand: ignored.
        const lenient = await started(poll.auth, { acr_values: 'urn:example:gold' });
        const [next] = await pendingOnPhone(h, a.device);
        await answerOnPhone(h, a.device, next!.id, { approveWith: lenient.verification_code });
        assert.equal((await redeem(poll.auth, lenient.auth_req_id)).statusCode, 200);
      });

      it('the audit log records who got tokens for whom, without any token', async () => {
        const request = await started();
        const [shown] = await pendingOnPhone(h, a.device);
        await answerOnPhone(h, a.device, shown!.id, { approveWith: request.verification_code });
        const response = await redeem(poll.auth, request.auth_req_id);
        const tokens = response.json() as { access_token: string; id_token: string };
        const audit = await h.app.inject({
          method: 'GET',
          url: `/v1/audit-events?action=ciba.tokens_issued&targetId=${request.auth_req_id}`,
          headers: { authorization: `Bearer ${await h.createApiKey(a.tenant, ['audit:read'])}` },
        });
        assert.equal(audit.statusCode, 200, audit.body);
        const items = (audit.json() as { items: Array<{ actor: unknown; data: Record<string, unknown> }> })
          .items;
        assert.equal(items.length, 1);
        assert.equal(items[0]!.data.verificationId, shown!.id);
        assert.ok(!audit.body.includes(tokens.access_token.split('.')[2]!));
        assert.ok(!audit.body.includes(tokens.id_token.split('.')[2]!));
      });
    });
  });
}
