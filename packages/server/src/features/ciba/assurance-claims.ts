// The acr and amr claims: what a token says about how the customer was verified.
import { type AssuranceLevel, assuranceLevels, meetsAssurance } from '@helpdesk-auth/core';

/**
 * What tokens say about how the customer was verified. `acr` names the assurance level
 * (DESIGN section 5); `amr` lists the methods (RFC 8176): a push approval is signed by a key bound
 * to the customer's device (`swk`, a software key; `hwk` when a WebAuthn authenticator signed it
 * with user verification) after the customer typed the code the agent read out on the call
 * (`user`: a person was present and acted). Biometric or PIN user verification makes it
 * multi-factor (`mfa`).
 */
const acrPrefix = 'urn:helpdesk-auth:acr:';

export const supportedAcrValues = assuranceLevels.map((level) => `${acrPrefix}${level}`);

export function acrFor(assurance: AssuranceLevel): string {
  return `${acrPrefix}${assurance}`;
}

export function amrFor(assurance: AssuranceLevel): string[] {
  return assurance === 'high' ? ['hwk', 'user', 'mfa'] : ['swk', 'user'];
}

/** The levels named in acr_values that this server knows, in the client's order. */
export function knownRequestedLevels(acrValues: string | null): AssuranceLevel[] {
  if (!acrValues) return [];
  return acrValues
    .split(' ')
    .filter((value) => value.startsWith(acrPrefix))
    .map((value) => value.slice(acrPrefix.length))
    .filter((level): level is AssuranceLevel => (assuranceLevels as readonly string[]).includes(level));
}

/**
 * acr_values is a request, not a demand (OpenID Connect Core 5.5.1.1), so unknown values are
 * ignored. When known levels are asked for, the approval must reach the lowest of them: tokens
 * at a lower level than the client asked for would let a client that forgets to check `acr`
 * accept a weaker verification.
 */
export function meetsRequestedLevels(achieved: AssuranceLevel, requested: AssuranceLevel[]): boolean {
  return requested.length === 0 || requested.some((level) => meetsAssurance(achieved, level));
}
