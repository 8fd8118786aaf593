// Tests of the decision rules, one row per rule: what each refuses and with which code, what they
// accept, and the order they are checked in. Pure: no database, no signature worker.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decisionSigningPayload } from '@helpdesk-auth/core';
import { keyedHash } from '../../platform/secrets.ts';
import {
  type DecisionDevice,
  type DecisionRequest,
  readDecisionHeader,
  rebuildDecisionPayload,
  type VerifySignedDecisionInput,
  verifySignedDecision,
} from './verify-signed-decision.ts';

const key = Buffer.alloc(32, 7);
const hashCode = (typed: string) => keyedHash(key, typed);
const now = 1_790_000_000_000;
const iat = now / 1000;
const nonce = 'bm9uY2Utb2YtdGhlLXRlc3Q';

const request: DecisionRequest = {
  id: 'ver_01',
  tenantId: 'ten_1',
  customerId: 'cus_1',
  actionSummary: null,
  requireUserVerification: false,
  codeHash: hashCode('42'),
};
const device: DecisionDevice = { id: 'dev_1', tenantId: 'ten_1', customerId: 'cus_1', status: 'active' };

type Fields = { decision: string; code: string | null; nonce: string; iat: number };
const approve: Fields = { decision: 'approve', code: '42', nonce, iat };

const bytes = (text: string) => new TextEncoder().encode(text);
/** The canonical payload a device signs (docs/device-protocol.md, "Decisions"). */
const canonical = (
  fields: Fields,
  overrides: { verificationId?: string; actionSummary?: string | null } = {},
) =>
  decisionSigningPayload({
    verificationId: overrides.verificationId ?? request.id,
    decision: fields.decision as 'approve',
    code: fields.code,
    nonce: fields.nonce,
    iat: fields.iat,
    actionSummary: overrides.actionSummary ?? null,
  });

function input(overrides: Partial<VerifySignedDecisionInput> = {}): VerifySignedDecisionInput {
  return {
    verificationId: request.id,
    request,
    device,
    proof: { kind: 'jws', payload: bytes(canonical(approve)) },
    hashCode,
    now,
    maxAgeSeconds: 60,
    ...overrides,
  };
}

const jws = (payload: string) => ({ kind: 'jws' as const, payload: bytes(payload) });
const webauthn = (fields: Fields, userVerified: boolean) => ({
  kind: 'webauthn' as const,
  fields,
  payload: canonical(fields),
  userVerified,
});

interface Refused {
  rule: string;
  input: VerifySignedDecisionInput;
  code: string;
  /** Pins the row to its rule, not to an earlier one that answers with the same code. */
  message: RegExp;
}

const refused: Refused[] = [
  {
    rule: 'the signed payload is UTF-8 text (device-protocol.md "Decisions": exactly the UTF-8 bytes)',
    input: input({ proof: { kind: 'jws', payload: new Uint8Array([0x7b, 0xff, 0x7d]) } }),
    code: 'DECISION_SIGNATURE_INVALID',
    message: /not UTF-8/,
  },
  {
    rule: 'the signed payload is JSON (device-protocol.md "Decisions")',
    input: input({ proof: jws('approve 42') }),
    code: 'DECISION_SIGNATURE_INVALID',
    message: /not JSON/,
  },
  ...['null', '42', '"approve"', '[]'].map((text) => ({
    rule: `the signed payload is a JSON object, not ${text} (device-protocol.md "Decisions")`,
    input: input({ proof: jws(text) }),
    code: 'DECISION_SIGNATURE_INVALID',
    message: /not a JSON object/,
  })),
  {
    rule: 'the decision names this verification (device-protocol.md "Decisions": it names the verification)',
    input: input({ proof: jws(canonical(approve, { verificationId: 'ver_02' })) }),
    code: 'DECISION_SIGNATURE_INVALID',
    message: /for another request/,
  },
  {
    rule: 'the decision is approve, deny or report_fraud (device-protocol.md "Decisions")',
    input: input({ proof: jws(canonical(approve).replace('"approve"', '"accept"')) }),
    code: 'DECISION_SIGNATURE_INVALID',
    message: /not a known decision/,
  },
  {
    rule: 'the fields make a well-formed payload: a nonce of 16 to 128 base64url characters',
    input: input({ proof: jws(canonical(approve).replace(nonce, 'short')) }),
    code: 'DECISION_SIGNATURE_INVALID',
    message: /malformed/,
  },
  ...(['typ', 'verificationId', 'decision', 'code', 'nonce', 'iat', 'actionSummary'] as const).map(
    (name) => ({
      rule: `every member is present, ${name} too (device-protocol.md "Decisions": exactly seven members)`,
      input: input({ proof: jws(JSON.stringify({ ...JSON.parse(canonical(approve)), [name]: undefined })) }),
      code: 'DECISION_SIGNATURE_INVALID',
      message: new RegExp(`lacks the member "${name}"`),
    }),
  ),
  {
    rule: 'no member the protocol does not define (device-protocol.md "Decisions")',
    input: input({ proof: jws(JSON.stringify({ ...JSON.parse(canonical(approve)), amount: 100 })) }),
    code: 'DECISION_SIGNATURE_INVALID',
    message: /unknown member "amount"/,
  },
  {
    rule: 'typ names this format (device-protocol.md "Decisions")',
    input: input({ proof: jws(canonical(approve).replace('decision/v1', 'decision/v2')) }),
    code: 'DECISION_SIGNATURE_INVALID',
    message: /typ must be helpdesk-auth\/decision\/v1/,
  },
  {
    rule: 'code is a string of digits, not a JSON number',
    input: input({ proof: jws(canonical(approve).replace('"42"', '42')) }),
    code: 'DECISION_SIGNATURE_INVALID',
    message: /code must be null or 1 to 6 ASCII digits/,
  },
  {
    rule: 'iat is a whole number, not a string',
    input: input({ proof: jws(canonical(approve).replace(`${iat}`, `"${iat}"`)) }),
    code: 'DECISION_SIGNATURE_INVALID',
    message: /iat must be whole seconds/,
  },
  {
    rule: 'iat is whole seconds, not a fraction',
    input: input({ proof: jws(canonical(approve).replace(`${iat}`, `${iat}.5`)) }),
    code: 'DECISION_SIGNATURE_INVALID',
    message: /iat must be whole seconds/,
  },
  {
    rule: 'a summary for a request without one (authenticate: actionSummary is null)',
    input: input({ proof: jws(canonical(approve, { actionSummary: 'Close the account' })) }),
    code: 'DECISION_SIGNATURE_INVALID',
    message: /does not match the request/,
  },
  {
    rule: 'a null summary for a request with one (confirm_action)',
    input: input({ request: { ...request, actionSummary: 'Close the account' } }),
    code: 'DECISION_SIGNATURE_INVALID',
    message: /does not match the request/,
  },
  {
    rule: 'the summary is compared code point for code point: no Unicode normalisation (NFD é ≠ NFC é)',
    input: input({
      request: { ...request, actionSummary: 'Pay Ren\u00e9' },
      proof: jws(canonical(approve, { actionSummary: 'Pay Rene\u0301' })),
    }),
    code: 'DECISION_SIGNATURE_INVALID',
    message: /does not match the request/,
  },
  {
    rule: 'the payload carries the stored summary, exactly (device-protocol.md "Decisions")',
    input: input({
      request: { ...request, actionSummary: 'Change postal address' },
      proof: jws(canonical(approve, { actionSummary: 'Change postal address ' })),
    }),
    code: 'DECISION_SIGNATURE_INVALID',
    message: /does not match the request/,
  },
  {
    rule: 'the device is active (device-protocol.md "Proof of possession": a revoked device)',
    input: input({ device: { ...device, status: 'revoked' } }),
    code: 'DEVICE_REVOKED',
    message: /revoked/,
  },
  {
    rule: 'only the customer\'s own devices may answer (device-protocol.md "Decisions": 404)',
    input: input({ device: { ...device, customerId: 'cus_2' } }),
    code: 'NOT_FOUND',
    message: /not found/,
  },
  {
    rule: 'another tenant\'s device may not answer (device-protocol.md "Decisions": 404)',
    input: input({ device: { ...device, tenantId: 'ten_2' } }),
    code: 'NOT_FOUND',
    message: /not found/,
  },
  {
    rule: 'a valid decision for an id that does not exist (device-protocol.md "Decisions": 404)',
    input: input({ request: undefined }),
    code: 'NOT_FOUND',
    message: /not found/,
  },
  {
    rule: 'an approval signed by the device key when biometrics are required ("When biometrics are required")',
    input: input({ request: { ...request, requireUserVerification: true } }),
    code: 'USER_VERIFICATION_REQUIRED',
    message: /biometrics/,
  },
  {
    rule: 'an assertion without the UV flag when biometrics are required ("When biometrics are required")',
    input: input({ request: { ...request, requireUserVerification: true }, proof: webauthn(approve, false) }),
    code: 'USER_VERIFICATION_REQUIRED',
    message: /biometrics/,
  },
  {
    rule: 'iat no older than the proof age limit (device-protocol.md "Decisions"; RFC 9449 section 11.1)',
    input: input({ proof: jws(canonical({ ...approve, iat: iat - 61 })) }),
    code: 'DEVICE_PROOF_INVALID',
    message: /iat must be within 60/,
  },
  {
    rule: 'iat no further ahead than the proof age limit (device-protocol.md "Proof of possession")',
    input: input({ proof: jws(canonical({ ...approve, iat: iat + 61 })) }),
    code: 'DEVICE_PROOF_INVALID',
    message: /iat must be within 60/,
  },
  {
    rule: 'a WebAuthn-proven decision has the same iat limit (device-protocol.md "Approving with an assertion")',
    input: input({ proof: webauthn({ ...approve, iat: iat - 61 }, true) }),
    code: 'DEVICE_PROOF_INVALID',
    message: /iat must be within 60/,
  },
  // The order: each row breaks two rules and must get the earlier one's answer.
  {
    rule: 'order: the payload before the device, so a bad proof tells nothing about the device',
    input: input({ device: { ...device, status: 'revoked' }, proof: jws('approve 42') }),
    code: 'DECISION_SIGNATURE_INVALID',
    message: /not JSON/,
  },
  {
    rule: 'order: revocation before ownership (only the device itself learns it was revoked)',
    input: input({ device: { ...device, status: 'revoked', customerId: 'cus_2' } }),
    code: 'DEVICE_REVOKED',
    message: /revoked/,
  },
  {
    rule: 'order: ownership before user verification',
    input: input({
      request: { ...request, requireUserVerification: true },
      device: { ...device, tenantId: 'ten_2' },
    }),
    code: 'NOT_FOUND',
    message: /not found/,
  },
  {
    rule: 'order: user verification before freshness',
    input: input({
      request: { ...request, requireUserVerification: true },
      proof: jws(canonical({ ...approve, iat: iat - 61 })),
    }),
    code: 'USER_VERIFICATION_REQUIRED',
    message: /biometrics/,
  },
];

describe('verifySignedDecision refuses', () => {
  for (const row of refused) {
    it(`${row.code}: ${row.rule}`, () => {
      const verdict = verifySignedDecision(row.input);
      assert.equal(verdict.ok, false);
      assert.equal(!verdict.ok && verdict.code, row.code);
      assert.match(!verdict.ok ? verdict.message : '', row.message);
    });
  }

  it('a bad proof alike for a real and an unknown id (device-protocol.md "Decisions")', () => {
    const tampered = jws(canonical(approve).replace('"typ"', '"type"'));
    const real = verifySignedDecision(input({ proof: tampered }));
    const unknown = verifySignedDecision(input({ request: undefined, proof: tampered }));
    assert.equal(real.ok, false);
    assert.deepEqual(unknown, real);
  });
});

describe('verifySignedDecision accepts', () => {
  const accepted: {
    rule: string;
    input: VerifySignedDecisionInput;
    decision: string;
    codeMatches: boolean;
    userVerified?: boolean;
  }[] = [
    {
      rule: 'an approval with the code the agent read out (device-protocol.md "Decisions")',
      input: input(),
      decision: 'approve',
      codeMatches: true,
    },
    {
      rule: 'an approval with another code: accepted as a decision, and applyDecision counts the try',
      input: input({ proof: jws(canonical({ ...approve, code: '43' })) }),
      decision: 'approve',
      codeMatches: false,
    },
    {
      rule: 'a denial without a code (device-protocol.md "Decisions": code is null otherwise)',
      input: input({ proof: jws(canonical({ ...approve, decision: 'deny', code: null })) }),
      decision: 'deny',
      codeMatches: false,
    },
    {
      rule: 'a fraud report without a code (device-protocol.md "Decisions")',
      input: input({ proof: jws(canonical({ ...approve, decision: 'report_fraud', code: null })) }),
      decision: 'report_fraud',
      codeMatches: false,
    },
    {
      rule: 'a denial carrying the right code never counts as its match (only approve is checked)',
      input: input({ proof: jws(canonical({ ...approve, decision: 'deny' })) }),
      decision: 'deny',
      codeMatches: false,
    },
    {
      rule: 'an approval of an action, signed over the stored summary (device-protocol.md "Decisions")',
      input: input({
        request: { ...request, actionSummary: 'Change postal address' },
        proof: jws(canonical(approve, { actionSummary: 'Change postal address' })),
      }),
      decision: 'approve',
      codeMatches: true,
    },
    {
      rule: 'a UV assertion when biometrics are required ("When biometrics are required")',
      input: input({
        request: { ...request, requireUserVerification: true },
        proof: webauthn(approve, true),
      }),
      decision: 'approve',
      codeMatches: true,
      userVerified: true,
    },
    {
      rule: 'a denial by the device key when biometrics are required (deny stays one tap)',
      input: input({
        request: { ...request, requireUserVerification: true },
        proof: jws(canonical({ ...approve, decision: 'deny', code: null })),
      }),
      decision: 'deny',
      codeMatches: false,
    },
    {
      rule: 'an approval with a null code: accepted as a decision, and applyDecision counts the try',
      input: input({ proof: jws(canonical({ ...approve, code: null })) }),
      decision: 'approve',
      codeMatches: false,
    },
    {
      rule: 'a pretty-printed payload (any JSON form: device-protocol.md "Decisions")',
      input: input({ proof: jws(JSON.stringify(JSON.parse(canonical(approve)), null, 2)) }),
      decision: 'approve',
      codeMatches: true,
    },
    {
      rule: "members in the signer's own order, with Python's default separators",
      input: input({
        proof: jws(
          `{"typ": "helpdesk-auth/decision/v1", "verificationId": "${request.id}", "decision": "approve", ` +
            `"code": "42", "nonce": "${nonce}", "iat": ${iat}, "actionSummary": null}`,
        ),
      }),
      decision: 'approve',
      codeMatches: true,
    },
    {
      rule: "a summary written with escapes: Swift's \\/, \\u00e9, an emoji as a surrogate pair",
      input: input({
        request: { ...request, actionSummary: 'Pay 5 € to A/B & <Söhne> 🎉' },
        proof: jws(
          canonical(approve, { actionSummary: 'X' }).replace(
            '"X"',
            '"Pay 5 \\u20ac to A\\/B \\u0026 \\u003cS\\u00f6hne> \\ud83c\\udf89"',
          ),
        ),
      }),
      decision: 'approve',
      codeMatches: true,
    },
    {
      rule: 'iat exactly at the age limit (device-protocol.md "Proof of possession": more than is refused)',
      input: input({ proof: jws(canonical({ ...approve, iat: iat - 60 })) }),
      decision: 'approve',
      codeMatches: true,
    },
  ];

  for (const row of accepted) {
    it(`${row.decision}: ${row.rule}`, () => {
      const verdict = verifySignedDecision(row.input);
      assert.equal(verdict.ok, true, verdict.ok ? '' : `${verdict.code}: ${verdict.message}`);
      if (!verdict.ok) return;
      assert.equal(verdict.decision, row.decision);
      assert.equal(verdict.codeMatches, row.codeMatches);
      assert.equal(verdict.userVerified, row.userVerified ?? false);
      assert.equal(verdict.nonce, nonce);
    });
  }
});

describe('the decision header (RFC 7515)', () => {
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const compact = (header: unknown) => `${b64(header)}.${b64({})}.c2ln`;
  const good = { alg: 'ES256', typ: 'hda-decision+jwt', kid: 'dev_1' };

  const rows: { rule: string; jws: string }[] = [
    { rule: 'a compact JWS (RFC 7515 section 7.1)', jws: 'not a jws' },
    {
      rule: 'typ hda-decision+jwt, so a device proof is no decision (section 4.1.9)',
      jws: compact({ ...good, typ: 'hda-proof+jwt' }),
    },
    {
      rule: "alg ES256, the device keys' only algorithm (section 4.1.1)",
      jws: compact({ ...good, alg: 'HS256' }),
    },
  ];
  for (const row of rows) {
    it(`DECISION_SIGNATURE_INVALID: ${row.rule}`, () => {
      const header = readDecisionHeader(row.jws);
      assert.equal(!header.ok && header.code, 'DECISION_SIGNATURE_INVALID');
    });
  }

  it('accepts the decision header and answers its kid, the device id', () => {
    assert.deepEqual(readDecisionHeader(compact(good)), { ok: true, kid: 'dev_1' });
  });
});

describe('rebuildDecisionPayload (the WebAuthn challenge, device-protocol.md "Approving with an assertion")', () => {
  it('refuses an unknown decision and malformed fields with DECISION_SIGNATURE_INVALID', () => {
    const unknown = rebuildDecisionPayload(request.id, { ...approve, decision: 'accept' }, null);
    assert.equal(!unknown.ok && unknown.code, 'DECISION_SIGNATURE_INVALID');
    const malformed = rebuildDecisionPayload(request.id, { ...approve, code: '4x' }, null);
    assert.equal(!malformed.ok && malformed.code, 'DECISION_SIGNATURE_INVALID');
  });

  it('rebuilds the canonical payload with the stored summary', () => {
    const rebuilt = rebuildDecisionPayload(request.id, approve, 'Close the account');
    assert.deepEqual(rebuilt, {
      ok: true,
      decision: 'approve',
      payload: canonical(approve, { actionSummary: 'Close the account' }),
      input: { verificationId: request.id, ...approve, actionSummary: 'Close the account' },
    });
  });
});
