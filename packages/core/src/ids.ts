/**
 * Identifiers: a type prefix and a ULID-style body (48-bit millisecond time, 80 random bits,
 * Crockford base32). They sort by creation time, which keyset pagination relies on. The 80 bits
 * are drawn anew for the first id of a millisecond; the ids after it in the same millisecond
 * count up from it (the ULID monotonic rule, `newId`), so an id cannot be guessed from nothing,
 * but its neighbours can be from it.
 */
import { secureRandomBytes } from './random.ts';

/** Crockford base32: no I, L, O or U, so nothing is confused when read from a screen or typed. */
export const crockfordBase32 = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

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
  operatorFactor: 'opf',
  callNotice: 'cal',
  callReport: 'clr',
  fraudCase: 'frc',
  fraudCaseSignal: 'frs',
  fraudCaseNote: 'frn',
  campaign: 'cmp',
  practiceSession: 'prs',
} as const;

export type IdKind = keyof typeof idPrefixes;

/** `length` Crockford base32 digits of `value`, a whole number below 2 ** 53. */
function encode(value: number, length: number): string {
  let out = '';
  let v = value;
  for (let i = 0; i < length; i++) {
    out = crockfordBase32[v % 32] + out;
    v = Math.floor(v / 32);
  }
  return out;
}

// The 80 random bits are two 40-bit halves: plain numbers, exact below 2 ** 53, and each
// half is exactly eight base32 digits. (BigInt arithmetic here cost about 1 % of the server's
// time under load.)
const half = 2 ** 40;
let lastTime = -1;
let randomHigh = 0;
let randomLow = 0;

function drawRandom(): void {
  const bytes = secureRandomBytes(10);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  randomHigh = view.getUint8(0) * 2 ** 32 + view.getUint32(1);
  randomLow = view.getUint8(5) * 2 ** 32 + view.getUint32(6);
}

/**
 * New id of a kind. Within one millisecond, ids stay in creation order: the random part of
 * the previous id is incremented instead of drawn anew (the ULID monotonic rule), and a clock
 * that steps back does not reorder them either.
 */
export function newId(kind: IdKind, now: number = Date.now()): string {
  const exhausted = randomHigh === half - 1 && randomLow === half - 1;
  if (now <= lastTime && !exhausted) {
    randomLow += 1;
    if (randomLow === half) {
      randomLow = 0;
      randomHigh += 1;
    }
  } else {
    lastTime = Math.max(now, lastTime);
    drawRandom();
  }
  return `${idPrefixes[kind]}_${encode(lastTime, 10)}${encode(randomHigh, 8)}${encode(randomLow, 8)}`;
}

/** A pattern for route and query schemas, so a malformed id is a 400, not a lookup. */
export function idPattern(kind: IdKind): string {
  return `^${idPrefixes[kind]}_[0-9A-HJKMNP-TV-Z]{26}$`;
}
