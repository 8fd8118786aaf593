/**
 * Typed error codes shared by the server, the SDKs and the UIs. Callers branch on `code`,
 * never on `message`. Each code has exactly one HTTP status.
 */
export const errorStatus = {
  VALIDATION_FAILED: 400,
  MALFORMED_JSON: 400,
  INVALID_PHONE_NUMBER: 400,
  INVALID_CURSOR: 400,
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  /** The device proof is missing, malformed, signed by an unknown key, for another URL, or stale. */
  DEVICE_PROOF_INVALID: 401,
  /** The device proof (or signed decision) was already used once. */
  DEVICE_PROOF_REPLAYED: 401,
  /** The device was revoked; it can do nothing more. */
  DEVICE_REVOKED: 401,
  /** The activation code is unknown, used, expired or out of attempts. */
  ACTIVATION_INVALID: 401,
  /** The signed decision does not verify, or does not match the request it answers. */
  DECISION_SIGNATURE_INVALID: 401,
  FORBIDDEN: 403,
  CSRF_FAILED: 403,
  NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  CONFLICT: 409,
  EXTERNAL_ID_TAKEN: 409,
  EMAIL_TAKEN: 409,
  SLUG_TAKEN: 409,
  LAST_ADMIN: 409,
  /** The device key is already enrolled (each device registers a fresh key). */
  DEVICE_KEY_IN_USE: 409,
  /** The customer has no active device to send a push request to. */
  CUSTOMER_HAS_NO_DEVICE: 409,
  /** The verification is already final (approved, denied, cancelled, ...). */
  VERIFICATION_NOT_PENDING: 409,
  VERIFICATION_EXPIRED: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  /** The typed code does not match; `details.attemptsLeft` says how many tries remain. */
  WRONG_CODE: 422,
  RATE_LIMITED: 429,
  /** Too many push requests to this customer in the window (against push bombing). */
  PUSH_RATE_LIMITED: 429,
  INTERNAL: 500,
  NOT_READY: 503,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export const errorCodes = Object.keys(errorStatus) as ErrorCode[];

export interface ErrorDetails {
  /** WRONG_CODE: tries left before the verification fails. */
  attemptsLeft?: number;
}

/**
 * An error whose code and message are safe to show to the caller. Anything thrown that is not
 * an AppError leaves the server as a generic INTERNAL error.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Seconds after which a retry may succeed (rate limits). */
  readonly retryAfterSeconds: number | undefined;
  /** Machine-readable facts about the error that a client may act on, never secrets. */
  readonly details: ErrorDetails | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; retryAfterSeconds?: number; details?: ErrorDetails } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = errorStatus[code];
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.details = options.details;
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}

export function notFound(what: string): AppError {
  return new AppError('NOT_FOUND', `${what} not found.`);
}
