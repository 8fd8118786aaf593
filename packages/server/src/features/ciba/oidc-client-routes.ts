// The OpenID client routes: admins register, change and revoke the clients that use CIBA.
import { type Static, Type } from 'typebox';
import { requirePrincipal } from '../../http/authenticate.ts';
import {
  errorResponses,
  idParam,
  NullableString,
  operatorOrApiKey,
  Timestamp,
  toIso,
} from '../../http/schemas.ts';
import type { AppDependencies, TypedApp } from '../../http/types.ts';
import {
  assertionAlgorithms,
  clientAuthMethods,
  clientStatuses,
  deliveryModes,
  idTokenAlgorithms,
  type OidcClient,
} from './oidc-clients.ts';

/** A JSON Web Key Set of public signing keys; each key is checked when registered. */
const Jwks = Type.Object(
  {
    keys: Type.Array(
      Type.Object(
        {
          kty: Type.String({ enum: ['RSA', 'EC', 'OKP'] }),
          kid: Type.Optional(Type.String({ maxLength: 200 })),
          alg: Type.Optional(Type.String({ maxLength: 20 })),
          use: Type.Optional(Type.String({ maxLength: 10 })),
        },
        // A JWK's members depend on its type (n and e, or crv, x and y); the key check reads them.
        { additionalProperties: Type.Unknown() },
      ),
      { minItems: 1, maxItems: 10 },
    ),
  },
  { additionalProperties: false, description: 'Public keys that sign client assertions (private_key_jwt).' },
);

const NotificationEndpoint = Type.String({
  format: 'uri',
  maxLength: 2048,
  description: 'Ping mode: where the server POSTs {"auth_req_id"} when the result is ready (https).',
});

const IdTokenAlg = Type.String({
  enum: [...idTokenAlgorithms],
  description:
    "How its ID tokens are signed: ES256 (default) or RS256, each verifiable with the keys at the discovery document's jwks_uri.",
});

const RequestSigningAlg = Type.String({
  enum: [...assertionAlgorithms],
  description:
    'private_key_jwt clients: every CIBA authentication request must be signed with this algorithm (CIBA Core 7.1.1, FAPI-CIBA); not set: requests signed or plain.',
});

const OidcClientSchema = Type.Object(
  {
    id: Type.String({ description: 'The client_id.' }),
    name: Type.String({ description: 'Shown on the customer’s phone as who asks.' }),
    tokenEndpointAuthMethod: Type.String({ enum: [...clientAuthMethods] }),
    jwks: Type.Union([Jwks, Type.Null()]),
    deliveryMode: Type.String({ enum: [...deliveryModes] }),
    notificationEndpoint: Type.Union([Type.String(), Type.Null()]),
    idTokenSignedResponseAlg: IdTokenAlg,
    backchannelAuthenticationRequestSigningAlg: Type.Union([RequestSigningAlg, Type.Null()]),
    status: Type.String({ enum: [...clientStatuses] }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { $id: 'OidcClient', title: 'OidcClient' },
);

function clientView(client: OidcClient) {
  return {
    ...client,
    // Stored keys passed the key check at registration, so each has its kty.
    jwks: client.jwks as Static<typeof Jwks> | null,
    createdAt: toIso(client.createdAt),
    updatedAt: toIso(client.updatedAt),
  };
}

const tags = ['oidc-clients'];
const ClientId = idParam('oidcClient', 'OpenID client id (client_id).');

export function registerOidcClientRoutes(app: TypedApp, { services }: AppDependencies): void {
  app.get(
    '/v1/oidc-clients',
    {
      config: { auth: 'oidc-clients:read' },
      schema: {
        tags,
        summary: 'List the OpenID clients (CIBA) of the tenant, revoked ones included.',
        operationId: 'listOidcClients',
        security: operatorOrApiKey,
        response: { 200: Type.Object({ items: Type.Array(OidcClientSchema) }), ...errorResponses(401, 403) },
      },
    },
    async (request) => {
      const { tenantId } = requirePrincipal(request);
      return { items: (await services.oidcClients.list(tenantId)).map(clientView) };
    },
  );

  app.post(
    '/v1/oidc-clients',
    {
      config: { auth: 'oidc-clients:write' },
      schema: {
        tags,
        summary: 'Register an OpenID client for CIBA. A client_secret_basic client gets its secret once.',
        operationId: 'createOidcClient',
        security: operatorOrApiKey,
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 100 }),
            tokenEndpointAuthMethod: Type.String({ enum: [...clientAuthMethods] }),
            jwks: Type.Optional(Jwks),
            deliveryMode: Type.String({ enum: [...deliveryModes] }),
            notificationEndpoint: Type.Optional(NotificationEndpoint),
            idTokenSignedResponseAlg: Type.Optional(IdTokenAlg),
            backchannelAuthenticationRequestSigningAlg: Type.Optional(RequestSigningAlg),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({
            client: OidcClientSchema,
            clientSecret: Type.Union([Type.String(), Type.Null()], {
              description: 'client_secret_basic: the secret, shown only now. Null for private_key_jwt.',
            }),
          }),
          ...errorResponses(401, 403, 413, 415),
        },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      const body = request.body;
      const { client, clientSecret } = await services.oidcClients.create(
        principal.tenantId,
        {
          name: body.name,
          tokenEndpointAuthMethod: body.tokenEndpointAuthMethod as OidcClient['tokenEndpointAuthMethod'],
          jwks: body.jwks as OidcClient['jwks'],
          deliveryMode: body.deliveryMode as OidcClient['deliveryMode'],
          notificationEndpoint: body.notificationEndpoint,
          idTokenSignedResponseAlg: body.idTokenSignedResponseAlg as OidcClient['idTokenSignedResponseAlg'],
          backchannelAuthenticationRequestSigningAlg: body.backchannelAuthenticationRequestSigningAlg,
        },
        principal.actor,
      );
      reply.status(201);
      return { client: clientView(client), clientSecret };
    },
  );

  app.get(
    '/v1/oidc-clients/:id',
    {
      config: { auth: 'oidc-clients:read' },
      schema: {
        tags,
        summary: 'One OpenID client.',
        operationId: 'getOidcClient',
        security: operatorOrApiKey,
        params: ClientId,
        response: { 200: OidcClientSchema, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const { tenantId } = requirePrincipal(request);
      return clientView(await services.oidcClients.get(tenantId, request.params.id));
    },
  );

  app.patch(
    '/v1/oidc-clients/:id',
    {
      config: { auth: 'oidc-clients:write' },
      schema: {
        tags,
        summary:
          'Change a client: name, status (active or suspended), delivery mode, endpoint, keys, ID token algorithm, request signing algorithm.',
        operationId: 'updateOidcClient',
        security: operatorOrApiKey,
        params: ClientId,
        body: Type.Object(
          {
            name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
            status: Type.Optional(Type.String({ enum: ['active', 'suspended'] })),
            jwks: Type.Optional(Jwks),
            deliveryMode: Type.Optional(Type.String({ enum: [...deliveryModes] })),
            notificationEndpoint: Type.Optional(NullableString({ format: 'uri', maxLength: 2048 })),
            idTokenSignedResponseAlg: Type.Optional(IdTokenAlg),
            backchannelAuthenticationRequestSigningAlg: Type.Optional(
              Type.Union([RequestSigningAlg, Type.Null()], {
                description: 'null: the client may send requests signed or plain again.',
              }),
            ),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: OidcClientSchema, ...errorResponses(401, 403, 404, 409, 413, 415) },
      },
    },
    async (request) => {
      const principal = requirePrincipal(request);
      const body = request.body;
      return clientView(
        await services.oidcClients.update(
          principal.tenantId,
          request.params.id,
          {
            name: body.name,
            status: body.status as 'active' | 'suspended' | undefined,
            jwks: body.jwks as OidcClient['jwks'] | undefined,
            deliveryMode: body.deliveryMode as OidcClient['deliveryMode'] | undefined,
            notificationEndpoint: body.notificationEndpoint,
            idTokenSignedResponseAlg: body.idTokenSignedResponseAlg as
              | OidcClient['idTokenSignedResponseAlg']
              | undefined,
            backchannelAuthenticationRequestSigningAlg: body.backchannelAuthenticationRequestSigningAlg,
          },
          principal.actor,
        ),
      );
    },
  );

  app.post(
    '/v1/oidc-clients/:id/secret',
    {
      config: { auth: 'oidc-clients:write' },
      schema: {
        tags,
        summary: 'Issue a new client secret. The old one stops working at once; the new one is shown once.',
        operationId: 'rotateOidcClientSecret',
        security: operatorOrApiKey,
        params: ClientId,
        response: {
          200: Type.Object({ clientSecret: Type.String() }),
          ...errorResponses(401, 403, 404, 409),
        },
      },
    },
    async (request) => {
      const principal = requirePrincipal(request);
      return {
        clientSecret: await services.oidcClients.rotateSecret(
          principal.tenantId,
          request.params.id,
          principal.actor,
        ),
      };
    },
  );

  app.delete(
    '/v1/oidc-clients/:id',
    {
      config: { auth: 'oidc-clients:write' },
      schema: {
        tags,
        summary: 'Revoke a client for good. Its pending requests can no longer be redeemed.',
        operationId: 'revokeOidcClient',
        security: operatorOrApiKey,
        params: ClientId,
        response: { 200: OidcClientSchema, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const principal = requirePrincipal(request);
      return clientView(
        await services.oidcClients.revoke(principal.tenantId, request.params.id, principal.actor),
      );
    },
  );
}
