// The single sign-on routes: the admin's configuration and the browser's sign-in flow.
import { AppError, roles } from '@helpdesk-auth/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { cookiesAreSecure } from '../../../config/config.ts';
import { requirePrincipal, sessionCookieName } from '../../../http/authenticate.ts';
import { errorResponses, operatorOrApiKey, Timestamp, toIso } from '../../../http/schemas.ts';
import type { AppDependencies, TypedApp } from '../../../http/types.ts';
import { tenantSlugPattern } from '../../tenants/index.ts';
import { type SsoConfig, ssoCookiePath, ssoStateCookieName } from './operator-sso.ts';

/**
 * Operator single sign-on with OpenID Connect: the admin configuration (/v1/tenant/sso), the
 * public sign-in options of a tenant, and the browser flow (/v1/auth/oidc/{tenant}/start and
 * /callback). See docs/integrations/operator-sso.md.
 */
const Role = Type.Union(
  [Type.Literal('admin'), Type.Literal('supervisor'), Type.Literal('agent'), Type.Literal('auditor')],
  { description: `One of ${roles.join(', ')}.` },
);

const RoleMappingSchema = Type.Object(
  {
    value: Type.String({
      minLength: 1,
      maxLength: 300,
      description: 'A value of the role claim (a group name or id).',
    }),
    role: Role,
  },
  { additionalProperties: false },
);

const SsoConfigSchema = Type.Object(
  {
    enabled: Type.Boolean(),
    issuer: Type.String(),
    clientId: Type.String(),
    clientSecretSet: Type.Boolean({ description: 'The client secret is stored sealed and never shown.' }),
    scopes: Type.Array(Type.String()),
    roleClaim: Type.String(),
    roleMappings: Type.Array(RoleMappingSchema),
    allowedDomains: Type.Array(Type.String()),
    jitProvisioning: Type.Boolean(),
    defaultRole: Type.Union([Role, Type.Null()]),
    redirectUri: Type.String({ description: 'Register this as the redirect URI at the identity provider.' }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { $id: 'OperatorSsoConfig', title: 'OperatorSsoConfig' },
);

const ssoConfigView = (c: SsoConfig) => ({
  ...c,
  clientSecretSet: true,
  createdAt: toIso(c.createdAt),
  updatedAt: toIso(c.updatedAt),
});

const TenantParam = Type.Object(
  { tenant: Type.String({ pattern: tenantSlugPattern, maxLength: 64, description: 'Tenant slug.' }) },
  { additionalProperties: false },
);

const optionalText = (maxLength: number, description?: string) =>
  Type.Optional(Type.String({ minLength: 1, maxLength, ...(description ? { description } : {}) }));

// What identity providers add to the authorization response (RFC 9207 `iss`, Keycloak's and
// Entra ID's `session_state`, Google's `scope`, `authuser`, `hd`, `prompt`); other parameters are refused.
const CallbackQuery = Type.Object(
  {
    code: optionalText(4096),
    state: optionalText(512),
    iss: optionalText(500),
    session_state: optionalText(512),
    scope: optionalText(1000),
    authuser: optionalText(16),
    hd: optionalText(255),
    prompt: optionalText(100),
    error: optionalText(100),
    error_description: optionalText(1000),
    error_uri: optionalText(1000),
  },
  { additionalProperties: false },
);

const redirectResponse = Type.Null({ description: 'A redirect (see Location).' });

/**
 * Where the browser lands after single sign-on: the console, with `#ssoError=<code>` when it
 * failed. A fragment, so it reaches only the page's script, not the server or its logs.
 */
export const consolePath = '/console/';

export function registerOperatorSsoRoutes(app: TypedApp, deps: AppDependencies): void {
  const { config } = deps;
  const sso = deps.services.operatorSso;
  const secure = cookiesAreSecure(config);
  // The callback is a cross-site top-level navigation from the identity provider: Lax, not
  // Strict, or the browser would not send the cookie back. Only our OIDC paths see it.
  const stateCookie = { path: ssoCookiePath, httpOnly: true, secure, sameSite: 'lax' as const };
  const clearState = (reply: FastifyReply) => reply.clearCookie(ssoStateCookieName, stateCookie);
  // An unknown tenant or one without single sign-on is a plain 404; every other refusal of a
  // sign-in takes the browser back to the console, which shows the code.
  const refuse = (request: FastifyRequest, reply: FastifyReply, error: unknown) => {
    if (!(error instanceof AppError) || error.code === 'NOT_FOUND') throw error;
    request.log.info({ code: error.code }, 'single sign-on refused');
    return reply.redirect(`${consolePath}#ssoError=${error.code}`, 302);
  };

  app.get(
    '/v1/tenant/sso',
    {
      config: { auth: 'tenant:read' },
      schema: {
        tags: ['sso'],
        summary: "The tenant's OpenID Connect configuration for operator sign-in (never the client secret).",
        operationId: 'getOperatorSso',
        security: operatorOrApiKey,
        response: { 200: SsoConfigSchema, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => ssoConfigView(await sso.getConfig(requirePrincipal(request).tenantId)),
  );

  app.patch(
    '/v1/tenant/sso',
    {
      config: { auth: 'tenant:write' },
      schema: {
        tags: ['sso'],
        summary:
          'Configure operator sign-in with OpenID Connect. The first time, issuer, clientId and clientSecret are required.',
        operationId: 'updateOperatorSso',
        security: operatorOrApiKey,
        body: Type.Object(
          {
            enabled: Type.Optional(Type.Boolean()),
            issuer: optionalText(500, 'The issuer URL, exactly as in the discovery document (https).'),
            clientId: optionalText(300),
            clientSecret: optionalText(1000, 'Stored sealed; never returned.'),
            scopes: Type.Optional(
              Type.Array(
                Type.String({ minLength: 1, maxLength: 100, pattern: '^[\\x21\\x23-\\x5B\\x5D-\\x7E]+$' }),
                {
                  minItems: 1,
                  maxItems: 20,
                  description: 'Requested scopes; must include openid. Default: openid email profile.',
                },
              ),
            ),
            roleClaim: optionalText(
              200,
              'The ID token claim with groups or roles, e.g. groups or realm_access.roles.',
            ),
            roleMappings: Type.Optional(
              Type.Array(RoleMappingSchema, {
                maxItems: 100,
                description: 'Claim value to role, in order: the first value the operator carries decides.',
              }),
            ),
            allowedDomains: Type.Optional(
              Type.Array(Type.String({ minLength: 3, maxLength: 253 }), {
                maxItems: 50,
                description: 'E-mail domains allowed to sign in; empty allows any.',
              }),
            ),
            jitProvisioning: Type.Optional(
              Type.Boolean({ description: 'Create an operator on first sign-in.' }),
            ),
            defaultRole: Type.Optional(
              Type.Union([Role, Type.Null()], {
                description: 'Role when no mapping matches; null refuses the sign-in.',
              }),
            ),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: SsoConfigSchema, ...errorResponses(401, 403, 409, 413, 415, 422) },
      },
    },
    async (request) => {
      const principal = requirePrincipal(request);
      return ssoConfigView(await sso.updateConfig(principal.tenantId, request.body, principal.actor));
    },
  );

  app.delete(
    '/v1/tenant/sso',
    {
      config: { auth: 'tenant:write' },
      schema: {
        tags: ['sso'],
        summary: 'Remove the OpenID Connect configuration; operators sign in with passwords only.',
        operationId: 'deleteOperatorSso',
        security: operatorOrApiKey,
        response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      await sso.removeConfig(principal.tenantId, principal.actor);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/v1/auth/sign-in-options',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'How operators of a tenant can sign in: password, and single sign-on when configured.',
        operationId: 'getSignInOptions',
        // Optional in the schema so that a request without it is a plain "no such tenant".
        querystring: Type.Object(
          {
            tenant: Type.Optional(
              Type.String({ pattern: tenantSlugPattern, maxLength: 64, description: 'Tenant slug; needed.' }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            password: Type.Boolean(),
            sso: Type.Union([
              Type.Object({
                startUrl: Type.String({
                  description: 'Send the browser here to sign in with the identity provider.',
                }),
              }),
              Type.Null(),
            ]),
          }),
          ...errorResponses(404),
        },
      },
    },
    async (request) => {
      if (!request.query.tenant) throw new AppError('NOT_FOUND', 'Tenant not found.');
      return sso.signInOptions(request.query.tenant);
    },
  );

  app.get(
    '/v1/auth/oidc/:tenant/start',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['auth'],
        summary: "Start single sign-on: redirects the browser to the tenant's identity provider.",
        operationId: 'startOperatorSso',
        // A browser navigation, not an API call: described in docs/integrations/operator-sso.md.
        hide: true,
        params: TenantParam,
        response: { 302: redirectResponse, ...errorResponses(401, 404) },
      },
    },
    async (request, reply) => {
      try {
        const started = await sso.begin(request.params.tenant);
        reply.setCookie(ssoStateCookieName, started.cookieValue, {
          ...stateCookie,
          expires: new Date(started.expiresAt),
        });
        return reply.redirect(started.authorizationUrl, 302);
      } catch (error) {
        return refuse(request, reply, error);
      }
    },
  );

  app.get(
    '/v1/auth/oidc/:tenant/callback',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['auth'],
        summary:
          'Where the identity provider sends the browser back. Signs the operator in and redirects to the console.',
        operationId: 'completeOperatorSso',
        hide: true,
        params: TenantParam,
        querystring: CallbackQuery,
        response: { 302: redirectResponse, ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      const cookieValue = request.cookies[ssoStateCookieName];
      clearState(reply);
      try {
        const outcome = await sso.complete({
          slug: request.params.tenant,
          callbackPathAndQuery: request.url,
          cookieValue,
          address: request.ip,
        });
        const { session, cookieValue: sessionCookie } = await deps.services.sessions.startSingleSignOnSession(
          {
            tenantId: outcome.tenantId,
            operatorId: outcome.operator.id,
            address: request.ip,
          },
        );
        reply.setCookie(sessionCookieName, sessionCookie, {
          path: '/',
          httpOnly: true,
          secure,
          sameSite: 'strict',
          expires: new Date(session.expiresAt),
        });
        return reply.redirect(consolePath, 302);
      } catch (error) {
        return refuse(request, reply, error);
      }
    },
  );
}
