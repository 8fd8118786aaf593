// A WebAuthn platform authenticator in software, for server tests.
import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import type { CredentialsContainerLike } from '@helpdesk-auth/device-sdk';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { isoCBOR } from '@simplewebauthn/server/helpers';

/**
 * A WebAuthn platform authenticator in software, for server tests: it builds the same bytes a
 * browser and authenticator produce (WebAuthn Level 3, sections 6.1 authenticator data, 6.5.4
 * "none" attestation, 5.8.1 client data, 6.3.3 assertion signature over authData || hash of the
 * client data), so the server's checks run on real structures. Browser tests use Chromium's
 * virtual authenticator instead.
 */
export interface SoftAuthenticator {
  credentialId: string;
  register(
    options: { challenge: string },
    overrides?: { origin?: string; rpId?: string },
  ): RegistrationResponseJSON;
  assert(
    challenge: string,
    overrides?: { origin?: string; rpId?: string; userVerified?: boolean; counter?: number },
  ): AuthenticationResponseJSON;
}

const flags = { userPresent: 0x01, userVerified: 0x04, attestedData: 0x40 } as const;

const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest();
const b64u = (data: Uint8Array | string) => Buffer.from(data).toString('base64url');

function coseKey(publicKey: KeyObject): Uint8Array {
  const jwk = publicKey.export({ format: 'jwk' });
  // RFC 9053 section 7.1.1 (EC2): kty 2, alg -7 (ES256), crv 1 (P-256), x, y.
  return isoCBOR.encode(
    new Map<number, number | Uint8Array>([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, Buffer.from(jwk.x!, 'base64url')],
      [-3, Buffer.from(jwk.y!, 'base64url')],
    ]),
  );
}

export function createSoftAuthenticator(options: {
  origin: string;
  rpId: string;
  /** Whether this authenticator can verify its user (biometrics or PIN): sets the UV flag. */
  userVerification: boolean;
}): SoftAuthenticator {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const credentialId = randomBytes(16);
  let counter = 0;

  function authenticatorData(rpId: string, flagBits: number, count: number, attested?: Uint8Array): Buffer {
    const counterBytes = Buffer.alloc(4);
    counterBytes.writeUInt32BE(count);
    return Buffer.concat([
      sha256(rpId),
      Buffer.from([flagBits]),
      counterBytes,
      ...(attested ? [attested] : []),
    ]);
  }

  const baseFlags = () => flags.userPresent | (options.userVerification ? flags.userVerified : 0);

  return {
    credentialId: b64u(credentialId),

    register(creation, overrides = {}) {
      const clientDataJSON = JSON.stringify({
        type: 'webauthn.create',
        challenge: creation.challenge,
        origin: overrides.origin ?? options.origin,
        crossOrigin: false,
      });
      const idLength = Buffer.alloc(2);
      idLength.writeUInt16BE(credentialId.length);
      const attested = Buffer.concat([Buffer.alloc(16), idLength, credentialId, coseKey(publicKey)]);
      const authData = authenticatorData(
        overrides.rpId ?? options.rpId,
        baseFlags() | flags.attestedData,
        counter,
        attested,
      );
      const attestationObject = isoCBOR.encode(
        new Map<string, unknown>([
          ['fmt', 'none'],
          ['attStmt', new Map()],
          ['authData', authData],
        ]) as Parameters<typeof isoCBOR.encode>[0],
      );
      return {
        id: b64u(credentialId),
        rawId: b64u(credentialId),
        type: 'public-key',
        response: {
          clientDataJSON: b64u(clientDataJSON),
          attestationObject: b64u(attestationObject),
          transports: ['internal'],
        },
        authenticatorAttachment: 'platform',
        clientExtensionResults: {},
      };
    },

    assert(challenge, overrides = {}) {
      counter = overrides.counter ?? counter + 1;
      const userVerified = overrides.userVerified ?? options.userVerification;
      const clientDataJSON = JSON.stringify({
        type: 'webauthn.get',
        challenge,
        origin: overrides.origin ?? options.origin,
        crossOrigin: false,
      });
      const authData = authenticatorData(
        overrides.rpId ?? options.rpId,
        flags.userPresent | (userVerified ? flags.userVerified : 0),
        counter,
      );
      // ES256 assertion signatures are DER-encoded (WebAuthn Level 3, section 6.5.5).
      const signature = sign('sha256', Buffer.concat([authData, sha256(clientDataJSON)]), privateKey);
      return {
        id: b64u(credentialId),
        rawId: b64u(credentialId),
        type: 'public-key',
        response: {
          clientDataJSON: b64u(clientDataJSON),
          authenticatorData: b64u(authData),
          signature: b64u(signature),
        },
        authenticatorAttachment: 'platform',
        clientExtensionResults: {},
      };
    },
  };
}

const toBuffer = (base64url: string): ArrayBuffer => {
  const bytes = Buffer.from(base64url, 'base64url');
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
};

/** Bytes (as a browser hands them to the authenticator) in base64url. */
export const fromBytes = (value: unknown): string => Buffer.from(value as Uint8Array).toString('base64url');

/** The options each call of the container was given, in order. */
export interface SoftCredentialRequests {
  create: Record<string, unknown>[];
  get: Record<string, unknown>[];
}

/**
 * `navigator.credentials` in shape, backed by a software authenticator: binary options in,
 * credential objects with ArrayBuffers out and no `toJSON`, so the device SDK's own encoding runs.
 */
export function softCredentialsContainer(
  authenticator: SoftAuthenticator,
  seen: SoftCredentialRequests,
): CredentialsContainerLike {
  return {
    async create({ publicKey }: { publicKey: Record<string, unknown> }) {
      seen.create.push(publicKey);
      const json = authenticator.register({ challenge: fromBytes(publicKey.challenge) });
      return {
        id: json.id,
        rawId: toBuffer(json.rawId),
        type: 'public-key',
        authenticatorAttachment: 'platform',
        getClientExtensionResults: () => ({}),
        response: {
          clientDataJSON: toBuffer(json.response.clientDataJSON),
          attestationObject: toBuffer(json.response.attestationObject),
          getTransports: () => ['internal'],
        },
      };
    },
    async get({ publicKey }: { publicKey: Record<string, unknown> }) {
      seen.get.push(publicKey);
      const json = authenticator.assert(fromBytes(publicKey.challenge));
      return {
        id: json.id,
        rawId: toBuffer(json.rawId),
        type: 'public-key',
        authenticatorAttachment: 'platform',
        getClientExtensionResults: () => ({}),
        response: {
          clientDataJSON: toBuffer(json.response.clientDataJSON),
          authenticatorData: toBuffer(json.response.authenticatorData),
          signature: toBuffer(json.response.signature),
          userHandle: null,
        },
      };
    },
  };
}
