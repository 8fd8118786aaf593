// Runs every published test vector (docs/device-protocol-vectors.json) through the device SDK:
// the signed requests through its request check, the WebAuthn challenges through its decision
// builder, and each decision's fields through its signer, whose output must be the payload the
// vectors accept.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { decisionSigningPayload } from '@helpdesk-auth/core';
import { type CryptoKey, compactVerify, importJWK, type JWK } from 'jose';
import { type DecisionPayloadInput, decisionAssertionChallenge, signDecision } from '../decision.ts';
import { isDeviceSdkError } from '../errors.ts';
import { verifySignedRequest } from '../signed-request.ts';

const vectorsPath = new URL('../../../../docs/device-protocol-vectors.json', import.meta.url);
const vectors = JSON.parse(readFileSync(vectorsPath, 'utf8')) as {
  issuer: string;
  customerId: string;
  now: number;
  keys: { device: { id: string; publicJwk: JWK; privateJwk: JWK } };
  jwks: { keys: JWK[] };
  storedRequests: { verificationId: string; actionSummary: string | null }[];
  requests: {
    name: string;
    verificationId: string;
    signedRequest: string;
    claims: Record<string, unknown>;
    expected: { outcome: string; code?: string };
  }[];
  decisions: { name: string; verificationId: string; payload: string; expected: { outcome: string } }[];
  webauthnChallenges: {
    name: string;
    input: DecisionPayloadInput & { typ: string };
    jcs: string;
    challenge: string;
  }[];
};

describe('device protocol test vectors in the device SDK', () => {
  describe('signed requests (verifySignedRequest)', () => {
    for (const vector of vectors.requests) {
      it(`${vector.expected.outcome}: ${vector.name}`, async () => {
        const check = verifySignedRequest(vector.signedRequest, {
          id: vector.verificationId,
          jwks: vectors.jwks,
          issuer: vectors.issuer,
          customerId: vectors.customerId,
          now: vectors.now * 1000,
        });
        if (vector.expected.outcome === 'accepted') {
          const shown = await check;
          assert.equal(shown.actionSummary, vector.claims.actionSummary);
          assert.equal(shown.reason, vector.claims.reason);
          assert.equal(shown.codeLength, vector.claims.codeLength);
        } else {
          await assert.rejects(
            check,
            (error) => isDeviceSdkError(error) && error.code === vector.expected.code,
          );
        }
      });
    }
  });

  describe('WebAuthn challenges (decisionAssertionChallenge, RFC 8785)', () => {
    for (const vector of vectors.webauthnChallenges) {
      it(vector.name, async () => {
        const { typ: _, ...input } = vector.input;
        assert.equal(decisionSigningPayload(input), vector.jcs);
        assert.equal(await decisionAssertionChallenge(input), vector.challenge);
      });
    }
  });

  describe('decisions: what the SDK signs for the same fields', () => {
    const device = vectors.keys.device;
    for (const vector of vectors.decisions) {
      it(`${vector.expected.outcome}: ${vector.name}`, async () => {
        let fields: Record<string, unknown>;
        try {
          fields = JSON.parse(vector.payload);
        } catch {
          assert.notEqual(vector.expected.outcome, 'accepted');
          return;
        }
        const stored = vectors.storedRequests.find((s) => s.verificationId === vector.verificationId)!;
        // The SDK signs the shown request's id and summary with the customer's choice.
        const input: DecisionPayloadInput = {
          verificationId: stored.verificationId,
          actionSummary: stored.actionSummary,
          decision: fields.decision as DecisionPayloadInput['decision'],
          code: fields.code as string | null,
          nonce: fields.nonce as string,
          iat: fields.iat as number,
        };
        let jws: string;
        try {
          jws = await signDecision(
            input,
            device.id,
            (await importJWK(device.privateJwk, 'ES256')) as CryptoKey,
          );
        } catch (error) {
          // The SDK refuses to sign malformed fields; the server refuses them too.
          assert.ok(error instanceof TypeError);
          assert.notEqual(vector.expected.outcome, 'accepted');
          return;
        }
        const verified = await compactVerify(jws, await importJWK(device.publicJwk, 'ES256'));
        assert.deepEqual(verified.protectedHeader, { alg: 'ES256', typ: 'hda-decision+jwt', kid: device.id });
        const signed = new TextDecoder().decode(verified.payload);
        assert.equal(signed, decisionSigningPayload(input));
        if (vector.expected.outcome === 'accepted') {
          // Member for member the payload the vector signs, whatever its JSON form.
          assert.deepEqual(JSON.parse(signed), fields);
        }
      });
    }
  });
});
