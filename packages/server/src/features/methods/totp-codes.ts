// RFC 6238 time-based one-time passwords: the parameters, the codes, the check.
import { HOTP, Secret, TOTP } from 'otpauth';
import { constantTimeEqual } from '../../platform/secrets.ts';

/**
 * RFC 6238 time-based one-time passwords, through the `otpauth` library (HOTP per RFC 4226,
 * dynamic truncation, HMAC from node:crypto). Parameters are the ones every authenticator app
 * understands: SHA-1, 6 digits, 30-second steps (RFC 6238 section 4 and the Key Uri Format).
 */
export const totpParameters = { algorithm: 'SHA1', digits: 6, period: 30 } as const;

export type TotpAlgorithm = 'SHA1' | 'SHA256' | 'SHA512';

/** The time step of an instant: T = floor((now - T0) / X) with T0 = 0 (RFC 6238 section 4.2). */
export function totpStep(nowMs: number, period: number = totpParameters.period): number {
  return Math.floor(nowMs / 1000 / period);
}

/** The code for one step. */
export function totpCodeForStep(
  seed: Uint8Array,
  step: number,
  options: { algorithm?: TotpAlgorithm; digits?: number } = {},
): string {
  return HOTP.generate({
    secret: new Secret({ buffer: Uint8Array.from(seed).buffer }),
    counter: step,
    algorithm: options.algorithm ?? totpParameters.algorithm,
    digits: options.digits ?? totpParameters.digits,
  });
}

/**
 * The step whose code `code` is, within `driftSteps` either side of now (RFC 6238 section 5.2
 * recommends at most one step back for network delay; a caller reading a code aloud needs a step
 * either way). Checks every step in the window with a constant-time comparison, so timing does
 * not reveal which step matched. Returns null when none matches.
 */
export function matchTotpStep(
  seed: Uint8Array,
  code: string,
  nowMs: number,
  driftSteps: number,
): number | null {
  const current = totpStep(nowMs);
  let matched: number | null = null;
  for (let step = current - driftSteps; step <= current + driftSteps; step++) {
    if (constantTimeEqual(totpCodeForStep(seed, step), code) && matched === null) matched = step;
  }
  return matched;
}

/** A fresh 160-bit seed (RFC 4226 section 4 recommends 160 bits). */
export function newTotpSeed(): Uint8Array {
  return new Uint8Array(new Secret({ size: 20 }).bytes);
}

export function seedToBase32(seed: Uint8Array): string {
  return new Secret({ buffer: Uint8Array.from(seed).buffer }).base32;
}

export function seedFromBase32(base32: string): Uint8Array {
  return new Uint8Array(Secret.fromBase32(base32).bytes);
}

/** The `otpauth://totp/...` URI authenticator apps scan as a QR code (Key Uri Format). */
export function totpEnrollmentUri(seed: Uint8Array, issuer: string, account: string): string {
  return new TOTP({
    issuer,
    label: account,
    secret: new Secret({ buffer: Uint8Array.from(seed).buffer }),
    ...totpParameters,
  }).toString();
}
