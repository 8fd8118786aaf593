// A device made of raw protocol steps, for server tests that need exact control.
import { randomBytes } from 'node:crypto';
import { decisionSigningPayload, jwsTypes, type VerificationDecision } from '@helpdesk-auth/core';
import { CompactSign, type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import type { App } from '../http/types.ts';

/**
 * A device made of raw protocol steps (docs/device-protocol.md), for server tests that need
 * exact control: a proof for any method and URL, a decision over any payload. End-to-end tests
 * use the real device SDK instead.
 */
export interface TestDevice {
  id: string;
  publicJwk: JWK;
  /** The offline-code secret (base32) from the enrollment answer. */
  offlineSecret: string;
  /** A fresh proof-of-possession JWT for this method and path (or absolute URL). */
  proof(method: string, pathOrUrl: string, claims?: Record<string, unknown>): Promise<string>;
  /** A signed decision, by default well-formed; `override` changes any payload field or the raw payload. */
  decide(
    verificationId: string,
    decision: VerificationDecision,
    options?: {
      code?: string | null;
      actionSummary?: string | null;
      nonce?: string;
      iat?: number;
      rawPayload?: string;
    },
  ): Promise<string>;
}

export const nonce = () => randomBytes(16).toString('base64url');

export async function createDeviceKeys() {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const publicJwk = await exportJWK(publicKey);
  return { publicJwk, privateKey };
}

export async function signProof(
  privateKey: CryptoKey,
  header: { kid: string } | { jwk: JWK },
  method: string,
  url: string,
  now: number,
  claims: Record<string, unknown> = {},
): Promise<string> {
  return new SignJWT({ htm: method, htu: url.split('?')[0], jti: nonce(), ...claims })
    .setProtectedHeader({ alg: 'ES256', typ: jwsTypes.proof, ...header })
    .setIssuedAt(Math.floor(now / 1000))
    .sign(privateKey);
}

/** Enrols a new device over HTTP with an activation code, as a device would. */
export async function enrollTestDevice(
  app: App,
  options: {
    publicUrl: string;
    activationCode: string;
    now: () => number;
    push?: unknown;
    label?: string;
    /** The client address the server sees (enrollment limits count per address). */
    remoteAddress?: string;
  },
): Promise<TestDevice> {
  const { publicJwk, privateKey } = await createDeviceKeys();
  const origin = new URL(options.publicUrl).origin;
  const absolute = (pathOrUrl: string) =>
    pathOrUrl.startsWith('http') ? pathOrUrl : `${origin}${pathOrUrl}`;
  const response = await app.inject({
    method: 'POST',
    url: '/v1/device/enroll',
    ...(options.remoteAddress ? { remoteAddress: options.remoteAddress } : {}),
    headers: {
      'device-proof': await signProof(
        privateKey,
        { jwk: publicJwk },
        'POST',
        absolute('/v1/device/enroll'),
        options.now(),
      ),
    },
    payload: {
      activationCode: options.activationCode,
      label: options.label ?? 'Test phone',
      platform: 'cli',
      ...(options.push !== undefined ? { push: options.push } : {}),
    },
  });
  if (response.statusCode !== 201) throw new Error(`enroll failed: ${response.statusCode} ${response.body}`);
  const enrolled = response.json() as { device: { id: string }; offlineCode: { secret: string } };
  const id = enrolled.device.id;
  return {
    id,
    publicJwk,
    offlineSecret: enrolled.offlineCode.secret,
    proof: (method, pathOrUrl, claims) =>
      signProof(privateKey, { kid: id }, method, absolute(pathOrUrl), options.now(), claims),
    async decide(verificationId, decision, o = {}) {
      const payload =
        o.rawPayload ??
        decisionSigningPayload({
          verificationId,
          decision,
          code: o.code === undefined ? null : o.code,
          nonce: o.nonce ?? nonce(),
          iat: o.iat ?? Math.floor(options.now() / 1000),
          actionSummary: o.actionSummary ?? null,
        });
      return new CompactSign(new TextEncoder().encode(payload))
        .setProtectedHeader({ alg: 'ES256', typ: jwsTypes.decision, kid: id })
        .sign(privateKey);
    },
  };
}
