/**
 * Identifiers: a type prefix and a ULID-style body (48-bit millisecond time, 80 random bits,
 * Crockford base32). They sort by creation time, which keyset pagination relies on, and carry
 * 80 bits of randomness, so they cannot be guessed.
 */
const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export const idPrefixes = {
  tenant: 'ten',
  operator: 'opr',
  customer: 'cus',
  apiKey: 'key',
  session: 'ses',
  audit: 'aud',
} as const;

export type IdKind = keyof typeof idPrefixes;

export function newId(kind: IdKind, now: number = Date.now()): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = alphabet[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const random = crypto.getRandomValues(new Uint8Array(16));
  let body = '';
  for (let i = 0; i < 16; i++) body += alphabet[random[i]! % 32];
  return `${idPrefixes[kind]}_${time}${body}`;
}

/** A pattern for route and query schemas, so a malformed id is a 400, not a lookup. */
export function idPattern(kind: IdKind): string {
  return `^${idPrefixes[kind]}_[0-9A-HJKMNP-TV-Z]{26}$`;
}
