// Schemas shared by the routes: the error body and responses, ids, times, paging, and their
// conversions.
import { type ErrorCode, errorCodes, type IdKind, idPattern } from '@helpdesk-auth/core';
import { type TSchema, Type } from 'typebox';

/** The one error shape every route answers with. */
export const ErrorBody = Type.Object(
  {
    error: Type.Object(
      {
        code: Type.String({ enum: errorCodes, description: 'Typed, stable code: branch on this.' }),
        message: Type.String({ description: 'Human-readable explanation; may change between versions.' }),
        details: Type.Optional(
          Type.Object(
            {
              attemptsLeft: Type.Optional(
                Type.Integer({ minimum: 0, description: 'WRONG_CODE: tries left before the request fails.' }),
              ),
              reason: Type.Optional(
                Type.String({
                  description:
                    'METHOD_UNAVAILABLE: why, as a reason code (SIM_SWAP_WINDOW, PUSH_LOCKED_FRAUD, ...; docs/policy.md).',
                }),
              ),
              requiredAssurance: Type.Optional(
                Type.String({
                  description:
                    "IDENTITY_CHECK_REQUIRED: the assurance the policy's enroll_device action needs.",
                }),
              ),
              verificationId: Type.Optional(
                Type.String({
                  description:
                    'WRONG_CODE, CODE_REPLAYED or ANSWERS_REJECTED of an authenticator-app, app-code or security-question check: the failed verification it was recorded as.',
                }),
              ),
              noticeId: Type.Optional(
                Type.String({ description: "CALL_NOTICE_ACTIVE: the customer's active call notice." }),
              ),
            },
            { additionalProperties: false },
          ),
        ),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false, $id: 'Error', title: 'Error' },
);

/** Error responses for a route: the listed statuses, each with the Error schema. */
export function errorResponses(...statuses: number[]): Record<number, TSchema> {
  const out: Record<number, TSchema> = {};
  for (const status of [400, ...statuses]) {
    out[status] = Type.Ref('Error', { description: describeStatus(status) });
  }
  return out;
}

function describeStatus(status: number): string {
  const byStatus: Record<number, string> = {
    400: 'The request is malformed or fails validation.',
    401: 'Not signed in, or the API key is missing, wrong or revoked.',
    403: 'Signed in, but not allowed to do this (or the CSRF token is missing).',
    404: 'No such object in this tenant.',
    409: 'The change conflicts with the current state.',
    413: 'The request body is too large.',
    415: 'The request body is not JSON.',
    429: 'Too many requests; see the Retry-After header.',
    503: 'Not ready: the database is unreachable, migrations are pending, or the server is stopping.',
  };
  return byStatus[status] ?? 'Error.';
}

export const idParam = (kind: IdKind, description: string) =>
  Type.Object(
    { id: Type.String({ pattern: idPattern(kind), description }) },
    { additionalProperties: false },
  );

export const Timestamp = Type.String({ format: 'date-time' });

export const NullableString = (options: { maxLength: number; minLength?: number; format?: string }) =>
  Type.Union([Type.String(options), Type.Null()]);

export const toIso = (ms: number): string => new Date(ms).toISOString();
export const toIsoOrNull = (ms: number | null): string | null =>
  ms === null ? null : new Date(ms).toISOString();

export const Limit = Type.Integer({ minimum: 1, maximum: 200, default: 50, description: 'Page size.' });
export const Cursor = Type.String({
  minLength: 1,
  maxLength: 200,
  description: 'Opaque cursor from `nextCursor` of the previous page.',
});

export type { ErrorCode };

/** OpenAPI security for routes that operators (cookie) and integrations (API key) both call. */
export const operatorOrApiKey: Array<Record<string, string[]>> = [{ session: [] }, { apiKey: [] }];

/** base64url fields of WebAuthn JSON (WebAuthn Level 3, section 5.1.10), with generous size caps. */
const b64u = (maxLength: number) => Type.String({ minLength: 1, maxLength, pattern: '^[A-Za-z0-9_-]+$' });

/** PublicKeyCredential.toJSON() of an assertion: devices' and operators' passkeys alike. */
export const WebAuthnAssertionResponse = Type.Object(
  {
    id: b64u(1400),
    rawId: b64u(1400),
    type: Type.Literal('public-key'),
    response: Type.Object({
      clientDataJSON: b64u(8192),
      authenticatorData: b64u(8192),
      signature: b64u(1024),
      userHandle: Type.Optional(Type.Union([Type.String({ maxLength: 1024 }), Type.Null()])),
    }),
    authenticatorAttachment: Type.Optional(Type.Union([Type.String({ maxLength: 32 }), Type.Null()])),
    clientExtensionResults: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { description: 'AuthenticationResponseJSON: the assertion, as PublicKeyCredential.toJSON() gives it.' },
);

/** PublicKeyCredential.toJSON() of a new credential: devices' and operators' passkeys alike. */
export const WebAuthnRegistrationResponse = Type.Object(
  {
    id: b64u(1400),
    rawId: b64u(1400),
    type: Type.Literal('public-key'),
    response: Type.Object({
      clientDataJSON: b64u(8192),
      attestationObject: b64u(65536),
      transports: Type.Optional(Type.Array(Type.String({ maxLength: 32 }), { maxItems: 10 })),
    }),
    authenticatorAttachment: Type.Optional(Type.Union([Type.String({ maxLength: 32 }), Type.Null()])),
    clientExtensionResults: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { description: 'RegistrationResponseJSON: the new credential, as PublicKeyCredential.toJSON() gives it.' },
);
