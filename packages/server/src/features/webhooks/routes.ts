// The webhook routes: endpoints, secret rotation, test events, deliveries.
import { idPattern } from '@helpdesk-auth/core';
import { Type } from 'typebox';
import { requirePrincipal } from '../../http/authenticate.ts';
import {
  Cursor,
  errorResponses,
  idParam,
  Limit,
  NullableString,
  operatorOrApiKey,
  Timestamp,
  toIso,
  toIsoOrNull,
} from '../../http/schemas.ts';
import type { AppDependencies, TypedApp } from '../../http/types.ts';
import { webhookEventTypes } from './webhook-events.ts';
import type { WebhookDelivery, WebhookEndpoint } from './webhooks.ts';

const EventType = Type.String({ enum: [...webhookEventTypes] });

const WebhookEndpointSchema = Type.Object(
  {
    id: Type.String(),
    url: Type.String(),
    description: Type.Union([Type.String(), Type.Null()]),
    events: Type.Array(EventType),
    enabled: Type.Boolean(),
    previousSecretExpiresAt: Type.Union([Timestamp, Type.Null()], {
      description: 'Until when the secret before the last rotation still signs deliveries.',
    }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { $id: 'WebhookEndpoint', title: 'WebhookEndpoint' },
);

const WebhookEventSchema = Type.Object(
  {
    id: Type.String({ description: 'Event id, the same on every attempt: de-duplicate on it.' }),
    type: Type.String({ enum: [...webhookEventTypes] }),
    createdAt: Timestamp,
    tenantId: Type.String(),
    data: Type.Record(Type.String(), Type.Unknown(), {
      description: 'Identifiers, statuses and times of the change (docs/integrations/rest-and-webhooks.md).',
    }),
  },
  { $id: 'WebhookEvent', title: 'WebhookEvent' },
);

const WebhookAttemptSchema = Type.Object(
  {
    attempt: Type.Integer({ minimum: 1 }),
    startedAt: Timestamp,
    durationMs: Type.Integer({ minimum: 0 }),
    outcome: Type.String({ enum: ['succeeded', 'failed'] }),
    statusCode: Type.Union([Type.Integer(), Type.Null()], {
      description: 'The receiver’s HTTP status, if it answered.',
    }),
    error: Type.Union([Type.String(), Type.Null()], { description: 'Why the attempt failed, if it did.' }),
  },
  { $id: 'WebhookAttempt', title: 'WebhookAttempt' },
);

const DeliveryStatus = Type.String({ enum: ['pending', 'succeeded', 'failed'] });

const WebhookDeliverySchema = Type.Object(
  {
    id: Type.String(),
    endpointId: Type.String(),
    eventId: Type.String(),
    eventType: Type.String(),
    status: DeliveryStatus,
    attempts: Type.Array(WebhookAttemptSchema),
    nextAttemptAt: Type.Union([Timestamp, Type.Null()]),
    lastStatusCode: Type.Union([Type.Integer(), Type.Null()]),
    createdAt: Timestamp,
    completedAt: Type.Union([Timestamp, Type.Null()]),
    payload: WebhookEventSchema,
  },
  { $id: 'WebhookDelivery', title: 'WebhookDelivery' },
);

const Url = Type.String({
  format: 'uri',
  minLength: 1,
  maxLength: 2048,
  description: 'https URL that receives the POSTs.',
});
const Events = Type.Array(EventType, { minItems: 1, maxItems: webhookEventTypes.length, uniqueItems: true });
const Description = NullableString({ maxLength: 200 });

const CreatedWithSecret = Type.Object({
  endpoint: WebhookEndpointSchema,
  secret: Type.String({ description: 'The signing secret (`whsec_…`). Shown only now.' }),
});

const endpointAndDeliveryParams = Type.Object(
  {
    id: Type.String({ pattern: idPattern('webhookEndpoint'), description: 'Webhook endpoint id.' }),
    deliveryId: Type.String({ pattern: idPattern('webhookDelivery'), description: 'Delivery id.' }),
  },
  { additionalProperties: false },
);

function endpointView(endpoint: WebhookEndpoint) {
  return {
    ...endpoint,
    previousSecretExpiresAt: toIsoOrNull(endpoint.previousSecretExpiresAt),
    createdAt: toIso(endpoint.createdAt),
    updatedAt: toIso(endpoint.updatedAt),
  };
}

function deliveryView(delivery: WebhookDelivery) {
  return {
    ...delivery,
    attempts: delivery.attempts.map((a) => ({ ...a, startedAt: toIso(a.startedAt) })),
    nextAttemptAt: toIsoOrNull(delivery.nextAttemptAt),
    createdAt: toIso(delivery.createdAt),
    completedAt: toIsoOrNull(delivery.completedAt),
  };
}

const tags = ['webhooks'];

export function registerWebhookRoutes(app: TypedApp, { services }: AppDependencies): void {
  const webhooks = services.webhooks;

  app.get(
    '/v1/webhooks',
    {
      config: { auth: 'webhooks:read' },
      schema: {
        tags,
        summary: 'List webhook endpoints (never their secrets).',
        operationId: 'listWebhooks',
        security: operatorOrApiKey,
        response: {
          200: Type.Object({ items: Type.Array(WebhookEndpointSchema) }),
          ...errorResponses(401, 403),
        },
      },
    },
    async (request) => {
      const { tenantId } = requirePrincipal(request);
      return { items: (await webhooks.list(tenantId)).map(endpointView) };
    },
  );

  app.post(
    '/v1/webhooks',
    {
      config: { auth: 'webhooks:write' },
      schema: {
        tags,
        summary: 'Register a webhook endpoint. The signing secret is in the response once.',
        operationId: 'createWebhook',
        security: operatorOrApiKey,
        body: Type.Object(
          {
            url: Url,
            events: Events,
            description: Type.Optional(Description),
            enabled: Type.Optional(Type.Boolean({ default: true })),
          },
          { additionalProperties: false },
        ),
        response: { 201: CreatedWithSecret, ...errorResponses(401, 403, 413, 415) },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      const { endpoint, secret } = await webhooks.create(principal.tenantId, request.body, principal.actor);
      reply.status(201);
      return { endpoint: endpointView(endpoint), secret };
    },
  );

  app.get(
    '/v1/webhooks/:id',
    {
      config: { auth: 'webhooks:read' },
      schema: {
        tags,
        summary: 'One webhook endpoint.',
        operationId: 'getWebhook',
        security: operatorOrApiKey,
        params: idParam('webhookEndpoint', 'Webhook endpoint id.'),
        response: { 200: WebhookEndpointSchema, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const { tenantId } = requirePrincipal(request);
      return endpointView(await webhooks.get(tenantId, request.params.id));
    },
  );

  app.patch(
    '/v1/webhooks/:id',
    {
      config: { auth: 'webhooks:write' },
      schema: {
        tags,
        summary: 'Change an endpoint’s URL, events, description, or enable or disable it.',
        operationId: 'updateWebhook',
        security: operatorOrApiKey,
        params: idParam('webhookEndpoint', 'Webhook endpoint id.'),
        body: Type.Object(
          {
            // Checked by the service after the endpoint is found, so another tenant's id is "not
            // found" whatever the body holds.
            url: Type.Optional(
              Type.String({
                minLength: 1,
                maxLength: 2048,
                description: 'https URL that receives the POSTs.',
              }),
            ),
            events: Type.Optional(Events),
            description: Type.Optional(Description),
            enabled: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: WebhookEndpointSchema, ...errorResponses(401, 403, 404, 413, 415) },
      },
    },
    async (request) => {
      const principal = requirePrincipal(request);
      return endpointView(
        await webhooks.update(principal.tenantId, request.params.id, request.body, principal.actor),
      );
    },
  );

  app.delete(
    '/v1/webhooks/:id',
    {
      config: { auth: 'webhooks:write' },
      schema: {
        tags,
        summary: 'Delete a webhook endpoint with its deliveries.',
        operationId: 'deleteWebhook',
        security: operatorOrApiKey,
        params: idParam('webhookEndpoint', 'Webhook endpoint id.'),
        response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      await webhooks.remove(principal.tenantId, request.params.id, principal.actor);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/v1/webhooks/:id/rotate-secret',
    {
      config: { auth: 'webhooks:write' },
      schema: {
        tags,
        summary: 'Replace the signing secret; the old one keeps signing for the overlap.',
        operationId: 'rotateWebhookSecret',
        security: operatorOrApiKey,
        params: idParam('webhookEndpoint', 'Webhook endpoint id.'),
        querystring: Type.Object(
          {
            overlapSeconds: Type.Optional(
              Type.Integer({
                minimum: 0,
                maximum: 604_800,
                default: 86_400,
                description: 'How long the old secret also signs deliveries (0: stop now). Default one day.',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: CreatedWithSecret, ...errorResponses(401, 403, 404, 409) },
      },
    },
    async (request) => {
      const principal = requirePrincipal(request);
      const { endpoint, secret } = await webhooks.rotateSecret(
        principal.tenantId,
        request.params.id,
        request.query.overlapSeconds ?? 86_400,
        principal.actor,
      );
      return { endpoint: endpointView(endpoint), secret };
    },
  );

  app.post(
    '/v1/webhooks/:id/test',
    {
      config: { auth: 'webhooks:write' },
      schema: {
        tags,
        summary: 'Queue a `webhook.test` event for the endpoint.',
        operationId: 'sendWebhookTest',
        security: operatorOrApiKey,
        params: idParam('webhookEndpoint', 'Webhook endpoint id.'),
        response: { 202: WebhookDeliverySchema, ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      reply.status(202);
      return deliveryView(await webhooks.sendTest(principal.tenantId, request.params.id, principal.actor));
    },
  );

  app.get(
    '/v1/webhooks/:id/deliveries',
    {
      config: { auth: 'webhooks:read' },
      schema: {
        tags,
        summary: 'An endpoint’s deliveries with their attempts, newest first, paginated.',
        operationId: 'listWebhookDeliveries',
        security: operatorOrApiKey,
        params: idParam('webhookEndpoint', 'Webhook endpoint id.'),
        querystring: Type.Object(
          {
            status: Type.Optional(DeliveryStatus),
            limit: Type.Optional(Limit),
            cursor: Type.Optional(Cursor),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            items: Type.Array(WebhookDeliverySchema),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
          ...errorResponses(401, 403, 404),
        },
      },
    },
    async (request) => {
      const { tenantId } = requirePrincipal(request);
      const q = request.query;
      const page = await webhooks.listDeliveries(tenantId, request.params.id, {
        status: q.status as WebhookDelivery['status'] | undefined,
        limit: q.limit ?? 50,
        cursor: q.cursor,
      });
      return { items: page.items.map(deliveryView), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/v1/webhooks/:id/deliveries/:deliveryId',
    {
      config: { auth: 'webhooks:read' },
      schema: {
        tags,
        summary: 'One delivery with its attempts.',
        operationId: 'getWebhookDelivery',
        security: operatorOrApiKey,
        params: endpointAndDeliveryParams,
        response: { 200: WebhookDeliverySchema, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const { tenantId } = requirePrincipal(request);
      return deliveryView(await webhooks.getDelivery(tenantId, request.params.id, request.params.deliveryId));
    },
  );

  app.post(
    '/v1/webhooks/:id/deliveries/:deliveryId/redeliver',
    {
      config: { auth: 'webhooks:write' },
      schema: {
        tags,
        summary: 'Send a delivery again now.',
        operationId: 'redeliverWebhook',
        security: operatorOrApiKey,
        params: endpointAndDeliveryParams,
        response: { 202: WebhookDeliverySchema, ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      reply.status(202);
      return deliveryView(
        await webhooks.redeliver(
          principal.tenantId,
          request.params.id,
          request.params.deliveryId,
          principal.actor,
        ),
      );
    },
  );
}
