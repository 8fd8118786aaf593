// RFC 7591 dynamic client registration of CIBA clients, at /oidc/register, with an API key as the
// initial access token.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { isAppError } from '@helpdesk-auth/core';
import type { FastifyError } from 'fastify';
import { type Static, Type } from 'typebox';
import { requirePrincipal } from '../../http/authenticate.ts';
import type { AppDependencies, TypedApp } from '../../http/types.ts';
import { cibaGrantType, cibaPaths } from './ciba.ts';
import { isOAuthError, OAuthError } from './oauth-error.ts';
import {
  assertionAlgorithms,
  clientAuthMethods,
  type DeliveryMode,
  deliveryModes,
  type IdTokenAlgorithm,
  idTokenAlgorithms,
  type OidcClient,
} from './oidc-clients.ts';

/**
 * Client metadata as RFC 7591 section 2 and CIBA Core section 4 name it. The request is JSON;
 * metadata this provider does not use are ignored (RFC 7591 section 2), values it cannot honour
 * are refused with `invalid_client_metadata`.
 */
const RegistrationBody = Type.Object(
  {
    client_name: Type.Optional(Type.String({ maxLength: 100 })),
    token_endpoint_auth_method: Type.Optional(Type.String({ maxLength: 50 })),
    token_endpoint_auth_signing_alg: Type.Optional(Type.String({ maxLength: 20 })),
    jwks: Type.Optional(
      Type.Object({
        keys: Type.Array(Type.Record(Type.String(), Type.Unknown()), { minItems: 1, maxItems: 10 }),
      }),
    ),
    jwks_uri: Type.Optional(Type.String({ maxLength: 2048 })),
    grant_types: Type.Optional(Type.Array(Type.String({ maxLength: 200 }), { maxItems: 10 })),
    backchannel_token_delivery_mode: Type.Optional(Type.String({ maxLength: 10 })),
    backchannel_client_notification_endpoint: Type.Optional(Type.String({ maxLength: 2048 })),
    backchannel_authentication_request_signing_alg: Type.Optional(Type.String({ maxLength: 20 })),
    backchannel_user_code_parameter: Type.Optional(Type.Boolean()),
    id_token_signed_response_alg: Type.Optional(Type.String({ maxLength: 20 })),
  },
  { additionalProperties: true },
);

const RegistrationResponse = Type.Object({
  client_id: Type.String(),
  client_id_issued_at: Type.Integer(),
  client_secret: Type.Optional(Type.String()),
  client_secret_expires_at: Type.Optional(Type.Integer()),
  client_name: Type.String(),
  token_endpoint_auth_method: Type.String(),
  grant_types: Type.Array(Type.String()),
  backchannel_token_delivery_mode: Type.String(),
  backchannel_client_notification_endpoint: Type.Optional(Type.String()),
  backchannel_authentication_request_signing_alg: Type.Optional(Type.String()),
  jwks: Type.Optional(Type.Object({ keys: Type.Array(Type.Record(Type.String(), Type.Unknown())) })),
  id_token_signed_response_alg: Type.String(),
});

const ErrorBody = Type.Object({ error: Type.String(), error_description: Type.String() });

const metadataError = (message: string) => new OAuthError('invalid_client_metadata', message);

type Metadata = Static<typeof RegistrationBody>;

/** The registration's metadata as the client service's settings; refuses what cannot be honoured. */
function settingsOf(body: Metadata) {
  if (!body.client_name?.trim()) throw metadataError('client_name is required: the phone shows it.');
  const method = body.token_endpoint_auth_method ?? 'client_secret_basic';
  if (!(clientAuthMethods as readonly string[]).includes(method))
    throw metadataError(`token_endpoint_auth_method must be one of ${clientAuthMethods.join(', ')}.`);
  if (body.jwks_uri !== undefined) throw metadataError('jwks_uri is not supported; send jwks.');
  for (const [name, alg] of [
    ['token_endpoint_auth_signing_alg', body.token_endpoint_auth_signing_alg],
    ['backchannel_authentication_request_signing_alg', body.backchannel_authentication_request_signing_alg],
  ] as const) {
    if (alg !== undefined && !assertionAlgorithms.includes(alg))
      throw metadataError(`${name} must be one of ${assertionAlgorithms.join(', ')}.`);
  }
  if (body.backchannel_authentication_request_signing_alg !== undefined && method !== 'private_key_jwt')
    throw metadataError('Signed requests need private_key_jwt and jwks.');
  if (body.grant_types?.some((grant) => grant !== cibaGrantType))
    throw metadataError(`grant_types may hold only ${cibaGrantType}.`);
  const mode = body.backchannel_token_delivery_mode;
  if (mode === undefined || !(deliveryModes as readonly string[]).includes(mode))
    throw metadataError(`backchannel_token_delivery_mode is required: ${deliveryModes.join(' or ')}.`);
  if (body.backchannel_user_code_parameter === true)
    throw metadataError('backchannel_user_code_parameter is not supported.');
  const idTokenAlg = body.id_token_signed_response_alg ?? 'ES256';
  if (!(idTokenAlgorithms as readonly string[]).includes(idTokenAlg))
    throw metadataError(`id_token_signed_response_alg must be one of ${idTokenAlgorithms.join(', ')}.`);
  return {
    name: body.client_name.trim(),
    tokenEndpointAuthMethod: method as OidcClient['tokenEndpointAuthMethod'],
    jwks: body.jwks as OidcClient['jwks'],
    deliveryMode: mode as DeliveryMode,
    notificationEndpoint: body.backchannel_client_notification_endpoint,
    idTokenSignedResponseAlg: idTokenAlg as IdTokenAlgorithm,
    backchannelAuthenticationRequestSigningAlg: body.backchannel_authentication_request_signing_alg,
  };
}

/**
 * The client service's settings by their RFC 7591 metadata names, so a refusal names what the
 * registering client sent.
 */
const metadataNames: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bnotificationEndpoint\b/g, 'backchannel_client_notification_endpoint'],
  [/\bidTokenSignedResponseAlg\b/g, 'id_token_signed_response_alg'],
  [/\bdeliveryMode\b/g, 'backchannel_token_delivery_mode'],
  [/\bbackchannelAuthenticationRequestSigningAlg\b/g, 'backchannel_authentication_request_signing_alg'],
];

function inMetadataNames(message: string): string {
  return metadataNames.reduce((text, [name, standard]) => text.replace(name, standard), message);
}

/** Errors as RFC 7591 section 3.2.2 and RFC 6750 section 3.1 have them. */
function registrationError(error: FastifyError | Error): OAuthError {
  if (isOAuthError(error)) return error;
  if (isAppError(error)) {
    if (error.status === 401)
      return new OAuthError('invalid_token', 'Send an API key with oidc-clients:write as the bearer token.');
    if (error.status === 403)
      return new OAuthError('insufficient_scope', 'The API key needs oidc-clients:write.');
    if (error.code === 'VALIDATION_FAILED') return metadataError(inMetadataNames(error.message));
    if (error.status < 500) return new OAuthError('invalid_request', error.message);
  }
  if ((error as FastifyError).validation) return metadataError(`Invalid metadata: ${error.message}.`);
  const status = (error as FastifyError).statusCode;
  if (status !== undefined && status >= 400 && status < 500)
    return new OAuthError('invalid_request', 'The request could not be understood.');
  return new OAuthError('server_error', 'Something went wrong on our side.');
}

/**
 * `POST /oidc/register` (RFC 7591): registers a CIBA client for the tenant of the API key sent as
 * the initial access token (`Authorization: Bearer <key with oidc-clients:write>`), exactly as
 * `POST /v1/oidc-clients` does, with the standard metadata names.
 */
export function registerDynamicRegistrationRoute(app: TypedApp, { services }: AppDependencies): void {
  void app.register(async (plugin) => {
    plugin.setErrorHandler((error: FastifyError, request, reply) => {
      const oauth = registrationError(error);
      if (oauth.error === 'server_error') request.log.error({ err: error }, 'registration failed');
      if (oauth.status === 401) reply.header('www-authenticate', `Bearer error="${oauth.error}"`);
      reply.header('cache-control', 'no-store');
      void reply.status(oauth.status).send({ error: oauth.error, error_description: oauth.message });
    });
    plugin.withTypeProvider<TypeBoxTypeProvider>().post(
      cibaPaths.registration,
      {
        config: { auth: 'oidc-clients:write' },
        schema: {
          hide: true,
          body: RegistrationBody,
          response: {
            201: RegistrationResponse,
            400: ErrorBody,
            401: ErrorBody,
            403: ErrorBody,
            500: ErrorBody,
          },
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request);
        const body = request.body;
        const { client, clientSecret } = await services.oidcClients.create(
          principal.tenantId,
          settingsOf(body),
          principal.actor,
        );
        reply.header('cache-control', 'no-store');
        return reply.status(201).send({
          client_id: client.id,
          client_id_issued_at: Math.floor(client.createdAt / 1000),
          ...(clientSecret ? { client_secret: clientSecret, client_secret_expires_at: 0 } : {}),
          client_name: client.name,
          token_endpoint_auth_method: client.tokenEndpointAuthMethod,
          grant_types: [cibaGrantType],
          backchannel_token_delivery_mode: client.deliveryMode,
          ...(client.notificationEndpoint
            ? { backchannel_client_notification_endpoint: client.notificationEndpoint }
            : {}),
          ...(client.backchannelAuthenticationRequestSigningAlg
            ? {
                backchannel_authentication_request_signing_alg:
                  client.backchannelAuthenticationRequestSigningAlg,
              }
            : {}),
          ...(client.jwks ? { jwks: client.jwks as { keys: Record<string, unknown>[] } } : {}),
          id_token_signed_response_alg: client.idTokenSignedResponseAlg,
        });
      },
    );
  });
}
