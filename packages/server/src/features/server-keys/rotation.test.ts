/**
 * Signing-key rotation end to end, on both databases: devices enrolled before a rotation (the
 * device SDK, and a raw-protocol device written here from docs/device-protocol.md with jose only)
 * keep verifying requests through the overlap and after the old key retires, walking the chain
 * of signed key sets; forged and rolled-back key sets are refused; the admin API's permissions,
 * audit, input checks and parallel rotations.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { decisionSigningPayload, jwsTypes } from '@helpdesk-auth/core';
import {
  createDeviceClient,
  createMemoryKeyStore,
  type DeviceClient,
  DeviceSdkError,
} from '@helpdesk-auth/device-sdk';
import {
  CompactSign,
  type CryptoKey,
  createLocalJWKSet,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  type JWK,
  jwtVerify,
  SignJWT,
} from 'jose';
import { readAuditChain } from '../../platform/audit-log.ts';
import {
  databaseKinds,
  startTestHarness,
  type TestHarness,
  type TestTenant,
} from '../../test-support/harness.ts';
import { postgresSkip } from '../../test-support/postgres.ts';

const system = { type: 'system', id: null } as const;
const dayMs = 24 * 60 * 60 * 1000;

/** The fields these tests read from the API's answers. */
interface Answer {
  id?: string;
  code?: string;
  kid?: string;
  replaced?: string[];
  version?: number;
  retiresAt?: string;
  keys?: Array<{ kid: string; status: string }>;
  keySets?: string[];
  error?: { code: string };
}

/** A published server key; one a rotation replaced carries `exp`. */
type ServerJwk = JWK & { exp?: number };

/**
 * A device written from docs/device-protocol.md with jose only: proofs, enrollment, fetching a
 * request, learning new server keys from the signed key sets, and a signed decision.
 */
async function rawDevice(h: TestHarness, activationCode: string) {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const { kty, crv, x, y } = await exportJWK(publicKey);
  const now = () => Math.floor(h.clock.now() / 1000);
  const proof = (method: string, path: string, header: Record<string, unknown>) =>
    new SignJWT({
      htm: method,
      htu: `${h.config.publicUrl}${path}`,
      jti: randomBytes(16).toString('base64url'),
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'hda-proof+jwt', ...header })
      .setIssuedAt(now())
      .sign(privateKey);
  const enrolled = await fetch(`${h.baseUrl}/v1/device/enroll`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'device-proof': await proof('POST', '/v1/device/enroll', { jwk: { kty, crv, x, y } }),
    },
    body: JSON.stringify({ activationCode, label: 'Raw', platform: 'android', push: null }),
  });
  assert.equal(enrolled.status, 201);
  const body = (await enrolled.json()) as {
    device: { id: string; customerId: string };
    issuer: string;
    jwks: { keys: ServerJwk[] };
    keySetVersion: number;
  };
  const deviceId = body.device.id;
  let keys = body.jwks.keys;
  let version = body.keySetVersion;
  const send = async (path: string) =>
    fetch(`${h.baseUrl}${path}`, {
      headers: { 'device-proof': await proof('GET', path.split('?')[0]!, { kid: deviceId }) },
    });
  const get = async (path: string) => {
    const response = await send(path);
    assert.equal(response.status, 200, await response.clone().text());
    return (await response.json()) as Record<string, unknown>;
  };
  const usable = () => keys.filter((k) => typeof k.exp !== 'number' || k.exp > now());

  return {
    deviceId,
    /** A GET with a fresh proof, answered as it comes. */
    send,
    get version() {
      return version;
    },
    get keys() {
      return keys;
    },
    /** Fetches and checks a request; learns new keys first when its kid is unknown. */
    async fetchRequest(id: string): Promise<Record<string, unknown>> {
      const { request } = (await get(`/v1/device/verifications/${id}`)) as { request: string };
      const { kid } = decodeProtectedHeader(request);
      if (!usable().some((k) => k.kid === kid)) {
        const { keySets } = (await get(`/v1/device/server-keys?after=${version}`)) as { keySets: string[] };
        for (const set of keySets) {
          // Each set is checked with the keys of the one before: signer, type, issuer, newer version.
          const { payload } = await jwtVerify(set, createLocalJWKSet({ keys }), {
            typ: 'hda-keyset+jwt',
            issuer: body.issuer,
            algorithms: ['ES256'],
          });
          assert.ok(typeof payload.ver === 'number' && payload.ver > version, 'a newer key set');
          keys = payload.keys as ServerJwk[];
          version = payload.ver;
        }
      }
      const { payload } = await jwtVerify(request, createLocalJWKSet({ keys: usable() }), {
        typ: 'hda-request+jwt',
        issuer: body.issuer,
        subject: body.device.customerId,
        algorithms: ['ES256'],
        currentDate: new Date(h.clock.now()),
      });
      assert.equal(payload.jti, id);
      return payload;
    },
    async approve(id: string, code: string, actionSummary: string | null) {
      const payload = decisionSigningPayload({
        verificationId: id,
        decision: 'approve',
        code,
        nonce: randomBytes(16).toString('base64url'),
        iat: now(),
        actionSummary,
      });
      const signedDecision = await new CompactSign(new TextEncoder().encode(payload))
        .setProtectedHeader({ alg: 'ES256', typ: 'hda-decision+jwt', kid: deviceId })
        .sign(privateKey);
      const response = await fetch(`${h.baseUrl}/v1/device/verifications/${id}/decision`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ signedDecision }),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    },
  };
}

for (const kind of databaseKinds) {
  describe(`signing-key rotation on ${kind}`, {
    skip: kind === 'postgres' ? await postgresSkip() : false,
  }, () => {
    let h: TestHarness;
    let tenant: TestTenant;
    let apiKey: string;

    before(async () => {
      h = await startTestHarness(kind, {}, { listen: true });
      tenant = await h.createTenant(`rot-${kind}`);
      apiKey = await h.createApiKey(tenant, [
        'verifications:read',
        'verifications:write',
        'server-keys:read',
        'server-keys:write',
      ]);
    });
    after(async () => h?.close());

    async function api(method: string, path: string, body?: unknown, key = apiKey) {
      const response = await fetch(`${h.baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Answer };
    }

    async function customer(name: string) {
      const created = await h.runtime.services.customers.create(tenant.id, { displayName: name }, system);
      const activation = await h.runtime.services.devices.createActivation(tenant.id, created.id, system);
      return { id: created.id, activation };
    }

    async function sdkDevice(name: string, fetchImpl?: typeof fetch) {
      const c = await customer(name);
      const client = createDeviceClient({
        store: createMemoryKeyStore(),
        now: h.clock.now,
        ...(fetchImpl ? { fetch: fetchImpl } : {}),
      });
      await client.enroll(c.activation.link, { label: name, platform: 'ios' });
      return { customerId: c.id, client };
    }

    async function start(customerId: string) {
      const started = await api('POST', '/v1/verifications', { customerId, reason: 'Card replacement' });
      assert.equal(started.status, 201, JSON.stringify(started.body));
      return { id: started.body.id as string, code: started.body.code as string };
    }

    async function approveWithSdk(client: DeviceClient, v: { id: string; code: string }) {
      const request = await client.fetchRequest(v.id);
      return (await client.decide(request, { decision: 'approve', code: v.code })).status;
    }

    /** The key the server signed a request with: the `kid` of the stored request's header. */
    async function signedBy(v: { id: string }): Promise<string> {
      const row = await h.runtime.database.db
        .selectFrom('verifications')
        .select('request_jws')
        .where('id', '=', v.id)
        .executeTakeFirstOrThrow();
      return decodeProtectedHeader(row.request_jws!).kid!;
    }

    it('devices enrolled before two rotations keep verifying, through the overlap and after the old key retires', async () => {
      const a = await sdkDevice('Ada');
      const b = await sdkDevice('Bo');
      const rawCustomer = await customer('Raw');
      const raw = await rawDevice(h, rawCustomer.activation.code);
      const k1 = (await h.runtime.services.serverKeys.signingKey()).kid;
      assert.deepEqual(
        (await a.client.state())!.jwks.keys.map((k) => k.kid),
        [k1],
      );
      assert.equal((await a.client.state())!.keySetVersion, 0);

      const beforeRotation = await start(a.customerId);

      const rotated = await api('POST', '/v1/server-keys/rotate');
      assert.equal(rotated.status, 201);
      const k2 = rotated.body.kid as string;
      assert.notEqual(k2, k1);
      assert.deepEqual(rotated.body.replaced, [k1]);
      assert.equal(rotated.body.version, 1);
      assert.equal(rotated.body.retiresAt, new Date(h.clock.now() + dayMs).toISOString());
      assert.equal(await signedBy(beforeRotation), k1);

      // Through the overlap: the request signed by the old key still verifies, without any fetch.
      assert.equal(await approveWithSdk(a.client, beforeRotation), 'approved');
      assert.equal((await a.client.state())!.keySetVersion, 0);
      const published = (await (await fetch(`${h.baseUrl}/.well-known/jwks.json`)).json()) as {
        keys: ServerJwk[];
      };
      assert.deepEqual(
        published.keys.map((k) => [k.kid, k.exp]),
        [
          [k1, Math.floor((h.clock.now() + dayMs) / 1000)],
          [k2, undefined],
        ],
      );

      // A request signed by the new key: the device learns it from the key set, then verifies.
      const afterRotation = await start(a.customerId);
      assert.equal(await signedBy(afterRotation), k2, 'new requests are signed with the new key');
      assert.equal(await approveWithSdk(a.client, afterRotation), 'approved');
      const learned = (await a.client.state())!;
      assert.equal(learned.keySetVersion, 1);
      assert.deepEqual(
        learned.jwks.keys.map((k) => k.kid),
        [k1, k2],
      );

      // The overlap ends: the old key retires and is no longer published.
      h.clock.advance(dayMs + 1000);
      const afterRetirement = (await (await fetch(`${h.baseUrl}/.well-known/jwks.json`)).json()) as {
        keys: JWK[];
      };
      assert.deepEqual(
        afterRetirement.keys.map((k) => k.kid),
        [k2],
      );
      const second = await api('POST', '/v1/server-keys/rotate');
      assert.equal(second.status, 201);
      const k3 = second.body.kid as string;
      assert.deepEqual(second.body.replaced, [k2]);
      assert.equal(second.body.version, 2);

      const listed = await api('GET', '/v1/server-keys');
      assert.equal(listed.status, 200);
      assert.equal(listed.body.version, 2);
      assert.deepEqual(
        listed.body.keys!.map((k) => [k.kid, k.status]),
        [
          [k2, 'retiring'],
          [k3, 'signing'],
        ],
      );

      // The device that followed one rotation follows the next.
      const third = await start(a.customerId);
      assert.equal(await signedBy(third), k3);
      assert.equal(await approveWithSdk(a.client, third), 'approved');
      assert.equal((await a.client.state())!.keySetVersion, 2);

      // The device that missed both rotations pins only the retired key: it walks the chain.
      assert.deepEqual(
        (await b.client.state())!.jwks.keys.map((k) => k.kid),
        [k1],
      );
      const forB = await start(b.customerId);
      assert.equal(await approveWithSdk(b.client, forB), 'approved');
      const caughtUp = (await b.client.state())!;
      assert.equal(caughtUp.keySetVersion, 2);
      assert.deepEqual(
        caughtUp.jwks.keys.map((k) => k.kid),
        [k2, k3],
      );

      // So does the raw-protocol device.
      assert.equal(raw.version, 0);
      const forRaw = await start(rawCustomer.id);
      const claims = await raw.fetchRequest(forRaw.id);
      assert.equal(raw.version, 2);
      const decided = await raw.approve(
        forRaw.id,
        forRaw.code,
        (claims.actionSummary as string | null) ?? null,
      );
      assert.equal(decided.status, 200, JSON.stringify(decided.body));
      assert.equal(decided.body.status, 'approved');

      // Each rotation is in the audit log of the tenant whose admin rotated, without any key material.
      const entries = [];
      for await (const entry of readAuditChain(h.runtime.database.db, tenant.id)) {
        if (entry.action === 'server_keys.rotated') entries.push(entry);
      }
      assert.deepEqual(
        entries.map((e) => [e.targetId, JSON.parse(e.data).replaced, JSON.parse(e.data).version]),
        [
          [k2, [k1], 1],
          [k3, [k2], 2],
        ],
      );
      for (const entry of entries) assert.doesNotMatch(entry.data, /"(d|x|y)"/);
    });

    it('refuses a forged key set: signed by a key the device does not pin', async () => {
      const { publicKey, privateKey } = await generateKeyPair('ES256');
      const attackerJwk = { ...(await exportJWK(publicKey)), kid: 'srk_attacker', alg: 'ES256', use: 'sig' };
      const forge = (kid: string, key: CryptoKey, ver: number) =>
        new SignJWT({ ver, keys: [attackerJwk] })
          .setProtectedHeader({ alg: 'ES256', typ: jwsTypes.keySet, kid })
          .setIssuer(new URL(h.config.publicUrl).origin)
          .setIssuedAt(Math.floor(h.clock.now() / 1000))
          .sign(key);
      let forged: string[] = [];
      // What a device gets when something between it and the server answers for the server.
      const intercepting: typeof fetch = async (input, init) => {
        const url = String(input);
        if (url.includes('/v1/device/server-keys')) {
          return new Response(JSON.stringify({ version: 99, keySets: forged }), {
            status: 200,
            headers: { 'content-type': 'application/json' },
          });
        }
        return fetch(input, init);
      };
      const d = await sdkDevice('Forged', intercepting);
      const pinned = (await d.client.state())!;
      await api('POST', '/v1/server-keys/rotate');
      const v = await start(d.customerId);

      // Signed by the attacker's own key, and signed by it while naming a pinned key's id.
      for (const set of [
        await forge('srk_attacker', privateKey, pinned.keySetVersion! + 5),
        await forge(pinned.jwks.keys[0]!.kid!, privateKey, pinned.keySetVersion! + 5),
      ]) {
        forged = [set];
        await assert.rejects(d.client.fetchRequest(v.id), (error: unknown) => {
          assert.ok(error instanceof DeviceSdkError);
          assert.equal(error.code, 'KEY_SET_INVALID');
          return true;
        });
        assert.deepEqual(await d.client.state(), pinned, 'the pinned keys are unchanged');
      }
      // The verification was not decided by anything the device did.
      assert.equal((await h.runtime.services.verifications.get(tenant.id, v.id)).status, 'pending');
    });

    it('refuses a replayed older key set (version rollback)', async () => {
      let replay: string[] | null = null;
      const intercepting: typeof fetch = async (input, init) => {
        if (replay && String(input).includes('/v1/device/server-keys')) {
          return new Response(JSON.stringify({ version: 1, keySets: replay }), {
            status: 200,
            headers: { 'content-type': 'application/json' },
          });
        }
        return fetch(input, init);
      };
      const d = await sdkDevice('Rollback', intercepting);
      await api('POST', '/v1/server-keys/rotate');
      await api('POST', '/v1/server-keys/rotate');
      const caughtUp = await d.client.refreshServerKeys();
      const latest = await h.runtime.services.serverKeys.keySetVersion();
      assert.equal(caughtUp.keySetVersion, latest);

      // The server's own, genuinely signed, older sets, offered again.
      const { keySets } = await h.runtime.services.serverKeys.keySetsAfter(0);
      for (const old of [keySets.at(-1)!, keySets.at(-2)!]) {
        replay = [old];
        await assert.rejects(d.client.refreshServerKeys(), (error: unknown) => {
          assert.ok(error instanceof DeviceSdkError);
          assert.equal(error.code, 'KEY_SET_INVALID');
          assert.match(error.message, /not newer/);
          return true;
        });
        assert.deepEqual(await d.client.state(), caughtUp);
      }
    });

    it('the key-set endpoint: the sets after a version, only for an enrolled device, input checked', async () => {
      const latest = await h.runtime.services.serverKeys.keySetVersion();
      assert.ok(latest >= 1);
      const all = await h.runtime.services.serverKeys.keySetsAfter(0);
      assert.equal(all.keySets.length, latest);
      assert.equal(all.version, latest);
      assert.deepEqual((await h.runtime.services.serverKeys.keySetsAfter(latest)).keySets, []);
      // Each set is signed by the key the one before introduced.
      const rows = await h.runtime.database.db
        .selectFrom('server_key_sets')
        .selectAll()
        .orderBy('version')
        .execute();
      for (let i = 1; i < rows.length; i++) assert.equal(rows[i]!.signed_by, rows[i - 1]!.new_key_id);

      const anonymous = await fetch(`${h.baseUrl}/v1/device/server-keys?after=0`);
      assert.equal(anonymous.status, 401);
      const device = await rawDevice(h, (await customer('Endpoint')).activation.code);
      const answer = async (query: string) => {
        const response = await device.send(`/v1/device/server-keys${query}`);
        return { status: response.status, body: (await response.json()) as Answer };
      };
      assert.deepEqual((await answer('')).body.keySets!.length, latest, 'after defaults to 0');
      assert.deepEqual((await answer(`?after=${latest - 1}`)).body.keySets, [all.keySets.at(-1)]);
      for (const query of ['?after=-1', '?after=abc', '?after=1.5', '?after=99999999999', '?after=0&x=1']) {
        const refused = await answer(query);
        assert.equal(refused.status, 400, `${query}: ${JSON.stringify(refused.body)}`);
        assert.equal(refused.body.error?.code, 'VALIDATION_FAILED');
      }
      // A revoked device learns nothing.
      const revoked = await rawDevice(h, (await customer('Revoked')).activation.code);
      await h.runtime.services.devices.revoke(tenant.id, revoked.deviceId, system);
      const afterRevocation = await revoked.send('/v1/device/server-keys');
      assert.equal(afterRevocation.status, 401);
      assert.equal(
        ((await afterRevocation.json()) as { error: { code: string } }).error.code,
        'DEVICE_REVOKED',
      );
    });

    it('only those allowed rotate or list the keys; parallel rotations keep one chain', async () => {
      const agentKey = await h.createApiKey(tenant, ['verifications:write']);
      const refused = await api('POST', '/v1/server-keys/rotate', undefined, agentKey);
      assert.equal(refused.status, 403);
      assert.equal((await api('GET', '/v1/server-keys', undefined, agentKey)).status, 403);
      const ops = await h.tenantWithOperators(`rot-ops-${kind}`);
      const asAgent = await h.app.inject({
        method: 'POST',
        url: '/v1/server-keys/rotate',
        ...ops.clients.agent.auth(),
      });
      assert.equal(asAgent.statusCode, 403);
      const asAdmin = await h.app.inject({
        method: 'POST',
        url: '/v1/server-keys/rotate',
        ...ops.clients.admin.auth(),
      });
      assert.equal(asAdmin.statusCode, 201);

      // The keys of the tests before retire, so the limit on published keys does not interfere.
      h.clock.advance(dayMs + 1000);
      const d = await sdkDevice('Parallel');
      const before = await h.runtime.services.serverKeys.keySetVersion();
      const results = await Promise.all([0, 1, 2, 3].map(() => api('POST', '/v1/server-keys/rotate')));
      for (const r of results) {
        assert.ok(
          r.status === 201 || (r.status === 409 && r.body.error?.code === 'CONFLICT'),
          JSON.stringify(r),
        );
      }
      const won = results.filter((r) => r.status === 201).map((r) => r.body.version as number);
      assert.ok(won.length >= 1);
      assert.equal(new Set(won).size, won.length, 'no two rotations share a version');
      assert.equal(await h.runtime.services.serverKeys.keySetVersion(), before + won.length);
      const active = await h.runtime.database.db
        .selectFrom('server_keys')
        .select('id')
        .where('purpose', '=', 'signing')
        .where('retired_at', 'is', null)
        .execute();
      assert.equal(active.length, 1, 'one key signs');
      // A device enrolled before them follows the whole chain to the key that signs now.
      const v = await start(d.customerId);
      assert.equal(await approveWithSdk(d.client, v), 'approved');
      assert.equal((await d.client.state())!.keySetVersion, before + won.length);
    });

    it('refuses a rotation that would publish more than 8 keys, until the oldest replaced key retires', async () => {
      h.clock.advance(dayMs + 1000);
      const d = await sdkDevice('Many');
      const statuses: number[] = [];
      let refusal: Response | undefined;
      for (let i = 0; i < 10 && !refusal; i++) {
        const response = await fetch(`${h.baseUrl}/v1/server-keys/rotate`, {
          method: 'POST',
          headers: { authorization: `Bearer ${apiKey}` },
        });
        statuses.push(response.status);
        if (response.status !== 201) refusal = response;
        h.clock.advance(60_000);
      }
      assert.deepEqual(statuses, [201, 201, 201, 201, 201, 201, 201, 429]);
      const body = (await refusal!.json()) as Answer;
      assert.equal(body.error?.code, 'RATE_LIMITED');
      // The oldest replaced key retires a day after the first of these rotations, 7 minutes ago.
      assert.equal(refusal!.headers.get('retry-after'), String(24 * 60 * 60 - 7 * 60));
      const listed = await api('GET', '/v1/server-keys');
      assert.equal(listed.body.keys!.length, 8);
      // Every key set stays within what devices accept, and a device walks them all.
      const v = await start(d.customerId);
      assert.equal(await approveWithSdk(d.client, v), 'approved');
      // Once the oldest retires, rotating works again.
      h.clock.advance(24 * 60 * 60 * 1000 - 7 * 60 * 1000);
      assert.equal((await api('POST', '/v1/server-keys/rotate')).status, 201);
    });
  });
}

describe('a process that misses the rotation announcement (PostgreSQL, no Redis)', {
  skip: await postgresSkip(),
}, () => {
  let a: TestHarness;
  let b: TestHarness;

  before(async () => {
    const encryptionKey = randomBytes(32).toString('base64');
    a = await startTestHarness('postgres', { encryptionKey });
    b = await startTestHarness('postgres', { encryptionKey, databaseUrl: a.config.databaseUrl });
  });
  after(async () => {
    await b?.close();
    await a?.close();
  });

  it('switches to the new key within 30 seconds, by asking the database', async () => {
    const before = (await b.runtime.services.serverKeys.signingKey()).kid;
    assert.equal((await a.runtime.services.serverKeys.signingKey()).kid, before);
    const rotation = await a.runtime.services.serverKeys.rotate({ tenantIds: [], actor: system });
    assert.equal((await a.runtime.services.serverKeys.signingKey()).kid, rotation.kid, 'A at once');
    // B has its own event hub, so it heard nothing: its cached key holds until the next check.
    b.clock.advance(29_000);
    assert.equal((await b.runtime.services.serverKeys.signingKey()).kid, before);
    b.clock.advance(1_000);
    assert.equal((await b.runtime.services.serverKeys.signingKey()).kid, rotation.kid);
    // The old key is still trusted meanwhile: B published it, and still does until it retires.
    assert.deepEqual(
      (await b.runtime.services.serverKeys.jwks()).keys.map((k) => k.kid),
      [before, rotation.kid],
    );
  });
});
