// Offline codes: the RFC 6238 one-time code the device computes from the secret it got at
// enrollment, without a network, for the customer to read to the agent ("code from your app").
import { DeviceSdkError } from './errors.ts';

/** The secret as the server issues it once (enrollment answer, or POST /v1/device/offline-secret). */
export interface OfflineSecret {
  /** Base32 (RFC 4648) seed. Kept in the key store, never sent back. */
  secret: string;
  algorithm: 'SHA1';
  digits: number;
  period: number;
}

/** The code to read to the agent now, and how long it stays the current one. */
export interface OfflineCode {
  code: string;
  /** Seconds until the next code (1 to `period`). */
  secondsLeft: number;
  period: number;
  /** When the next code starts (milliseconds since the epoch). */
  nextAt: number;
}

const base32Alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 to bytes (padding and spaces ignored, any case). */
export function base32ToBytes(text: string): Uint8Array {
  const clean = text.toUpperCase().replace(/[\s=]/g, '');
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const char of clean) {
    const index = base32Alphabet.indexOf(char);
    if (index < 0) throw new DeviceSdkError('UNEXPECTED_RESPONSE', 'The offline-code secret is not base32.');
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >>> bits) & 0xff);
    }
  }
  return Uint8Array.from(out);
}

/** Whether a value is a secret this SDK can turn into codes. */
export function isOfflineSecret(value: unknown): value is OfflineSecret {
  const v = value as Partial<OfflineSecret> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.secret === 'string' &&
    /^[A-Z2-7]+=*$/i.test(v.secret) &&
    v.algorithm === 'SHA1' &&
    Number.isInteger(v.digits) &&
    (v.digits as number) >= 6 &&
    (v.digits as number) <= 8 &&
    Number.isInteger(v.period) &&
    (v.period as number) > 0
  );
}

/**
 * HOTP (RFC 4226 section 5.3): HMAC-SHA-1 of the 8-byte counter by WebCrypto, then dynamic
 * truncation to `digits` decimal digits.
 */
export async function hotp(key: Uint8Array, counter: number, digits: number): Promise<string> {
  const message = new Uint8Array(8);
  new DataView(message.buffer).setBigUint64(0, BigInt(counter));
  const hmacKey = await globalThis.crypto.subtle.importKey(
    'raw',
    Uint8Array.from(key),
    { name: 'HMAC', hash: 'SHA-1' },
    false,
    ['sign'],
  );
  const mac = new Uint8Array(await globalThis.crypto.subtle.sign('HMAC', hmacKey, message));
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary =
    ((mac[offset]! & 0x7f) << 24) | (mac[offset + 1]! << 16) | (mac[offset + 2]! << 8) | mac[offset + 3]!;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

/** TOTP (RFC 6238): the HOTP of the time step floor(now / period), T0 = 0. */
export async function offlineCodeAt(secret: OfflineSecret, nowMs: number): Promise<OfflineCode> {
  const periodMs = secret.period * 1000;
  const step = Math.floor(nowMs / periodMs);
  const nextAt = (step + 1) * periodMs;
  return {
    code: await hotp(base32ToBytes(secret.secret), step, secret.digits),
    secondsLeft: Math.max(1, Math.ceil((nextAt - nowMs) / 1000)),
    period: secret.period,
    nextAt,
  };
}
