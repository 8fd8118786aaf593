// The client's one error type, with the server's error codes typed from its OpenAPI document.
import type { Schemas } from './generated/api-types.ts';

/** Error codes the server sends (typed from its OpenAPI document). */
export type ServerErrorCode = Schemas['Error']['error']['code'];

/** Codes the client raises itself, when no server answer carries one. */
export type ClientErrorCode =
  /** The request did not reach the server, or the connection broke. */
  | 'NETWORK_ERROR'
  /** The server answered with something that is not its documented error shape. */
  | 'UNEXPECTED_RESPONSE'
  /** `waitForResult` ran out of time while the verification was still pending. */
  | 'WAIT_TIMEOUT'
  /** A webhook's signature header is missing or malformed, or no signature matches. */
  | 'WEBHOOK_SIGNATURE_INVALID'
  /** A webhook's timestamp is outside the tolerance (a replay, or a clock far off). */
  | 'WEBHOOK_TIMESTAMP_OUT_OF_RANGE';

/** A newer server may send a code this version does not list; it still arrives as a string. */
export type HelpdeskAuthErrorCode = ServerErrorCode | ClientErrorCode | (string & {});

/**
 * Every failure of the client. Branch on `code` (stable), never on `message` (for people).
 * `status` is the HTTP status when the server answered (0 otherwise); `details` holds the
 * server's machine-readable facts, such as `attemptsLeft` with WRONG_CODE.
 */
export class HelpdeskAuthError extends Error {
  readonly code: HelpdeskAuthErrorCode;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;
  /** The server's `x-request-id`, to quote when reporting a problem. */
  readonly requestId: string | undefined;

  constructor(
    code: HelpdeskAuthErrorCode,
    message: string,
    options: { status?: number; details?: Record<string, unknown>; requestId?: string; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'HelpdeskAuthError';
    this.code = code;
    this.status = options.status ?? 0;
    this.details = options.details;
    this.requestId = options.requestId;
  }
}

export function isHelpdeskAuthError(value: unknown): value is HelpdeskAuthError {
  return value instanceof HelpdeskAuthError;
}
