// The device SDK's error type: its own codes and the server's, passed through.
import type { ErrorCode, ErrorDetails } from '@helpdesk-auth/core';

/**
 * Codes raised by the SDK itself. Server error codes (from `@helpdesk-auth/core`) are passed
 * through unchanged when the server answered with its error body.
 */
export const sdkErrorCodes = [
  /** The store holds no device (enroll first), or its key is missing. */
  'NOT_ENROLLED',
  /** `enroll` was called while the store already holds a device. */
  'ALREADY_ENROLLED',
  /** A server-signed request did not verify against the pinned keys, or names another issuer, customer, type or id. */
  'REQUEST_SIGNATURE_INVALID',
  /**
   * A server key set was refused: signed by a key this device does not trust, for another issuer,
   * not newer than the one the device holds (a rollback), or malformed. The pinned keys stay as they were.
   */
  'KEY_SET_INVALID',
  /** The request did not reach the server, or the connection broke. */
  'NETWORK_ERROR',
  /** The activation link or code could not be parsed, or names another server than the configured one. */
  'INVALID_ACTIVATION',
  /** The typed code is not `codeLength` digits; nothing was sent, so no attempt was used. */
  'INVALID_CODE',
  /**
   * A call notice did not verify: not signed by a pinned key as a call notice, for another issuer,
   * customer, device (`aud`) or id, issued in the future, or malformed. Never show it.
   */
  'CALL_NOTICE_INVALID',
  /** The call notice's time is up (beyond 60 s of clock skew): the call is no longer announced. */
  'CALL_NOTICE_EXPIRED',
  /** The call notice was ended by the agent or expired (signed so, or heard live): a replay of an old call. */
  'CALL_NOTICE_ENDED',
  /** The signed answer to "is anyone calling?" did not verify, or answers another nonce. */
  'CALL_STATUS_INVALID',
  /** The server's answer did not have the documented shape. */
  'UNEXPECTED_RESPONSE',
  /** No offline-code secret in the store (enrolled before offline codes, or a store without them): call `obtainOfflineSecret()`. */
  'OFFLINE_CODE_UNAVAILABLE',
  /** The Node key file is readable by the group or others, or owned by another user. */
  'KEY_FILE_INSECURE',
  /** The person cancelled the device unlock (biometrics, PIN), or it timed out; nothing was sent. */
  'WEBAUTHN_CANCELLED',
  /** No platform authenticator here, or the page is not a secure context. */
  'WEBAUTHN_UNAVAILABLE',
  /** The authenticator failed otherwise, or the device has no WebAuthn credential registered. */
  'WEBAUTHN_FAILED',
] as const;

export type SdkErrorCode = (typeof sdkErrorCodes)[number];

/** Server codes plus SDK codes. A newer server may send a code this list does not know yet. */
export type DeviceSdkErrorCode = ErrorCode | SdkErrorCode;

export type DeviceSdkErrorDetails = ErrorDetails & { [key: string]: unknown };

export interface DeviceSdkErrorOptions {
  /** HTTP status when the server answered. */
  status?: number;
  details?: DeviceSdkErrorDetails;
  /** From the `Retry-After` header (RATE_LIMITED, PUSH_RATE_LIMITED). */
  retryAfterSeconds?: number;
  cause?: unknown;
}

/** Every error the SDK throws on purpose. Branch on `code`, never on `message`. */
export class DeviceSdkError extends Error {
  readonly code: DeviceSdkErrorCode;
  readonly status: number | undefined;
  readonly details: DeviceSdkErrorDetails | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: DeviceSdkErrorCode, message: string, options: DeviceSdkErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DeviceSdkError';
    this.code = code;
    this.status = options.status;
    this.details = options.details;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export function isDeviceSdkError(value: unknown): value is DeviceSdkError {
  return value instanceof DeviceSdkError;
}
