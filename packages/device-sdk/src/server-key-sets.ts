// How a device learns the server's new signing keys: signed key sets, each verified against the
// keys the device already trusts (docs/device-protocol.md, "Server keys and rotation").
import { jwsTypes } from '@helpdesk-auth/core';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { DeviceSdkError } from './errors.ts';
import type { DeviceState, JsonWebKey } from './key-store.ts';

/** More keys than any key set carries (the signing key plus a few retiring ones). */
const maxKeysInSet = 16;

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function refused(why: string, cause?: unknown): DeviceSdkError {
  return new DeviceSdkError('KEY_SET_INVALID', `The server key set is not to be trusted: ${why}.`, {
    cause,
  });
}

/** When a key a rotation replaced retires (`exp`, seconds since the epoch), or undefined. */
function retiresAt(key: JsonWebKey): number | undefined {
  const { exp } = key as { exp?: unknown };
  return typeof exp === 'number' ? exp : undefined;
}

/** The key set version the device holds; 0 for a device enrolled before any rotation. */
export function keySetVersionOf(state: DeviceState): number {
  return state.keySetVersion ?? 0;
}

/**
 * The pinned keys a request may be signed with at `nowMs`: a key that a rotation replaced
 * carries `exp` (seconds) and is left out once that has passed.
 */
export function usableServerKeys(state: DeviceState, nowMs: number): { keys: JsonWebKey[] } {
  return {
    keys: state.jwks.keys.filter((key) => {
      const exp = retiresAt(key);
      return exp === undefined || exp * 1000 > nowMs;
    }),
  };
}

/** Whether a request whose header names `kid` can be checked with the keys the device holds. */
export function knowsServerKey(state: DeviceState, kid: string, nowMs: number): boolean {
  return usableServerKeys(state, nowMs).keys.some((key) => key.kid === kid);
}

/** The `kid` of a signed request's header, or null when it has none or is not a JWS. */
export function signingKeyIdOf(jws: string): string | null {
  try {
    const { kid } = decodeProtectedHeader(jws);
    return typeof kid === 'string' ? kid : null;
  } catch {
    return null;
  }
}

/** A public P-256 key with a key id, and nothing private; `exp` optional. */
function checkedKey(value: unknown): JsonWebKey {
  if (
    !isRecord(value) ||
    value.kty !== 'EC' ||
    value.crv !== 'P-256' ||
    typeof value.x !== 'string' ||
    typeof value.y !== 'string' ||
    typeof value.kid !== 'string' ||
    value.kid.length === 0 ||
    'd' in value ||
    (value.alg !== undefined && value.alg !== 'ES256') ||
    (value.exp !== undefined && (typeof value.exp !== 'number' || !Number.isInteger(value.exp)))
  ) {
    throw refused('it lists a key that is not a public ES256 key with a key id');
  }
  return value as JsonWebKey;
}

/**
 * Applies one key set to `state`: it must be signed (typ `hda-keyset+jwt`, ES256) by a key the
 * state trusts, name the state's issuer, carry a higher version than the state's, and list only
 * public P-256 keys. A signer in its overlap must have signed before it retired. Returns the
 * state with the set's keys and version; `state` itself is not changed.
 */
export async function applyKeySet(state: DeviceState, jws: string): Promise<DeviceState> {
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(jws);
  } catch (error) {
    throw refused('it is not a JWS', error);
  }
  if (header.typ !== jwsTypes.keySet || header.alg !== 'ES256' || typeof header.kid !== 'string') {
    throw refused(`it is not an ES256 ${jwsTypes.keySet} with a key id`);
  }
  const signer = state.jwks.keys.find((key) => key.kid === header.kid);
  if (!signer) throw refused(`it is signed by ${header.kid}, a key this device does not trust`);
  let claims: Json;
  try {
    const result = await jwtVerify(jws, createLocalJWKSet({ keys: [signer] }), {
      issuer: state.issuer,
      typ: jwsTypes.keySet,
      algorithms: ['ES256'],
      requiredClaims: ['iss', 'iat'],
    });
    claims = result.payload as Json;
  } catch (error) {
    throw refused(error instanceof Error ? error.message : 'it does not verify', error);
  }
  const { ver, iat, keys } = claims;
  if (typeof ver !== 'number' || !Number.isInteger(ver) || typeof iat !== 'number') {
    throw refused('it has no version');
  }
  if (ver <= keySetVersionOf(state)) {
    throw refused(
      `its version ${ver} is not newer than the version ${keySetVersionOf(state)} this device holds`,
    );
  }
  const signerRetires = retiresAt(signer);
  if (signerRetires !== undefined && iat > signerRetires) {
    throw refused(`it was signed after its signing key ${header.kid} retired`);
  }
  if (!Array.isArray(keys) || keys.length === 0 || keys.length > maxKeysInSet) {
    throw refused('it lists no keys, or too many');
  }
  const checked = keys.map(checkedKey);
  if (new Set(checked.map((key) => key.kid)).size !== checked.length) {
    throw refused('it lists a key id twice');
  }
  try {
    createLocalJWKSet({ keys: checked });
  } catch (error) {
    throw refused('its keys are not a valid JWK set', error);
  }
  return { ...state, jwks: { keys: checked }, keySetVersion: ver };
}

/**
 * Walks a chain of key sets, oldest first, each verified with the keys of the one before (the
 * first with the state's own keys), so a device that missed several rotations catches up.
 * Nothing is applied unless every link holds.
 */
export async function applyKeySetChain(state: DeviceState, keySets: readonly string[]): Promise<DeviceState> {
  let next = state;
  for (const jws of keySets) next = await applyKeySet(next, jws);
  return next;
}
