/**
 * Registering OpenID clients for CIBA through the admin API: who may, what is checked (keys,
 * endpoints, secrets shown once and stored as hashes), suspension and revocation, tenant
 * isolation, and the audit trail.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair } from 'jose';
import { basicAuth, formPost } from '../../../test-support/ciba.ts';
import { databaseKinds, startTestHarness, type TestHarness } from '../../../test-support/harness.ts';
import { postgresSkip } from '../../../test-support/postgres.ts';

for (const kind of databaseKinds) {
  describe(`OpenID client registration on ${kind}`, {
    skip: kind === 'postgres' ? await postgresSkip() : false,
  }, () => {
    let h: TestHarness;
    let a: Awaited<ReturnType<TestHarness['tenantWithOperators']>>;
    let b: Awaited<ReturnType<TestHarness['tenantWithOperators']>>;

    const asRole = (
      side: typeof a,
      role: 'admin' | 'supervisor' | 'agent' | 'auditor',
      method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
      url: string,
      payload?: unknown,
    ) => {
      const auth = side.clients[role].auth();
      return h.app.inject({
        method,
        url,
        cookies: auth.cookies,
        headers: auth.headers,
        ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
      });
    };
    const secretClient = {
      name: 'Support desk',
      tokenEndpointAuthMethod: 'client_secret_basic',
      deliveryMode: 'poll',
    };

    before(async () => {
      h = await startTestHarness(kind);
      a = await h.tenantWithOperators('reg-a');
      b = await h.tenantWithOperators('reg-b');
    });
    after(async () => h?.close());

    it('an admin registers a secret client; the secret is shown once, stored only as a hash, and works', async () => {
      const response = await asRole(a, 'admin', 'POST', '/v1/oidc-clients', secretClient);
      assert.equal(response.statusCode, 201, response.body);
      const { client, clientSecret } = response.json() as {
        client: { id: string; status: string; jwks: unknown };
        clientSecret: string;
      };
      assert.match(client.id, /^oic_/);
      assert.match(clientSecret, /^hdacs_[A-Za-z0-9_-]{43}$/);
      assert.equal(client.status, 'active');
      const row = await h.runtime.database.db
        .selectFrom('oidc_clients')
        .selectAll()
        .where('id', '=', client.id)
        .executeTakeFirstOrThrow();
      assert.ok(!JSON.stringify(row).includes(clientSecret.slice(6)), 'the secret is not stored');
      const read = await asRole(a, 'admin', 'GET', `/v1/oidc-clients/${client.id}`);
      assert.ok(!read.body.includes(clientSecret.slice(6)), 'the secret is never shown again');

      // Rotation: the old secret stops working at once.
      const rotated = await asRole(a, 'admin', 'POST', `/v1/oidc-clients/${client.id}/secret`);
      assert.equal(rotated.statusCode, 200);
      const fresh = (rotated.json() as { clientSecret: string }).clientSecret;
      const attempt = (secret: string) =>
        formPost(
          h,
          '/oidc/token',
          { grant_type: 'urn:openid:params:grant-type:ciba', auth_req_id: 'cba_x' },
          {
            authorization: basicAuth(client.id, secret),
          },
        );
      assert.equal((await attempt(clientSecret)).statusCode, 401);
      assert.equal((await attempt(fresh)).statusCode, 400, 'authenticated: only the auth_req_id is wrong');
    });

    it('checks keys and endpoints: private_key_jwt needs public signing keys; ping needs an https endpoint', async () => {
      const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
      // jose refuses to make a short RSA key; node:crypto still can, as an attacker's tool would.
      const shortRsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({
        format: 'jwk',
      });
      const refused: Array<[string, Record<string, unknown>]> = [
        ['jwt without keys', { tokenEndpointAuthMethod: 'private_key_jwt' }],
        [
          'a private key',
          { tokenEndpointAuthMethod: 'private_key_jwt', jwks: { keys: [await exportJWK(privateKey)] } },
        ],
        ['a short RSA key', { tokenEndpointAuthMethod: 'private_key_jwt', jwks: { keys: [shortRsa] } }],
        [
          'a broken key',
          {
            tokenEndpointAuthMethod: 'private_key_jwt',
            jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' }] },
          },
        ],
        ['keys on a secret client', { jwks: { keys: [await exportJWK(publicKey)] } }],
        ['ping without endpoint', { deliveryMode: 'ping' }],
        ['ping over http', { deliveryMode: 'ping', notificationEndpoint: 'http://desk.example/notify' }],
        [
          'an endpoint with credentials',
          { deliveryMode: 'ping', notificationEndpoint: 'https://u:p@desk.example/n' },
        ],
        ['an endpoint on poll', { notificationEndpoint: 'https://desk.example/notify' }],
        ['a blank name', { name: '   ' }],
        [
          'a request signing algorithm on a secret client',
          { backchannelAuthenticationRequestSigningAlg: 'ES256' },
        ],
        [
          'a request signing algorithm no key signs with',
          {
            tokenEndpointAuthMethod: 'private_key_jwt',
            jwks: { keys: [await exportJWK(publicKey)] },
            backchannelAuthenticationRequestSigningAlg: 'RS256',
          },
        ],
      ];
      for (const [label, change] of refused) {
        const response = await asRole(a, 'admin', 'POST', '/v1/oidc-clients', { ...secretClient, ...change });
        assert.equal(response.statusCode, 400, `${label}: ${response.body}`);
        assert.equal((response.json() as { error: { code: string } }).error.code, 'VALIDATION_FAILED', label);
      }
      const jwtClient = await asRole(a, 'admin', 'POST', '/v1/oidc-clients', {
        name: 'JWT',
        tokenEndpointAuthMethod: 'private_key_jwt',
        jwks: { keys: [{ ...(await exportJWK(publicKey)), kid: 'k1' }] },
        deliveryMode: 'ping',
        notificationEndpoint: 'https://desk.example/ciba',
      });
      assert.equal(jwtClient.statusCode, 201, jwtClient.body);
      const body = jwtClient.json() as {
        clientSecret: null;
        client: { jwks: { keys: Array<{ kid: string; x: string }> } };
      };
      assert.equal(body.clientSecret, null);
      assert.equal(body.client.jwks.keys[0]!.kid, 'k1');
      assert.equal(typeof body.client.jwks.keys[0]!.x, 'string', 'the key members are kept');
      const hs = await asRole(a, 'admin', 'POST', '/v1/oidc-clients', {
        ...secretClient,
        tokenEndpointAuthMethod: 'private_key_jwt',
        jwks: { keys: [await exportJWK(publicKey)] },
        backchannelAuthenticationRequestSigningAlg: 'HS256',
      });
      assert.equal(hs.statusCode, 400, 'a symmetric request signing algorithm is not in the schema');
      // A request signing algorithm needs its keys: they may not be swapped for ones that cannot sign so.
      const signing = await asRole(a, 'admin', 'POST', '/v1/oidc-clients', {
        ...secretClient,
        tokenEndpointAuthMethod: 'private_key_jwt',
        jwks: { keys: [await exportJWK(publicKey)] },
        backchannelAuthenticationRequestSigningAlg: 'ES256',
      });
      assert.equal(signing.statusCode, 201, signing.body);
      const signingId = (signing.json() as { client: { id: string } }).client.id;
      const rsa = await generateKeyPair('RS256');
      const swapped = await asRole(a, 'admin', 'PATCH', `/v1/oidc-clients/${signingId}`, {
        jwks: { keys: [await exportJWK(rsa.publicKey)] },
      });
      assert.equal(swapped.statusCode, 400, swapped.body);
      assert.match(swapped.body, /No key in jwks signs with ES256/);
    });

    it('a Keycloak channel needs an https Keycloak unless plain http is allowed for development', async () => {
      const put = (baseUrl: string) =>
        asRole(a, 'admin', 'PUT', '/v1/keycloak-channel', {
          baseUrl,
          realm: 'helpdesk',
          requesterName: 'Acme',
        });
      const refused = await put('http://sso.internal:8080');
      assert.equal(refused.statusCode, 400, refused.body);
      assert.equal((refused.json() as { error: { code: string } }).error.code, 'VALIDATION_FAILED');
      const accepted = await put('https://sso.example.com/');
      assert.equal(accepted.statusCode, 200, accepted.body);
      assert.deepEqual(
        (({ baseUrl, issuer, channelUrl }) => ({ baseUrl, issuer, channelUrl }))(
          accepted.json() as { baseUrl: string; issuer: string; channelUrl: string },
        ),
        {
          baseUrl: 'https://sso.example.com',
          issuer: 'https://sso.example.com/realms/helpdesk',
          channelUrl: `${h.config.publicUrl}/v1/keycloak/authentication-channel`,
        },
      );
    });

    it('only admins write; auditors and admins read; agents and supervisors see nothing', async () => {
      for (const role of ['agent', 'supervisor', 'auditor'] as const) {
        const response = await asRole(a, role, 'POST', '/v1/oidc-clients', secretClient);
        assert.equal(response.statusCode, 403, role);
      }
      for (const role of ['agent', 'supervisor'] as const) {
        assert.equal((await asRole(a, role, 'GET', '/v1/oidc-clients')).statusCode, 403, role);
      }
      assert.equal((await asRole(a, 'auditor', 'GET', '/v1/oidc-clients')).statusCode, 200);
    });

    it("another tenant's client is not found, not changed and not revoked", async () => {
      const created = await asRole(a, 'admin', 'POST', '/v1/oidc-clients', secretClient);
      const id = (created.json() as { client: { id: string } }).client.id;
      const attempts = [
        asRole(b, 'admin', 'GET', `/v1/oidc-clients/${id}`),
        asRole(b, 'admin', 'PATCH', `/v1/oidc-clients/${id}`, { name: 'Hijacked' }),
        asRole(b, 'admin', 'POST', `/v1/oidc-clients/${id}/secret`),
        asRole(b, 'admin', 'DELETE', `/v1/oidc-clients/${id}`),
      ];
      for (const response of await Promise.all(attempts)) {
        assert.equal(response.statusCode, 404, response.body);
      }
      const listed = await asRole(b, 'admin', 'GET', '/v1/oidc-clients');
      assert.ok(!listed.body.includes(id));
      const mine = await asRole(a, 'admin', 'GET', `/v1/oidc-clients/${id}`);
      assert.deepEqual(
        [(mine.json() as { name: string }).name, (mine.json() as { status: string }).status],
        ['Support desk', 'active'],
      );
    });

    it('suspends, reactivates and revokes for good; each change is audited', async () => {
      const created = await asRole(a, 'admin', 'POST', '/v1/oidc-clients', secretClient);
      const id = (created.json() as { client: { id: string } }).client.id;
      const patch = (payload: unknown) => asRole(a, 'admin', 'PATCH', `/v1/oidc-clients/${id}`, payload);
      assert.equal((await patch({ status: 'suspended' })).statusCode, 200);
      assert.equal((await patch({ status: 'active', name: 'Renamed' })).statusCode, 200);
      const revoked = await asRole(a, 'admin', 'DELETE', `/v1/oidc-clients/${id}`);
      assert.equal((revoked.json() as { status: string }).status, 'revoked');
      assert.equal(
        (await asRole(a, 'admin', 'DELETE', `/v1/oidc-clients/${id}`)).statusCode,
        200,
        'twice is harmless',
      );
      const again = await patch({ status: 'active' });
      assert.equal(again.statusCode, 409);
      const audit = await asRole(a, 'admin', 'GET', `/v1/audit-events?targetId=${id}`);
      const actions = (audit.json() as { items: Array<{ action: string }> }).items
        .map((e) => e.action)
        .reverse();
      assert.deepEqual(actions, [
        'oidc_client.created',
        'oidc_client.updated',
        'oidc_client.updated',
        'oidc_client.revoked',
      ]);
    });
  });
}
