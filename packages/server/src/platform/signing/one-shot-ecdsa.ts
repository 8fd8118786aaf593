/**
 * ES256 (ECDSA on P-256 with SHA-256) through node:crypto's synchronous one-shot functions,
 * installed on the signature worker's own WebCrypto object only (signatures-thread.ts).
 *
 * Why: jose uses WebCrypto, and Node runs each WebCrypto signature as a job on libuv's thread
 * pool. On the signature worker that is a second hop for every proof and decision (the main
 * thread asks the worker, the worker asks the pool, the answer comes back the same way), and on
 * two cores each hop waits to be scheduled. `crypto.sign` and `crypto.verify` without a callback
 * run the same OpenSSL operation on the calling thread. jose still does everything else: parsing,
 * the header and algorithm checks, the key checks, the claims. Only the final primitive moves.
 *
 * node:crypto needs a KeyObject, and making one from a CryptoKey that cannot be exported is
 * deprecated; so the code that makes a key hands over both, made from the same key material,
 * with `pair`. A CryptoKey without a pair, and anything other than ECDSA with SHA-256 on a P-256
 * key of the right type and usage, goes to WebCrypto unchanged, so errors for unusual input stay
 * WebCrypto's own.
 */
import { type KeyObject, sign as oneShotSign, verify as oneShotVerify, type webcrypto } from 'node:crypto';

type CryptoKey = webcrypto.CryptoKey;
type Subtle = Pick<webcrypto.SubtleCrypto, 'sign' | 'verify'>;
type Algorithm = Parameters<Subtle['sign']>[0];
type Data = Parameters<Subtle['sign']>[2];

/** ECDSA P-256 signatures in JOSE's form: r and s, 32 bytes each (RFC 7518 section 3.4). */
const signatureBytes = 64;

function isEs256(
  algorithm: Algorithm,
  key: CryptoKey,
  type: webcrypto.KeyType,
  usage: webcrypto.KeyUsage,
): boolean {
  if (typeof algorithm !== 'object' || algorithm.name.toUpperCase() !== 'ECDSA') return false;
  const hash = (algorithm as webcrypto.EcdsaParams).hash;
  const hashName = typeof hash === 'string' ? hash : hash?.name;
  const keyAlgorithm = key.algorithm as webcrypto.EcKeyAlgorithm;
  return (
    hashName?.toUpperCase() === 'SHA-256' &&
    keyAlgorithm.name === 'ECDSA' &&
    keyAlgorithm.namedCurve === 'P-256' &&
    key.type === type &&
    key.usages.includes(usage)
  );
}

/**
 * Runs `operation` with V8's stack traces off. Node's one-shot `sign` and `verify`, given an
 * options object (`{ key, dsaEncoding }`), first ask whether that object is itself a KeyObject,
 * and the answer "no" is a TypeError thrown and caught inside Node. Capturing that error's stack
 * cost about 10 µs of a 50 to 95 µs operation here, and about a tenth of the signature worker's
 * time under load (docs/benchmarks.md). Nothing here shows a stack: the worker answers messages.
 * The operation is synchronous, so the setting is back before anything else runs.
 */
export function withoutStackTraces<T>(operation: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return operation();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** ES256 over `data` with a P-256 private KeyObject, in JOSE's form (r and s). */
export function es256Sign(data: Uint8Array, key: KeyObject): NonSharedBuffer {
  return withoutStackTraces(() => oneShotSign('sha256', data, { key, dsaEncoding: 'ieee-p1363' }));
}

/** Whether `signature` (r and s) is an ES256 signature over `data` by the P-256 public KeyObject. */
export function es256Verify(data: Uint8Array, key: KeyObject, signature: Uint8Array): boolean {
  return withoutStackTraces(() =>
    oneShotVerify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature),
  );
}

function bytes(data: Data): Uint8Array {
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

export interface OneShotEcdsa {
  /**
   * From now on, ES256 with `cryptoKey` runs on the calling thread with `keyObject`. Both must
   * hold the same key (made from the same JWK, or one from the other); a KeyObject that is not
   * a P-256 key of the CryptoKey's type is refused.
   */
  pair(cryptoKey: CryptoKey, keyObject: KeyObject): void;
}

/** Makes `subtle.sign` and `subtle.verify` answer ES256 for paired keys on the calling thread. */
export function installOneShotEcdsa(subtle: Subtle): OneShotEcdsa {
  const webSign = subtle.sign.bind(subtle);
  const webVerify = subtle.verify.bind(subtle);
  const keyObjects = new WeakMap<CryptoKey, KeyObject>();

  subtle.sign = async (algorithm, key, data) => {
    const keyObject = keyObjects.get(key);
    if (!keyObject || !isEs256(algorithm, key, 'private', 'sign')) return webSign(algorithm, key, data);
    const signature = es256Sign(bytes(data), keyObject);
    // A copy of exactly the signature's bytes, as WebCrypto answers.
    return signature.buffer.slice(signature.byteOffset, signature.byteOffset + signature.byteLength);
  };

  subtle.verify = async (algorithm, key, signature, data) => {
    const keyObject = keyObjects.get(key);
    if (!keyObject || !isEs256(algorithm, key, 'public', 'verify')) {
      return webVerify(algorithm, key, signature, data);
    }
    const given = bytes(signature);
    // WebCrypto answers false, not an error, for a signature of the wrong length.
    if (given.byteLength !== signatureBytes) return false;
    return es256Verify(bytes(data), keyObject, given);
  };

  return {
    pair(cryptoKey, keyObject) {
      if (
        keyObject.type !== cryptoKey.type ||
        keyObject.asymmetricKeyType !== 'ec' ||
        keyObject.asymmetricKeyDetails?.namedCurve !== 'prime256v1'
      ) {
        throw new TypeError('Only a P-256 KeyObject of the same type as the CryptoKey can be paired.');
      }
      keyObjects.set(cryptoKey, keyObject);
    },
  };
}
