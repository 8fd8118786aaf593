// The panel's call-notice routes (/v1/widget/call-notices…): the agent in a helpdesk tool
// announces a call to the token's customer, sees it confirmed live, and ends it.
import {
  AppError,
  callConfirmations,
  callMutualCodeModes,
  callNoticeLimits,
  callNoticeStatuses,
  idPattern,
  type Permission,
} from '@helpdesk-auth/core';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { type EventStreams, eventStream } from '../../http/event-stream.ts';
import { errorResponses, Timestamp, toIso, toIsoOrNull } from '../../http/schemas.ts';
import type { AppDependencies, TypedApp } from '../../http/types.ts';
import { topics } from '../../platform/live-events.ts';
import { durable } from '../../storage/database.ts';
import type { CallNotice } from '../calls/index.ts';
import type { WidgetClaims } from './widget-tokens.ts';

const nullable = (schema: Parameters<typeof Type.Union>[0][number]) => Type.Union([schema, Type.Null()]);

const WidgetCallNotice = Type.Object({
  id: Type.String(),
  customerId: Type.String(),
  status: Type.String({ enum: [...callNoticeStatuses] }),
  reason: Type.String(),
  team: nullable(Type.String()),
  fromNumber: nullable(Type.String()),
  agent: Type.Object({ displayName: Type.String() }),
  mutualCode: Type.String({ enum: [...callMutualCodeModes] }),
  code: nullable(Type.String()),
  confirmation: nullable(Type.String({ enum: [...callConfirmations] })),
  codeAttemptsLeft: nullable(Type.Integer()),
  viewedAt: nullable(Timestamp),
  confirmedAt: nullable(Timestamp),
  createdAt: Timestamp,
  expiresAt: Timestamp,
  endedAt: nullable(Timestamp),
});

/** What the panel sees: the agent's name only (a widget token is held by a browser page). */
function view(n: CallNotice) {
  return {
    id: n.id,
    customerId: n.customerId,
    status: n.status,
    reason: n.reason,
    team: n.team,
    fromNumber: n.fromNumber,
    agent: { displayName: n.agent.displayName },
    mutualCode: n.mutualCode,
    code: n.code,
    confirmation: n.confirmation,
    codeAttemptsLeft: n.codeAttemptsLeft,
    viewedAt: toIsoOrNull(n.viewedAt),
    confirmedAt: toIsoOrNull(n.confirmedAt),
    createdAt: toIso(n.createdAt),
    expiresAt: toIso(n.expiresAt),
    endedAt: toIsoOrNull(n.endedAt),
  };
}

const finalEvents = new Set(['call.ended', 'call.expired']);

/**
 * Registered by registerWidgetRoutes, with its token check. A widget token carries no scopes of
 * its own: each request needs the scope on the API key behind it, now (calls:read to read,
 * calls:write to start, end and check codes), so a key narrowed later narrows its panels too.
 */
export function registerWidgetCallRoutes(
  app: TypedApp,
  { services, database }: AppDependencies,
  streams: EventStreams,
  widgetCaller: (request: FastifyRequest) => Promise<WidgetClaims>,
): void {
  const calls = services.calls;
  const hidden = { hide: true, tags: ['widget'] };
  const noQuery = Type.Object({}, { additionalProperties: false });
  const params = Type.Object(
    { id: Type.String({ pattern: idPattern('callNotice') }) },
    { additionalProperties: false },
  );
  type KeyedClaims = WidgetClaims & { apiKeyId: string };
  const actorOf = (claims: KeyedClaims) => ({ type: 'api_key' as const, id: claims.apiKeyId });

  /** The token's claims, when its key holds `scope`; and whether it may also write (for the code). */
  async function caller(
    request: FastifyRequest,
    scope: Permission,
  ): Promise<KeyedClaims & { canWrite: boolean }> {
    const claims = await widgetCaller(request);
    // A practice token (issued to an operator for a made-up customer) announces no calls: call
    // notices reach real phones, and practice never does.
    if (claims.apiKeyId === null) {
      throw new AppError('FORBIDDEN', 'Call notices are not part of practice sessions.');
    }
    const key = await services.apiKeys.get(claims.tenantId, claims.apiKeyId);
    if (!key.scopes.includes(scope)) {
      throw new AppError('FORBIDDEN', `The API key behind this widget token lacks the ${scope} scope.`);
    }
    return { ...claims, apiKeyId: claims.apiKeyId, canWrite: key.scopes.includes('calls:write') };
  }

  /** A notice of the token's customer, or NOT_FOUND: a token reaches nothing else. */
  async function own(claims: WidgetClaims & { canWrite: boolean }, id: string): Promise<CallNotice> {
    const notice = await calls.get(claims.tenantId, id, { revealCode: claims.canWrite });
    if (notice.customerId !== claims.customerId) throw new AppError('NOT_FOUND', 'No such call notice.');
    return notice;
  }

  app.post(
    '/v1/widget/call-notices',
    {
      config: { auth: 'public' },
      schema: {
        ...hidden,
        summary: "Start a call notice for the token's customer (the agent is the token's).",
        querystring: noQuery,
        body: Type.Object(
          {
            reason: Type.String({
              minLength: callNoticeLimits.reason.min,
              maxLength: callNoticeLimits.reason.max,
              pattern: '\\S',
            }),
            team: Type.Optional(
              Type.String({ minLength: 1, maxLength: callNoticeLimits.team.max, pattern: '\\S' }),
            ),
            fromNumber: Type.Optional(Type.String({ pattern: '^\\+[1-9][0-9]{6,14}$' })),
            expectedMinutes: Type.Optional(
              Type.Integer({
                minimum: callNoticeLimits.expectedMinutes.min,
                maximum: callNoticeLimits.expectedMinutes.max,
              }),
            ),
            mutualCode: Type.Optional(Type.String({ enum: [...callMutualCodeModes] })),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({
            ...WidgetCallNotice.properties,
            delivery: Type.Array(
              Type.Object({
                deviceId: Type.String(),
                channel: nullable(Type.String()),
                result: Type.String(),
              }),
            ),
          }),
          ...errorResponses(401, 403, 404, 409, 413, 415),
        },
      },
    },
    async (request, reply) => {
      const claims = await caller(request, 'calls:write');
      const body = request.body;
      const notice = await calls.start(
        claims.tenantId,
        {
          customerId: claims.customerId,
          reason: body.reason.trim(),
          team: body.team?.trim() ?? null,
          fromNumber: body.fromNumber ?? null,
          expectedMinutes: body.expectedMinutes,
          mutualCode: body.mutualCode as CallNotice['mutualCode'] | undefined,
        },
        { actor: actorOf(claims), agentName: claims.agentName, role: null },
      );
      reply.status(201);
      return { ...view(notice), delivery: notice.delivery };
    },
  );

  app.get(
    '/v1/widget/call-notices/active',
    {
      config: { auth: 'public' },
      schema: {
        ...hidden,
        summary: "The token's customer's active call notice, if any.",
        querystring: noQuery,
        response: {
          200: Type.Object({ active: Type.Boolean(), notice: nullable(WidgetCallNotice) }),
          ...errorResponses(401, 403),
        },
      },
    },
    async (request) => {
      const claims = await caller(request, 'calls:read');
      const active = await calls.active(claims.tenantId, claims.customerId);
      // The panel is the calling agent's: the agent_reads code is theirs to read out.
      const notice = active ? await own(claims, active.id) : null;
      return { active: notice !== null, notice: notice ? view(notice) : null };
    },
  );

  app.get(
    '/v1/widget/call-notices/:id',
    {
      config: { auth: 'public' },
      schema: {
        ...hidden,
        summary: "One call notice of the token's customer.",
        params,
        querystring: noQuery,
        response: { 200: WidgetCallNotice, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => view(await own(await caller(request, 'calls:read'), request.params.id)),
  );

  app.post(
    '/v1/widget/call-notices/:id/end',
    {
      config: { auth: 'public' },
      schema: {
        ...hidden,
        summary: "End a call notice of the token's customer.",
        params,
        querystring: noQuery,
        response: { 200: WidgetCallNotice, ...errorResponses(401, 403, 404, 409) },
      },
    },
    async (request) => {
      const claims = await caller(request, 'calls:write');
      await own(claims, request.params.id);
      return view(await calls.end(claims.tenantId, request.params.id, actorOf(claims)));
    },
  );

  app.post(
    '/v1/widget/call-notices/:id/code',
    {
      config: { auth: 'public' },
      schema: {
        ...hidden,
        summary: 'customer_reads mode: the code the customer reads out.',
        params,
        querystring: noQuery,
        body: Type.Object({ code: Type.String({ pattern: '^[0-9]{6}$' }) }, { additionalProperties: false }),
        response: { 200: WidgetCallNotice, ...errorResponses(401, 403, 404, 409, 413, 415, 422) },
      },
    },
    async (request) => {
      const claims = await caller(request, 'calls:write');
      await own(claims, request.params.id);
      return view(
        await calls.checkCode(claims.tenantId, request.params.id, request.body.code, actorOf(claims)),
      );
    },
  );

  app.get(
    '/v1/widget/call-notices/:id/events',
    {
      config: { auth: 'public' },
      schema: {
        ...hidden,
        summary: "Live progress of a call notice of the token's customer (server-sent events).",
        params,
        querystring: noQuery,
        response: { 200: eventStream, ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const claims = await caller(request, 'calls:read');
      const current = await own({ ...claims, canWrite: false }, request.params.id);
      await durable(database.db);
      const state = { type: 'state', data: view(current) as unknown as Record<string, unknown> };
      if (current.status !== 'active') {
        streams.open(request, reply, { topics: [], initial: [state], end: () => true });
        return;
      }
      streams.open(request, reply, {
        topics: [topics.call(current.id)],
        initial: [state],
        end: (event) => finalEvents.has(event.type),
      });
    },
  );
}
