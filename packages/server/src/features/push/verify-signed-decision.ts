// The rules a customer's decision must meet, as pure functions: the caller loads the rows,
// verifies the signature (on the signature worker) or the WebAuthn assertion, claims the nonce
// and stores the outcome; these functions only judge what it hands them, in the order the
// decision endpoint answers (docs/device-protocol.md, "Decisions").
import {
  type DecisionPayload,
  type DecisionPayloadInput,
  decisionPayload,
  decisionPayloadMembers,
  decisionPayloadType,
  decisionSigningPayload,
  type ErrorCode,
  isVerificationDecision,
  type VerificationDecision,
} from '@helpdesk-auth/core';
import { decodeProtectedHeader } from 'jose';
import { constantTimeEqual } from '../../platform/secrets.ts';
import { decisionType } from './model.ts';

/** A decision that breaks a rule: the error code and message the endpoint answers with. */
export interface DecisionRefusal {
  ok: false;
  code: ErrorCode;
  message: string;
}

function refuse(code: ErrorCode, message: string): DecisionRefusal {
  return { ok: false, code, message };
}

const invalid = (message: string) => refuse('DECISION_SIGNATURE_INVALID', message);

/** The stored request, as far as the decision rules read it. */
export interface DecisionRequest {
  id: string;
  tenantId: string;
  customerId: string;
  /** The summary the device was shown and signed; null for purpose authenticate. */
  actionSummary: string | null;
  requireUserVerification: boolean;
  /** Keyed hash of the code the agent reads out. */
  codeHash: string;
}

/** The device that signed, as stored. */
export interface DecisionDevice {
  id: string;
  tenantId: string;
  customerId: string;
  status: string;
}

/** The decision's own fields, as the device sent or signed them (docs/device-protocol.md). */
export type DecisionFields = Record<string, unknown>;

/**
 * Reads the signed decision's protected header, before any key is loaded: it must be a JWS
 * (RFC 7515 section 7.1), of `typ` hda-decision+jwt (section 4.1.9), so that no other token
 * signed by the device key (a device proof) counts as a decision, and of `alg` ES256 (section
 * 4.1.1), the only algorithm device keys have. Answers the `kid` that names the device.
 */
export function readDecisionHeader(signedDecision: string): { ok: true; kid: unknown } | DecisionRefusal {
  let header: Record<string, unknown>;
  try {
    header = decodeProtectedHeader(signedDecision) as Record<string, unknown>;
  } catch {
    return invalid('The signed decision is not a JWS.');
  }
  if (header.typ !== decisionType || header.alg !== 'ES256') {
    return invalid(`The signed decision must have typ ${decisionType} and alg ES256.`);
  }
  return { ok: true, kid: header.kid };
}

/**
 * The canonical payload for these fields on the stored request (docs/device-protocol.md,
 * "Decisions"): the decision must be one of approve, deny and report_fraud, and the fields must
 * make a well-formed payload. `actionSummary` comes from the stored request, never from the device,
 * so a device cannot approve another text than the one it was shown. Used before a WebAuthn
 * assertion is verified, whose challenge is the hash of this payload's RFC 8785 form ("Biometric
 * approval").
 */
export function rebuildDecisionPayload(
  verificationId: string,
  fields: DecisionFields,
  actionSummary: string | null,
):
  | { ok: true; payload: string; input: DecisionPayloadInput; decision: VerificationDecision }
  | DecisionRefusal {
  const decision = fields.decision;
  if (typeof decision !== 'string' || !isVerificationDecision(decision)) return invalid('Unknown decision.');
  const input: DecisionPayloadInput = {
    verificationId,
    decision,
    code: fields.code as DecisionPayloadInput['code'],
    nonce: fields.nonce as string,
    iat: fields.iat as number,
    actionSummary,
  };
  try {
    return { ok: true, payload: decisionSigningPayload(input), input, decision };
  } catch (error) {
    return invalid(`The decision payload is malformed: ${(error as Error).message}`);
  }
}

// A member name as it may appear in a message: short and printable.
const quoted = (name: string) => JSON.stringify(name.length > 40 ? `${name.slice(0, 40)}…` : name);

/**
 * Reads a signed decision's payload as the protocol defines it (docs/device-protocol.md,
 * "Decisions"): UTF-8 JSON text in any form (white space, member order, escapes such as `\/` or
 * `\u00e9` are the signer's choice), holding an object with exactly the members of a decision
 * payload, each well-formed, `typ` naming this format. The members are then compared one by
 * one with the request the decision is for, never the bytes of one serialisation: `verificationId`
 * must be the endpoint's id and `actionSummary` exactly the stored summary (null when there is
 * none). Every refusal is `DECISION_SIGNATURE_INVALID`.
 */
export function readDecisionPayload(
  payloadBytes: Uint8Array,
  expected: { verificationId: string; actionSummary: string | null },
): { ok: true; payload: DecisionPayload } | DecisionRefusal {
  let payloadText: string;
  try {
    payloadText = new TextDecoder('utf-8', { fatal: true }).decode(payloadBytes);
  } catch {
    return invalid('The decision payload is not UTF-8 text.');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(payloadText);
  } catch {
    return invalid('The decision payload is not JSON.');
  }
  // `null`, a number or an array parses too; only an object can carry the decision's fields.
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return invalid('The decision payload is not a JSON object.');
  }
  const fields = parsed as DecisionFields;
  const members: readonly string[] = decisionPayloadMembers;
  for (const name of Object.keys(fields)) {
    if (!members.includes(name))
      return invalid(`The decision payload has an unknown member ${quoted(name)}.`);
  }
  for (const name of members) {
    if (!Object.hasOwn(fields, name))
      return invalid(`The decision payload lacks the member ${quoted(name)}.`);
  }
  if (fields.typ !== decisionPayloadType) {
    return invalid(`The decision payload's typ must be ${decisionPayloadType}.`);
  }
  if (fields.verificationId !== expected.verificationId)
    return invalid('The decision is for another request.');
  let payload: DecisionPayload;
  try {
    payload = decisionPayload({
      verificationId: fields.verificationId,
      decision: fields.decision as VerificationDecision,
      code: fields.code as string | null,
      nonce: fields.nonce as string,
      iat: fields.iat as number,
      actionSummary: fields.actionSummary as string | null,
    });
  } catch (error) {
    return invalid(`The decision payload is malformed: ${(error as Error).message}`);
  }
  // Compared as text, code point for code point: the device signed exactly the summary it was
  // shown, however its JSON escaped it.
  if (payload.actionSummary !== expected.actionSummary) {
    return invalid('The decision does not match the request that was shown.');
  }
  return { ok: true, payload };
}

/** What proved the decision, once its signature (or assertion) verified. */
export type VerifiedDecisionProof =
  /** A signed decision: the JWS payload whose signature verified against the device key. */
  | { kind: 'jws'; payload: Uint8Array }
  /**
   * A WebAuthn assertion over `payload`, the payload rebuilt by `rebuildDecisionPayload` from
   * `fields` before the assertion verified; `userVerified` is its UV flag.
   */
  | { kind: 'webauthn'; fields: DecisionFields; payload: string; userVerified: boolean };

export interface VerifySignedDecisionInput {
  /** The verification id the decision was sent for (the endpoint's path). */
  verificationId: string;
  /** The stored request; undefined when no request has that id. */
  request: DecisionRequest | undefined;
  /** The device whose key (or credential) the proof verified against. */
  device: DecisionDevice;
  proof: VerifiedDecisionProof;
  /** The keyed hash of a typed code, comparable with `request.codeHash`. */
  hashCode: (typed: string) => string;
  /** The server's time, milliseconds since the epoch. */
  now: number;
  /** How far `iat` may be from `now` (DEVICE_PROOF_MAX_AGE_SECONDS). */
  maxAgeSeconds: number;
}

/** A decision that met every rule; the caller claims its nonce, then applies it to the request. */
export interface VerifiedDecision {
  ok: true;
  decision: VerificationDecision;
  /** Spent once by the caller (docs/device-protocol.md: a replay is DEVICE_PROOF_REPLAYED). */
  nonce: string;
  iat: number;
  /** Whether an approval carries the request's code, compared in constant time; false otherwise. */
  codeMatches: boolean;
  userVerified: boolean;
  /** The payload the proof covers, as text. */
  payload: string;
}

/**
 * Judges a decision whose proof verified, as `verifyAuthenticationResponse` does for a WebAuthn
 * ceremony: given the stored request and device, it answers the decision or the refusal the
 * endpoint gives. The rules, in the order they are checked:
 *
 * 1. A signed payload is UTF-8 JSON with exactly the decision payload's members, naming this
 *    verification and carrying the stored request's summary, compared member by member
 *    (`readDecisionPayload`; `DECISION_SIGNATURE_INVALID`).
 * 2. The device is active (`DEVICE_REVOKED`).
 * 3. The request exists and belongs to the device's tenant and customer (`NOT_FOUND`): checked
 *    only after the proof, with an empty request standing in for an unknown id, so a real and an
 *    unknown id are refused alike until a valid proof is shown.
 * 4. An approval carries user verification when the request requires it
 *    (`USER_VERIFICATION_REQUIRED`), before the code, so a refused approval spends no try.
 * 5. `iat` is within the age limit of device proofs (`DEVICE_PROOF_INVALID`).
 *
 * The code is compared last, as keyed hashes in constant time; whether it matches is part of the
 * answer, not a refusal, because core's `applyDecision` decides what a wrong code does once the
 * nonce is spent and the request's status is read.
 */
export function verifySignedDecision(input: VerifySignedDecisionInput): VerifiedDecision | DecisionRefusal {
  const { verificationId, request, device, proof } = input;
  // A request that does not exist is checked as one of no tenant and no summary: the proof
  // fails on it exactly as on a real one (docs/device-protocol.md, "Decisions").
  const actionSummary = request?.actionSummary ?? null;

  let fields: DecisionFields;
  let payload: string;
  let decision: VerificationDecision;
  let userVerified = false;
  if (proof.kind === 'jws') {
    const read = readDecisionPayload(proof.payload, { verificationId, actionSummary });
    if (!read.ok) return read;
    fields = read.payload as unknown as DecisionFields;
    payload = new TextDecoder().decode(proof.payload);
    decision = read.payload.decision;
  } else {
    // The assertion verified against the payload rebuilt from these fields, so it is canonical.
    fields = proof.fields;
    payload = proof.payload;
    decision = fields.decision as VerificationDecision;
    userVerified = proof.userVerified;
  }

  if (device.status !== 'active') return refuse('DEVICE_REVOKED', 'This device was revoked.');
  // Only the customer's own devices may answer; to anyone else the request does not exist.
  if (!request || request.tenantId !== device.tenantId || request.customerId !== device.customerId) {
    return refuse('NOT_FOUND', 'Verification not found.');
  }
  if (decision === 'approve' && request.requireUserVerification && !userVerified) {
    return refuse(
      'USER_VERIFICATION_REQUIRED',
      'This company requires approval with biometrics or the device PIN.',
    );
  }
  // The same age limit as a device proof's iat (RFC 9449 section 11.1); the payload was checked
  // to hold iat as whole seconds since the epoch.
  const iat = fields.iat as number;
  if (Math.abs(iat * 1000 - input.now) > input.maxAgeSeconds * 1000) {
    return refuse(
      'DEVICE_PROOF_INVALID',
      `The proof's iat must be within ${input.maxAgeSeconds} seconds of the server's time.`,
    );
  }

  const typed = typeof fields.code === 'string' ? fields.code : null;
  // Keyed hashes compared in constant time, so the answer's timing tells nothing of the code.
  const codeMatches =
    decision === 'approve' && typed !== null && constantTimeEqual(input.hashCode(typed), request.codeHash);
  return { ok: true, decision, nonce: fields.nonce as string, iat, codeMatches, userVerified, payload };
}
