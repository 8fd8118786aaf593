/**
 * Errors of the OAuth 2.0 protocol endpoints (backchannel authentication and token). Unlike the
 * rest of the API they answer in the shape clients of the protocol expect, `{"error",
 * "error_description"}` (RFC 6749 section 5.2, CIBA Core sections 11 and 13), because OpenID
 * client libraries branch on `error`.
 */
export const oauthErrorStatus = {
  invalid_request: 400,
  invalid_scope: 400,
  invalid_grant: 400,
  unauthorized_client: 400,
  unsupported_grant_type: 400,
  /** CIBA Core 13: unknown, or more than one, end-user for the hint. */
  unknown_user_id: 400,
  /** CIBA Core 13: the binding_message is too long or has characters that cannot be shown. */
  invalid_binding_message: 400,
  /** CIBA Core 11: the end-user has not answered yet. */
  authorization_pending: 400,
  /** CIBA Core 11: polled faster than the interval; the interval grows by 5 seconds. */
  slow_down: 400,
  /** CIBA Core 11: the auth_req_id expired; start a new request. */
  expired_token: 400,
  /** The end-user (or the provider) refused: denied, reported fraud, failed, cancelled. */
  access_denied: 403,
  invalid_client: 401,
  /** RFC 7591 section 3.2.2: registration metadata that cannot be honoured. */
  invalid_client_metadata: 400,
  /** RFC 6750 section 3.1: the registration's initial access token (an API key) is missing or wrong. */
  invalid_token: 401,
  /** RFC 6750 section 3.1: the API key lacks oidc-clients:write. */
  insufficient_scope: 403,
  server_error: 500,
  temporarily_unavailable: 503,
} as const;

export type OAuthErrorCode = keyof typeof oauthErrorStatus;

export class OAuthError extends Error {
  readonly error: OAuthErrorCode;
  readonly status: number;

  constructor(error: OAuthErrorCode, description: string) {
    super(description);
    this.name = 'OAuthError';
    this.error = error;
    this.status = oauthErrorStatus[error];
  }
}

export function isOAuthError(value: unknown): value is OAuthError {
  return value instanceof OAuthError;
}
