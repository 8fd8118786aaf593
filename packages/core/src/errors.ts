/**
 * Typed error codes shared by the server, the SDKs and the UIs. Callers branch on `code`,
 * never on `message`. Each code has exactly one HTTP status.
 */
export const errorStatus = {
  VALIDATION_FAILED: 400,
  MALFORMED_JSON: 400,
  /** The JSON body nests arrays and objects deeper than the server accepts (64 levels). */
  JSON_TOO_DEEP: 400,
  /** A text value or name holds a lone UTF-16 surrogate (JSON `"\ud800"`), which is not Unicode text. */
  INVALID_UNICODE: 400,
  INVALID_PHONE_NUMBER: 400,
  INVALID_CURSOR: 400,
  /** A webhook URL that is not https, or points into a private network (SSRF), or carries credentials. */
  WEBHOOK_URL_REFUSED: 400,
  /** A Web Push endpoint on this machine or in a private, link-local or reserved network (SSRF), or with credentials. */
  PUSH_ENDPOINT_REFUSED: 400,
  /** FCM or APNs credentials that cannot be used: not a service-account file, not a readable key of the right type, a malformed id. */
  PUSH_CREDENTIALS_INVALID: 400,
  /** An FCM or APNs token at enrollment or PATCH /v1/device that the vendor could never accept. */
  PUSH_TOKEN_INVALID: 400,
  /** A SCIM filter that does not parse, or names an attribute or operator that is not supported. */
  INVALID_FILTER: 400,
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  /** The device proof is missing, malformed, signed by an unknown key, for another URL, or stale. */
  DEVICE_PROOF_INVALID: 401,
  /** The device proof (or signed decision) was already used once. */
  DEVICE_PROOF_REPLAYED: 401,
  /** The device was revoked; it can do nothing more. */
  DEVICE_REVOKED: 401,
  /** The activation code is unknown, expired, or replaced by a newer activation. */
  ACTIVATION_INVALID: 401,
  /** The signed decision does not verify, or does not match the request it answers. */
  DECISION_SIGNATURE_INVALID: 401,
  /** The single sign-on answer does not belong to a sign-in this browser started (state or cookie). */
  SSO_STATE_INVALID: 401,
  /** The identity provider's answer failed: code exchange, ID token signature, issuer, audience or nonce. */
  SSO_FAILED: 401,
  FORBIDDEN: 403,
  /** The tenant requires biometric approval: a WebAuthn assertion with the user-verified flag. */
  USER_VERIFICATION_REQUIRED: 403,
  CSRF_FAILED: 403,
  /**
   * An operator asked for a QR code or activation code, but the customer has no verification recent
   * and strong enough for the policy's `enroll_device` action and no in-branch identity check was
   * stated; send the link to the phone number or e-mail address on file instead.
   */
  IDENTITY_CHECK_REQUIRED: 403,
  /** The operator still has a generated password: the session may only change it (or sign out). */
  PASSWORD_CHANGE_REQUIRED: 403,
  /** The session has shown only the password: the operator's second factor comes first. */
  SECOND_FACTOR_REQUIRED: 403,
  /** Signed in at the identity provider, but not allowed here: domain, role mapping, or disabled operator. */
  SSO_ACCESS_DENIED: 403,
  /** The verification policy does not let this operator or API key start call notices (docs/policy.md, "Call notices"). */
  CALL_NOTICES_NOT_ALLOWED: 403,
  NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  CONFLICT: 409,
  EXTERNAL_ID_TAKEN: 409,
  EMAIL_TAKEN: 409,
  /** Another SCIM user of the tenant already has this userName (compared case-insensitively). */
  USER_NAME_TAKEN: 409,
  SLUG_TAKEN: 409,
  LAST_ADMIN: 409,
  /** The device key is already enrolled (each device registers a fresh key). */
  DEVICE_KEY_IN_USE: 409,
  /** The activation code was right but already used to enrol a device (a double tap loses to itself). */
  ACTIVATION_USED: 409,
  /** The customer has no active device to send a push request to. */
  CUSTOMER_HAS_NO_DEVICE: 409,
  /** The verification is already final (approved, denied, cancelled, ...). */
  VERIFICATION_NOT_PENDING: 409,
  VERIFICATION_EXPIRED: 409,
  /**
   * The policy does not let this method be used for this customer and action right now;
   * `details.reason` names why (an UnavailableReason: SIM_SWAP_WINDOW, PUSH_LOCKED_FRAUD, ...).
   */
  METHOD_UNAVAILABLE: 409,
  /** The message channel cannot reach this customer; `details.reason`: NO_PHONE_NUMBER, NO_EMAIL_ADDRESS, PROVIDER_NOT_CONFIGURED or SIM_SWAP_WINDOW. */
  CHANNEL_UNAVAILABLE: 409,
  /** The customer already has an active authenticator app; remove it first. */
  TOTP_ALREADY_ENROLLED: 409,
  /** The device already holds its offline-code secret; it is issued once and never shown again. */
  OFFLINE_SECRET_ISSUED: 409,
  /** There is no open fraud report to resolve (none was made, or someone resolved it first). */
  FRAUD_REPORT_NOT_OPEN: 409,
  /** The customer already has an active call notice (`details.noticeId`); end it first. */
  CALL_NOTICE_ACTIVE: 409,
  /** The call notice has already ended or expired. */
  CALL_NOTICE_NOT_ACTIVE: 409,
  /** This step does not fit the notice's mutual-code mode (a code check on a notice without a code the customer reads, ...). */
  CALL_CODE_NOT_EXPECTED: 409,
  /** The code the customer reads out was typed wrong too often; the notice cannot be confirmed by code any more. */
  CALL_CODE_LOCKED: 409,
  /** The fraud case is resolved already (or someone resolved it first); a new signal opens a new case. */
  FRAUD_CASE_NOT_OPEN: 409,
  /** The case's assignee is no longer the one the request expected (someone else assigned it first); reload. */
  FRAUD_CASE_ASSIGNMENT_CHANGED: 409,
  /** The policy changed since the version the edit started from; reload and edit again. */
  POLICY_VERSION_CONFLICT: 409,
  /** SCIM: `If-Match` names a version the resource no longer has (RFC 7644 section 3.14); read it again. */
  PRECONDITION_FAILED: 412,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  /** The typed code does not match; `details.attemptsLeft` says how many tries remain. */
  WRONG_CODE: 422,
  /** The code the customer read out does not match; `details.attemptsLeft` says how many tries remain. */
  CALL_CODE_INVALID: 422,
  /** The WebAuthn registration does not verify: unknown, used or expired challenge, wrong origin or RP, no user verification. */
  WEBAUTHN_REGISTRATION_FAILED: 422,
  /** An operator's passkey answer failed: challenge unknown or used, another credential, origin, signature, counter. */
  WEBAUTHN_ASSERTION_FAILED: 422,
  /** A policy that contradicts itself (an action no enabled method can satisfy, ...); the message lists every problem. */
  POLICY_INVALID: 422,
  /**
   * A single sign-on configuration whose identity provider cannot be used: its discovery document
   * (`{issuer}/.well-known/openid-configuration`) cannot be fetched, or names another issuer. Nothing was saved.
   */
  SSO_PROVIDER_INVALID: 422,
  /** An authenticator-app code that was already accepted once (RFC 6238 section 5.2); ask for the next one. */
  CODE_REPLAYED: 422,
  /** The security answers do not satisfy the policy (k of n correct); `details.attemptsLeft` before lockout. */
  ANSWERS_REJECTED: 422,
  RATE_LIMITED: 429,
  /** Too many push requests to this customer in the window (against push bombing). */
  PUSH_RATE_LIMITED: 429,
  /** Too many failed attempts for this customer in the last hour, across all methods. */
  TOO_MANY_FAILURES: 429,
  /** No more resends for this code, or the last one was too recent; see Retry-After. */
  RESEND_LIMITED: 429,
  INTERNAL: 500,
  /** The SMS or e-mail provider refused or could not be reached; nothing was sent. */
  DELIVERY_FAILED: 502,
  NOT_READY: 503,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export const errorCodes = Object.keys(errorStatus) as ErrorCode[];

export interface ErrorDetails {
  /** WRONG_CODE: tries left before the verification fails. */
  attemptsLeft?: number;
  /** METHOD_UNAVAILABLE: why, as an UnavailableReason code the console translates. */
  reason?: string;
  /** IDENTITY_CHECK_REQUIRED: the assurance the policy's `enroll_device` action needs. */
  requiredAssurance?: string;
  /** WRONG_CODE, CODE_REPLAYED, ANSWERS_REJECTED of a fallback check: the failed verification it was recorded as. */
  verificationId?: string;
  /** CALL_NOTICE_ACTIVE: the customer's active call notice. */
  noticeId?: string;
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
