// The second-factor routes: the signed-in operator's status, enrolling a passkey or an
// authenticator app, the factor after the password, and an admin's reset of an operator's factors.
import { AppError } from '@helpdesk-auth/core';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { requirePrincipal } from '../../http/authenticate.ts';
import {
  errorResponses,
  idParam,
  operatorOrApiKey,
  WebAuthnAssertionResponse,
  WebAuthnRegistrationResponse,
} from '../../http/schemas.ts';
import type { AppDependencies, TypedApp } from '../../http/types.ts';
import { assertMayAssign } from './routes.ts';

const Options = Type.Record(Type.String(), Type.Unknown(), {
  description: 'WebAuthn options JSON, for navigator.credentials (or @simplewebauthn/browser).',
});

/**
 * Adding a factor needs a session that has shown its factor already, or one that waits to set up
 * its first: a session with only the password must not add a factor of its choosing.
 */
function assertMayEnrol(request: FastifyRequest) {
  const principal = requirePrincipal(request);
  if (principal.session!.pendingStep === 'second_factor')
    throw new AppError('SECOND_FACTOR_REQUIRED', 'Show your second factor before adding another.');
  return principal;
}

const CodeBody = Type.Object(
  { code: Type.String({ minLength: 1, maxLength: 16, description: 'The six digits the app shows now.' }) },
  { additionalProperties: false },
);

export function registerSecondFactorRoutes(app: TypedApp, { services }: AppDependencies): void {
  app.get(
    '/v1/auth/second-factor',
    {
      config: { auth: 'session' },
      schema: {
        tags: ['auth'],
        summary:
          "The signed-in operator's second factor: whether the tenant requires one, and which is set up.",
        operationId: 'getSecondFactor',
        security: [{ session: [] }],
        response: {
          200: Type.Object({
            required: Type.Boolean({
              description: 'The tenant requires a second factor of operators who sign in with a password.',
            }),
            totp: Type.Boolean({ description: 'An authenticator app is set up.' }),
            passkeys: Type.Integer({ minimum: 0, description: 'How many passkeys are set up.' }),
          }),
          ...errorResponses(401, 403),
        },
      },
    },
    async (request) => {
      const principal = requirePrincipal(request);
      return services.secondFactor.status(principal.tenantId, principal.session!.operator.id);
    },
  );

  app.post(
    '/v1/auth/second-factor/totp',
    {
      config: { auth: 'session' },
      schema: {
        tags: ['auth'],
        summary:
          'Start setting up an authenticator app: the secret, shown this once, and its otpauth URI for a QR code. Confirm with a first code.',
        operationId: 'startSecondFactorTotp',
        security: [{ session: [] }],
        response: {
          201: Type.Object({
            secret: Type.String({ description: 'Base32, for typing into the app.' }),
            otpauthUri: Type.String({ description: 'The Key Uri Format URI, for a QR code.' }),
          }),
          ...errorResponses(401, 403, 409),
        },
      },
    },
    async (request, reply) => {
      const principal = assertMayEnrol(request);
      const session = principal.session!;
      reply.status(201);
      return services.secondFactor.startTotpEnrolment(
        principal.tenantId,
        session.operator,
        session.tenantName,
        principal.actor,
      );
    },
  );

  app.post(
    '/v1/auth/second-factor/totp/confirm',
    {
      config: { auth: 'session' },
      schema: {
        tags: ['auth'],
        summary:
          'Confirm the authenticator app with its first code. A session waiting for enrolment may then work.',
        operationId: 'confirmSecondFactorTotp',
        security: [{ session: [] }],
        body: CodeBody,
        response: { 204: Type.Null(), ...errorResponses(401, 403, 409, 413, 415, 422, 429) },
      },
    },
    async (request, reply) => {
      const principal = assertMayEnrol(request);
      const session = principal.session!;
      await services.secondFactor.confirmTotpEnrolment(
        principal.tenantId,
        session.operator.id,
        session.sessionId,
        request.body.code,
        principal.actor,
      );
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/v1/auth/second-factor/passkey/registration-options',
    {
      config: { auth: 'session' },
      schema: {
        tags: ['auth'],
        summary: 'Options for creating a passkey (WebAuthn registration); the challenge is single use.',
        operationId: 'passkeyRegistrationOptions',
        security: [{ session: [] }],
        response: { 200: Type.Object({ options: Options }), ...errorResponses(401, 403) },
      },
    },
    async (request) => {
      const principal = assertMayEnrol(request);
      const session = principal.session!;
      const options = await services.secondFactor.passkeyRegistrationOptions(
        principal.tenantId,
        session.operator,
        session.tenantName,
      );
      return { options: options as unknown as Record<string, unknown> };
    },
  );

  app.post(
    '/v1/auth/second-factor/passkey',
    {
      config: { auth: 'session' },
      schema: {
        tags: ['auth'],
        summary: 'Keep a new passkey. A session waiting for enrolment may then work.',
        operationId: 'registerPasskey',
        security: [{ session: [] }],
        body: Type.Object(
          {
            response: WebAuthnRegistrationResponse,
            label: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
          },
          { additionalProperties: false },
        ),
        response: { 204: Type.Null(), ...errorResponses(401, 403, 409, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const principal = assertMayEnrol(request);
      const session = principal.session!;
      await services.secondFactor.registerPasskey(
        principal.tenantId,
        session.operator.id,
        session.sessionId,
        request.body.response as unknown as RegistrationResponseJSON,
        request.body.label ?? 'Passkey',
        principal.actor,
      );
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/v1/auth/second-factor/passkey/assertion-options',
    {
      config: { auth: 'session' },
      schema: {
        tags: ['auth'],
        summary: "Options for signing in with one of the operator's passkeys; the challenge is single use.",
        operationId: 'passkeyAssertionOptions',
        security: [{ session: [] }],
        response: { 200: Type.Object({ options: Options }), ...errorResponses(401, 403, 409) },
      },
    },
    async (request) => {
      const principal = requirePrincipal(request);
      const options = await services.secondFactor.passkeyAssertionOptions(
        principal.tenantId,
        principal.session!.operator.id,
      );
      return { options: options as unknown as Record<string, unknown> };
    },
  );

  app.post(
    '/v1/auth/second-factor/passkey/verify',
    {
      config: { auth: 'session' },
      schema: {
        tags: ['auth'],
        summary: 'The passkey after the password. Until it verifies, the session may do nothing else.',
        operationId: 'verifyPasskey',
        security: [{ session: [] }],
        body: Type.Object({ response: WebAuthnAssertionResponse }, { additionalProperties: false }),
        response: { 204: Type.Null(), ...errorResponses(401, 403, 413, 415, 422, 429) },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      const session = principal.session!;
      await services.secondFactor.verifyPasskey(
        principal.tenantId,
        session.operator.id,
        session.sessionId,
        request.body.response as unknown as AuthenticationResponseJSON,
        principal.actor,
      );
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/v1/auth/second-factor/verify',
    {
      config: { auth: 'session' },
      schema: {
        tags: ['auth'],
        summary: 'The code after the password. Until it is right, the session may do nothing else.',
        operationId: 'verifySecondFactor',
        security: [{ session: [] }],
        body: CodeBody,
        response: { 204: Type.Null(), ...errorResponses(401, 403, 409, 413, 415, 422, 429) },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      const session = principal.session!;
      await services.secondFactor.verify(
        principal.tenantId,
        session.operator.id,
        session.sessionId,
        request.body.code,
        principal.actor,
      );
      return reply.status(204).send(null);
    },
  );

  app.delete(
    '/v1/operators/:id/second-factor',
    {
      config: { auth: 'operators:write' },
      schema: {
        tags: ['operators'],
        summary:
          "Reset an operator's second factor (a lost phone): removes it and ends their sessions; they set one up again at the next sign-in.",
        operationId: 'resetOperatorSecondFactor',
        security: operatorOrApiKey,
        params: idParam('operator', 'Operator id.'),
        response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      // Resetting an admin's factor is as strong as being admin.
      const target = await services.operators.get(principal.tenantId, request.params.id);
      assertMayAssign(principal, target.role);
      await services.secondFactor.reset(principal.tenantId, request.params.id, principal.actor);
      return reply.status(204).send(null);
    },
  );
}
