// Tests of one-shot ES256 signing and verifying on the signature worker.
import assert from 'node:assert/strict';
import { createSign, generateKeyPairSync, webcrypto } from 'node:crypto';
import { describe, it } from 'node:test';
import { installOneShotEcdsa, withoutStackTraces } from './one-shot-ecdsa.ts';

const web = webcrypto.subtle;
const es256 = { name: 'ECDSA', hash: 'SHA-256' } as const;

/** A WebCrypto-like object with the one-shot functions installed, and a count of what it hands on. */
function oneShot() {
  const handedOn = { sign: 0, verify: 0 };
  const subtle = {
    sign: (...args: Parameters<typeof web.sign>) => {
      handedOn.sign++;
      return web.sign(...args);
    },
    verify: (...args: Parameters<typeof web.verify>) => {
      handedOn.verify++;
      return web.verify(...args);
    },
  };
  const oneShotEcdsa = installOneShotEcdsa(subtle);
  /** A P-256 key pair as CryptoKeys, paired with their KeyObjects. */
  async function p256() {
    const pair = await generatedP256();
    oneShotEcdsa.pair(pair.privateKey, pair.privateKeyObject);
    oneShotEcdsa.pair(pair.publicKey, pair.publicKeyObject);
    return pair;
  }
  return { subtle, handedOn, p256, pair: oneShotEcdsa.pair };
}

/** As the worker makes its keys: KeyObjects, and CryptoKeys from them that cannot be exported. */
async function generatedP256() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    privateKeyObject: privateKey,
    publicKeyObject: publicKey,
    privateKey: privateKey.toCryptoKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']),
    publicKey: publicKey.toCryptoKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']),
  };
}

const message = new TextEncoder().encode('header.payload');

describe('one-shot ES256 on the signature worker', () => {
  it('signs what WebCrypto verifies, and verifies what WebCrypto signs, without handing on', async () => {
    const { subtle, handedOn, p256 } = oneShot();
    const { privateKey, publicKey } = await p256();

    const ours = await subtle.sign(es256, privateKey, message);
    assert.ok(ours instanceof ArrayBuffer);
    assert.equal(ours.byteLength, 64, 'r and s, 32 bytes each');
    assert.equal(await web.verify(es256, publicKey, ours, message), true);

    const theirs = await web.sign(es256, privateKey, message);
    assert.equal(await subtle.verify(es256, publicKey, theirs, message), true);
    // The hash may be named as an object, as the WebCrypto specification allows.
    assert.equal(
      await subtle.verify({ name: 'ECDSA', hash: { name: 'SHA-256' } }, publicKey, theirs, message),
      true,
    );
    assert.deepEqual(handedOn, { sign: 0, verify: 0 });
  });

  it('reads only the bytes a view covers', async () => {
    const { subtle, p256 } = oneShot();
    const { privateKey, publicKey } = await p256();
    const padded = new Uint8Array([9, 9, ...message, 9]);
    const view = padded.subarray(2, 2 + message.length);
    const signature = await subtle.sign(es256, privateKey, view);
    assert.equal(await web.verify(es256, publicKey, signature, message), true);
    const signaturePadded = new Uint8Array([7, ...new Uint8Array(signature), 7]);
    assert.equal(await subtle.verify(es256, publicKey, signaturePadded.subarray(1, 65), view), true);
  });

  it('answers false, as WebCrypto does, for a changed message, a changed signature or the wrong key', async () => {
    const { subtle, p256 } = oneShot();
    const { privateKey, publicKey } = await p256();
    const other = await p256();
    const signature = new Uint8Array(await web.sign(es256, privateKey, message));

    const changedMessage = message.slice();
    changedMessage[0]! ^= 1;
    const changedSignature = signature.slice();
    changedSignature[40]! ^= 1;
    for (const [key, sig, data] of [
      [publicKey, signature, changedMessage],
      [publicKey, changedSignature, message],
      [other.publicKey, signature, message],
    ] as const) {
      assert.equal(await subtle.verify(es256, key, sig, data), false);
      assert.equal(await web.verify(es256, key, sig, data), false);
    }
  });

  it('answers false, as WebCrypto does, for a signature of the wrong length or in DER form', async () => {
    const { subtle, p256 } = oneShot();
    const keys = await p256();
    const { privateKey, publicKey } = keys;
    const signature = new Uint8Array(await web.sign(es256, privateKey, message));
    // The same signature in the DER form node:crypto would use by default.
    const der = createSign('sha256').update(message).sign(keys.privateKeyObject);
    for (const wrong of [
      new Uint8Array(0),
      signature.subarray(0, 63),
      new Uint8Array([...signature, 0]),
      der,
    ]) {
      assert.equal(await subtle.verify(es256, publicKey, wrong, message), false);
      assert.equal(await web.verify(es256, publicKey, wrong, message), false);
    }
  });

  it('hands everything else to WebCrypto: other curves and hashes, and keys of the wrong type or use', async () => {
    const { subtle, handedOn, p256 } = oneShot();
    const { privateKey, publicKey } = await p256();
    const p384 = await web.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, false, ['sign', 'verify']);
    const es384 = { name: 'ECDSA', hash: 'SHA-384' } as const;

    const signature384 = await subtle.sign(es384, p384.privateKey, message);
    assert.equal(await subtle.verify(es384, p384.publicKey, signature384, message), true);
    assert.deepEqual(handedOn, { sign: 1, verify: 1 });

    // P-256 with SHA-384 is valid WebCrypto, just not ES256.
    const otherHash = await subtle.sign(es384, privateKey, message);
    assert.equal(await web.verify(es384, publicKey, otherHash, message), true);
    assert.equal(handedOn.sign, 2);

    // A public key cannot sign and a private key cannot verify: WebCrypto's own error.
    await assert.rejects(subtle.sign(es256, publicKey, message), { name: 'InvalidAccessError' });
    await assert.rejects(subtle.verify(es256, privateKey, new Uint8Array(64), message), {
      name: 'InvalidAccessError',
    });
    // A key made for signing only cannot verify, even with the right type.
    const signOnly = await web.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign']);
    const publicJwk = await web.exportKey('jwk', signOnly.publicKey);
    const verifyless = await web.importKey(
      'jwk',
      publicJwk,
      { name: 'ECDSA', namedCurve: 'P-256' },
      true,
      [],
    );
    await assert.rejects(subtle.verify(es256, verifyless, new Uint8Array(64), message), {
      name: 'InvalidAccessError',
    });
    assert.deepEqual(handedOn, { sign: 3, verify: 3 });

    // An ES256 key nobody paired still works, through WebCrypto.
    const unpaired = await generatedP256();
    const signature = await subtle.sign(es256, unpaired.privateKey, message);
    assert.equal(await subtle.verify(es256, unpaired.publicKey, signature, message), true);
    assert.deepEqual(handedOn, { sign: 4, verify: 4 });
  });

  it('pairs only a P-256 KeyObject of the same type', async () => {
    const { pair } = oneShot();
    const keys = await generatedP256();
    assert.throws(() => pair(keys.privateKey, keys.publicKeyObject), TypeError);
    assert.throws(() => pair(keys.publicKey, keys.privateKeyObject), TypeError);
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    assert.throws(() => pair(keys.publicKey, p384.publicKey), TypeError);
  });

  it('turns stack traces off only while the operation runs, even when it throws', () => {
    const before = Error.stackTraceLimit;
    assert.ok(before > 0);
    const inside = withoutStackTraces(() => {
      const error = new Error('inside');
      return { limit: Error.stackTraceLimit, stack: error.stack ?? '' };
    });
    assert.equal(inside.limit, 0);
    assert.doesNotMatch(inside.stack, /\n\s+at /, 'an error made inside has no frames');
    assert.throws(
      () =>
        withoutStackTraces(() => {
          throw new RangeError('thrown inside');
        }),
      { name: 'RangeError', message: 'thrown inside' },
    );
    assert.equal(Error.stackTraceLimit, before);
    assert.match(new Error('after').stack ?? '', /\n\s+at /);
  });
});
