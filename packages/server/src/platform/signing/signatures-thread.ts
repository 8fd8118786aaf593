/**
 * The worker side of signatures.ts: runs jose on the requests it is sent and answers plain
 * data. Holds nothing but imported keys.
 */
import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import {
  type CryptoKey,
  compactVerify,
  importJWK,
  type JWK,
  type JWTPayload,
  jwtVerify,
  SignJWT,
} from 'jose';
import { installOneShotEcdsa } from './one-shot-ecdsa.ts';
import type { SignatureReply, SignatureRequest } from './signatures.ts';

if (!parentPort) throw new Error('signatures-thread.ts runs as a worker thread.');
const port = parentPort;
// On this thread only, jose's ES256 signatures with the keys below run on the thread itself,
// not on libuv's pool (one-shot-ecdsa.ts).
const oneShot = installOneShotEcdsa(globalThis.crypto.subtle);

/** Public keys by their JWK text: the same text always imports to the same key. */
const publicKeys = new Map<string, Promise<CryptoKey>>();
const publicKeyLimit = 10_000;
const signingKeys = new Map<string, CryptoKey>();

async function importPublicKey(jwkText: string): Promise<CryptoKey> {
  const jwk = JSON.parse(jwkText) as JWK;
  // jose checks that this is a public P-256 key for ES256; the KeyObject is the same key.
  const key = (await importJWK(jwk, 'ES256')) as CryptoKey;
  oneShot.pair(key, createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }));
  return key;
}

function publicKey(jwkText: string): Promise<CryptoKey> {
  let key = publicKeys.get(jwkText);
  if (!key) {
    key = importPublicKey(jwkText);
    // A key that failed to import is not kept.
    key.catch(() => publicKeys.delete(jwkText));
    if (publicKeys.size >= publicKeyLimit) publicKeys.delete(publicKeys.keys().next().value!);
    publicKeys.set(jwkText, key);
  }
  return key;
}

async function importSigningKey(privateKey: KeyObject): Promise<CryptoKey> {
  const key = privateKey.toCryptoKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
  oneShot.pair(key, privateKey);
  return key;
}

async function run(request: SignatureRequest): Promise<JWTPayload | Uint8Array | string> {
  switch (request.op) {
    case 'verifyJwt': {
      const { payload } = await jwtVerify(request.jws, await publicKey(request.jwk), {
        typ: request.options.typ,
        algorithms: ['ES256'],
        currentDate: new Date(request.options.currentDate),
      });
      return payload;
    }
    case 'compactVerify': {
      const { payload } = await compactVerify(request.jws, await publicKey(request.jwk), {
        algorithms: ['ES256'],
      });
      return payload;
    }
    case 'signJwt': {
      if (request.privateKey) signingKeys.set(request.kid, await importSigningKey(request.privateKey));
      const key = signingKeys.get(request.kid);
      if (!key) throw new Error(`The signing key ${request.kid} was never sent to the worker.`);
      return new SignJWT(request.claims).setProtectedHeader(request.header).sign(key);
    }
  }
}

port.on('message', (request: SignatureRequest) => {
  run(request).then(
    (value) => port.postMessage({ id: request.id, ok: true, value } satisfies SignatureReply),
    (error: unknown) =>
      port.postMessage({
        id: request.id,
        ok: false,
        message: error instanceof Error ? error.message : String(error),
      } satisfies SignatureReply),
  );
});
