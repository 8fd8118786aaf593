/**
 * The device protocol's fixed values (docs/device-protocol.md), named once: the server, the
 * device SDK and the apps build and check the same bytes from them, so one side cannot drift
 * from the other.
 */
import { crockfordBase32 } from './ids.ts';

/**
 * The JWS `typ` header of each signed message. A signature is only accepted with the type its
 * check expects, so a device proof cannot be replayed as a decision, nor a server's request as
 * either (RFC 8725 section 3.11).
 */
export const jwsTypes = {
  /** A verification request, signed by the server and checked by the device. */
  request: 'hda-request+jwt',
  /** The proof of possession on every device request, signed by the device key. */
  proof: 'hda-proof+jwt',
  /** A customer's decision, signed by the device key. */
  decision: 'hda-decision+jwt',
  /**
   * A set of the server's public signing keys, signed by a key of the set before it, so a device
   * learns a new key from one it already pins (docs/device-protocol.md, "Server keys and rotation").
   */
  keySet: 'hda-keyset+jwt',
  /** An outbound call notice ("Acme is calling you now"), signed by the server for one device. */
  callNotice: 'hda-call-notice+jwt',
  /**
   * The server's answer to "is anyone from the bank calling me?" for one device at one moment:
   * the active notice's id, or none (docs/call-notices.md).
   */
  callStatus: 'hda-call-status+jwt',
} as const;

/** What a device runs on; the server stores it and the console shows it. */
export const devicePlatforms = ['web', 'ios', 'android', 'cli'] as const;

export type DevicePlatform = (typeof devicePlatforms)[number];

export function isDevicePlatform(value: string): value is DevicePlatform {
  return (devicePlatforms as readonly string[]).includes(value);
}

/**
 * A proof's `jti` and a decision's `nonce`: base64url, at least 96 bits so two never collide,
 * at most 128 characters so a replay record stays small. As text for JSON schemas.
 */
export const noncePatternSource = '^[A-Za-z0-9_-]{16,128}$';

export const noncePattern = new RegExp(noncePatternSource);

/** The identifiers' Crockford base32: nothing to confuse when read from a screen or typed. */
export const activationCodeAlphabet = crockfordBase32;

/** Characters in an activation code (80 bits), shown in groups of four. */
export const activationCodeLength = 16;
