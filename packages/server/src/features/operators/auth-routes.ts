// The sign-in routes: sign in with a password, read the session, sign out, change the password.
import { permissions } from '@helpdesk-auth/core';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { cookiesAreSecure } from '../../config/config.ts';
import { requirePrincipal, sessionCookieName } from '../../http/authenticate.ts';
import { errorResponses, Timestamp, toIso } from '../../http/schemas.ts';
import type { AppDependencies, TypedApp } from '../../http/types.ts';
import { OperatorSchema, operatorView } from './routes.ts';
import type { SignedInOperator } from './sessions.ts';

const SessionSchema = Type.Object(
  {
    operator: OperatorSchema,
    tenant: Type.Object({ slug: Type.String(), name: Type.String() }),
    permissions: Type.Array(Type.String({ enum: [...permissions] })),
    csrfToken: Type.String({
      description: 'Send as the x-csrf-token header on every state-changing request.',
    }),
    expiresAt: Timestamp,
    pendingStep: Type.Union(
      [Type.Literal('second_factor'), Type.Literal('second_factor_enrolment'), Type.Null()],
      {
        description:
          'What the session must do before anything else: show the second factor (`POST /v1/auth/second-factor/verify`), or set one up where the tenant requires it; null when nothing.',
      },
    ),
  },
  { $id: 'Session', title: 'Session' },
);

function sessionView(session: SignedInOperator, csrfToken: string) {
  return {
    operator: operatorView(session.operator),
    tenant: { slug: session.tenantSlug, name: session.tenantName },
    permissions: [...session.permissions],
    csrfToken,
    expiresAt: toIso(session.expiresAt),
    pendingStep: session.pendingStep,
  };
}

export function registerAuthRoutes(app: TypedApp, { services, config }: AppDependencies): void {
  const secure = cookiesAreSecure(config);
  const clearCookie = (reply: FastifyReply) =>
    reply.clearCookie(sessionCookieName, { path: '/', httpOnly: true, secure, sameSite: 'strict' });

  app.post(
    '/v1/auth/sign-in',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'Sign an operator in with tenant, e-mail and password; sets the session cookie.',
        operationId: 'signIn',
        body: Type.Object(
          {
            tenant: Type.String({
              minLength: 1,
              maxLength: 64,
              description: 'Tenant slug, for example `demo`.',
            }),
            email: Type.String({ minLength: 3, maxLength: 320 }),
            password: Type.String({ minLength: 1, maxLength: 1024 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: SessionSchema, ...errorResponses(401, 413, 415, 429) },
      },
    },
    async (request, reply) => {
      const { session, cookieValue, csrfToken } = await services.sessions.signIn({
        ...request.body,
        address: request.ip,
      });
      reply.setCookie(sessionCookieName, cookieValue, {
        path: '/',
        httpOnly: true,
        secure,
        sameSite: 'strict',
        expires: new Date(session.expiresAt),
      });
      return sessionView(session, csrfToken);
    },
  );

  app.get(
    '/v1/auth/session',
    {
      config: { auth: 'session' },
      schema: {
        tags: ['auth'],
        summary: 'The signed-in operator, their permissions and the CSRF token.',
        operationId: 'getSession',
        security: [{ session: [] }],
        response: { 200: SessionSchema, ...errorResponses(401, 403) },
      },
    },
    async (request) => {
      const { session } = requirePrincipal(request);
      return sessionView(session!, session!.csrfToken);
    },
  );

  app.post(
    '/v1/auth/sign-out',
    {
      config: { auth: 'session' },
      schema: {
        tags: ['auth'],
        summary: 'End the current session.',
        operationId: 'signOut',
        security: [{ session: [] }],
        response: { 204: Type.Null(), ...errorResponses(401, 403) },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      await services.sessions.signOut(principal.tenantId, principal.session!.sessionId, principal.actor);
      clearCookie(reply);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/v1/auth/password',
    {
      config: { auth: 'session' },
      schema: {
        tags: ['auth'],
        summary: 'Change your own password. Ends all your sessions, this one included.',
        operationId: 'changePassword',
        security: [{ session: [] }],
        body: Type.Object(
          {
            currentPassword: Type.String({ minLength: 1, maxLength: 1024 }),
            newPassword: Type.String({ minLength: 1, maxLength: 1024 }),
          },
          { additionalProperties: false },
        ),
        response: { 204: Type.Null(), ...errorResponses(401, 403, 413, 415, 429) },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      await services.operators.changeOwnPassword(
        principal.tenantId,
        principal.session!.operator.id,
        request.body,
        principal.actor,
      );
      clearCookie(reply);
      return reply.status(204).send(null);
    },
  );
}
