// The OpenID Provider's CIBA endpoints: discovery, its JWKS, backchannel authentication and token.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { isAppError } from '@helpdesk-auth/core';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AppDependencies, TypedApp } from '../../http/types.ts';
import { cibaPaths } from './ciba.ts';
import { registerDynamicRegistrationRoute } from './dynamic-registration.ts';
import { isOAuthError, OAuthError, oauthErrorStatus } from './oauth-error.ts';
import type { ClientCredentials } from './oidc-clients.ts';

/**
 * The OpenID Provider's protocol endpoints for CIBA: discovery, the key set its tokens are
 * verified with, backchannel authentication and token. They speak OAuth 2.0, not this API's
 * conventions: form-encoded requests (`application/x-www-form-urlencoded`, RFC 6749 section
 * 3.2), errors as `{"error", "error_description"}` (section 5.2), unknown parameters ignored. OpenID client libraries depend
 * on exactly that, so these routes stay out of the OpenAPI document; the discovery document
 * describes them, and docs/integrations/ciba.md explains them.
 */

const text = (maxLength: number) => Type.Optional(Type.String({ maxLength }));

const BackchannelBody = Type.Object(
  {
    scope: text(1000),
    client_notification_token: text(2048),
    acr_values: text(1000),
    login_hint: text(320),
    login_hint_token: text(8192),
    id_token_hint: text(8192),
    binding_message: text(1000),
    user_code: text(200),
    requested_expiry: text(20),
    request: text(16384),
    client_id: text(200),
    client_secret: text(1000),
    client_assertion: text(8192),
    client_assertion_type: text(200),
  },
  // RFC 6749 section 3.2: unrecognised parameters are ignored.
  { additionalProperties: true },
);

const TokenBody = Type.Object(
  {
    grant_type: text(200),
    auth_req_id: text(200),
    client_id: text(200),
    client_secret: text(1000),
    client_assertion: text(8192),
    client_assertion_type: text(200),
  },
  { additionalProperties: true },
);

const OAuthErrorBody = Type.Object({ error: Type.String(), error_description: Type.String() });
const oauthErrors = {
  400: OAuthErrorBody,
  401: OAuthErrorBody,
  403: OAuthErrorBody,
  500: OAuthErrorBody,
  503: OAuthErrorBody,
};
const NoQuery = Type.Object({}, { additionalProperties: false });

const BackchannelResponse = Type.Object({
  auth_req_id: Type.String(),
  expires_in: Type.Integer(),
  interval: Type.Integer(),
  verification_code: Type.String(),
});

const TokenResponse = Type.Object({
  access_token: Type.String(),
  token_type: Type.String(),
  expires_in: Type.Integer(),
  id_token: Type.String(),
  scope: Type.String(),
});

function credentialsOf(
  request: FastifyRequest,
  body: {
    client_id?: string;
    client_secret?: string;
    client_assertion?: string;
    client_assertion_type?: string;
  },
): ClientCredentials {
  return {
    authorization: request.headers.authorization,
    clientId: body.client_id,
    clientSecret: body.client_secret,
    clientAssertion: body.client_assertion,
    clientAssertionType: body.client_assertion_type,
  };
}

/** Parameters sent without a value count as omitted (RFC 6749 section 3.2). */
function withoutEmpty<T extends Record<string, unknown>>(body: T): T {
  return Object.fromEntries(Object.entries(body).filter(([, value]) => value !== '')) as T;
}

// RFC 6749 section 5.2: error_description is printable ASCII without `"` and `\`.
const describable = (message: string) => message.replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, '?');

function noStore(reply: FastifyReply): void {
  reply.header('cache-control', 'no-store');
  reply.header('pragma', 'no-cache');
}

/** Every failure of a protocol endpoint, as an OAuth error. */
function toOAuthError(error: FastifyError | Error, request: FastifyRequest): OAuthError {
  if (isOAuthError(error)) return error;
  if (isAppError(error)) {
    if (error.code === 'NOT_READY') return new OAuthError('temporarily_unavailable', error.message);
    if (error.status < 500) return new OAuthError('invalid_request', error.message);
  }
  const fastifyError = error as FastifyError;
  if (fastifyError.validation)
    return new OAuthError('invalid_request', `Invalid request: ${fastifyError.message}.`);
  if (
    fastifyError.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ||
    fastifyError.code === 'FST_ERR_CTP_INVALID_TYPE'
  ) {
    return new OAuthError('invalid_request', 'Send the parameters as application/x-www-form-urlencoded.');
  }
  if (fastifyError.statusCode && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return new OAuthError('invalid_request', 'The request could not be understood.');
  }
  request.log.error({ err: error }, 'request failed');
  return new OAuthError('server_error', `Something went wrong on our side. Quote request id ${request.id}.`);
}

function installOAuthErrors(scope: FastifyInstance, endpoint: 'backchannel' | 'token'): void {
  scope.setErrorHandler((error: FastifyError, request, reply) => {
    const oauth = toOAuthError(error, request);
    // The token endpoint answers every error but a failed client authentication with 400
    // (RFC 6749 5.2); the backchannel endpoint has its own statuses (CIBA Core 13).
    const status =
      endpoint === 'token' && oauth.status !== 401 && oauth.status < 500
        ? 400
        : oauthErrorStatus[oauth.error];
    if (status === 401 && /^Basic /i.test(request.headers.authorization ?? '')) {
      reply.header('www-authenticate', 'Basic realm="helpdesk-auth"');
    }
    if (status < 500) request.log.info({ code: oauth.error }, 'request refused');
    noStore(reply);
    reply.status(status).send({ error: oauth.error, error_description: describable(oauth.message) });
  });
}

export function registerOidcRoutes(app: TypedApp, deps: AppDependencies): void {
  const { services } = deps;
  registerDynamicRegistrationRoute(app, deps);
  app.get(
    cibaPaths.discovery,
    {
      config: { auth: 'public' },
      schema: {
        hide: true,
        querystring: NoQuery,
        response: {
          200: Type.Object(
            {
              issuer: Type.String(),
              token_endpoint: Type.String(),
              backchannel_authentication_endpoint: Type.String(),
              jwks_uri: Type.String(),
              registration_endpoint: Type.String(),
              grant_types_supported: Type.Array(Type.String()),
              backchannel_token_delivery_modes_supported: Type.Array(Type.String()),
              backchannel_user_code_parameter_supported: Type.Boolean(),
              token_endpoint_auth_methods_supported: Type.Array(Type.String()),
              token_endpoint_auth_signing_alg_values_supported: Type.Array(Type.String()),
              backchannel_authentication_request_signing_alg_values_supported: Type.Array(Type.String()),
              response_types_supported: Type.Array(Type.String()),
              subject_types_supported: Type.Array(Type.String()),
              id_token_signing_alg_values_supported: Type.Array(Type.String()),
              scopes_supported: Type.Array(Type.String()),
              acr_values_supported: Type.Array(Type.String()),
              claims_supported: Type.Array(Type.String()),
            },
            { additionalProperties: false },
          ),
        },
      },
    },
    async () => services.ciba.metadata(),
  );

  app.get(
    cibaPaths.jwks,
    {
      config: { auth: 'public' },
      schema: {
        hide: true,
        querystring: NoQuery,
        response: {
          200: Type.Object({
            keys: Type.Array(
              Type.Object(
                {
                  kty: Type.String(),
                  kid: Type.String(),
                  alg: Type.String(),
                  use: Type.String(),
                  crv: Type.Optional(Type.String()),
                  x: Type.Optional(Type.String()),
                  y: Type.Optional(Type.String()),
                  n: Type.Optional(Type.String()),
                  e: Type.Optional(Type.String()),
                  exp: Type.Optional(Type.Integer()),
                },
                { additionalProperties: false },
              ),
            ),
          }),
        },
      },
    },
    async () => services.serverKeys.oidcJwks(),
  );

  void app.register(async (plugin) => {
    const scope = plugin.withTypeProvider<TypeBoxTypeProvider>();
    // These endpoints take form parameters only; JSON is refused as invalid_request.
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string' },
      (_request, body, done) => {
        const params = new URLSearchParams(body as string);
        const out: Record<string, string> = {};
        for (const [key, value] of params) {
          // RFC 6749 section 3.2: a parameter must not be sent more than once.
          if (key in out) {
            done(new OAuthError('invalid_request', `The parameter ${key} is repeated.`), undefined);
            return;
          }
          out[key] = value;
        }
        done(null, out);
      },
    );

    await scope.register(async (inner) => {
      installOAuthErrors(inner, 'backchannel');
      inner.withTypeProvider<TypeBoxTypeProvider>().post(
        cibaPaths.backchannel,
        {
          config: { auth: 'public' },
          schema: {
            hide: true,
            querystring: NoQuery,
            body: BackchannelBody,
            response: { 200: BackchannelResponse, ...oauthErrors },
          },
        },
        async (request, reply) => {
          const body = withoutEmpty(request.body);
          const result = await services.ciba.authenticate(body, credentialsOf(request, body));
          noStore(reply);
          return reply.status(200).send(result);
        },
      );
    });

    await scope.register(async (inner) => {
      installOAuthErrors(inner, 'token');
      inner.withTypeProvider<TypeBoxTypeProvider>().post(
        cibaPaths.token,
        {
          config: { auth: 'public' },
          schema: {
            hide: true,
            querystring: NoQuery,
            body: TokenBody,
            response: { 200: TokenResponse, ...oauthErrors },
          },
        },
        async (request, reply) => {
          const body = withoutEmpty(request.body);
          const result = await services.ciba.token(body, credentialsOf(request, body));
          noStore(reply);
          return reply.status(200).send(result);
        },
      );
    });
  });
}
