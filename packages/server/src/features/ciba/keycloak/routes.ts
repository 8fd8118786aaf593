// The Keycloak channel's routes: the tenant's configuration and the endpoint Keycloak calls.
import { Type } from 'typebox';
import { requirePrincipal } from '../../../http/authenticate.ts';
import { errorResponses, NullableString, operatorOrApiKey, Timestamp, toIso } from '../../../http/schemas.ts';
import type { AppDependencies, TypedApp } from '../../../http/types.ts';
import { type KeycloakChannel, keycloakChannelPath } from './keycloak-channel.ts';

const KeycloakChannelSchema = Type.Object(
  {
    baseUrl: Type.String({ description: 'Keycloak’s base URL, as this server reaches it.' }),
    realm: Type.String(),
    issuer: Type.String({ description: 'The realm’s issuer in Keycloak’s tokens (their iss and aud).' }),
    allowedClients: Type.Array(Type.String(), {
      description: 'Keycloak client ids that may start verifications; empty: any client of the realm.',
    }),
    requesterName: Type.String({ description: 'Shown on the customer’s phone as who asks.' }),
    channelUrl: Type.String({ description: 'Set this as Keycloak’s http-authentication-channel-uri.' }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { $id: 'KeycloakChannel', title: 'KeycloakChannel' },
);

function channelView(channel: KeycloakChannel) {
  return { ...channel, createdAt: toIso(channel.createdAt), updatedAt: toIso(channel.updatedAt) };
}

const tags = ['keycloak'];

/**
 * Keycloak's CIBA HTTP authentication channel: the tenant's configuration (admins), and the
 * endpoint Keycloak calls. That endpoint is authenticated by the bearer token Keycloak signs with
 * the realm's key, checked in the handler: the token names the realm, and the realm the tenant.
 */
export function registerKeycloakRoutes(app: TypedApp, { services }: AppDependencies): void {
  app.get(
    '/v1/keycloak-channel',
    {
      config: { auth: 'oidc-clients:read' },
      schema: {
        tags,
        summary: 'The tenant’s Keycloak authentication channel.',
        operationId: 'getKeycloakChannel',
        security: operatorOrApiKey,
        response: { 200: KeycloakChannelSchema, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const { tenantId } = requirePrincipal(request);
      return channelView(await services.keycloakChannel.get(tenantId));
    },
  );

  app.put(
    '/v1/keycloak-channel',
    {
      config: { auth: 'oidc-clients:write' },
      schema: {
        tags,
        summary: 'Create or replace the tenant’s Keycloak authentication channel.',
        operationId: 'configureKeycloakChannel',
        security: operatorOrApiKey,
        body: Type.Object(
          {
            baseUrl: Type.String({ format: 'uri', minLength: 1, maxLength: 1800 }),
            realm: Type.String({ minLength: 1, maxLength: 200 }),
            issuer: Type.Optional(NullableString({ format: 'uri', minLength: 1, maxLength: 2048 })),
            allowedClients: Type.Optional(
              Type.Array(Type.String({ minLength: 1, maxLength: 255 }), { maxItems: 50 }),
            ),
            requesterName: Type.String({ minLength: 1, maxLength: 100 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: KeycloakChannelSchema, ...errorResponses(401, 403, 409, 413, 415) },
      },
    },
    async (request) => {
      const principal = requirePrincipal(request);
      return channelView(
        await services.keycloakChannel.configure(principal.tenantId, request.body, principal.actor),
      );
    },
  );

  app.delete(
    '/v1/keycloak-channel',
    {
      config: { auth: 'oidc-clients:write' },
      schema: {
        tags,
        summary: 'Remove the tenant’s Keycloak channel; Keycloak’s requests are refused from now on.',
        operationId: 'removeKeycloakChannel',
        security: operatorOrApiKey,
        response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      await services.keycloakChannel.remove(principal.tenantId, principal.actor);
      reply.status(204);
      return null;
    },
  );

  app.post(
    keycloakChannelPath,
    {
      // Keycloak's bearer token is checked in the handler (see above), not as an API key.
      config: { auth: 'public' },
      schema: {
        tags,
        summary: 'Keycloak’s CIBA authentication channel: starts a push verification. Called by Keycloak.',
        operationId: 'keycloakAuthenticationChannel',
        security: [{ keycloakBearer: [] }],
        body: Type.Object(
          {
            login_hint: Type.String({
              minLength: 1,
              maxLength: 320,
              description: 'The user as Keycloak names it: a customer’s external id, e-mail or phone.',
            }),
            scope: Type.Optional(NullableString({ maxLength: 1000 })),
            is_consent_required: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
            binding_message: Type.Optional(NullableString({ maxLength: 1000 })),
            acr_values: Type.Optional(NullableString({ maxLength: 1000 })),
          },
          {
            // Keycloak flattens the CIBA request's other parameters into this body (its
            // AuthenticationChannelRequest has a @JsonAnyGetter): accepted, ignored, logged by name.
            additionalProperties: true,
            description:
              'Other properties (the CIBA request’s further parameters, as Keycloak passes them on) are accepted and ignored.',
          },
        ),
        response: {
          201: Type.Object({ id: Type.String(), verificationId: Type.String() }),
          ...errorResponses(401, 403, 404, 409, 413, 415, 429),
        },
      },
    },
    async (request, reply) => {
      const { login_hint, scope, is_consent_required, binding_message, acr_values, ...others } = request.body;
      const result = await services.keycloakChannel.receive(request.headers.authorization, {
        login_hint,
        scope,
        is_consent_required,
        binding_message,
        acr_values,
      });
      // Logged once Keycloak's token verified, by name only (the values are the relying party's
      // parameters and may hold personal data), at most 20 names of at most 64 characters.
      const ignored = Object.keys(others);
      if (ignored.length > 0)
        request.log.debug(
          { ignoredProperties: ignored.slice(0, 20).map((name) => name.slice(0, 64)) },
          'Keycloak request: properties ignored',
        );
      reply.status(201);
      return result;
    },
  );
}
