// Writes docs/device-protocol-vectors.json, the device protocol's published test vectors, from
// fixed keys with deterministic ECDSA (RFC 6979), so the same input gives the same file.
// Run: node docs/vectors/generate.ts (or --check to compare with the committed file).
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { type DecisionPayloadInput, decisionSigningPayload, jwsTypes } from '@helpdesk-auth/core';
import { p256 } from '@noble/curves/nist.js';

export const vectorsPath = new URL('../device-protocol-vectors.json', import.meta.url);

const b64u = (bytes: Uint8Array | string) =>
  Buffer.from(typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes).toString('base64url');

interface Key {
  kid: string;
  secret: Uint8Array;
  publicJwk: Record<string, string>;
  privateJwk: Record<string, string>;
}

/** A P-256 key from a label: its secret is SHA-256 of the label (a valid scalar for these labels). */
function fixedKey(label: string, kid: string): Key {
  const secret = new Uint8Array(createHash('sha256').update(label).digest());
  const point = p256.getPublicKey(secret, false); // 0x04 || x || y
  const publicJwk = {
    kty: 'EC',
    crv: 'P-256',
    x: b64u(point.slice(1, 33)),
    y: b64u(point.slice(33, 65)),
    kid,
    alg: 'ES256',
    use: 'sig',
  };
  return { kid, secret, publicJwk, privateJwk: { ...publicJwk, d: b64u(secret) } };
}

/** A compact JWS (RFC 7515) over exactly these payload bytes, ES256 with RFC 6979 nonces. */
function sign(key: Key, header: Record<string, unknown>, payload: string): string {
  const input = `${b64u(JSON.stringify(header))}.${b64u(payload)}`;
  // prehash: SHA-256 of the signing input; the signature is r || s, 64 bytes (RFC 7518 section 3.4).
  const signature = p256.sign(new TextEncoder().encode(input), key.secret, { prehash: true });
  return `${input}.${b64u(signature)}`;
}

function id(prefix: string, tail: string): string {
  const value = `${prefix}_01K0VECT0RS${tail.padStart(15, '0')}`;
  // The server's id pattern (core's idPattern): 26 Crockford base32 characters.
  if (!/^[a-z]{3}_[0-9A-HJKMNP-TV-Z]{26}$/.test(value)) throw new Error(`${value} is not a valid id.`);
  return value;
}

export function buildVectors() {
  const issuer = 'https://helpdesk.example.com';
  const customerId = id('cus', 'CSTMR1');
  const now = 1_790_000_000;
  const server = fixedKey('helpdesk-auth vectors: server signing key', 'srv-2026-01');
  const otherServer = fixedKey('helpdesk-auth vectors: a key the device never pinned', 'srv-unknown');
  const deviceId = id('dev', 'DEV1CE1');
  const device = fixedKey('helpdesk-auth vectors: device key', deviceId);
  const otherDevice = fixedKey('helpdesk-auth vectors: another device key', id('dev', 'DEV1CE2'));

  const summary = 'Pay 5 € to Café A/B & <Söhne> 🎉';
  const stored = [
    {
      verificationId: id('ver', 'AVTH1'),
      purpose: 'authenticate',
      reason: 'Caller asks to reset the online banking password',
      actionSummary: null,
      code: '42',
      codeLength: 2,
    },
    {
      verificationId: id('ver', 'C0NF1RM'),
      purpose: 'confirm_action',
      reason: 'Transfer requested by phone',
      actionSummary: summary,
      code: '0729',
      codeLength: 4,
    },
  ] as const;
  const [authenticate, confirm] = stored;

  const claimsOf = (s: (typeof stored)[number]) => ({
    purpose: s.purpose,
    reason: s.reason,
    actionSummary: s.actionSummary,
    tenantName: 'Bank Zürich & Söhne',
    agentName: 'Jürgen / Helpdesk',
    codeLength: s.codeLength,
    iss: issuer,
    sub: customerId,
    jti: s.verificationId,
    iat: now - 10,
    exp: now + 110,
  });
  const requestHeader = { alg: 'ES256', typ: jwsTypes.request, kid: server.kid };
  const request = (
    name: string,
    s: (typeof stored)[number],
    expected: { outcome: 'accepted' } | { outcome: 'refused'; code: string },
    change: { claims?: Record<string, unknown>; header?: Record<string, unknown>; key?: Key } = {},
  ) => {
    const claims = { ...claimsOf(s), ...change.claims };
    const header = { ...requestHeader, ...change.header };
    return {
      name,
      verificationId: s.verificationId,
      signedRequest: sign(change.key ?? server, header, JSON.stringify(claims)),
      claims,
      expected,
    };
  };
  const refusedRequest = { outcome: 'refused', code: 'REQUEST_SIGNATURE_INVALID' } as const;
  const requests = [
    request('authenticate request', authenticate, { outcome: 'accepted' }),
    request('confirm_action request, summary with "/", "&", "<", non-ASCII letters and emoji', confirm, {
      outcome: 'accepted',
    }),
    request('signed by a key the device did not pin', authenticate, refusedRequest, {
      key: otherServer,
      header: { kid: otherServer.kid },
    }),
    request('signed by the pinned key under another key id', authenticate, refusedRequest, {
      key: otherServer,
    }),
    request('another issuer', authenticate, refusedRequest, { claims: { iss: 'https://evil.example' } }),
    request("another customer's request", authenticate, refusedRequest, {
      claims: { sub: id('cus', 'CSTMR2') },
    }),
    request('signed for another verification id (jti)', authenticate, refusedRequest, {
      claims: { jti: confirm.verificationId },
    }),
    request('a device proof type, not a request', authenticate, refusedRequest, {
      header: { typ: jwsTypes.proof },
    }),
  ];

  // Decisions -----------------------------------------------------------------------------------
  const nonce = (n: number) => `dmVjdG9yLW5vbmNlLTAw${String(n).padStart(4, '0')}`;
  const decisionHeader = (key: Key) => ({ alg: 'ES256', typ: jwsTypes.decision, kid: key.kid });
  let n = 0;
  const fields = (s: (typeof stored)[number], change: Partial<DecisionPayloadInput> = {}) => ({
    verificationId: s.verificationId,
    decision: 'approve' as const,
    code: s.code as string | null,
    nonce: nonce(++n),
    iat: now - 5,
    actionSummary: s.actionSummary,
    ...change,
  });
  const canonical = (s: (typeof stored)[number], change: Partial<DecisionPayloadInput> = {}) =>
    decisionSigningPayload(fields(s, change));
  type Expected =
    | { outcome: 'accepted'; decision: string; codeMatches: boolean }
    | { outcome: 'refused'; status: number; code: string };
  const refused = (status: number, code: string): Expected => ({ outcome: 'refused', status, code });
  const invalid = refused(401, 'DECISION_SIGNATURE_INVALID');
  const accepted = (decision: string, codeMatches: boolean): Expected => ({
    outcome: 'accepted',
    decision,
    codeMatches,
  });
  const decision = (
    name: string,
    s: (typeof stored)[number],
    payload: string,
    expected: Expected,
    context: {
      key?: Key;
      header?: Record<string, unknown>;
      deviceStatus?: 'active' | 'revoked';
      requireUserVerification?: boolean;
    } = {},
  ) => {
    const key = context.key ?? device;
    return {
      name,
      verificationId: s.verificationId,
      deviceStatus: context.deviceStatus ?? 'active',
      requireUserVerification: context.requireUserVerification ?? false,
      payload,
      signedDecision: sign(key, { ...decisionHeader(key), ...context.header }, payload),
      expected,
    };
  };
  const reorder = (text: string, order: string[], separators: [string, string]) => {
    const object = JSON.parse(text) as Record<string, unknown>;
    const [item, key] = separators;
    return `{${order.map((k) => `${JSON.stringify(k)}${key}${JSON.stringify(object[k])}`).join(item)}}`;
  };
  const jsOrder = ['typ', 'verificationId', 'decision', 'code', 'nonce', 'iat', 'actionSummary'];
  // Python's json.dumps with its defaults: ", " and ": ", ensure_ascii (\u escapes, surrogate pairs).
  const asciiEscaped = (text: string) =>
    text.replace(/[^\x20-\x7e]/gu, (c) =>
      [...c]
        .flatMap((cp) => {
          const units = cp.length === 2 ? [cp.charCodeAt(0), cp.charCodeAt(1)] : [cp.charCodeAt(0)];
          return units.map((u) => `\\u${u.toString(16).padStart(4, '0')}`);
        })
        .join(''),
    );
  const pythonDefault = (text: string) => asciiEscaped(reorder(text, jsOrder, [', ', ': ']));
  // Swift's JSONEncoder escapes "/" as "\/".
  const swiftEscaped = (text: string) => text.replaceAll('/', '\\/');
  const pretty = (text: string) => JSON.stringify(JSON.parse(text), null, 2);
  const withMember = (text: string, change: Record<string, unknown>) => {
    const object = { ...(JSON.parse(text) as Record<string, unknown>), ...change };
    return JSON.stringify(object);
  };

  const decisions = [
    decision(
      'approve with the right code, RFC 8785 form',
      authenticate,
      canonical(authenticate),
      accepted('approve', true),
    ),
    decision(
      'approve with a wrong code: a wrong try',
      authenticate,
      canonical(authenticate, { code: '24' }),
      accepted('approve', false),
    ),
    decision(
      'approve with code null: a wrong try',
      authenticate,
      canonical(authenticate, { code: null }),
      accepted('approve', false),
    ),
    decision(
      'deny, code null',
      authenticate,
      canonical(authenticate, { decision: 'deny', code: null }),
      accepted('deny', false),
    ),
    decision(
      'report_fraud, code null',
      authenticate,
      canonical(authenticate, { decision: 'report_fraud', code: null }),
      accepted('report_fraud', false),
    ),
    decision(
      'approve an action, RFC 8785 form (summary written as is)',
      confirm,
      canonical(confirm),
      accepted('approve', true),
    ),
    decision(
      'approve an action, pretty-printed',
      confirm,
      pretty(canonical(confirm)),
      accepted('approve', true),
    ),
    decision(
      'approve an action, Python\'s defaults (", ", ": ", \\u escapes, surrogate pairs)',
      confirm,
      pythonDefault(canonical(confirm)),
      accepted('approve', true),
    ),
    decision(
      'approve an action, Swift\'s "\\/"',
      confirm,
      swiftEscaped(reorder(canonical(confirm), jsOrder, [',', ':'])),
      accepted('approve', true),
    ),
    decision(
      'approve an action, \\u00e9-style escapes for every non-ASCII letter and "<", "&"',
      confirm,
      asciiEscaped(canonical(confirm)).replaceAll('<', '\\u003c').replaceAll('&', '\\u0026'),
      accepted('approve', true),
    ),
    decision(
      'approve an action with a summary that differs by one space',
      confirm,
      canonical(confirm, { actionSummary: `${summary} ` }),
      invalid,
    ),
    decision(
      'approve an action with the summary in another Unicode normalisation (NFD)',
      confirm,
      canonical(confirm, { actionSummary: summary.normalize('NFD') }),
      invalid,
    ),
    decision(
      'approve an action with a null summary',
      confirm,
      canonical(confirm, { actionSummary: null }),
      invalid,
    ),
    decision(
      'a summary on a request without one',
      authenticate,
      canonical(authenticate, { actionSummary: summary }),
      invalid,
    ),
    decision(
      'payload without actionSummary',
      authenticate,
      withMember(canonical(authenticate), { actionSummary: undefined }),
      invalid,
    ),
    decision(
      'payload without typ',
      authenticate,
      withMember(canonical(authenticate), { typ: undefined }),
      invalid,
    ),
    decision(
      'payload with an unknown member',
      authenticate,
      withMember(canonical(authenticate), { amount: 100 }),
      invalid,
    ),
    decision(
      'payload of another format version',
      authenticate,
      withMember(canonical(authenticate), { typ: 'helpdesk-auth/decision/v2' }),
      invalid,
    ),
    decision(
      'decision for another verification id',
      authenticate,
      canonical(authenticate, { verificationId: confirm.verificationId }),
      invalid,
    ),
    decision(
      'an unknown decision',
      authenticate,
      withMember(canonical(authenticate), { decision: 'accept' }),
      invalid,
    ),
    decision(
      'code as a JSON number',
      authenticate,
      withMember(canonical(authenticate), { code: 42 }),
      invalid,
    ),
    decision(
      'iat as a string',
      authenticate,
      withMember(canonical(authenticate), { iat: String(now - 5) }),
      invalid,
    ),
    decision(
      'a nonce too short',
      authenticate,
      withMember(canonical(authenticate), { nonce: 'short' }),
      invalid,
    ),
    decision('payload not JSON', authenticate, 'approve 42', invalid),
    decision('payload a JSON array', authenticate, '[]', invalid),
    decision(
      'signed by another device key under this device id',
      authenticate,
      canonical(authenticate),
      invalid,
      { key: otherDevice, header: { kid: deviceId } },
    ),
    decision('typ hda-proof+jwt, not a decision', authenticate, canonical(authenticate), invalid, {
      header: { typ: jwsTypes.proof },
    }),
    decision(
      'kid naming no enrolled device',
      authenticate,
      canonical(authenticate),
      refused(401, 'DEVICE_PROOF_INVALID'),
      { key: otherDevice },
    ),
    decision('a revoked device', authenticate, canonical(authenticate), refused(401, 'DEVICE_REVOKED'), {
      deviceStatus: 'revoked',
    }),
    decision(
      'approve by the device key when the company requires biometrics',
      authenticate,
      canonical(authenticate),
      refused(403, 'USER_VERIFICATION_REQUIRED'),
      { requireUserVerification: true },
    ),
    decision(
      'deny by the device key when the company requires biometrics',
      authenticate,
      canonical(authenticate, { decision: 'deny', code: null }),
      accepted('deny', false),
      { requireUserVerification: true },
    ),
    decision(
      'iat 61 seconds old',
      authenticate,
      canonical(authenticate, { iat: now - 61 }),
      refused(401, 'DEVICE_PROOF_INVALID'),
    ),
    decision(
      'iat 61 seconds ahead',
      authenticate,
      canonical(authenticate, { iat: now + 61 }),
      refused(401, 'DEVICE_PROOF_INVALID'),
    ),
    decision(
      'iat exactly 60 seconds old',
      authenticate,
      canonical(authenticate, { iat: now - 60 }),
      accepted('approve', true),
    ),
  ];

  // WebAuthn challenges ------------------------------------------------------------------------
  const challengeInputs = [
    ['approve, purpose authenticate', fields(authenticate)],
    ['deny, purpose authenticate', fields(authenticate, { decision: 'deny', code: null })],
    ['approve an action, summary with "/", "&", "<", non-ASCII letters and emoji', fields(confirm)],
    [
      'escaping only: a quote, a backslash and a tab (a real summary has no control characters)',
      fields(confirm, { actionSummary: 'Say "yes"\\no\tmore' }),
    ],
  ] as const;
  const webauthnChallenges = challengeInputs.map(([name, input]) => {
    const jcs = decisionSigningPayload(input);
    const bytes = new TextEncoder().encode(jcs);
    return {
      name,
      input: { ...input, typ: 'helpdesk-auth/decision/v1' },
      jcs,
      jcsHex: Buffer.from(bytes).toString('hex'),
      challenge: b64u(new Uint8Array(createHash('sha256').update(bytes).digest())),
    };
  });

  return {
    description:
      'Test vectors of the Helpdesk Auth device protocol (docs/device-protocol.md, "Test vectors"). ' +
      'The private keys are published for testing only. Generated by docs/vectors/generate.ts.',
    format: 'helpdesk-auth/device-protocol-vectors/v1',
    issuer,
    customerId,
    now,
    maxAgeSeconds: 60,
    keys: {
      server: { kid: server.kid, publicJwk: server.publicJwk, privateJwk: server.privateJwk },
      unpinnedServer: {
        kid: otherServer.kid,
        publicJwk: otherServer.publicJwk,
        privateJwk: otherServer.privateJwk,
      },
      device: { id: deviceId, publicJwk: device.publicJwk, privateJwk: device.privateJwk },
      otherDevice: {
        id: otherDevice.kid,
        publicJwk: otherDevice.publicJwk,
        privateJwk: otherDevice.privateJwk,
      },
    },
    jwks: { keys: [server.publicJwk] },
    storedRequests: stored.map((s) => ({ ...s })),
    requests,
    decisions,
    webauthnChallenges,
  };
}

export const vectorsText = () => `${JSON.stringify(buildVectors(), null, 2)}\n`;

if (import.meta.main) {
  if (process.argv.includes('--check')) {
    if (readFileSync(vectorsPath, 'utf8') !== vectorsText()) {
      console.error('docs/device-protocol-vectors.json differs from what docs/vectors/generate.ts writes.');
      process.exit(1);
    }
  } else {
    writeFileSync(vectorsPath, vectorsText());
  }
}
