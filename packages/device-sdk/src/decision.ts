// A customer's decision as the device builds it (docs/device-protocol.md, "Decisions"): the
// payload's RFC 8785 form, signed by the device key, or its hash as a WebAuthn challenge.
import {
  type DecisionPayloadInput,
  decisionChallenge,
  decisionSigningPayload,
  jwsTypes,
} from '@helpdesk-auth/core';
import { CompactSign, type CryptoKey } from 'jose';

export type { DecisionPayloadInput } from '@helpdesk-auth/core';

/**
 * The signed decision: a compact JWS, protected header `{"alg": "ES256", "typ":
 * "hda-decision+jwt", "kid": <device id>}`, over the payload's RFC 8785 form. The server accepts
 * any JSON form of the payload; this one is what the published vectors call canonical.
 */
export async function signDecision(
  input: DecisionPayloadInput,
  deviceId: string,
  privateKey: CryptoKey,
): Promise<string> {
  return new CompactSign(new TextEncoder().encode(decisionSigningPayload(input)))
    .setProtectedHeader({ alg: 'ES256', typ: jwsTypes.decision, kid: deviceId })
    .sign(privateKey);
}

/**
 * The WebAuthn challenge of a decision: SHA-256 of the UTF-8 bytes of the payload's RFC 8785
 * form, base64url without padding. The server computes it the same way from its stored request.
 */
export function decisionAssertionChallenge(input: DecisionPayloadInput): Promise<string> {
  return decisionChallenge(input);
}
