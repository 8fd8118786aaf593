/**
 * Simulated devices made of raw protocol steps (docs/device-protocol.md), signed with jose as
 * the device SDK does: a proof of possession per request, a signed decision per flow.
 */
import { randomBytes } from 'node:crypto';
import { decisionSigningPayload } from '@helpdesk-auth/core';
import { CompactSign, type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import type { Pool } from 'undici';

export interface BenchDevice {
  id: string;
  customerId: string;
  privateKey: CryptoKey;
}

const encoder = new TextEncoder();
const randomId = () => randomBytes(16).toString('base64url');
const seconds = () => Math.floor(Date.now() / 1000);

function signProof(
  privateKey: CryptoKey,
  header: { kid: string } | { jwk: JWK },
  method: string,
  htu: string,
): Promise<string> {
  return new SignJWT({ htm: method, htu })
    .setProtectedHeader({ alg: 'ES256', typ: 'hda-proof+jwt', ...header })
    .setIssuedAt(seconds())
    .setJti(randomId())
    .sign(privateKey);
}

/** A fresh `device-proof` for this method and path. */
export function proof(device: BenchDevice, publicUrl: string, method: string, path: string): Promise<string> {
  return signProof(device.privateKey, { kid: device.id }, method, publicUrl + path);
}

/** A compact JWS over exactly the canonical approval payload. */
export function signedApproval(device: BenchDevice, verificationId: string, code: string): Promise<string> {
  const payload = decisionSigningPayload({
    verificationId,
    decision: 'approve',
    code,
    nonce: randomId(),
    iat: seconds(),
    actionSummary: null,
  });
  return new CompactSign(encoder.encode(payload))
    .setProtectedHeader({ alg: 'ES256', typ: 'hda-decision+jwt', kid: device.id })
    .sign(device.privateKey);
}

/** Enrolls a new device with a one-time activation code over HTTP. */
export async function enrollDevice(
  pool: Pool,
  publicUrl: string,
  customerId: string,
  activationCode: string,
): Promise<BenchDevice> {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const publicJwk = await exportJWK(publicKey);
  const path = '/v1/device/enroll';
  const { statusCode, body } = await pool.request({
    method: 'POST',
    path,
    headers: {
      'content-type': 'application/json',
      'device-proof': await signProof(privateKey, { jwk: publicJwk }, 'POST', publicUrl + path),
    },
    body: JSON.stringify({ activationCode, label: 'Bench phone', platform: 'cli', push: null }),
  });
  const text = await body.text();
  if (statusCode !== 201) throw new Error(`enrollment failed: ${statusCode} ${text}`);
  const answer = JSON.parse(text) as { device: { id: string; customerId: string } };
  if (answer.device.customerId !== customerId) throw new Error('enrolled for another customer');
  return { id: answer.device.id, customerId, privateKey };
}

/** Enrols one device per customer, a few at a time. */
export async function enrollAll(
  pool: Pool,
  publicUrl: string,
  list: readonly { id: string; activationCode: string }[],
  concurrency: number,
): Promise<BenchDevice[]> {
  const devices: BenchDevice[] = new Array(list.length);
  let next = 0;
  const worker = async () => {
    while (next < list.length) {
      const i = next++;
      const customer = list[i]!;
      devices[i] = await enrollDevice(pool, publicUrl, customer.id, customer.activationCode);
    }
  };
  // Fewer in flight than ENROLL_FAILURES_PER_ADDRESS (10): the server counts every enrollment
  // from an address against that limit until it succeeds, so 10+ concurrent ones get 429.
  await Promise.all(Array.from({ length: Math.min(8, concurrency) }, worker));
  return devices;
}
