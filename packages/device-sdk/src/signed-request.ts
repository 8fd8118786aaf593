// Checks a verification request signed by the server (docs/device-protocol.md, "Requests")
// against the keys, issuer and customer a device pinned at enrollment; nothing else is shown.
import { isVerificationPurpose, jwsTypes, validateActionSummary } from '@helpdesk-auth/core';
import { createLocalJWKSet, decodeJwt, type JSONWebKeySet, jwtVerify } from 'jose';
import type { VerifiedRequest } from './device-client.ts';
import { DeviceSdkError } from './errors.ts';

/** What a device pinned at enrollment, and the request it expects. */
export interface RequestTrust {
  /** The verification id the request was fetched as (its `jti`). */
  id: string;
  jwks: JSONWebKeySet;
  issuer: string;
  customerId: string;
  /** Milliseconds since the epoch. */
  now: number;
}

/**
 * Verifies a signed request and answers what the device may show. Throws
 * `REQUEST_SIGNATURE_INVALID` for a request that is not signed by a pinned key as a request
 * (`typ` hda-request+jwt, ES256) of the pinned issuer for this customer and this id, and
 * `UNEXPECTED_RESPONSE` for a signed request whose claims are malformed.
 */
export async function verifySignedRequest(
  jws: unknown,
  trust: RequestTrust,
): Promise<Omit<VerifiedRequest, 'id' | 'status'>> {
  const { id } = trust;
  const invalid = (why: string, cause?: unknown) =>
    new DeviceSdkError('REQUEST_SIGNATURE_INVALID', `The request ${id} is not to be trusted: ${why}.`, {
      cause,
    });
  if (typeof jws !== 'string') throw invalid('it carries no signed request');
  let claims: Record<string, unknown>;
  try {
    // The signature is always checked; expiry is not, so an expired request can still be shown
    // as expired. Unverified `exp` only picks the instant the claims are evaluated at.
    const { exp } = decodeJwt(jws);
    if (typeof exp !== 'number') throw new Error('no exp claim');
    const currentDate = new Date(Math.min(trust.now, (exp - 1) * 1000));
    const result = await jwtVerify(jws, createLocalJWKSet(trust.jwks), {
      issuer: trust.issuer,
      subject: trust.customerId,
      typ: jwsTypes.request,
      algorithms: ['ES256'],
      requiredClaims: ['iss', 'sub', 'jti', 'iat', 'exp'],
      currentDate,
    });
    claims = result.payload as Record<string, unknown>;
  } catch (error) {
    throw invalid(error instanceof Error ? error.message : 'it does not verify', error);
  }
  if (claims.jti !== id) throw invalid('it is signed for another verification');

  const { purpose, reason, actionSummary, tenantName, agentName, codeLength, iat, exp } = claims;
  if (
    typeof purpose !== 'string' ||
    !isVerificationPurpose(purpose) ||
    typeof reason !== 'string' ||
    (actionSummary !== null && typeof actionSummary !== 'string') ||
    validateActionSummary(purpose, actionSummary).length > 0 ||
    typeof tenantName !== 'string' ||
    typeof agentName !== 'string' ||
    typeof codeLength !== 'number' ||
    !Number.isInteger(codeLength) ||
    codeLength < 1 ||
    typeof iat !== 'number' ||
    typeof exp !== 'number'
  ) {
    throw new DeviceSdkError(
      'UNEXPECTED_RESPONSE',
      `Unexpected answer from the server: the signed request ${id} lacks or misstates its claims.`,
    );
  }
  return {
    purpose,
    reason,
    actionSummary,
    tenantName,
    agentName,
    codeLength,
    issuedAt: new Date(iat * 1000),
    expiresAt: new Date(exp * 1000),
  };
}
