/**
 * RS256 ID tokens per OpenID client, on each database: the server's RSA key (made once, sealed,
 * shared by every process, published in the OpenID JWKS and never in the devices' one), clients
 * choosing RS256 through the admin API, RFC 7591 registration and PATCH, and `openid-client`
 * completing CIBA poll and checking the ID token's signature against the published JWKS.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createDeviceClient, createMemoryKeyStore } from '@helpdesk-auth/device-sdk';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import * as client from 'openid-client';
import { cliActor } from '../../../platform/audit-log.ts';
import { createServerKeyService } from '../../../platform/signing/server-keys.ts';
import {
  answerOnPhone,
  type CibaSide,
  cibaSide,
  pendingOnPhone,
  registerClient,
} from '../../../test-support/ciba.ts';
import { databaseKinds, startTestHarness, type TestHarness } from '../../../test-support/harness.ts';
import { postgresSkip } from '../../../test-support/postgres.ts';

interface Jwk {
  kty: string;
  kid: string;
  alg: string;
  use: string;
  crv?: string;
  n?: string;
  [member: string]: unknown;
}

const privateMembers = ['d', 'p', 'q', 'dp', 'dq', 'qi'];

for (const kind of databaseKinds) {
  describe(`RS256 ID tokens on ${kind}`, { skip: kind === 'postgres' ? await postgresSkip() : false }, () => {
    let h: TestHarness;
    let side: CibaSide;
    const customer = { externalId: 'CUST-256', email: 'rsa@example.com', phone: '+447911123256' };

    before(async () => {
      h = await startTestHarness(
        kind,
        { cibaPollIntervalSeconds: 1, integrationsAllowHttp: true },
        { listen: true, realClock: true },
      );
      side = await cibaSide(h, 'rsa', customer);
    });
    after(async () => h?.close());
    // The real clock: each test starts with the customer's push count cleared, as after its window.
    beforeEach(async () => {
      await h.runtime.database.db
        .deleteFrom('rate_limits')
        .where('key', '=', `push:${side.tenant.id}:${side.customerId}`)
        .execute();
    });

    const getJson = async (path: string) => {
      const response = await fetch(`${h.config.publicUrl}${path}`);
      assert.equal(response.status, 200, path);
      return (await response.json()) as { keys: Jwk[] };
    };

    /**
     * CIBA poll with openid-client for a client_secret_basic client that registered `alg`: the
     * library is told the algorithm (client metadata) and checks the ID token's signature with
     * the discovery document's jwks_uri (non-repudiation checks).
     */
    async function pollWithOpenIdClient(id: string, secret: string, alg: 'RS256' | 'ES256') {
      const config = await client.discovery(
        new URL(h.config.publicUrl),
        id,
        { id_token_signed_response_alg: alg },
        client.ClientSecretBasic(secret),
        { execute: [client.allowInsecureRequests, client.enableNonRepudiationChecks] },
      );
      const started = await client.initiateBackchannelAuthentication(config, {
        scope: 'openid',
        login_hint: customer.externalId,
        binding_message: `Check ${alg}`,
      });
      const [shown] = await pendingOnPhone(h, side.device);
      assert.ok(shown);
      await answerOnPhone(h, side.device, shown.id, { approveWith: started.verification_code as string });
      const tokens = await client.pollBackchannelAuthenticationGrant(config, started);
      const claims = tokens.claims()!;
      assert.equal(claims.sub, side.customerId);
      assert.equal(claims.aud, id);
      assert.equal(claims.txn, shown.id);
      return { config, tokens, verificationId: shown.id };
    }

    it('makes one RSA key for every process, sealed at rest, published with kid, alg RS256 and use sig', async () => {
      // Three services on one database, as three processes starting at once, all asking first.
      const other = createServerKeyService(h.runtime.services.context);
      const third = createServerKeyService(h.runtime.services.context);
      const [a, b, c] = await Promise.all([
        h.runtime.services.serverKeys.rsaIdTokenKey(),
        other.rsaIdTokenKey(),
        third.rsaIdTokenKey(),
      ]);
      assert.equal(b.kid, a.kid, 'every process signs with the same (oldest) key');
      assert.equal(c.kid, a.kid);
      assert.equal(a.privateKey.asymmetricKeyType, 'rsa');
      assert.ok(a.privateKey.asymmetricKeyDetails!.modulusLength! >= 2048);

      const rows = await h.runtime.database.db
        .selectFrom('server_keys')
        .selectAll()
        .where('purpose', '=', 'id-token-rsa')
        .execute();
      assert.ok(rows.length >= 1);
      const privateJwk = a.privateKey.export({ format: 'jwk' });
      for (const row of rows) {
        // The private half is sealed: neither its members nor its secret values appear.
        assert.doesNotMatch(row.private_sealed, /"d"|"p"|"qi"/);
        assert.ok(!row.private_sealed.includes(privateJwk.d!));
        assert.ok(!row.public_key.includes(privateJwk.d!));
        const published = JSON.parse(row.public_key) as Jwk;
        for (const member of privateMembers) assert.ok(!(member in published), member);
      }

      const oidc = await getJson('/oidc/jwks.json');
      const rsa = oidc.keys.filter((key) => key.kty === 'RSA');
      assert.deepEqual(rsa.map((key) => key.kid).sort(), rows.map((row) => row.id).sort());
      const signing = rsa.find((key) => key.kid === a.kid)!;
      assert.equal(signing.alg, 'RS256');
      assert.equal(signing.use, 'sig');
      assert.ok(Buffer.from(signing.n!, 'base64url').length >= 256, 'at least 2048 bits');
      for (const member of privateMembers) assert.ok(!(member in signing), member);
      // The ES256 keys that sign access tokens and ES256 ID tokens are there too.
      const es256 = oidc.keys.filter((key) => key.kty === 'EC');
      assert.ok(es256.length >= 1);
      assert.ok(es256.every((key) => key.alg === 'ES256' && key.crv === 'P-256' && key.use === 'sig'));
    });

    it('keeps the RSA key out of the device JWKS, enrollment and the signed key sets', async () => {
      const rsaKid = (await h.runtime.services.serverKeys.rsaIdTokenKey()).kid;
      const onlyP256 = (keys: Jwk[], where: string) => {
        assert.ok(keys.length >= 1, where);
        for (const key of keys) {
          assert.deepEqual([key.kty, key.crv, key.alg], ['EC', 'P-256', 'ES256'], where);
          assert.notEqual(key.kid, rsaKid, where);
        }
      };
      onlyP256((await getJson('/.well-known/jwks.json')).keys, 'device JWKS');
      // What a device (the device SDK) pins at enrollment, and what it learns after a rotation.
      const activation = await h.runtime.services.devices.createActivation(
        side.tenant.id,
        side.customerId,
        cliActor,
      );
      const enrolled = await createDeviceClient({ store: createMemoryKeyStore(), baseUrl: h.baseUrl }).enroll(
        activation.code,
        { label: 'Second phone', platform: 'cli' },
      );
      onlyP256(enrolled.jwks.keys as Jwk[], 'enrollment');
      await h.runtime.services.serverKeys.rotate({ tenantIds: [side.tenant.id], actor: cliActor });
      const { keySets } = await h.runtime.services.serverKeys.keySetsAfter(0);
      assert.ok(keySets.length >= 1);
      for (const jws of keySets) onlyP256((decodeJwt(jws) as { keys: Jwk[] }).keys, 'key set');
      onlyP256((await getJson('/.well-known/jwks.json')).keys, 'device JWKS after the rotation');
      // The OpenID JWKS follows the rotation: both ES256 keys, and still the RSA key.
      const oidc = await getJson('/oidc/jwks.json');
      assert.ok(oidc.keys.filter((key) => key.kty === 'EC').length >= 2);
      assert.ok(oidc.keys.some((key) => key.kid === rsaKid));
    });

    it('discovery lists RS256 and ES256, and points at the OpenID JWKS', async () => {
      const config = await client.discovery(new URL(h.config.publicUrl), 'any', undefined, client.None(), {
        execute: [client.allowInsecureRequests],
      });
      const metadata = config.serverMetadata();
      assert.deepEqual(metadata.id_token_signing_alg_values_supported, ['ES256', 'RS256']);
      assert.equal(metadata.jwks_uri, `${h.config.publicUrl}/oidc/jwks.json`);
    });

    it('a client registered for RS256 (admin API): openid-client completes CIBA poll and verifies the RS256 ID token', async () => {
      const { id, secret } = await registerClient(h, side, {
        name: 'RSA desk',
        tokenEndpointAuthMethod: 'client_secret_basic',
        deliveryMode: 'poll',
        idTokenSignedResponseAlg: 'RS256',
      });
      const view = await h.app.inject({
        method: 'GET',
        url: `/v1/oidc-clients/${id}`,
        headers: { authorization: `Bearer ${side.adminKey}` },
      });
      assert.equal(view.json().idTokenSignedResponseAlg, 'RS256');

      const { config, tokens } = await pollWithOpenIdClient(id, secret!, 'RS256');
      const rsaKid = (await h.runtime.services.serverKeys.rsaIdTokenKey()).kid;
      const header = decodeProtectedHeader(tokens.id_token!);
      assert.deepEqual([header.alg, header.kid, header.typ], ['RS256', rsaKid, 'JWT']);
      const jwksUri = new URL(config.serverMetadata().jwks_uri!);
      const verified = await jwtVerify(tokens.id_token!, createRemoteJWKSet(jwksUri), {
        algorithms: ['RS256'],
        issuer: h.config.publicUrl,
        audience: id,
      });
      assert.equal(verified.payload.sub, side.customerId);
      // The RSA key is not in the devices' key set, so the token does not verify against it.
      await assert.rejects(
        jwtVerify(
          tokens.id_token!,
          createRemoteJWKSet(new URL(`${h.config.publicUrl}/.well-known/jwks.json`)),
        ),
        { code: 'ERR_JWKS_NO_MATCHING_KEY' },
      );
      // The access token stays ES256 (RFC 9068), verifiable at the same jwks_uri.
      const access = await jwtVerify(tokens.access_token, createRemoteJWKSet(jwksUri), {
        algorithms: ['ES256'],
        typ: 'at+jwt',
        audience: h.config.publicUrl,
      });
      assert.equal(access.payload.client_id, id);
    });

    it('an ES256 client (the default) still gets ES256 ID tokens, and openid-client verifies them', async () => {
      const { id, secret } = await registerClient(h, side, {
        name: 'EC desk',
        tokenEndpointAuthMethod: 'client_secret_basic',
        deliveryMode: 'poll',
      });
      const view = await h.app.inject({
        method: 'GET',
        url: `/v1/oidc-clients/${id}`,
        headers: { authorization: `Bearer ${side.adminKey}` },
      });
      assert.equal(view.json().idTokenSignedResponseAlg, 'ES256');
      const { tokens } = await pollWithOpenIdClient(id, secret!, 'ES256');
      const header = decodeProtectedHeader(tokens.id_token!);
      assert.equal(header.alg, 'ES256');
      assert.equal(header.kid, (await h.runtime.services.serverKeys.signingKey()).kid);
    });

    it('RFC 7591 registration asks for RS256 by id_token_signed_response_alg, and its tokens are RS256', async () => {
      const response = await h.app.inject({
        method: 'POST',
        url: '/oidc/register',
        headers: { authorization: `Bearer ${side.adminKey}`, 'content-type': 'application/json' },
        payload: JSON.stringify({
          client_name: 'Registered RSA desk',
          backchannel_token_delivery_mode: 'poll',
          id_token_signed_response_alg: 'RS256',
        }),
      });
      assert.equal(response.statusCode, 201, response.body);
      const registered = response.json() as {
        client_id: string;
        client_secret: string;
        id_token_signed_response_alg: string;
      };
      assert.equal(registered.id_token_signed_response_alg, 'RS256');
      const { tokens } = await pollWithOpenIdClient(registered.client_id, registered.client_secret, 'RS256');
      assert.equal(decodeProtectedHeader(tokens.id_token!).alg, 'RS256');

      // Without the member: ES256, and the answer says so.
      const plain = await h.app.inject({
        method: 'POST',
        url: '/oidc/register',
        headers: { authorization: `Bearer ${side.adminKey}`, 'content-type': 'application/json' },
        payload: JSON.stringify({
          client_name: 'Registered EC desk',
          backchannel_token_delivery_mode: 'poll',
        }),
      });
      assert.equal(plain.statusCode, 201, plain.body);
      assert.equal(plain.json().id_token_signed_response_alg, 'ES256');
    });

    it('PATCH moves a client to RS256 (audited) and its next ID token follows', async () => {
      const { id, secret } = await registerClient(h, side, {
        name: 'Moving desk',
        tokenEndpointAuthMethod: 'client_secret_basic',
        deliveryMode: 'poll',
      });
      const patched = await h.app.inject({
        method: 'PATCH',
        url: `/v1/oidc-clients/${id}`,
        headers: { authorization: `Bearer ${side.adminKey}` },
        payload: { idTokenSignedResponseAlg: 'RS256' },
      });
      assert.equal(patched.statusCode, 200, patched.body);
      assert.equal(patched.json().idTokenSignedResponseAlg, 'RS256');
      const audit = await h.runtime.database.db
        .selectFrom('audit_events')
        .select('data')
        .where('action', '=', 'oidc_client.updated')
        .where('target_id', '=', id)
        .executeTakeFirstOrThrow();
      assert.match(String(audit.data), /idTokenSignedResponseAlg/);
      const { tokens } = await pollWithOpenIdClient(id, secret!, 'RS256');
      assert.equal(decodeProtectedHeader(tokens.id_token!).alg, 'RS256');
    });

    it('refuses any other algorithm with the typed error, on every way in, and changes nothing', async () => {
      const auth = { authorization: `Bearer ${side.adminKey}` };
      const { id } = await registerClient(h, side, {
        name: 'Fixed desk',
        tokenEndpointAuthMethod: 'client_secret_basic',
        deliveryMode: 'poll',
      });
      const count = async () =>
        (
          await h.runtime.database.db
            .selectFrom('oidc_clients')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('tenant_id', '=', side.tenant.id)
            .executeTakeFirstOrThrow()
        ).n;
      const before = Number(await count());
      for (const alg of ['HS256', 'none', 'PS256', 'ES384', 'EdDSA', 'rs256', '', 'RS256 ']) {
        const created = await h.app.inject({
          method: 'POST',
          url: '/v1/oidc-clients',
          headers: auth,
          payload: {
            name: 'Bad desk',
            tokenEndpointAuthMethod: 'client_secret_basic',
            deliveryMode: 'poll',
            idTokenSignedResponseAlg: alg,
          },
        });
        assert.equal(created.statusCode, 400, `${alg}: ${created.body}`);
        assert.equal(created.json().error.code, 'VALIDATION_FAILED', alg);

        const patched = await h.app.inject({
          method: 'PATCH',
          url: `/v1/oidc-clients/${id}`,
          headers: auth,
          payload: { idTokenSignedResponseAlg: alg },
        });
        assert.equal(patched.statusCode, 400, `${alg}: ${patched.body}`);
        assert.equal(patched.json().error.code, 'VALIDATION_FAILED', alg);

        const registered = await h.app.inject({
          method: 'POST',
          url: '/oidc/register',
          headers: { ...auth, 'content-type': 'application/json' },
          payload: JSON.stringify({
            client_name: 'Bad desk',
            backchannel_token_delivery_mode: 'poll',
            id_token_signed_response_alg: alg,
          }),
        });
        assert.equal(registered.statusCode, 400, `${alg}: ${registered.body}`);
        assert.equal(registered.json().error, 'invalid_client_metadata', alg);
        assert.match(registered.json().error_description, /ES256, RS256/);
      }
      assert.equal(Number(await count()), before, 'no client was registered');
      const view = await h.app.inject({ method: 'GET', url: `/v1/oidc-clients/${id}`, headers: auth });
      assert.equal(view.json().idTokenSignedResponseAlg, 'ES256', 'the client kept its algorithm');
    });
  });
}
