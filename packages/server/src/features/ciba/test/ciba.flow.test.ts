/**
 * OpenID CIBA end to end, with the `openid-client` library as the CIBA client over real HTTP, on
 * each database: discovery, the backchannel request, the customer's phone (a raw-protocol test
 * device) showing the binding message and approving with the code the agent reads out, then the
 * tokens, in poll mode (client_secret_basic) and in ping mode (private_key_jwt, with the
 * notification received by a local HTTP server). Denial, expiry and slow_down come back as the
 * protocol errors the library reports.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { type CryptoKey, createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import * as client from 'openid-client';
import {
  answerOnPhone,
  type CibaSide,
  cibaSide,
  pendingOnPhone,
  registerClient,
  startReceiver,
} from '../../../test-support/ciba.ts';
import { databaseKinds, startTestHarness, type TestHarness } from '../../../test-support/harness.ts';
import { postgresSkip } from '../../../test-support/postgres.ts';

const insecure = { execute: [client.allowInsecureRequests] };

async function waitFor<T>(read: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const value = await read();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('gave up waiting');
}

for (const kind of databaseKinds) {
  describe(`CIBA with openid-client on ${kind}`, {
    skip: kind === 'postgres' ? await postgresSkip() : false,
  }, () => {
    let h: TestHarness;
    let side: CibaSide;
    const customer = { externalId: 'CUST-100', email: 'alice@example.com', phone: '+447911123456' };

    before(async () => {
      h = await startTestHarness(
        kind,
        { cibaPollIntervalSeconds: 1, integrationsAllowHttp: true },
        { listen: true, realClock: true },
      );
      side = await cibaSide(h, 'acme', customer);
    });
    after(async () => h?.close());
    // These tests run on the real clock, so the push cap's window (against push bombing) does not
    // pass between them: each starts with the customer's count cleared, as after that window.
    beforeEach(async () => {
      await h.runtime.database.db
        .deleteFrom('rate_limits')
        .where('key', '=', `push:${side.tenant.id}:${side.customerId}`)
        .execute();
    });

    it('publishes a discovery document the library accepts, with issuer = PUBLIC_URL', async () => {
      const { id, secret } = await registerClient(h, side, {
        name: 'Support desk',
        tokenEndpointAuthMethod: 'client_secret_basic',
        deliveryMode: 'poll',
      });
      const config = await client.discovery(
        new URL(h.config.publicUrl),
        id,
        undefined,
        client.ClientSecretBasic(secret!),
        insecure,
      );
      const metadata = config.serverMetadata();
      assert.equal(metadata.issuer, h.config.publicUrl);
      assert.equal(
        metadata.backchannel_authentication_endpoint,
        `${h.config.publicUrl}/oidc/backchannel-authentication`,
      );
      assert.deepEqual(metadata.backchannel_token_delivery_modes_supported, ['poll', 'ping']);
      assert.deepEqual(metadata.grant_types_supported, ['urn:openid:params:grant-type:ciba']);
      assert.deepEqual(metadata.token_endpoint_auth_methods_supported, [
        'client_secret_basic',
        'private_key_jwt',
      ]);
      // The OpenID Provider's own key set, not the devices' /.well-known/jwks.json.
      assert.equal(metadata.jwks_uri, `${h.config.publicUrl}/oidc/jwks.json`);
      assert.deepEqual(metadata.id_token_signing_alg_values_supported, ['ES256', 'RS256']);
    });

    it('poll mode: the phone shows the binding message, the customer approves with the code, the client gets tokens', async () => {
      const { id, secret } = await registerClient(h, side, {
        name: 'Support desk',
        tokenEndpointAuthMethod: 'client_secret_basic',
        deliveryMode: 'poll',
      });
      const config = await client.discovery(
        new URL(h.config.publicUrl),
        id,
        undefined,
        client.ClientSecretBasic(secret!),
        insecure,
      );
      const started = await client.initiateBackchannelAuthentication(config, {
        scope: 'openid',
        login_hint: 'alice@example.com',
        binding_message: 'Card replacement 4711',
        acr_values: 'urn:helpdesk-auth:acr:substantial',
      });
      assert.match(started.auth_req_id, /^cba_/);
      assert.equal(started.interval, 1);
      assert.ok(started.expires_in > 0 && started.expires_in <= 120);
      const code = started.verification_code as string;
      assert.match(code, /^\d{2}$/);

      // The phone shows the binding message as the reason, and the client's name as who asks.
      const [shown] = await pendingOnPhone(h, side.device);
      assert.ok(shown);
      assert.equal(shown.reason, 'Card replacement 4711');
      assert.equal(shown.agentName, 'Support desk');

      const polling = client.pollBackchannelAuthenticationGrant(config, started);
      // Let the client poll at least once while the customer has not answered.
      await waitFor(async () => {
        const row = await h.runtime.database.db
          .selectFrom('ciba_requests')
          .select('last_polled_at')
          .where('id', '=', started.auth_req_id)
          .executeTakeFirst();
        return row?.last_polled_at ?? undefined;
      });
      await answerOnPhone(h, side.device, shown.id, { approveWith: code });
      const tokens = await polling;

      // openid-client has checked the ID token's issuer, audience and times; its signature too, here.
      const claims = tokens.claims()!;
      assert.equal(claims.sub, side.customerId);
      assert.equal(claims.aud, id);
      assert.equal(claims.iss, h.config.publicUrl);
      assert.equal(claims.acr, 'urn:helpdesk-auth:acr:substantial');
      assert.deepEqual(claims.amr, ['swk', 'user']);
      assert.equal(claims.txn, shown.id);
      assert.equal(typeof claims.auth_time, 'number');
      assert.equal(tokens.token_type, 'bearer');
      assert.equal(tokens.scope, 'openid');

      const jwks = createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri!));
      const idToken = await jwtVerify(tokens.id_token!, jwks, { issuer: h.config.publicUrl, audience: id });
      assert.equal(idToken.protectedHeader.alg, 'ES256');
      assert.equal(idToken.payload.sub, side.customerId);

      // The access token is a JWT signed by the same key, for this client and customer.
      const { payload, protectedHeader } = await jwtVerify(tokens.access_token, jwks, {
        issuer: h.config.publicUrl,
        audience: h.config.publicUrl,
        typ: 'at+jwt',
      });
      assert.equal(protectedHeader.alg, 'ES256');
      assert.equal(payload.sub, side.customerId);
      assert.equal(payload.client_id, id);

      // The verification behind it is approved, started by the client, and names the request.
      const verification = await h.runtime.services.verifications.get(side.tenant.id, shown.id);
      assert.equal(verification.status, 'approved');
      assert.equal(verification.callReference, started.auth_req_id);
      assert.deepEqual(verification.startedBy, { type: 'oidc_client', id, name: 'Support desk' });

      // Redeemed once: the same auth_req_id again is invalid_grant.
      await assert.rejects(
        client.genericGrantRequest(config, 'urn:openid:params:grant-type:ciba', {
          auth_req_id: started.auth_req_id,
        }),
        (error: unknown) => error instanceof client.ResponseBodyError && error.error === 'invalid_grant',
      );
    });

    it('ping mode with private_key_jwt: the notification reaches the client with its bearer token, then tokens', async () => {
      const receiver = await startReceiver();
      try {
        const { publicKey, privateKey } = await generateKeyPair('ES256');
        const { id } = await registerClient(h, side, {
          name: 'Branch app',
          tokenEndpointAuthMethod: 'private_key_jwt',
          jwks: { keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }] },
          deliveryMode: 'ping',
          notificationEndpoint: `${receiver.url}/ciba/notify`,
        });
        const config = await client.discovery(
          new URL(h.config.publicUrl),
          id,
          undefined,
          client.PrivateKeyJwt({ key: privateKey, kid: 'k1' }),
          insecure,
        );
        const notificationToken = 'ping-token-8f3a1c';
        const started = await client.initiateBackchannelAuthentication(config, {
          scope: 'openid',
          login_hint: '+44 7911 123456',
          client_notification_token: notificationToken,
        });
        const [shown] = await pendingOnPhone(h, side.device);
        assert.ok(shown);
        assert.equal(shown.reason, 'Sign-in requested by Branch app');

        // Before the answer: authorization_pending, and no notification yet.
        await assert.rejects(
          client.genericGrantRequest(config, 'urn:openid:params:grant-type:ciba', {
            auth_req_id: started.auth_req_id,
          }),
          (error: unknown) =>
            error instanceof client.ResponseBodyError && error.error === 'authorization_pending',
        );
        assert.equal(receiver.received.length, 0);

        await answerOnPhone(h, side.device, shown.id, { approveWith: started.verification_code as string });
        const ping = await receiver.next();
        assert.equal(ping.method, 'POST');
        assert.equal(ping.url, '/ciba/notify');
        assert.equal(ping.headers.authorization, `Bearer ${notificationToken}`);
        assert.match(String(ping.headers['content-type']), /^application\/json/);
        assert.deepEqual(JSON.parse(ping.body), { auth_req_id: started.auth_req_id });

        const tokens = await client.genericGrantRequest(config, 'urn:openid:params:grant-type:ciba', {
          auth_req_id: started.auth_req_id,
        });
        assert.equal(tokens.claims()!.sub, side.customerId);
        assert.equal(tokens.claims()!.aud, id);
        assert.equal(receiver.received.length, 1, 'one notification per request');
      } finally {
        await receiver.close();
      }
    });

    it('private_key_jwt with an Ed25519 key: openid-client signs as Ed25519 (RFC 9864) and completes CIBA', async () => {
      const { publicKey, privateKey } = await generateKeyPair('Ed25519');
      // Registered with the older name, as many JWKS tools write it; either name verifies.
      const { id } = await registerClient(h, side, {
        name: 'Edwards desk',
        tokenEndpointAuthMethod: 'private_key_jwt',
        jwks: { keys: [{ ...(await exportJWK(publicKey)), kid: 'ed1', alg: 'EdDSA', use: 'sig' }] },
        deliveryMode: 'poll',
      });
      const config = await client.discovery(
        new URL(h.config.publicUrl),
        id,
        undefined,
        client.PrivateKeyJwt({ key: privateKey, kid: 'ed1' }),
        insecure,
      );
      assert.ok(
        config.serverMetadata().token_endpoint_auth_signing_alg_values_supported?.includes('Ed25519'),
      );
      const started = await client.initiateBackchannelAuthentication(config, {
        scope: 'openid',
        login_hint: 'cust-100',
      });
      const [shown] = await pendingOnPhone(h, side.device);
      await answerOnPhone(h, side.device, shown!.id, { approveWith: started.verification_code as string });
      const tokens = await client.pollBackchannelAuthenticationGrant(config, started);
      assert.equal(tokens.claims()!.sub, side.customerId);

      // The same key signs an authentication request (CIBA 7.1.1) under the RFC 9864 name too.
      const now = Math.floor(Date.now() / 1000);
      const request = await new SignJWT({
        scope: 'openid',
        login_hint: 'cust-100',
        binding_message: 'Edwards 2Q7M',
        jti: crypto.randomUUID(),
        iss: id,
        aud: h.config.publicUrl,
        iat: now,
        nbf: now,
        exp: now + 300,
      })
        .setProtectedHeader({ alg: 'Ed25519', kid: 'ed1' })
        .sign(privateKey);
      const signedStart = await client.initiateBackchannelAuthentication(config, { request });
      const [signedShown] = await pendingOnPhone(h, side.device);
      assert.equal(signedShown!.reason, 'Edwards 2Q7M');
      await answerOnPhone(h, side.device, signedShown!.id, {
        approveWith: signedStart.verification_code as string,
      });
      assert.equal(
        (await client.pollBackchannelAuthenticationGrant(config, signedStart)).claims()!.sub,
        side.customerId,
      );

      // The assertion's header said Ed25519, and a wrong key is told apart from other failures.
      const other = await generateKeyPair('Ed25519');
      const wrongKey = await client.discovery(
        new URL(h.config.publicUrl),
        id,
        undefined,
        client.PrivateKeyJwt({ key: other.privateKey, kid: 'ed1' }),
        insecure,
      );
      await assert.rejects(
        client.initiateBackchannelAuthentication(wrongKey, { scope: 'openid', login_hint: 'CUST-100' }),
        (error: unknown) =>
          error instanceof client.ResponseBodyError &&
          error.error === 'invalid_client' &&
          /signature does not verify/.test(error.error_description ?? ''),
      );
    });

    it('a signed authentication request (CIBA 7.1.1): verified with the client keys, used once, nothing beside it', async () => {
      const { publicKey, privateKey } = await generateKeyPair('ES256');
      const { id } = await registerClient(h, side, {
        name: 'FAPI desk',
        tokenEndpointAuthMethod: 'private_key_jwt',
        jwks: { keys: [{ ...(await exportJWK(publicKey)), kid: 'r1', alg: 'ES256', use: 'sig' }] },
        deliveryMode: 'poll',
      });
      const config = await client.discovery(
        new URL(h.config.publicUrl),
        id,
        undefined,
        client.PrivateKeyJwt({ key: privateKey, kid: 'r1' }),
        insecure,
      );
      assert.ok(
        (
          config.serverMetadata().backchannel_authentication_request_signing_alg_values_supported as string[]
        ).includes('ES256'),
      );
      const now = Math.floor(Date.now() / 1000);
      const signed = (claims: Record<string, unknown> = {}, key = privateKey) =>
        new SignJWT({
          scope: 'openid',
          login_hint: 'alice@example.com',
          binding_message: 'Signed 7F3K',
          jti: crypto.randomUUID(),
          iss: id,
          aud: h.config.publicUrl,
          iat: now,
          nbf: now,
          exp: now + 300,
          ...claims,
        })
          .setProtectedHeader({ alg: 'ES256', kid: 'r1' })
          .sign(key);
      const request = await signed();
      const started = await client.initiateBackchannelAuthentication(config, { request });
      const [shown] = await pendingOnPhone(h, side.device);
      assert.equal(shown!.reason, 'Signed 7F3K', 'the binding message came from inside the signed request');
      await answerOnPhone(h, side.device, shown!.id, { approveWith: started.verification_code as string });
      const tokens = await client.pollBackchannelAuthenticationGrant(config, started);
      assert.equal(tokens.claims()!.sub, side.customerId);

      const refused = async (parameters: Record<string, string>, why: RegExp) =>
        assert.rejects(client.initiateBackchannelAuthentication(config, parameters), (error: unknown) => {
          assert.ok(error instanceof client.ResponseBodyError, String(error));
          assert.equal(error.error, 'invalid_request');
          assert.match(error.error_description ?? '', why);
          return true;
        });
      await refused({ request }, /already used/);
      await refused({ request: await signed(), login_hint: 'alice@example.com' }, /inside it, not beside it/);
      await refused({ request: await signed({ aud: 'https://elsewhere.example' }) }, /aud/);
      await refused({ request: await signed({ iss: 'another-client' }) }, /iss/);
      await refused({ request: await signed({}, (await generateKeyPair('ES256')).privateKey) }, /signature/);
      const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(
        JSON.stringify({ iss: id, aud: h.config.publicUrl, scope: 'openid', login_hint: 'CUST-100' }),
      ).toString('base64url')}.`;
      await refused({ request: unsigned }, /algorithm|signed request/);
      await refused({ request: await signed({ login_hint: 42 }) }, /must be a string/);
      await refused({ request: await signed({ exp: now + 7200 }) }, /60 minutes/);
      // A client without registered keys cannot sign requests.
      const secretClient = await registerClient(h, side, {
        name: 'Secret desk',
        tokenEndpointAuthMethod: 'client_secret_basic',
        deliveryMode: 'poll',
      });
      const secretConfig = await client.discovery(
        new URL(h.config.publicUrl),
        secretClient.id,
        undefined,
        client.ClientSecretBasic(secretClient.secret!),
        insecure,
      );
      await assert.rejects(
        client.initiateBackchannelAuthentication(secretConfig, { request: await signed() }),
        (error: unknown) =>
          error instanceof client.ResponseBodyError && /registered keys/.test(error.error_description ?? ''),
      );
    });

    it('a client that registered a request signing algorithm must sign every request with it (FAPI-CIBA)', async () => {
      const es = await generateKeyPair('ES256');
      const rsa = await generateKeyPair('PS256');
      const { id } = await registerClient(h, side, {
        name: 'Signing desk',
        tokenEndpointAuthMethod: 'private_key_jwt',
        jwks: {
          keys: [
            { ...(await exportJWK(es.publicKey)), kid: 'e1', alg: 'ES256', use: 'sig' },
            { ...(await exportJWK(rsa.publicKey)), kid: 'p1', use: 'sig' },
          ],
        },
        deliveryMode: 'poll',
        backchannelAuthenticationRequestSigningAlg: 'PS256',
      });
      const config = await client.discovery(
        new URL(h.config.publicUrl),
        id,
        undefined,
        client.PrivateKeyJwt({ key: es.privateKey, kid: 'e1' }),
        insecure,
      );
      const now = Math.floor(Date.now() / 1000);
      const signed = (alg: string, kid: string, key: CryptoKey) =>
        new SignJWT({
          scope: 'openid',
          login_hint: 'CUST-100',
          jti: crypto.randomUUID(),
          iss: id,
          aud: h.config.publicUrl,
          iat: now,
          nbf: now,
          exp: now + 300,
        })
          .setProtectedHeader({ alg, kid })
          .sign(key);
      const refused = async (parameters: Record<string, string>, why: RegExp) =>
        assert.rejects(client.initiateBackchannelAuthentication(config, parameters), (error: unknown) => {
          assert.ok(error instanceof client.ResponseBodyError, String(error));
          assert.equal(error.error, 'invalid_request');
          assert.match(error.error_description ?? '', why);
          return true;
        });
      await refused({ scope: 'openid', login_hint: 'CUST-100' }, /PS256: send the request signed/);
      // Signed with another of its keys, under an algorithm it did not register for requests.
      await refused({ request: await signed('ES256', 'e1', es.privateKey) }, /not PS256/);
      const started = await client.initiateBackchannelAuthentication(config, {
        request: await signed('PS256', 'p1', rsa.privateKey),
      });
      const [shown] = await pendingOnPhone(h, side.device);
      await answerOnPhone(h, side.device, shown!.id, { approveWith: started.verification_code as string });
      assert.equal(
        (await client.pollBackchannelAuthenticationGrant(config, started)).claims()!.sub,
        side.customerId,
      );

      // Cleared by an admin: plain requests are taken again.
      const cleared = await h.app.inject({
        method: 'PATCH',
        url: `/v1/oidc-clients/${id}`,
        headers: { authorization: `Bearer ${side.adminKey}`, 'content-type': 'application/json' },
        payload: { backchannelAuthenticationRequestSigningAlg: null },
      });
      assert.equal(cleared.statusCode, 200, cleared.body);
      assert.equal(cleared.json().backchannelAuthenticationRequestSigningAlg, null);
      const plain = await client.initiateBackchannelAuthentication(config, {
        scope: 'openid',
        login_hint: 'CUST-100',
      });
      assert.match(plain.auth_req_id, /^cba_/);
    });

    it('RFC 7591 dynamic registration: openid-client registers a private_key_jwt client and a secret client, both complete CIBA', async () => {
      const { publicKey, privateKey } = await generateKeyPair('Ed25519');
      const config = await client.dynamicClientRegistration(
        new URL(h.config.publicUrl),
        {
          client_name: 'Registered desk',
          token_endpoint_auth_method: 'private_key_jwt',
          jwks: { keys: [{ ...(await exportJWK(publicKey)), kid: 'd1', use: 'sig' }] },
          grant_types: ['urn:openid:params:grant-type:ciba'],
          backchannel_token_delivery_mode: 'poll',
          backchannel_authentication_request_signing_alg: 'Ed25519',
        },
        client.PrivateKeyJwt({ key: privateKey, kid: 'd1' }),
        { initialAccessToken: side.adminKey, ...insecure },
      );
      const registered = config.clientMetadata();
      assert.match(registered.client_id, /^oic_/);
      assert.equal(registered.backchannel_token_delivery_mode, 'poll');
      assert.equal(registered.backchannel_authentication_request_signing_alg, 'Ed25519');
      const listed = await h.app.inject({
        method: 'GET',
        url: `/v1/oidc-clients/${registered.client_id}`,
        headers: { authorization: `Bearer ${side.adminKey}` },
      });
      assert.equal(listed.statusCode, 200, listed.body);
      assert.equal(listed.json().name, 'Registered desk');
      assert.equal(listed.json().backchannelAuthenticationRequestSigningAlg, 'Ed25519');
      // It registered a request signing algorithm, so a plain request is refused...
      await assert.rejects(
        client.initiateBackchannelAuthentication(config, { scope: 'openid', login_hint: 'CUST-100' }),
        (error: unknown) =>
          error instanceof client.ResponseBodyError &&
          error.error === 'invalid_request' &&
          /send the request signed/.test(error.error_description ?? ''),
      );
      // ...and a signed one is taken.
      const now = Math.floor(Date.now() / 1000);
      const request = await new SignJWT({
        scope: 'openid',
        login_hint: 'CUST-100',
        jti: crypto.randomUUID(),
        iss: registered.client_id,
        aud: h.config.publicUrl,
        iat: now,
        nbf: now,
        exp: now + 300,
      })
        .setProtectedHeader({ alg: 'Ed25519', kid: 'd1' })
        .sign(privateKey);
      const started = await client.initiateBackchannelAuthentication(config, { request });
      const [shown] = await pendingOnPhone(h, side.device);
      assert.equal(shown!.agentName, 'Registered desk');
      await answerOnPhone(h, side.device, shown!.id, { approveWith: started.verification_code as string });
      assert.equal(
        (await client.pollBackchannelAuthenticationGrant(config, started)).claims()!.sub,
        side.customerId,
      );

      // A secret client: the secret comes back once, and openid-client uses it with HTTP Basic.
      const secretConfig = await client.dynamicClientRegistration(
        new URL(h.config.publicUrl),
        {
          client_name: 'Registered secret desk',
          token_endpoint_auth_method: 'client_secret_basic',
          backchannel_token_delivery_mode: 'poll',
        },
        undefined,
        { initialAccessToken: side.adminKey, ...insecure },
      );
      const secret = String(secretConfig.clientMetadata().client_secret);
      assert.match(secret, /^hdacs_/);
      // openid-client would send it in the body (client_secret_post); this provider takes HTTP Basic.
      const basic = new client.Configuration(
        secretConfig.serverMetadata(),
        secretConfig.clientMetadata().client_id,
        undefined,
        client.ClientSecretBasic(secret),
      );
      client.allowInsecureRequests(basic);
      const second = await client.initiateBackchannelAuthentication(basic, {
        scope: 'openid',
        login_hint: 'CUST-100',
      });
      assert.match(second.auth_req_id, /^cba_/);
    });

    it('RFC 7591 dynamic registration in ping mode: backchannel_client_notification_endpoint gets the notification', async () => {
      const receiver = await startReceiver();
      try {
        const config = await client.dynamicClientRegistration(
          new URL(h.config.publicUrl),
          {
            client_name: 'Registered ping desk',
            token_endpoint_auth_method: 'client_secret_basic',
            grant_types: ['urn:openid:params:grant-type:ciba'],
            backchannel_token_delivery_mode: 'ping',
            backchannel_client_notification_endpoint: `${receiver.url}/registered/notify`,
          },
          undefined,
          { initialAccessToken: side.adminKey, ...insecure },
        );
        const registered = config.clientMetadata();
        assert.equal(registered.backchannel_token_delivery_mode, 'ping');
        assert.equal(
          registered.backchannel_client_notification_endpoint,
          `${receiver.url}/registered/notify`,
        );
        const listed = await h.app.inject({
          method: 'GET',
          url: `/v1/oidc-clients/${registered.client_id}`,
          headers: { authorization: `Bearer ${side.adminKey}` },
        });
        assert.deepEqual(
          [listed.json().deliveryMode, listed.json().notificationEndpoint],
          ['ping', `${receiver.url}/registered/notify`],
        );
        const basic = new client.Configuration(
          config.serverMetadata(),
          registered.client_id,
          undefined,
          client.ClientSecretBasic(String(registered.client_secret)),
        );
        client.allowInsecureRequests(basic);
        const started = await client.initiateBackchannelAuthentication(basic, {
          scope: 'openid',
          login_hint: 'CUST-100',
          client_notification_token: 'registered-ping-51c0',
        });
        const [shown] = await pendingOnPhone(h, side.device);
        await answerOnPhone(h, side.device, shown!.id, { approveWith: started.verification_code as string });
        const ping = await receiver.next();
        assert.equal(ping.url, '/registered/notify');
        assert.equal(ping.headers.authorization, 'Bearer registered-ping-51c0');
        assert.deepEqual(JSON.parse(ping.body), { auth_req_id: started.auth_req_id });
        const tokens = await client.genericGrantRequest(basic, 'urn:openid:params:grant-type:ciba', {
          auth_req_id: started.auth_req_id,
        });
        assert.equal(tokens.claims()!.sub, side.customerId);
      } finally {
        await receiver.close();
      }
    });

    it('RFC 7591 dynamic registration refuses a missing or weak initial access token and unusable metadata', async () => {
      const register = (body: unknown, authorization?: string) =>
        h.app.inject({
          method: 'POST',
          url: '/oidc/register',
          headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
          payload: JSON.stringify(body),
        });
      const good = { client_name: 'Desk', backchannel_token_delivery_mode: 'poll' };
      const anonymous = await register(good);
      assert.deepEqual([anonymous.statusCode, anonymous.json().error], [401, 'invalid_token']);
      assert.match(String(anonymous.headers['www-authenticate']), /^Bearer error="invalid_token"/);
      const readOnly = await h.createApiKey(side.tenant, ['oidc-clients:read']);
      const weak = await register(good, `Bearer ${readOnly}`);
      assert.deepEqual([weak.statusCode, weak.json().error], [403, 'insufficient_scope']);
      const auth = `Bearer ${side.adminKey}`;
      const { x: ecX, y: ecY } = await exportJWK((await generateKeyPair('ES256')).publicKey);
      for (const [body, why] of [
        [{ backchannel_token_delivery_mode: 'poll' }, /client_name/],
        [{ ...good, backchannel_token_delivery_mode: 'push' }, /delivery_mode/],
        [{ ...good, token_endpoint_auth_method: 'client_secret_post' }, /token_endpoint_auth_method/],
        [{ ...good, grant_types: ['authorization_code'] }, /grant_types/],
        [{ ...good, jwks_uri: 'https://keys.example/jwks' }, /jwks_uri/],
        [{ ...good, token_endpoint_auth_method: 'private_key_jwt' }, /jwks/],
        [
          { ...good, backchannel_token_delivery_mode: 'ping' },
          /needs a backchannel_client_notification_endpoint/,
        ],
        [
          { ...good, backchannel_client_notification_endpoint: 'https://desk.example/notify' },
          /^backchannel_client_notification_endpoint is only for ping mode/,
        ],
        [
          {
            ...good,
            backchannel_token_delivery_mode: 'ping',
            backchannel_client_notification_endpoint: 'https://user:pw@desk.example/notify',
          },
          /^backchannel_client_notification_endpoint must not contain credentials/,
        ],
        [{ ...good, id_token_signed_response_alg: 'HS256' }, /ES256/],
        [{ ...good, backchannel_authentication_request_signing_alg: 'HS256' }, /signing_alg must be one of/],
        [
          {
            ...good,
            token_endpoint_auth_method: 'private_key_jwt',
            jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: ecX, y: ecY, alg: 'ES256' }] },
            backchannel_authentication_request_signing_alg: 'PS256',
          },
          /^No key in jwks signs with PS256, the backchannel_authentication_request_signing_alg/,
        ],
        [{ ...good, client_name: 42 }, /metadata/],
      ] as const) {
        const refused = await register(body, auth);
        assert.equal(refused.statusCode, 400, refused.body);
        assert.equal(refused.json().error, 'invalid_client_metadata');
        assert.match(refused.json().error_description, why);
      }
    });

    it('denial on the phone: polling ends with access_denied; a ping client is notified of it too', async () => {
      const receiver = await startReceiver();
      try {
        const { id, secret } = await registerClient(h, side, {
          name: 'Support desk',
          tokenEndpointAuthMethod: 'client_secret_basic',
          deliveryMode: 'ping',
          notificationEndpoint: receiver.url,
        });
        const config = await client.discovery(
          new URL(h.config.publicUrl),
          id,
          undefined,
          client.ClientSecretBasic(secret!),
          insecure,
        );
        const started = await client.initiateBackchannelAuthentication(config, {
          scope: 'openid',
          login_hint: 'CUST-100',
          client_notification_token: 'deny-token',
        });
        const [shown] = await pendingOnPhone(h, side.device);
        await answerOnPhone(h, side.device, shown!.id, 'deny');
        const ping = await receiver.next();
        assert.equal(ping.headers.authorization, 'Bearer deny-token');
        await assert.rejects(
          client.pollBackchannelAuthenticationGrant(config, started),
          (error: unknown) => error instanceof client.ResponseBodyError && error.error === 'access_denied',
        );
      } finally {
        await receiver.close();
      }
    });
  });
}

describe('CIBA expiry and slow_down with openid-client (time moved by the test)', () => {
  let h: TestHarness;
  let side: CibaSide;
  let config: client.Configuration;

  before(async () => {
    h = await startTestHarness('sqlite', { cibaPollIntervalSeconds: 5 }, { listen: true });
    side = await cibaSide(h, 'slow', { externalId: 'S-1', email: 'sam@example.com', phone: '+447911123457' });
    const { id, secret } = await registerClient(h, side, {
      name: 'Support desk',
      tokenEndpointAuthMethod: 'client_secret_basic',
      deliveryMode: 'poll',
    });
    config = await client.discovery(
      new URL(h.config.publicUrl),
      id,
      undefined,
      client.ClientSecretBasic(secret!),
      insecure,
    );
  });
  after(async () => h?.close());

  const grant = (authReqId: string) =>
    client.genericGrantRequest(config, 'urn:openid:params:grant-type:ciba', { auth_req_id: authReqId });
  const failsWith = (code: string) => (error: unknown) =>
    error instanceof client.ResponseBodyError && error.error === code;

  it('polling faster than the interval gets slow_down, and the interval grows by 5 seconds', async () => {
    const started = await client.initiateBackchannelAuthentication(config, {
      scope: 'openid',
      login_hint: 'S-1',
    });
    assert.equal(started.interval, 5);
    await assert.rejects(grant(started.auth_req_id), failsWith('authorization_pending'));
    h.clock.advance(4_000);
    await assert.rejects(grant(started.auth_req_id), failsWith('slow_down'));
    // Now 10 seconds are needed: 5 more are still too early, 10 are enough.
    h.clock.advance(5_000);
    await assert.rejects(grant(started.auth_req_id), failsWith('slow_down'));
    h.clock.advance(15_000);
    await assert.rejects(grant(started.auth_req_id), failsWith('authorization_pending'));
  });

  it('a request nobody answers expires: expired_token, and the phone no longer shows it', async () => {
    const started = await client.initiateBackchannelAuthentication(config, {
      scope: 'openid',
      login_hint: 'S-1',
    });
    assert.equal((await pendingOnPhone(h, side.device)).length, 1);
    h.clock.advance(started.expires_in * 1000);
    await assert.rejects(grant(started.auth_req_id), failsWith('expired_token'));
    assert.deepEqual(await pendingOnPhone(h, side.device), []);
  });

  it('requested_expiry shortens the request: expired_token then, and the phone stops asking', async () => {
    const started = await client.initiateBackchannelAuthentication(config, {
      scope: 'openid',
      login_hint: 'S-1',
      requested_expiry: '30',
    });
    assert.equal(started.expires_in, 30);
    const [shown] = await pendingOnPhone(h, side.device);
    h.clock.advance(30_000);
    await assert.rejects(grant(started.auth_req_id), failsWith('expired_token'));
    const verification = await h.runtime.services.verifications.get(side.tenant.id, shown!.id);
    assert.equal(verification.status, 'cancelled');
  });

  it('a requested_expiry beyond the verification lifetime is capped to it', async () => {
    const started = await client.initiateBackchannelAuthentication(config, {
      scope: 'openid',
      login_hint: 'S-1',
      requested_expiry: '3600',
    });
    assert.equal(started.expires_in, 120);
  });
});
