// Tests of the signature worker.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { CompactSign, type CryptoKey, exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import { SignatureRejected, signJwt, stopSignatureWorker, verifyCompact, verifyJwt } from './signatures.ts';

const now = Date.UTC(2026, 10, 24, 12, 0, 0);
const seconds = Math.floor(now / 1000);

async function deviceKey() {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  return { privateKey, jwkText: JSON.stringify(await exportJWK(publicKey)), publicKey };
}

function proof(privateKey: CryptoKey, claims: Record<string, unknown>, typ = 'hda-proof+jwt') {
  return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ }).sign(privateKey);
}

describe('signature worker', () => {
  after(() => stopSignatureWorker());

  it('verifies a JWT and answers its claims', async () => {
    const device = await deviceKey();
    const jws = await proof(device.privateKey, { htm: 'GET', iat: seconds, jti: 'a'.repeat(22) });
    const payload = await verifyJwt(jws, device.jwkText, { typ: 'hda-proof+jwt', currentDate: now });
    assert.equal(payload.htm, 'GET');
    assert.equal(payload.jti, 'a'.repeat(22));
  });

  it('refuses a JWT signed by another key, even one whose key is already imported', async () => {
    const mine = await deviceKey();
    const other = await deviceKey();
    // Both keys imported (and cached) in the worker first.
    for (const key of [mine, other]) {
      await verifyJwt(await proof(key.privateKey, { iat: seconds }), key.jwkText, {
        typ: 'hda-proof+jwt',
        currentDate: now,
      });
    }
    const forged = await proof(other.privateKey, { iat: seconds });
    await assert.rejects(
      verifyJwt(forged, mine.jwkText, { typ: 'hda-proof+jwt', currentDate: now }),
      SignatureRejected,
    );
  });

  it('checks typ and the time claims against the given clock', async () => {
    const device = await deviceKey();
    const wrongType = await proof(device.privateKey, { iat: seconds }, 'JWT');
    await assert.rejects(
      verifyJwt(wrongType, device.jwkText, { typ: 'hda-proof+jwt', currentDate: now }),
      SignatureRejected,
    );
    const expiring = await proof(device.privateKey, { iat: seconds, exp: seconds + 60 });
    assert.ok(await verifyJwt(expiring, device.jwkText, { typ: 'hda-proof+jwt', currentDate: now }));
    await assert.rejects(
      verifyJwt(expiring, device.jwkText, { typ: 'hda-proof+jwt', currentDate: now + 61_000 }),
      SignatureRejected,
    );
  });

  it('refuses a key that is not a public P-256 JWK, and malformed tokens', async () => {
    const device = await deviceKey();
    const jws = await proof(device.privateKey, { iat: seconds });
    const options = { typ: 'hda-proof+jwt', currentDate: now };
    await assert.rejects(verifyJwt(jws, '{"kty":"oct","k":"AAAA"}', options), SignatureRejected);
    await assert.rejects(verifyJwt(jws, 'not json', options), SignatureRejected);
    await assert.rejects(verifyJwt('a.b.c', device.jwkText, options), SignatureRejected);
  });

  it('verifies a compact JWS and answers the exact signed bytes; a changed byte fails', async () => {
    const device = await deviceKey();
    const text = '{"verificationId":"ver_1","decision":"approve"}';
    const jws = await new CompactSign(new TextEncoder().encode(text))
      .setProtectedHeader({ alg: 'ES256', typ: 'hda-decision+jwt' })
      .sign(device.privateKey);
    assert.equal(new TextDecoder().decode(await verifyCompact(jws, device.jwkText)), text);
    const [head, body, signature] = jws.split('.');
    const tampered = [head, Buffer.from(text.replace('approve', 'deny__')).toString('base64url'), signature];
    assert.notEqual(tampered[1], body);
    await assert.rejects(verifyCompact(tampered.join('.'), device.jwkText), SignatureRejected);
  });

  it('signs with the server key, with the header and claims given, again and again', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const key = { kid: 'srk_test_signing', privateKey };
    for (const jti of ['ver_1', 'ver_2']) {
      const jws = await signJwt({
        header: { alg: 'ES256', typ: 'hda-request+jwt', kid: key.kid },
        claims: { jti, iat: seconds, exp: seconds + 120, reason: 'Card blocked' },
        key,
      });
      const { payload, protectedHeader } = await jwtVerify(jws, publicKey, { currentDate: new Date(now) });
      assert.equal(payload.jti, jti);
      assert.equal(payload.reason, 'Card blocked');
      assert.deepEqual(protectedHeader, { alg: 'ES256', typ: 'hda-request+jwt', kid: key.kid });
    }
  });

  it('fails calls in flight when the worker stops, and starts a new worker for the next call', async () => {
    const device = await deviceKey();
    const jws = await proof(device.privateKey, { iat: seconds });
    const options = { typ: 'hda-proof+jwt', currentDate: now };
    const inFlight = Array.from({ length: 20 }, () => verifyJwt(jws, device.jwkText, options));
    await stopSignatureWorker();
    const settled = await Promise.allSettled(inFlight);
    // Each call either finished before the stop or failed; none hangs. A failure is the server's
    // (a plain Error, a 500 to callers), never a rejected signature (which callers answer 4xx).
    for (const outcome of settled) {
      if (outcome.status === 'rejected') {
        assert.ok(outcome.reason instanceof Error);
        assert.ok(!(outcome.reason instanceof SignatureRejected));
      }
    }
    assert.ok(await verifyJwt(jws, device.jwkText, options));

    // A signing key sent to the stopped worker is sent again to the new one.
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const key = { kid: 'srk_test_restart', privateKey };
    const sign = () =>
      signJwt({
        header: { alg: 'ES256', typ: 'hda-request+jwt', kid: key.kid },
        claims: { iat: seconds },
        key,
      });
    await sign();
    await stopSignatureWorker();
    assert.match(await sign(), /^[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it('keeps the process alive while a call is in flight, and not once it is idle', async () => {
    const signatures = JSON.stringify(new URL('./signatures.ts', import.meta.url).href);
    const jose = JSON.stringify(import.meta.resolve('jose'));
    const dir = await mkdtemp(path.join(os.tmpdir(), 'hda-signatures-'));
    const run = async (name: string, script: string): Promise<string> => {
      const file = path.join(dir, name);
      await writeFile(file, script);
      return new Promise<string>((resolve, reject) => {
        execFile(process.execPath, [file], { timeout: 20_000 }, (error, stdout, stderr) =>
          error ? reject(new Error(`${name}: ${error.message}\n${stderr}`)) : resolve(stdout.trim()),
        );
      });
    };
    try {
      // Started at boot and never used: the process still ends by itself.
      assert.equal(
        await run(
          'idle.mjs',
          `import { startSignatureWorker } from ${signatures};
          startSignatureWorker();
          console.log('started');`,
        ),
        'started',
      );
      // One verification started without awaiting it: the process waits for the answer, then ends.
      assert.equal(
        await run(
          'one-call.mjs',
          `import { exportJWK, generateKeyPair, SignJWT } from ${jose};
          import { verifyJwt } from ${signatures};
          const { publicKey, privateKey } = await generateKeyPair('ES256');
          const jws = await new SignJWT({}).setProtectedHeader({ alg: 'ES256', typ: 't' }).setIssuedAt().sign(privateKey);
          verifyJwt(jws, JSON.stringify(await exportJWK(publicKey)), { typ: 't', currentDate: Date.now() })
            .then(() => console.log('answered'));`,
        ),
        'answered',
      );
    } finally {
      await rm(dir, { recursive: true });
    }
  });
});
