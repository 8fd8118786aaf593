// Runs every published test vector (docs/device-protocol-vectors.json) through the server's own
// checks: the decision header, the device-key signature on the signature worker, the decision
// rules, the WebAuthn challenge; and checks the file is what its generator writes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { decisionChallenge, type ErrorCode, errorStatus, jwsTypes } from '@helpdesk-auth/core';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { vectorsPath, vectorsText } from '../../../../../../docs/vectors/generate.ts';
import { keyedHash } from '../../../platform/secrets.ts';
import {
  refuseIfRejected,
  stopSignatureWorker,
  verifyCompact,
} from '../../../platform/signing/signatures.ts';
import {
  readDecisionHeader,
  rebuildDecisionPayload,
  verifySignedDecision,
} from '../verify-signed-decision.ts';

interface Stored {
  verificationId: string;
  actionSummary: string | null;
  code: string;
}
type Expected =
  | { outcome: 'accepted'; decision: string; codeMatches: boolean }
  | { outcome: 'refused'; status?: number; code: string };

const vectors = JSON.parse(readFileSync(vectorsPath, 'utf8')) as {
  issuer: string;
  customerId: string;
  now: number;
  maxAgeSeconds: number;
  keys: { device: { id: string; publicJwk: Record<string, string> } };
  jwks: { keys: Record<string, string>[] };
  storedRequests: Stored[];
  requests: { name: string; verificationId: string; signedRequest: string; expected: Expected }[];
  decisions: {
    name: string;
    verificationId: string;
    deviceStatus: string;
    requireUserVerification: boolean;
    payload: string;
    signedDecision: string;
    expected: Expected;
  }[];
  webauthnChallenges: {
    name: string;
    input: {
      verificationId: string;
      decision: 'approve';
      code: string | null;
      nonce: string;
      iat: number;
      actionSummary: string | null;
    };
    jcs: string;
    jcsHex: string;
    challenge: string;
  }[];
};

const hashKey = Buffer.alloc(32, 9);
const tenantId = 'ten_vectors';

/** The decision endpoint's steps (features/push/decide.ts) up to the nonce claim, without storage. */
async function judge(vector: (typeof vectors.decisions)[number]): Promise<Expected> {
  const refusal = (code: ErrorCode): Expected => ({ outcome: 'refused', status: errorStatus[code], code });
  const header = readDecisionHeader(vector.signedDecision);
  if (!header.ok) return refusal(header.code);
  // deviceAuth.loadDevice: a kid that names no device is DEVICE_PROOF_INVALID "Unknown device."
  if (header.kid !== vectors.keys.device.id) return refusal('DEVICE_PROOF_INVALID');
  let payload: Uint8Array;
  try {
    payload = await refuseIfRejected(
      verifyCompact(vector.signedDecision, JSON.stringify(vectors.keys.device.publicJwk)),
      () => new Error('DECISION_SIGNATURE_INVALID'),
    );
  } catch {
    return refusal('DECISION_SIGNATURE_INVALID');
  }
  const stored = vectors.storedRequests.find((s) => s.verificationId === vector.verificationId);
  assert.ok(stored, `${vector.name}: its request is in storedRequests`);
  const verdict = verifySignedDecision({
    verificationId: vector.verificationId,
    request: {
      id: stored.verificationId,
      tenantId,
      customerId: vectors.customerId,
      actionSummary: stored.actionSummary,
      requireUserVerification: vector.requireUserVerification,
      codeHash: keyedHash(hashKey, stored.code),
    },
    device: {
      id: vectors.keys.device.id,
      tenantId,
      customerId: vectors.customerId,
      status: vector.deviceStatus,
    },
    proof: { kind: 'jws', payload },
    hashCode: (typed) => keyedHash(hashKey, typed),
    now: vectors.now * 1000,
    maxAgeSeconds: vectors.maxAgeSeconds,
  });
  if (!verdict.ok) return refusal(verdict.code);
  return { outcome: 'accepted', decision: verdict.decision, codeMatches: verdict.codeMatches };
}

describe('device protocol test vectors (docs/device-protocol-vectors.json)', () => {
  after(() => stopSignatureWorker());

  it('the committed file is exactly what docs/vectors/generate.ts writes', () => {
    assert.equal(readFileSync(vectorsPath, 'utf8'), vectorsText());
  });

  it('cover every kind the protocol documents', () => {
    const outcomes = new Set(
      vectors.decisions.map((v) => (v.expected.outcome === 'accepted' ? 'accepted' : v.expected.code)),
    );
    for (const code of [
      'accepted',
      'DECISION_SIGNATURE_INVALID',
      'DEVICE_PROOF_INVALID',
      'DEVICE_REVOKED',
      'USER_VERIFICATION_REQUIRED',
    ]) {
      assert.ok(outcomes.has(code), code);
    }
    const texts = vectors.decisions.map((v) => v.payload).join('');
    for (const form of ['\\/', '\\u00e9', '\\ud83c\\udf89', '\n  "', '", "', '🎉', '<', '&']) {
      assert.ok(texts.includes(form), `a payload written with ${form}`);
    }
  });

  describe('decisions', () => {
    for (const vector of vectors.decisions) {
      it(`${vector.expected.outcome === 'accepted' ? 'accepts' : `refuses (${vector.expected.code})`}: ${vector.name}`, async () => {
        assert.deepEqual(await judge(vector), vector.expected);
      });
    }
  });

  describe('WebAuthn challenges (RFC 8785)', () => {
    for (const vector of vectors.webauthnChallenges) {
      it(vector.name, async () => {
        const { verificationId, actionSummary, ...fields } = vector.input;
        const rebuilt = rebuildDecisionPayload(verificationId, fields, actionSummary);
        assert.ok(rebuilt.ok);
        assert.equal(rebuilt.payload, vector.jcs);
        assert.equal(Buffer.from(rebuilt.payload, 'utf8').toString('hex'), vector.jcsHex);
        assert.equal(await decisionChallenge(rebuilt.input), vector.challenge);
      });
    }
  });

  describe('signed requests, as the server signs them', () => {
    for (const vector of vectors.requests) {
      it(`${vector.expected.outcome}: ${vector.name}`, async () => {
        const verified = await jwtVerify(vector.signedRequest, createLocalJWKSet(vectors.jwks), {
          issuer: vectors.issuer,
          subject: vectors.customerId,
          typ: jwsTypes.request,
          algorithms: ['ES256'],
          currentDate: new Date(vectors.now * 1000),
        }).then(
          (result) => result.payload.jti === vector.verificationId,
          () => false,
        );
        assert.equal(verified, vector.expected.outcome === 'accepted');
      });
    }
  });
});
