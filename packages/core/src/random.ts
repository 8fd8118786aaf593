/**
 * Bytes from the platform CSPRNG (`crypto.getRandomValues`), drawn in batches. Each call into
 * the CSPRNG has a fixed cost that dwarfs a few bytes: one flow takes an id or two, a code and
 * nonces, and drawing them one call each cost about 3 % of the server's time under load. So the
 * bytes come from a pool filled 4 KiB at a time, as Node does for `crypto.randomUUID`. Bytes
 * handed out are wiped from the pool, so each byte is given to exactly one caller.
 */
const poolSize = 4096;
const pool = new Uint8Array(poolSize);
let offset = poolSize;

/** `length` bytes from the CSPRNG, a fresh array the caller owns. */
export function secureRandomBytes(length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 0) throw new RangeError('length must be a whole number.');
  // Large requests are rare; they skip the pool.
  if (length > poolSize / 4) return crypto.getRandomValues(new Uint8Array(length));
  if (offset + length > poolSize) {
    crypto.getRandomValues(pool);
    offset = 0;
  }
  const out = pool.slice(offset, offset + length);
  pool.fill(0, offset, offset + length);
  offset += length;
  return out;
}

/** One uniformly random integer from 0 to 255. */
export function secureRandomByte(): number {
  return secureRandomBytes(1)[0]!;
}
