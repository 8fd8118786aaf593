// The operators' and API keys' call-notice routes: start, read, end, the code check, the history,
// the IVR's or website's check, and the agent's live stream.
import {
  AppError,
  callConfirmations,
  callMutualCodeModes,
  callNoticeLimits,
  callNoticeStatuses,
  idPattern,
} from '@helpdesk-auth/core';
import { Type } from 'typebox';
import { requirePrincipal } from '../../http/authenticate.ts';
import { decodeCursor, encodeCursor } from '../../http/cursors.ts';
import { type EventStreams, eventStream } from '../../http/event-stream.ts';
import {
  Cursor,
  errorResponses,
  idParam,
  Limit,
  operatorOrApiKey,
  Timestamp,
  toIso,
  toIsoOrNull,
} from '../../http/schemas.ts';
import type { AppDependencies, TypedApp } from '../../http/types.ts';
import { topics } from '../../platform/live-events.ts';
import { durable } from '../../storage/database.ts';
import type { CallDelivery, CallNotice } from './model.ts';

const nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T, description?: string) =>
  Type.Union([schema, Type.Null()], description ? { description } : {});

const callNoticeProperties = {
  id: Type.String(),
  customerId: Type.String(),
  status: Type.String({
    enum: [...callNoticeStatuses],
    description: 'active until the agent ends it or its time is up (expired).',
  }),
  reason: Type.String({ description: 'Why the bank calls, as the customer reads it.' }),
  team: nullable(Type.String()),
  fromNumber: nullable(Type.String(), 'The number the customer will see (E.164).'),
  agent: Type.Object({
    type: Type.String({ description: 'operator or api_key: who started the notice.' }),
    id: nullable(Type.String()),
    displayName: Type.String({ description: 'Who is calling, as the customer sees it.' }),
  }),
  mutualCode: Type.String({ enum: [...callMutualCodeModes] }),
  code: nullable(
    Type.String(),
    'agent_reads only: the code the agent reads out, which the app shows. Only to callers with calls:write, only on start and GET of one notice, only while active. A customer_reads code is never returned to anyone but the device.',
  ),
  confirmation: nullable(
    Type.String({ enum: [...callConfirmations] }),
    'pending until the customer (or, customer_reads, the agent with the code) confirms; null with mutualCode none until the customer answers.',
  ),
  codeAttemptsLeft: nullable(
    Type.Integer({ minimum: 0 }),
    'customer_reads only: wrong codes the agent may still type.',
  ),
  viewedAt: nullable(Timestamp, 'When a device of the customer first showed the notice.'),
  confirmedAt: nullable(Timestamp),
  createdAt: Timestamp,
  expiresAt: Timestamp,
  endedAt: nullable(Timestamp),
};

const CallNoticeSchema = Type.Object(callNoticeProperties, { $id: 'CallNotice', title: 'CallNotice' });

const DeliverySchema = Type.Array(
  Type.Object({
    deviceId: Type.String(),
    channel: nullable(Type.String({ enum: ['live', 'webpush', 'fcm', 'apns'] })),
    result: Type.String({
      enum: ['delivered', 'sending', 'unreachable'],
      description:
        'delivered: on the open live channel; sending: handed to the push channel (its outcome follows as `call.delivery` on the event stream); unreachable: neither.',
    }),
  }),
);

const StartedCallNotice = Type.Object(
  { ...callNoticeProperties, delivery: DeliverySchema },
  { $id: 'StartedCallNotice', title: 'StartedCallNotice' },
);

export function callNoticeView(n: CallNotice) {
  return {
    id: n.id,
    customerId: n.customerId,
    status: n.status,
    reason: n.reason,
    team: n.team,
    fromNumber: n.fromNumber,
    agent: n.agent,
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

const noticeIdRegex = new RegExp(idPattern('callNotice'));

const finalEvents = new Set(['call.ended', 'call.expired']);

export function registerCallNoticeRoutes(
  app: TypedApp,
  { services, database }: AppDependencies,
  streams: EventStreams,
): void {
  const calls = services.calls;

  app.post(
    '/v1/customers/:id/call-notices',
    {
      config: { auth: 'calls:write' },
      schema: {
        tags: ['calls'],
        summary:
          "Start an outbound call notice: the customer's devices show who is calling and why, signed by the server.",
        description:
          "Refused with CALL_NOTICES_NOT_ALLOWED when the verification policy does not let the caller start notices, CALL_NOTICE_ACTIVE (details.noticeId) while the customer has an active one, VALIDATION_FAILED when expectedMinutes is above the policy's maximum. A customer without a reachable device still gets the notice (delivery []): the on-demand check answers with it.",
        operationId: 'startCallNotice',
        security: operatorOrApiKey,
        params: idParam('customer', 'Customer id.'),
        body: Type.Object(
          {
            reason: Type.String({
              minLength: callNoticeLimits.reason.min,
              maxLength: callNoticeLimits.reason.max,
              pattern: '\\S',
              description: 'Why the bank calls, shown to the customer ("about your card").',
            }),
            team: Type.Optional(
              Type.String({ minLength: 1, maxLength: callNoticeLimits.team.max, pattern: '\\S' }),
            ),
            fromNumber: Type.Optional(
              Type.String({
                pattern: '^\\+[1-9][0-9]{6,14}$',
                description: 'The number the customer will see, E.164.',
              }),
            ),
            expectedMinutes: Type.Optional(
              Type.Integer({
                minimum: callNoticeLimits.expectedMinutes.min,
                maximum: callNoticeLimits.expectedMinutes.max,
                description:
                  "How long the notice stays valid (default 15, at most the policy's callNotices.maxMinutes); the agent ends it sooner.",
              }),
            ),
            mutualCode: Type.Optional(
              Type.String({
                enum: [...callMutualCodeModes],
                description: "Default: the policy's callNotices.defaultMutualCode.",
              }),
            ),
            agentName: Type.Optional(
              Type.String({
                minLength: 1,
                maxLength: 200,
                description:
                  "API keys only: the calling agent's name shown to the customer (operators: their own).",
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 201: StartedCallNotice, ...errorResponses(401, 403, 404, 409, 413, 415) },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      const body = request.body;
      const notice = await calls.start(
        principal.tenantId,
        {
          customerId: request.params.id,
          reason: body.reason.trim(),
          team: body.team?.trim() ?? null,
          fromNumber: body.fromNumber ?? null,
          expectedMinutes: body.expectedMinutes,
          mutualCode: body.mutualCode as CallNotice['mutualCode'] | undefined,
        },
        {
          actor: principal.actor,
          agentName:
            principal.actor.type === 'operator'
              ? principal.actorName
              : (body.agentName ?? principal.actorName),
          role: principal.session?.operator.role ?? null,
        },
      );
      reply.status(201);
      return { ...callNoticeView(notice), delivery: notice.delivery as CallDelivery[] };
    },
  );

  app.get(
    '/v1/customers/:id/call-notices/active',
    {
      config: { auth: 'calls:read' },
      schema: {
        tags: ['calls'],
        summary: 'Is there a genuine call to this customer now? For the IVR and the website.',
        description: 'Never carries a code, whatever the mode.',
        operationId: 'getActiveCallNotice',
        security: operatorOrApiKey,
        params: idParam('customer', 'Customer id.'),
        response: {
          200: Type.Object({ active: Type.Boolean(), notice: Type.Union([CallNoticeSchema, Type.Null()]) }),
          ...errorResponses(401, 403, 404),
        },
      },
    },
    async (request) => {
      const { tenantId } = requirePrincipal(request);
      const customer = await database.db
        .selectFrom('customers')
        .select('id')
        .where('tenant_id', '=', tenantId)
        .where('id', '=', request.params.id)
        .executeTakeFirst();
      if (!customer) throw new AppError('NOT_FOUND', 'Customer not found.');
      const notice = await calls.active(tenantId, request.params.id);
      return { active: notice !== null, notice: notice ? callNoticeView(notice) : null };
    },
  );

  app.get(
    '/v1/call-notices',
    {
      config: { auth: 'calls:read' },
      schema: {
        tags: ['calls'],
        summary: 'Call notices, newest first, filtered by customer and status: the history.',
        operationId: 'listCallNotices',
        security: operatorOrApiKey,
        querystring: Type.Object(
          {
            customerId: Type.Optional(Type.String({ pattern: idPattern('customer') })),
            status: Type.Optional(Type.String({ enum: [...callNoticeStatuses] })),
            limit: Type.Optional(Limit),
            cursor: Type.Optional(Cursor),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            items: Type.Array(CallNoticeSchema),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
          ...errorResponses(401, 403),
        },
      },
    },
    async (request) => {
      const { tenantId } = requirePrincipal(request);
      const q = request.query;
      const page = await calls.list(tenantId, {
        customerId: q.customerId,
        status: q.status as CallNotice['status'] | undefined,
        limit: q.limit ?? 50,
        before: q.cursor ? decodeCursor(q.cursor, noticeIdRegex) : undefined,
      });
      return {
        items: page.items.map(callNoticeView),
        nextCursor: page.nextBefore ? encodeCursor(page.nextBefore) : null,
      };
    },
  );

  app.get(
    '/v1/call-notices/:id',
    {
      config: { auth: 'calls:read' },
      schema: {
        tags: ['calls'],
        summary: 'One call notice; its agent_reads code to callers who may write call notices.',
        operationId: 'getCallNotice',
        security: operatorOrApiKey,
        params: idParam('callNotice', 'Call notice id.'),
        response: { 200: CallNoticeSchema, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const principal = requirePrincipal(request);
      return callNoticeView(
        await calls.get(principal.tenantId, request.params.id, {
          revealCode: principal.permissions.has('calls:write'),
        }),
      );
    },
  );

  app.post(
    '/v1/call-notices/:id/end',
    {
      config: { auth: 'calls:write' },
      schema: {
        tags: ['calls'],
        summary: 'End the call: the devices stop showing the notice.',
        description: 'CALL_NOTICE_NOT_ACTIVE when it has already ended or expired.',
        operationId: 'endCallNotice',
        security: operatorOrApiKey,
        params: idParam('callNotice', 'Call notice id.'),
        response: { 200: CallNoticeSchema, ...errorResponses(401, 403, 404, 409) },
      },
    },
    async (request) => {
      const principal = requirePrincipal(request);
      return callNoticeView(await calls.end(principal.tenantId, request.params.id, principal.actor));
    },
  );

  app.post(
    '/v1/call-notices/:id/code',
    {
      config: { auth: 'calls:write' },
      schema: {
        tags: ['calls'],
        summary: 'customer_reads mode: the agent types the code the customer reads from their app.',
        description:
          'Right: the notice, confirmation confirmed. Wrong: CALL_CODE_INVALID with details.attemptsLeft; after 3 wrong codes CALL_CODE_LOCKED. CALL_CODE_NOT_EXPECTED in another mode.',
        operationId: 'checkCallCode',
        security: operatorOrApiKey,
        params: idParam('callNotice', 'Call notice id.'),
        body: Type.Object(
          {
            code: Type.String({
              pattern: '^[0-9]{6}$',
              description: 'The six digits the customer reads out.',
            }),
          },
          { additionalProperties: false },
        ),
        response: { 200: CallNoticeSchema, ...errorResponses(401, 403, 404, 409, 413, 415, 422) },
      },
    },
    async (request) => {
      const principal = requirePrincipal(request);
      return callNoticeView(
        await calls.checkCode(principal.tenantId, request.params.id, request.body.code, principal.actor),
      );
    },
  );

  app.get(
    '/v1/call-notices/:id/events',
    {
      config: { auth: 'calls:read' },
      schema: {
        tags: ['calls'],
        summary: "Live progress of one call notice for the agent's screen (server-sent events).",
        description:
          'First `state` (the notice as GET answers it, without the code), then `call.delivery`, `call.viewed`, `call.confirmed`, `call.mismatch`, `call.code_failed`, and finally `call.ended` or `call.expired`, which ends the stream.',
        operationId: 'callNoticeEvents',
        security: operatorOrApiKey,
        params: idParam('callNotice', 'Call notice id.'),
        response: { 200: eventStream, ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { tenantId } = requirePrincipal(request);
      const current = await calls.get(tenantId, request.params.id, { revealCode: false });
      // A stream skips the answer hook that waits for durability: report only committed state.
      await durable(database.db);
      const state = { type: 'state', data: callNoticeView(current) as unknown as Record<string, unknown> };
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
