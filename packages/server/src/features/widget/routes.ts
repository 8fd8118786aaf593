// The widget routes: tokens for a helpdesk tool's backend, and the panel's own calls.
import {
  AppError,
  finalStatuses,
  idPattern,
  maxActionSummaryLength,
  verificationPurposes,
} from '@helpdesk-auth/core';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { requirePrincipal } from '../../http/authenticate.ts';
import { type EventStreams, eventStream } from '../../http/event-stream.ts';
import { errorResponses, Timestamp, toIso, toIsoOrNull } from '../../http/schemas.ts';
import type { AppDependencies, TypedApp } from '../../http/types.ts';
import { topics } from '../../platform/live-events.ts';
import { durable } from '../../storage/database.ts';
import type { Verification, VerificationEvent } from '../push/index.ts';
import { registerWidgetCallRoutes } from './call-routes.ts';
import { type WidgetClaims, widgetTokenLifetime } from './widget-tokens.ts';

/**
 * The embeddable verify panel (packages/widget, page /console/widget):
 *
 * - `POST /v1/widget-tokens`: a helpdesk tool's backend, with its API key, gets a short-lived
 *   token for one customer and one agent, and hands it to the panel in the agent's browser;
 * - `/v1/widget/...`: what the panel calls with that token (bearer). These routes belong to the
 *   panel, not to integrations, so they are left out of the API document; docs/api.md lists them.
 */

// What a widget token allows, and so what the issuing key must hold itself.
const neededScopes = ['customers:read', 'devices:read', 'verifications:read', 'verifications:write'] as const;

const WidgetVerification = Type.Object({
  id: Type.String(),
  customerId: Type.String(),
  method: Type.String(),
  purpose: Type.String({ enum: [...verificationPurposes] }),
  reason: Type.String(),
  actionSummary: Type.Union([Type.String(), Type.Null()]),
  status: Type.String(),
  code: Type.Union([Type.String(), Type.Null()]),
  codeLength: Type.Integer(),
  failedAttempts: Type.Integer(),
  maxAttempts: Type.Integer(),
  startedBy: Type.Object({ name: Type.String() }),
  createdAt: Timestamp,
  expiresAt: Timestamp,
  finishedAt: Type.Union([Timestamp, Type.Null()]),
  assurance: Type.Union([Type.String(), Type.Null()]),
  delivery: Type.String(),
  timeline: Type.Optional(
    Type.Array(
      Type.Object({
        type: Type.String(),
        deviceId: Type.Union([Type.String(), Type.Null()]),
        channel: Type.Union([Type.String(), Type.Null()]),
        detail: Type.Union([Type.String(), Type.Null()]),
        at: Timestamp,
      }),
    ),
  ),
});

/**
 * What the panel sees, named field by field: no call reference, no device id and only the name of
 * whoever started it, since a widget token is held by a browser page.
 */
function view(v: Verification & { timeline?: VerificationEvent[] }) {
  const { timeline } = v;
  return {
    id: v.id,
    customerId: v.customerId,
    method: v.method,
    purpose: v.purpose,
    reason: v.reason,
    actionSummary: v.actionSummary,
    status: v.status,
    code: v.code,
    codeLength: v.codeLength,
    failedAttempts: v.failedAttempts,
    maxAttempts: v.maxAttempts,
    startedBy: { name: v.startedBy.name },
    assurance: v.assurance,
    delivery: v.delivery,
    createdAt: toIso(v.createdAt),
    expiresAt: toIso(v.expiresAt),
    finishedAt: toIsoOrNull(v.finishedAt),
    ...(timeline ? { timeline: timeline.map((e) => ({ ...e, at: toIso(e.at) })) } : {}),
  };
}

const finalSet = new Set<string>(finalStatuses);
const bearer = /^Bearer (\S+)$/i;

export function registerWidgetRoutes(app: TypedApp, deps: AppDependencies, streams: EventStreams): void {
  const { services, database } = deps;
  const tokens = services.widgetTokens;

  app.post(
    '/v1/widget-tokens',
    {
      config: { auth: 'verifications:write' },
      schema: {
        tags: ['widget'],
        summary: 'Issue a short-lived token for the embeddable verify panel, for one customer and one agent.',
        description:
          'For the backend of a helpdesk tool, with an API key that holds customers:read, devices:read, verifications:read and verifications:write. Give the token to the panel (the `<helpdesk-verify>` element or the page `/console/widget#token=...`); never give it the API key.',
        operationId: 'createWidgetToken',
        // API keys only: operators use the console itself.
        security: [{ apiKey: [] }],
        body: Type.Object(
          {
            customerId: Type.Optional(Type.String({ pattern: idPattern('customer') })),
            externalId: Type.Optional(
              Type.String({ minLength: 1, maxLength: 200, description: "The customer's id in your system." }),
            ),
            agentName: Type.String({
              minLength: 1,
              maxLength: 200,
              description: 'The agent the customer is told they are speaking to.',
            }),
            ttlSeconds: Type.Optional(
              Type.Integer({
                minimum: widgetTokenLifetime.minSeconds,
                maximum: widgetTokenLifetime.maxSeconds,
                default: widgetTokenLifetime.defaultSeconds,
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({
            token: Type.String({ description: 'Bearer token for the panel. Shown only now.' }),
            expiresAt: Timestamp,
            customerId: Type.String(),
          }),
          ...errorResponses(401, 403, 404, 413, 415),
        },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      if (principal.actor.type !== 'api_key') {
        throw new AppError('FORBIDDEN', 'Widget tokens are issued to API keys (a helpdesk tool’s backend).');
      }
      const missing = neededScopes.filter((scope) => !principal.permissions.has(scope));
      if (missing.length > 0) throw new AppError('FORBIDDEN', `This needs the ${missing.join(', ')} scopes.`);
      const body = request.body;
      if ((body.customerId === undefined) === (body.externalId === undefined)) {
        throw new AppError('VALIDATION_FAILED', 'Give exactly one of customerId and externalId.');
      }
      const customer = body.customerId
        ? await services.customers.get(principal.tenantId, body.customerId)
        : await services.customers.findByExternalId(principal.tenantId, body.externalId!);
      if (!customer) throw new AppError('NOT_FOUND', 'No customer with that externalId.');
      const agentName = body.agentName.trim();
      if (!agentName) throw new AppError('VALIDATION_FAILED', 'The agent name must not be blank.');
      const issued = await tokens.issue(
        {
          tenantId: principal.tenantId,
          customerId: customer.id,
          apiKeyId: principal.actor.id,
          agentName,
          ttlSeconds: body.ttlSeconds ?? widgetTokenLifetime.defaultSeconds,
        },
        principal.actor,
      );
      reply.status(201);
      return { token: issued.token, expiresAt: toIso(issued.expiresAt), customerId: customer.id };
    },
  );

  /** The panel's token, checked on every request, and its API key, which must still be active. */
  async function widgetCaller(request: FastifyRequest): Promise<WidgetClaims> {
    const match = bearer.exec(request.headers.authorization ?? '');
    if (!match) throw new AppError('UNAUTHENTICATED', 'Send the widget token as a bearer token.');
    const claims = await tokens.verify(match[1]!);
    if (claims.apiKeyId === null) {
      // A practice token: its operator must still be active, and it reaches only a practice customer.
      const operator = await services.operators
        .get(claims.tenantId, claims.operatorId!)
        .catch(() => undefined);
      const customer = await services.customers
        .get(claims.tenantId, claims.customerId)
        .catch(() => undefined);
      if (operator?.status !== 'active' || !customer?.practice) {
        throw new AppError('UNAUTHENTICATED', 'This practice widget token no longer works.');
      }
      return claims;
    }
    const key = await services.apiKeys.get(claims.tenantId, claims.apiKeyId).catch(() => undefined);
    if (!key || key.revokedAt !== null) {
      throw new AppError('UNAUTHENTICATED', 'The API key behind this widget token was revoked.');
    }
    return claims;
  }

  /** A verification of the token's customer, or NOT_FOUND: a token reaches nothing else. */
  async function ownVerification(claims: WidgetClaims, id: string) {
    const verification = await services.verifications.get(claims.tenantId, id);
    if (verification.customerId !== claims.customerId)
      throw new AppError('NOT_FOUND', 'No such verification.');
    return verification;
  }

  const actorOf = (claims: WidgetClaims) =>
    claims.apiKeyId !== null
      ? { type: 'api_key' as const, id: claims.apiKeyId }
      : { type: 'operator' as const, id: claims.operatorId! };
  const hidden = { hide: true, tags: ['widget'] };
  const noQuery = Type.Object({}, { additionalProperties: false });
  const verificationParams = Type.Object(
    { id: Type.String({ pattern: idPattern('verification') }) },
    { additionalProperties: false },
  );

  app.get(
    '/v1/widget/session',
    {
      config: { auth: 'public' },
      schema: {
        ...hidden,
        summary: 'What the panel shows: the tenant, the customer, their devices and the agent.',
        querystring: noQuery,
        response: {
          200: Type.Object({
            tenant: Type.Object({ name: Type.String() }),
            agentName: Type.String(),
            expiresAt: Timestamp,
            customer: Type.Object({
              id: Type.String(),
              displayName: Type.String(),
              externalId: Type.Union([Type.String(), Type.Null()]),
              practice: Type.Boolean({
                description: 'A made-up customer of the practice space: the panel marks itself as practice.',
              }),
              fraudReportedAt: Type.Union([Timestamp, Type.Null()], {
                description: 'An open fraud report; null once resolved.',
              }),
              phoneChangedAt: Type.Union([Timestamp, Type.Null()]),
              pushLock: Type.Union(
                [Type.String({ enum: ['PUSH_LOCKED_FRAUD', 'PUSH_LOCKED_DENIALS'] }), Type.Null()],
                {
                  description:
                    'Why push is locked for the customer; null when it is not. The panel offers no push then.',
                },
              ),
            }),
            devices: Type.Array(
              Type.Object({
                label: Type.String(),
                platform: Type.String(),
                push: Type.Union([Type.String(), Type.Null()]),
                lastSeenAt: Timestamp,
              }),
            ),
          }),
          ...errorResponses(401, 404),
        },
      },
    },
    async (request) => {
      const claims = await widgetCaller(request);
      const [tenant, customer, devices, locks] = await Promise.all([
        services.tenants.get(claims.tenantId),
        services.customers.get(claims.tenantId, claims.customerId),
        services.devices.list(claims.tenantId, claims.customerId),
        services.fallbacks.methods.locks(claims.tenantId, claims.customerId),
      ]);
      return {
        tenant: { name: tenant.name },
        agentName: claims.agentName,
        expiresAt: toIso(claims.expiresAt),
        customer: {
          id: customer.id,
          displayName: customer.displayName,
          externalId: customer.externalId,
          practice: customer.practice,
          // An open report only: a resolved one no longer changes what the agent should do.
          fraudReportedAt: customer.fraudResolvedAt === null ? toIsoOrNull(customer.fraudReportedAt) : null,
          phoneChangedAt: toIsoOrNull(customer.phoneChangedAt),
          pushLock: locks.push.locked ? locks.push.reason : null,
        },
        devices: devices
          .filter((d) => d.status === 'active')
          .map((d) => ({
            label: d.label,
            platform: d.platform,
            push: d.push,
            lastSeenAt: toIso(d.lastSeenAt),
          })),
      };
    },
  );

  app.post(
    '/v1/widget/verifications',
    {
      config: { auth: 'public' },
      schema: {
        ...hidden,
        summary: "Start a push verification of the token's customer.",
        querystring: noQuery,
        body: Type.Object(
          {
            // The customer comes from the token; a body naming one is accepted only when it matches.
            customerId: Type.Optional(Type.String({ pattern: idPattern('customer') })),
            purpose: Type.Optional(Type.String({ enum: [...verificationPurposes], default: 'authenticate' })),
            // Left out: the tenant's default reason in the customer's language.
            reason: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            actionSummary: Type.Optional(
              Type.Union([Type.String({ minLength: 1, maxLength: maxActionSummaryLength * 2 }), Type.Null()]),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 201: WidgetVerification, ...errorResponses(401, 404, 409, 413, 415, 429) },
      },
    },
    async (request, reply) => {
      const claims = await widgetCaller(request);
      const body = request.body;
      if (body.customerId !== undefined && body.customerId !== claims.customerId) {
        throw new AppError('NOT_FOUND', 'No such customer.');
      }
      const verification = await services.verifications.start(
        claims.tenantId,
        {
          customerId: claims.customerId,
          purpose: (body.purpose ?? 'authenticate') as Verification['purpose'],
          reason: body.reason?.trim(),
          actionSummary: body.actionSummary,
          agentName: claims.agentName,
        },
        actorOf(claims),
      );
      reply.status(201);
      return view(verification);
    },
  );

  app.get(
    '/v1/widget/verifications/:id',
    {
      config: { auth: 'public' },
      schema: {
        ...hidden,
        summary: "One verification of the token's customer, with its timeline.",
        params: verificationParams,
        querystring: noQuery,
        response: { 200: WidgetVerification, ...errorResponses(401, 404) },
      },
    },
    async (request) => {
      const claims = await widgetCaller(request);
      return view(await ownVerification(claims, request.params.id));
    },
  );

  app.post(
    '/v1/widget/verifications/:id/cancel',
    {
      config: { auth: 'public' },
      schema: {
        ...hidden,
        summary: "Cancel a pending verification of the token's customer.",
        params: verificationParams,
        querystring: noQuery,
        response: { 200: WidgetVerification, ...errorResponses(401, 404, 409) },
      },
    },
    async (request) => {
      const claims = await widgetCaller(request);
      await ownVerification(claims, request.params.id);
      return view(await services.verifications.cancel(claims.tenantId, request.params.id, actorOf(claims)));
    },
  );

  app.get(
    '/v1/widget/verifications/:id/events',
    {
      config: { auth: 'public' },
      schema: {
        ...hidden,
        summary: "Live progress of a verification of the token's customer (server-sent events).",
        params: verificationParams,
        querystring: noQuery,
        response: { 200: eventStream, ...errorResponses(401, 404) },
      },
    },
    async (request, reply) => {
      const claims = await widgetCaller(request);
      const current = await ownVerification(claims, request.params.id);
      // A stream skips the answer hook that waits for durability: report only committed state.
      await durable(database.db);
      const state = {
        type: 'state',
        data: { verificationId: current.id, status: current.status, delivery: current.delivery },
      };
      if (finalSet.has(current.status)) {
        streams.open(request, reply, { topics: [], initial: [state], end: () => true });
        return;
      }
      streams.open(request, reply, {
        topics: [topics.verification(current.id)],
        initial: [state],
        end: (event) => finalSet.has(event.type),
      });
    },
  );

  // The panel's call notices, behind the same token check.
  registerWidgetCallRoutes(app, deps, streams, widgetCaller);
}
