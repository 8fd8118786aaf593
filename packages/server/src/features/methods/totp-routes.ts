// The TOTP routes: enroll an authenticator app, confirm it, check a code, remove it.
import { idPattern } from '@helpdesk-auth/core';
import { Type } from 'typebox';
import { requirePrincipal } from '../../http/authenticate.ts';
import {
  errorResponses,
  idParam,
  operatorOrApiKey,
  Timestamp,
  toIso,
  toIsoOrNull,
} from '../../http/schemas.ts';
import type { AppDependencies, TypedApp } from '../../http/types.ts';

// Length only: the digits are checked after the customer is found, so an unknown id is a 404 first.
export const TotpCode = Type.String({
  minLength: 6,
  maxLength: 6,
  description: 'Six digits from the authenticator app.',
});
export const Action = Type.String({
  pattern: '^[a-z][a-z0-9_]{0,39}$',
  description: 'An action the policy names.',
});

/** A passed fallback check: the action it was for and the assurance it gives. */
export const FallbackResultSchema = Type.Object(
  {
    method: Type.String({ enum: ['totp', 'security_questions', 'app_code'] }),
    action: Type.String(),
    result: Type.String({ enum: ['passed'] }),
    assurance: Type.String({ enum: ['low', 'moderate', 'substantial', 'high'] }),
    verifiedAt: Timestamp,
    verificationId: Type.String({
      description:
        'The verification this check is recorded as: in history, GET /v1/verifications/{id} and webhooks.',
    }),
  },
  { $id: 'FallbackResult', title: 'FallbackResult' },
);

export function registerTotpRoutes(app: TypedApp, { services }: AppDependencies): void {
  const totp = services.fallbacks.totp;
  const customer = idParam('customer', 'Customer id.');
  app.addSchema(FallbackResultSchema);

  app.get(
    '/v1/customers/:id/totp',
    {
      config: { auth: 'customers:read' },
      schema: {
        tags: ['fallbacks'],
        summary: 'Whether the customer has an authenticator app set up.',
        operationId: 'getTotpStatus',
        security: operatorOrApiKey,
        params: customer,
        response: {
          200: Type.Object({ enrolled: Type.Boolean(), activatedAt: Type.Union([Timestamp, Type.Null()]) }),
          ...errorResponses(401, 403, 404),
        },
      },
    },
    async (request) => {
      const status = await totp.status(requirePrincipal(request).tenantId, request.params.id);
      return { ...status, activatedAt: toIsoOrNull(status.activatedAt) };
    },
  );

  app.post(
    '/v1/customers/:id/totp',
    {
      config: { auth: 'customers:write' },
      schema: {
        tags: ['fallbacks'],
        summary: 'Start setting up an authenticator app: the seed, once, as an otpauth URI for a QR code.',
        description:
          "Show `otpauthUri` to the customer as a QR code (or `secret` to type in), then confirm with one code from the app. The seed is never returned again. Meant for the customer's own channel (your app or portal), not for reading out on a call.",
        operationId: 'startTotpEnrollment',
        security: operatorOrApiKey,
        params: customer,
        response: {
          201: Type.Object({
            enrollmentId: Type.String(),
            secret: Type.String({ description: 'Base32 seed (RFC 4648); shown this once.' }),
            otpauthUri: Type.String({ description: 'otpauth://totp/… : the QR payload.' }),
            algorithm: Type.String(),
            digits: Type.Integer(),
            period: Type.Integer(),
          }),
          ...errorResponses(401, 403, 404, 409),
        },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      reply.status(201);
      return totp.beginEnrollment(principal.tenantId, request.params.id, principal.actor);
    },
  );

  app.post(
    '/v1/customers/:id/totp/confirm',
    {
      config: { auth: 'customers:write' },
      schema: {
        tags: ['fallbacks'],
        summary: 'Finish setting up the authenticator app with one code from it.',
        operationId: 'confirmTotpEnrollment',
        security: operatorOrApiKey,
        params: customer,
        body: Type.Object(
          { enrollmentId: Type.String({ pattern: idPattern('totpEnrollment') }), code: TotpCode },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ enrolled: Type.Boolean(), activatedAt: Timestamp }),
          ...errorResponses(401, 403, 404, 409, 413, 415, 422, 429),
        },
      },
    },
    async (request) => {
      const principal = requirePrincipal(request);
      const done = await totp.confirmEnrollment(
        principal.tenantId,
        request.params.id,
        request.body,
        principal.actor,
      );
      return { ...done, activatedAt: toIso(done.activatedAt) };
    },
  );

  app.delete(
    '/v1/customers/:id/totp',
    {
      config: { auth: 'customers:write' },
      schema: {
        tags: ['fallbacks'],
        summary: "Remove the customer's authenticator app (lost phone).",
        operationId: 'removeTotp',
        security: operatorOrApiKey,
        params: customer,
        response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      await totp.remove(principal.tenantId, request.params.id, principal.actor);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/v1/customers/:id/totp/verify',
    {
      config: { auth: 'verifications:write' },
      schema: {
        tags: ['fallbacks'],
        summary: 'Check the code the caller reads from their authenticator app.',
        description:
          'WRONG_CODE for a wrong code; CODE_REPLAYED for a code already accepted once (ask for the next one); METHOD_UNAVAILABLE when the policy does not allow TOTP here; TOO_MANY_FAILURES at the hourly limit.',
        operationId: 'verifyTotp',
        security: operatorOrApiKey,
        params: customer,
        body: Type.Object({ code: TotpCode, action: Action }, { additionalProperties: false }),
        response: {
          200: Type.Ref('FallbackResult'),
          ...errorResponses(401, 403, 404, 409, 413, 415, 422, 429),
        },
      },
    },
    async (request) => {
      const principal = requirePrincipal(request);
      const result = await totp.verify(principal.tenantId, request.params.id, request.body, principal.actor);
      return { ...result, verifiedAt: toIso(result.verifiedAt) };
    },
  );
}
