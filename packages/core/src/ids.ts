/**
 * Identifiers: a type prefix and a ULID-style body (48-bit millisecond time, 80 random bits,
 * Crockford base32). They sort by creation time, which keyset pagination relies on, and carry
 * 80 bits of randomness, so they cannot be guessed.
 */
import { secureRandomBytes } from './random.ts';

const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export const idPrefixes = {
  tenant: 'ten',
  operator: 'opr',
  customer: 'cus',
  apiKey: 'key',
  session: 'ses',
  audit: 'aud',
  device: 'dev',
  activation: 'act',
  verification: 'ver',
  verificationEvent: 'vev',
  serverKey: 'srk',
  webauthnChallenge: 'wac',
  oidcClient: 'oic',
  cibaRequest: 'cba',
  keycloakRequest: 'kcr',
  webhookEndpoint: 'whk',
  webhookDelivery: 'whd',
  webhookEvent: 'evt',
  otpChallenge: 'otp',
  messageDelivery: 'msg',
  totpEnrollment: 'tot',
  securityQuestion: 'sqn',
  attemptFailure: 'fai',
} as const;

export type IdKind = keyof typeof idPrefixes;

function encode(value: bigint, length: number): string {
  let out = '';
  let v = value;
  for (let i = 0; i < length; i++) {
    out = alphabet[Number(v % 32n)] + out;
    v /= 32n;
  }
  return out;
}

function randomBits80(): bigint {
  const bytes = secureRandomBytes(10);
  return bytes.reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
}

const maxRandom = (1n << 80n) - 1n;
let lastTime = -1;
let lastRandom = 0n;

/**
 * New id of a kind. Within one millisecond, ids stay in creation order: the random part of
 * the previous id is incremented instead of drawn anew (the ULID monotonic rule), and a clock
 * that steps back does not reorder them either.
 */
export function newId(kind: IdKind, now: number = Date.now()): string {
  if (now <= lastTime && lastRandom < maxRandom) {
    lastRandom += 1n;
  } else {
    lastTime = Math.max(now, lastTime);
    lastRandom = randomBits80();
  }
  return `${idPrefixes[kind]}_${encode(BigInt(lastTime), 10)}${encode(lastRandom, 16)}`;
}

/** A pattern for route and query schemas, so a malformed id is a 400, not a lookup. */
export function idPattern(kind: IdKind): string {
  return `^${idPrefixes[kind]}_[0-9A-HJKMNP-TV-Z]{26}$`;
}
