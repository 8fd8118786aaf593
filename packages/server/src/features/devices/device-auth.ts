// Device proofs: the signed header that authenticates every device request.
import { AppError, idPattern, jwsTypes, noncePattern } from '@helpdesk-auth/core';
import { calculateJwkThumbprint, decodeProtectedHeader, type JWK, type JWTPayload } from 'jose';
import type { ServiceContext } from '../../platform/context.ts';
import type { EventHub } from '../../platform/live-events.ts';
import { rowCache, rowCacheNames } from '../../platform/row-cache.ts';
import { refuseIfRejected, verifyJwt } from '../../platform/signing/signatures.ts';
import { claimOnce } from '../../storage/atomic.ts';
import { prepared, type Slots } from '../../storage/prepared.ts';
import type { DeviceRow } from '../../storage/schema.ts';

/** What every device request needs of the device: who it is, whether it is active, its key. */
export type DeviceKeyRow = Pick<
  DeviceRow,
  'id' | 'tenant_id' | 'customer_id' | 'status' | 'public_jwk' | 'last_seen_at'
>;

// Runs on every device request and every decision (storage/prepared.ts).
const deviceByKid = prepared((db, slot: Slots<{ id: string }>) =>
  db
    .selectFrom('devices')
    .select(['id', 'tenant_id', 'customer_id', 'status', 'public_jwk', 'last_seen_at'])
    .where('id', '=', slot('id')),
);

/**
 * The device keys of this process (platform/row-cache.ts), by device id: read on every device
 * request and decision. Whatever changes a device's status or key forgets it here, after commit.
 */
export function deviceKeyCache(events: EventHub, maxAgeMs: number) {
  return rowCache<DeviceKeyRow>(events, rowCacheNames.device, { ttlMs: maxAgeMs });
}

/** A device whose proof of possession verified. */
export interface AuthenticatedDevice {
  id: string;
  tenantId: string;
  customerId: string;
}

export const proofType = jwsTypes.proof;
const devicePattern = new RegExp(idPattern('device'));
/** Write "last seen" at most this often per device: a write per request would cost more than it tells. */
const lastSeenResolutionMs = 60_000;

function invalidProof(message: string): AppError {
  return new AppError('DEVICE_PROOF_INVALID', message);
}

/** Only public P-256 keys: a JWK with a private part (`d`) or another curve is refused. */
export function assertDevicePublicJwk(jwk: unknown): asserts jwk is JWK {
  const key = jwk as Record<string, unknown> | null;
  if (
    typeof key !== 'object' ||
    key === null ||
    key.kty !== 'EC' ||
    key.crv !== 'P-256' ||
    typeof key.x !== 'string' ||
    typeof key.y !== 'string' ||
    'd' in key
  ) {
    throw invalidProof('The proof must carry a public P-256 key (EC JWK without a private part).');
  }
}

/**
 * Proof-of-possession for device requests, modelled on DPoP (RFC 9449 section 4.3): the JWS
 * must verify against the device's registered key and name this method and URL, its `iat` must
 * be within `deviceProofMaxAgeSeconds` of the server's clock (section 11.1), and each `jti` is
 * accepted once (section 11.1, replay), remembered in the database so the rule holds across
 * server processes.
 */
export function createDeviceAuth({ db, config, clock, events }: ServiceContext) {
  const cached = deviceKeyCache(events, config.rowCacheMaxAgeMs);
  const maxAgeMs = config.deviceProofMaxAgeSeconds * 1000;
  const origin = new URL(config.publicUrl).origin;

  /** Checks the claims every device proof carries, then spends its id. */
  async function checkFreshAndUnused(scope: string, jti: unknown, iat: unknown): Promise<void> {
    if (typeof jti !== 'string' || !noncePattern.test(jti)) {
      throw invalidProof('The proof needs a jti (or nonce) of 16 to 128 base64url characters.');
    }
    const now = clock();
    if (typeof iat !== 'number' || !Number.isFinite(iat) || Math.abs(iat * 1000 - now) > maxAgeMs) {
      throw invalidProof(
        `The proof's iat must be within ${config.deviceProofMaxAgeSeconds} seconds of the server's time.`,
      );
    }
    await claimUnused(scope, jti, now);
  }

  /** Spends a proof's jti (or a decision's nonce), whose form and iat were already checked. */
  async function claimUnused(scope: string, jti: string, now = clock()): Promise<void> {
    // Remembered for twice the age window: a proof older than that is refused as stale anyway.
    const fresh = await claimOnce(db, `proof:${scope}:${jti}`, { expiresAt: now + 2 * maxAgeMs, now });
    if (!fresh) throw new AppError('DEVICE_PROOF_REPLAYED', 'This proof was already used; sign a new one.');
  }

  /** `publicJwk` is the key's JWK text, as stored; the check runs on the signature worker. */
  function verifyJws(jws: string, publicJwk: string, typ: string): Promise<JWTPayload> {
    return refuseIfRejected(verifyJwt(jws, publicJwk, { typ, currentDate: clock() }), () =>
      invalidProof('The device proof does not verify.'),
    );
  }

  function checkTarget(payload: JWTPayload, method: string, path: string): void {
    const expectedUrl = `${origin}${path.split('?')[0]}`;
    if (payload.htm !== method || payload.htu !== expectedUrl) {
      throw invalidProof(`The proof must name this request: htm ${method}, htu ${expectedUrl}.`);
    }
  }

  async function loadDevice(kid: unknown): Promise<DeviceKeyRow> {
    if (typeof kid !== 'string' || !devicePattern.test(kid)) {
      throw invalidProof('The proof header must name the device in kid.');
    }
    const row = await cached.get(kid, () => deviceByKid.first(db, { id: kid }));
    if (!row) throw invalidProof('Unknown device.');
    return row;
  }

  function header(jws: string): Record<string, unknown> {
    try {
      return decodeProtectedHeader(jws) as Record<string, unknown>;
    } catch {
      throw invalidProof('The device proof is not a JWS.');
    }
  }

  async function touch(row: DeviceKeyRow): Promise<void> {
    const now = clock();
    if (now - row.last_seen_at < lastSeenResolutionMs) return;
    await db.updateTable('devices').set({ last_seen_at: now }).where('id', '=', row.id).execute();
    cached.update(row.id, (device) => ({ ...device, last_seen_at: now }));
  }

  return {
    /** Authenticates a device request from its `device-proof` header. */
    async verifyProof(proof: string | undefined, method: string, path: string): Promise<AuthenticatedDevice> {
      if (!proof) throw invalidProof('Send a device-proof header (docs/device-protocol.md).');
      const head = header(proof);
      if (head.typ !== proofType || head.alg !== 'ES256') {
        throw invalidProof(`The proof header must have typ ${proofType} and alg ES256.`);
      }
      const row = await loadDevice(head.kid);
      const payload = await verifyJws(proof, row.public_jwk, proofType);
      // Signature first, then revocation: only the device itself learns that it was revoked.
      if (row.status !== 'active') throw new AppError('DEVICE_REVOKED', 'This device was revoked.');
      checkTarget(payload, method, path);
      await checkFreshAndUnused(row.id, payload.jti, payload.iat);
      await touch(row);
      return { id: row.id, tenantId: row.tenant_id, customerId: row.customer_id };
    },

    /**
     * The enrollment proof carries the new device's public key in its header (`jwk`, as in
     * RFC 9449 section 4.2) and is signed by it, proving the enrolling party holds the key.
     */
    async verifyEnrollmentProof(
      proof: string | undefined,
      method: string,
      path: string,
    ): Promise<{ publicJwk: JWK; thumbprint: string }> {
      if (!proof) throw invalidProof('Send a device-proof header signed by the new device key.');
      const head = header(proof);
      if (head.typ !== proofType || head.alg !== 'ES256') {
        throw invalidProof(`The proof header must have typ ${proofType} and alg ES256.`);
      }
      assertDevicePublicJwk(head.jwk);
      const publicJwk: JWK = { kty: 'EC', crv: 'P-256', x: head.jwk.x!, y: head.jwk.y! };
      const payload = await verifyJws(proof, JSON.stringify(publicJwk), proofType);
      checkTarget(payload, method, path);
      const thumbprint = await calculateJwkThumbprint(publicJwk, 'sha256');
      await checkFreshAndUnused(thumbprint, payload.jti, payload.iat);
      return { publicJwk, thumbprint };
    },

    /**
     * For signed decisions, which are their own proof of possession: the device that signed,
     * and the single use of the decision's nonce (its iat is checked with the decision's rules).
     */
    claimUnused,
    loadDevice,
  };
}

export type DeviceAuth = ReturnType<typeof createDeviceAuth>;
