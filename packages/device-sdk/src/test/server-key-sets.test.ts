// The key-set checks a device runs before trusting a new server key: chains, forgeries, rollbacks.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jwsTypes } from '@helpdesk-auth/core';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { DeviceSdkError } from '../errors.ts';
import type { DeviceState } from '../key-store.ts';
import { applyKeySet, applyKeySetChain, knowsServerKey, usableServerKeys } from '../server-key-sets.ts';

const issuer = 'https://helpdesk.example.com';
const t0 = 1_790_000_000;

interface ServerKey {
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

async function serverKey(kid: string): Promise<ServerKey> {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } };
}

function keySet(
  signer: ServerKey,
  claims: { ver: number; keys: JWK[]; iss?: string; iat?: number },
  header: Record<string, unknown> = {},
): Promise<string> {
  return new SignJWT({ ver: claims.ver, keys: claims.keys })
    .setProtectedHeader({ alg: 'ES256', typ: jwsTypes.keySet, kid: signer.kid, ...header })
    .setIssuer(claims.iss ?? issuer)
    .setIssuedAt(claims.iat ?? t0)
    .sign(signer.privateKey);
}

function stateWith(keys: JWK[], keySetVersion?: number): DeviceState {
  return {
    deviceId: 'dev_1',
    customerId: 'cus_1',
    tenant: { id: 'ten_1', name: 'Acme Bank' },
    issuer,
    baseUrl: issuer,
    jwks: { keys },
    ...(keySetVersion === undefined ? {} : { keySetVersion }),
    label: 'Phone',
    platform: 'ios',
  };
}

async function refusedWith(work: Promise<unknown>, message: RegExp): Promise<void> {
  await assert.rejects(work, (error: unknown) => {
    assert.ok(error instanceof DeviceSdkError);
    assert.equal(error.code, 'KEY_SET_INVALID');
    assert.match(error.message, message);
    return true;
  });
}

describe('server key sets', async () => {
  const k1 = await serverKey('srk_1');
  const k2 = await serverKey('srk_2');
  const k3 = await serverKey('srk_3');
  const stranger = await serverKey('srk_x');
  const retiring = (key: ServerKey, exp: number): JWK => ({ ...key.jwk, exp }) as JWK;

  it('walks a chain of two rotations from the key pinned at enrollment', async () => {
    const pinned = stateWith([k1.jwk]);
    const v1 = await keySet(k1, { ver: 1, keys: [retiring(k1, t0 + 86_400), k2.jwk] });
    const v2 = await keySet(k2, { ver: 2, keys: [retiring(k2, t0 + 2 * 86_400), k3.jwk], iat: t0 + 1000 });
    const next = await applyKeySetChain(pinned, [v1, v2]);
    assert.equal(next.keySetVersion, 2);
    assert.deepEqual(
      next.jwks.keys.map((k) => k.kid),
      ['srk_2', 'srk_3'],
    );
    assert.equal(pinned.jwks.keys.length, 1, 'the state given is not changed');
    // The second link alone does not verify against the enrollment key: the chain is needed.
    await refusedWith(applyKeySet(pinned, v2), /srk_2, a key this device does not trust/);
  });

  it('refuses a key set signed by a key the device does not pin', async () => {
    const pinned = stateWith([k1.jwk]);
    await refusedWith(
      applyKeySet(pinned, await keySet(stranger, { ver: 1, keys: [stranger.jwk] })),
      /does not trust/,
    );
    // Naming a pinned kid does not help: the signature is checked with that key.
    await refusedWith(
      applyKeySet(pinned, await keySet(stranger, { ver: 1, keys: [stranger.jwk] }, { kid: 'srk_1' })),
      /signature verification failed/,
    );
  });

  it('refuses a replayed older or same key set (rollback)', async () => {
    const v1 = await keySet(k1, { ver: 1, keys: [k1.jwk, k2.jwk] });
    const v2 = await keySet(k2, { ver: 2, keys: [k2.jwk, k3.jwk] });
    const atV2 = await applyKeySetChain(stateWith([k1.jwk]), [v1, v2]);
    // The device at version 2 still trusts k2, which signed version 2: the version stops it.
    await refusedWith(applyKeySet(atV2, v2), /version 2 is not newer than the version 2/);
    const oldButSignedByTrusted = await keySet(k2, { ver: 1, keys: [k2.jwk] });
    await refusedWith(applyKeySet(atV2, oldButSignedByTrusted), /version 1 is not newer/);
  });

  it('refuses a key set for another issuer, of another type, or without a version', async () => {
    const pinned = stateWith([k1.jwk]);
    await refusedWith(
      applyKeySet(pinned, await keySet(k1, { ver: 1, keys: [k2.jwk], iss: 'https://evil.example' })),
      /"iss"/,
    );
    await refusedWith(
      applyKeySet(pinned, await keySet(k1, { ver: 1, keys: [k2.jwk] }, { typ: jwsTypes.request })),
      /not an ES256 hda-keyset\+jwt/,
    );
    const noVersion = await new SignJWT({ keys: [k2.jwk] })
      .setProtectedHeader({ alg: 'ES256', typ: jwsTypes.keySet, kid: k1.kid })
      .setIssuer(issuer)
      .setIssuedAt(t0)
      .sign(k1.privateKey);
    await refusedWith(applyKeySet(pinned, noVersion), /no version/);
    await refusedWith(applyKeySet(pinned, 'not-a-jws'), /not a JWS/);
  });

  it('refuses keys that are private, not P-256, listed twice, or none', async () => {
    const pinned = stateWith([k1.jwk]);
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const privateJwk = { ...(await exportJWK(privateKey)), kid: 'srk_p' };
    for (const keys of [
      [privateJwk],
      [{ ...k2.jwk, crv: 'P-384' }],
      [{ ...k2.jwk, kid: undefined }],
      [k2.jwk, { ...k3.jwk, kid: 'srk_2' }],
      [],
    ]) {
      await refusedWith(applyKeySet(pinned, await keySet(k1, { ver: 1, keys: keys as JWK[] })), /key/);
    }
  });

  it('refuses a key set its signer signed after it retired', async () => {
    const pinned = stateWith([retiring(k1, t0)]);
    await refusedWith(
      applyKeySet(pinned, await keySet(k1, { ver: 1, keys: [k2.jwk], iat: t0 + 1 })),
      /after its signing key srk_1 retired/,
    );
    // Signed while it was trusted: accepted, even when the device catches up later.
    const next = await applyKeySet(pinned, await keySet(k1, { ver: 1, keys: [k2.jwk], iat: t0 - 1 }));
    assert.equal(next.keySetVersion, 1);
  });

  it('applies nothing when a later link of the chain is forged', async () => {
    const v1 = await keySet(k1, { ver: 1, keys: [k1.jwk, k2.jwk] });
    const forged = await keySet(stranger, { ver: 2, keys: [stranger.jwk] });
    await refusedWith(applyKeySetChain(stateWith([k1.jwk]), [v1, forged]), /srk_x/);
  });

  it('leaves a replaced key out of the usable keys once it retires', () => {
    const state = stateWith([retiring(k1, t0), k2.jwk], 1);
    assert.ok(knowsServerKey(state, 'srk_1', (t0 - 1) * 1000));
    assert.ok(!knowsServerKey(state, 'srk_1', t0 * 1000));
    assert.deepEqual(
      usableServerKeys(state, t0 * 1000).keys.map((k) => k.kid),
      ['srk_2'],
    );
  });
});
