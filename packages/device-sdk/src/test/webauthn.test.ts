/**
 * The WebAuthn helpers' contract with `navigator.credentials`: base64url members become bytes on
 * the way in, the browser's `toJSON()` is used when present, and what the browser throws maps to
 * SDK codes without sending anything. The whole flow against the server is in
 * packages/server/src/features/devices/webauthn.sdk-flow.test.ts; Chromium's authenticator in
 * apps/authenticator/e2e.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DeviceSdkError } from '../errors.ts';
import { createCredential, creationOptionsFromJson, getAssertion } from '../webauthn.ts';

const options = {
  rp: { id: 'auth.example.com', name: 'Acme Bank' },
  user: { id: 'ZGV2XzAx', name: 'Phone', displayName: 'Phone' },
  challenge: 'AAECAwQFBgcICQoLDA0ODw',
  pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
  excludeCredentials: [{ id: 'qrvM3Q', type: 'public-key' }],
  authenticatorSelection: { authenticatorAttachment: 'platform', userVerification: 'required' },
};

const browserError = (name: string) => Object.assign(new Error(name), { name });

describe('WebAuthn helpers', () => {
  it('turns the base64url members of the creation options into bytes, and keeps the rest', () => {
    const binary = creationOptionsFromJson(options) as Record<string, unknown>;
    assert.deepEqual(binary.challenge, new Uint8Array([...Array(16).keys()]));
    assert.deepEqual((binary.user as { id: Uint8Array }).id, new TextEncoder().encode('dev_01'));
    assert.deepEqual(
      (binary.excludeCredentials as { id: Uint8Array }[])[0]?.id,
      new Uint8Array([170, 187, 204, 221]),
    );
    assert.deepEqual(binary.rp, options.rp);
    assert.deepEqual(binary.authenticatorSelection, options.authenticatorSelection);
  });

  it("uses the credential's own toJSON when the browser has it", async () => {
    const json = {
      id: 'x',
      rawId: 'x',
      type: 'public-key',
      response: { clientDataJSON: 'a', attestationObject: 'b' },
    };
    const result = await createCredential(
      { create: async () => ({ response: {}, toJSON: () => json }), get: async () => null },
      options,
    );
    assert.deepEqual(result, json);
  });

  it('asks for user verification, the remembered credential and the RP id, with the challenge as bytes', async () => {
    const requests: Record<string, unknown>[] = [];
    const bytes = (values: number[]) => new Uint8Array(values).buffer;
    const result = await getAssertion(
      {
        create: async () => null,
        get: async ({ publicKey }: { publicKey: Record<string, unknown> }) => {
          requests.push(publicKey);
          return {
            id: 'qrvM3Q',
            rawId: bytes([170, 187, 204, 221]),
            type: 'public-key',
            response: {
              clientDataJSON: bytes([1]),
              authenticatorData: bytes([2]),
              signature: bytes([3]),
              userHandle: null,
            },
          };
        },
      },
      { challenge: 'AAECAw', credential: { credentialId: 'qrvM3Q', rpId: 'auth.example.com' } },
    );
    const [asked] = requests;
    assert.ok(asked, 'the authenticator was asked');
    assert.equal(asked.userVerification, 'required');
    assert.equal(asked.rpId, 'auth.example.com');
    assert.deepEqual(asked.challenge, new Uint8Array([0, 1, 2, 3]));
    assert.deepEqual(
      (asked.allowCredentials as { id: Uint8Array }[])[0]?.id,
      new Uint8Array([170, 187, 204, 221]),
    );
    assert.deepEqual(result.response, {
      clientDataJSON: 'AQ',
      authenticatorData: 'Ag',
      signature: 'Aw',
      userHandle: null,
    });
    assert.equal(result.rawId, 'qrvM3Q');
  });

  for (const [thrown, code] of [
    ['NotAllowedError', 'WEBAUTHN_CANCELLED'],
    ['AbortError', 'WEBAUTHN_CANCELLED'],
    ['NotSupportedError', 'WEBAUTHN_UNAVAILABLE'],
    ['SecurityError', 'WEBAUTHN_UNAVAILABLE'],
    ['InvalidStateError', 'WEBAUTHN_FAILED'],
  ] as const) {
    it(`reports ${thrown} as ${code}`, async () => {
      const failing = {
        create: async () => {
          throw browserError(thrown);
        },
        get: async () => {
          throw browserError(thrown);
        },
      };
      await assert.rejects(createCredential(failing, options), (e: DeviceSdkError) => e.code === code);
      await assert.rejects(
        getAssertion(failing, { challenge: 'AA', credential: { credentialId: 'AA', rpId: 'x' } }),
        (e: DeviceSdkError) => e.code === code,
      );
    });
  }

  it('treats no credential at all as cancelled', async () => {
    await assert.rejects(
      createCredential({ create: async () => null, get: async () => null }, options),
      (e: DeviceSdkError) => e.code === 'WEBAUTHN_CANCELLED',
    );
  });
});
