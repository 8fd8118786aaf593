// The API key routes: create, list and revoke the keys integrations use.
import { AppError, apiKeyScopes, type Permission } from '@helpdesk-auth/core';
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
import type { ApiKey } from './api-keys.ts';

const ApiKeySchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    scopes: Type.Array(Type.String({ enum: [...apiKeyScopes] })),
    createdBy: Type.Union([Type.String(), Type.Null()]),
    createdAt: Timestamp,
    lastUsedAt: Type.Union([Timestamp, Type.Null()]),
    revokedAt: Type.Union([Timestamp, Type.Null()]),
  },
  { $id: 'ApiKey', title: 'ApiKey' },
);

function apiKeyView(key: ApiKey) {
  return {
    ...key,
    createdAt: toIso(key.createdAt),
    lastUsedAt: toIsoOrNull(key.lastUsedAt),
    revokedAt: toIsoOrNull(key.revokedAt),
  };
}

export function registerApiKeyRoutes(app: TypedApp, { services }: AppDependencies): void {
  app.get(
    '/v1/api-keys',
    {
      config: { auth: 'api-keys:read' },
      schema: {
        tags: ['api-keys'],
        summary: 'List API keys (never their secrets).',
        operationId: 'listApiKeys',
        security: operatorOrApiKey,
        querystring: Type.Object({}, { additionalProperties: false }),
        response: { 200: Type.Object({ items: Type.Array(ApiKeySchema) }), ...errorResponses(401, 403) },
      },
    },
    async (request) => {
      const { tenantId } = requirePrincipal(request);
      return { items: (await services.apiKeys.list(tenantId)).map(apiKeyView) };
    },
  );

  app.post(
    '/v1/api-keys',
    {
      config: { auth: 'api-keys:write' },
      schema: {
        tags: ['api-keys'],
        summary: 'Create an API key. The key is in the response once and cannot be shown again.',
        operationId: 'createApiKey',
        security: operatorOrApiKey,
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 200 }),
            scopes: Type.Array(Type.String({ enum: [...apiKeyScopes] }), {
              minItems: 1,
              maxItems: apiKeyScopes.length,
            }),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({
            apiKey: ApiKeySchema,
            key: Type.String({ description: 'Send as `Authorization: Bearer <key>`. Shown only now.' }),
          }),
          ...errorResponses(401, 403, 413, 415),
        },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      // Nobody can hand out more than they hold: a key with api-keys:write alone cannot mint an
      // all-powerful key.
      // No role holds `scim`; granting it takes what provisioning does: reading and writing customers.
      const holds = (scope: string) =>
        scope === 'scim'
          ? principal.permissions.has('customers:read') && principal.permissions.has('customers:write')
          : principal.permissions.has(scope as Permission);
      const beyond = request.body.scopes.filter((scope) => !holds(scope));
      if (beyond.length > 0) {
        throw new AppError('FORBIDDEN', `You cannot grant scopes you do not hold: ${beyond.join(', ')}.`);
      }
      const { apiKey, secret } = await services.apiKeys.create(
        principal.tenantId,
        request.body,
        principal.actor,
      );
      reply.status(201);
      return { apiKey: apiKeyView(apiKey), key: secret };
    },
  );

  app.get(
    '/v1/api-keys/:id',
    {
      config: { auth: 'api-keys:read' },
      schema: {
        tags: ['api-keys'],
        summary: 'One API key, with its last-used time.',
        operationId: 'getApiKey',
        security: operatorOrApiKey,
        params: idParam('apiKey', 'API key id.'),
        response: { 200: ApiKeySchema, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const { tenantId } = requirePrincipal(request);
      return apiKeyView(await services.apiKeys.get(tenantId, request.params.id));
    },
  );

  app.delete(
    '/v1/api-keys/:id',
    {
      config: { auth: 'api-keys:write' },
      schema: {
        tags: ['api-keys'],
        summary: 'Revoke an API key. It stops working immediately.',
        operationId: 'revokeApiKey',
        security: operatorOrApiKey,
        params: idParam('apiKey', 'API key id.'),
        response: { 200: ApiKeySchema, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const principal = requirePrincipal(request);
      return apiKeyView(
        await services.apiKeys.revoke(principal.tenantId, request.params.id, principal.actor),
      );
    },
  );
}
