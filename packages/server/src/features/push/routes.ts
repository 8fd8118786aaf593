// The verification routes: start, list, read and cancel push verifications, and their event
// streams.
import {
  finalStatuses,
  idPattern,
  maxActionSummaryLength,
  verificationMethods,
  verificationPurposes,
  verificationStatuses,
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
import type { Verification, VerificationEvent } from './verifications.ts';

const maxWaitSeconds = 60;
const finalSet = new Set<string>(finalStatuses);

const TimelineEntry = Type.Object({
  type: Type.String({
    description: 'started, sent, delivered, unreachable, opened, wrong_code, or the final status.',
  }),
  deviceId: Type.Union([Type.String(), Type.Null()]),
  channel: Type.Union([Type.String(), Type.Null()], {
    description: 'live, webpush, fcm or apns; sms or email for a one-time code sent.',
  }),
  detail: Type.Union([Type.String(), Type.Null()]),
  at: Timestamp,
});

const verificationProperties = {
  id: Type.String(),
  customerId: Type.String(),
  method: Type.String({
    enum: [...verificationMethods],
    description:
      'push, or the fallback method whose check this records: sms_otp, email_otp, totp (authenticator app), app_code (offline app code), security_questions.',
  }),
  action: Type.Union([Type.String(), Type.Null()], {
    description: "The policy action a fallback method's check was for; null for push.",
  }),
  purpose: Type.String({ enum: [...verificationPurposes] }),
  reason: Type.String(),
  actionSummary: Type.Union([Type.String(), Type.Null()]),
  callReference: Type.Union([Type.String(), Type.Null()]),
  status: Type.String({ enum: [...verificationStatuses] }),
  code: Type.Union([Type.String(), Type.Null()], {
    description: 'The code the agent reads to the caller; only while pending.',
  }),
  codeLength: Type.Integer(),
  failedAttempts: Type.Integer(),
  maxAttempts: Type.Integer(),
  startedBy: Type.Object({
    type: Type.String(),
    id: Type.Union([Type.String(), Type.Null()]),
    name: Type.String(),
  }),
  createdAt: Timestamp,
  expiresAt: Timestamp,
  finishedAt: Type.Union([Timestamp, Type.Null()]),
  decidedByDeviceId: Type.Union([Type.String(), Type.Null()]),
  assurance: Type.Union([Type.String({ enum: ['low', 'moderate', 'substantial', 'high'] }), Type.Null()]),
  delivery: Type.String({
    enum: ['pending', 'sent', 'delivered', 'opened', 'unreachable'],
    description:
      'Best delivery news so far: sent to a push service, delivered live, opened on a device, or unreachable.',
  }),
};

const VerificationSchema = Type.Object(verificationProperties, {
  $id: 'Verification',
  title: 'Verification',
});
const VerificationDetail = Type.Object(
  { ...verificationProperties, timeline: Type.Array(TimelineEntry) },
  { $id: 'VerificationDetail', title: 'VerificationDetail' },
);

/** The declared fields, named one by one: a read that carries more (the timeline) answers no more. */
function verificationView(v: Verification) {
  return {
    id: v.id,
    customerId: v.customerId,
    method: v.method,
    action: v.action,
    purpose: v.purpose,
    reason: v.reason,
    actionSummary: v.actionSummary,
    callReference: v.callReference,
    status: v.status,
    code: v.code,
    codeLength: v.codeLength,
    failedAttempts: v.failedAttempts,
    maxAttempts: v.maxAttempts,
    startedBy: v.startedBy,
    decidedByDeviceId: v.decidedByDeviceId,
    assurance: v.assurance,
    delivery: v.delivery,
    createdAt: toIso(v.createdAt),
    expiresAt: toIso(v.expiresAt),
    finishedAt: toIsoOrNull(v.finishedAt),
  };
}

function detailView(v: Verification & { timeline: VerificationEvent[] }) {
  return { ...verificationView(v), timeline: v.timeline.map((e) => ({ ...e, at: toIso(e.at) })) };
}

const verificationIdRegex = new RegExp(idPattern('verification'));

export function registerVerificationRoutes(
  app: TypedApp,
  { services, database }: AppDependencies,
  streams: EventStreams,
): void {
  app.post(
    '/v1/verifications',
    {
      config: { auth: 'verifications:write' },
      schema: {
        tags: ['verifications'],
        summary:
          "Start a push verification: the customer's devices show the request; the agent reads out the code.",
        description:
          "Cancels the customer's pending push verification, if any. Refused with PUSH_RATE_LIMITED when the customer got too many requests recently, and CUSTOMER_HAS_NO_DEVICE when there is no enrolled device.",
        operationId: 'startVerification',
        security: operatorOrApiKey,
        body: Type.Object(
          {
            customerId: Type.String({ pattern: idPattern('customer') }),
            purpose: Type.Optional(Type.String({ enum: [...verificationPurposes], default: 'authenticate' })),
            reason: Type.Optional(
              Type.String({
                minLength: 1,
                maxLength: 200,
                description:
                  "Shown to the customer. Left out: the tenant's default reason in the customer's language (messageTemplates, docs/configuration.md).",
              }),
            ),
            actionSummary: Type.Optional(
              Type.Union(
                [Type.String({ minLength: 1, maxLength: maxActionSummaryLength * 2 }), Type.Null()],
                {
                  description: 'For confirm_action: the action the customer confirms, shown and signed.',
                },
              ),
            ),
            callReference: Type.Optional(
              Type.Union([Type.String({ minLength: 1, maxLength: 100 }), Type.Null()], {
                description: "Your helpdesk's call or ticket id; never shown to the customer.",
              }),
            ),
            agentName: Type.Optional(
              Type.String({
                minLength: 1,
                maxLength: 200,
                description:
                  "API keys only: the agent's name shown to the customer (operators: their own name).",
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 201: VerificationSchema, ...errorResponses(401, 403, 404, 409, 413, 415, 429) },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      const body = request.body;
      const verification = await services.verifications.start(
        principal.tenantId,
        {
          customerId: body.customerId,
          purpose: (body.purpose ?? 'authenticate') as Verification['purpose'],
          reason: body.reason?.trim(),
          actionSummary: body.actionSummary,
          callReference: body.callReference,
          // Operators are shown as themselves; an API key may name the agent of its own tool.
          agentName:
            principal.actor.type === 'operator'
              ? principal.actorName
              : (body.agentName ?? principal.actorName),
        },
        principal.actor,
      );
      reply.status(201);
      return verificationView(verification);
    },
  );

  app.get(
    '/v1/verifications',
    {
      config: { auth: 'verifications:read' },
      schema: {
        tags: ['verifications'],
        summary:
          'Verifications of every method, newest first, filtered by customer, method, status and time.',
        operationId: 'listVerifications',
        security: operatorOrApiKey,
        querystring: Type.Object(
          {
            customerId: Type.Optional(Type.String({ pattern: idPattern('customer') })),
            method: Type.Optional(Type.String({ enum: [...verificationMethods] })),
            status: Type.Optional(Type.String({ enum: [...verificationStatuses] })),
            createdAfter: Type.Optional(Type.String({ format: 'date-time' })),
            createdBefore: Type.Optional(Type.String({ format: 'date-time' })),
            limit: Type.Optional(Limit),
            cursor: Type.Optional(Cursor),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            items: Type.Array(VerificationSchema),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
          ...errorResponses(401, 403),
        },
      },
    },
    async (request) => {
      const { tenantId } = requirePrincipal(request);
      const q = request.query;
      const page = await services.verifications.list(tenantId, {
        customerId: q.customerId,
        method: q.method as Verification['method'] | undefined,
        status: q.status as Verification['status'] | undefined,
        createdAfter: q.createdAfter ? Date.parse(q.createdAfter) : undefined,
        createdBefore: q.createdBefore ? Date.parse(q.createdBefore) : undefined,
        limit: q.limit ?? 50,
        before: q.cursor ? decodeCursor(q.cursor, verificationIdRegex) : undefined,
      });
      return {
        items: page.items.map(verificationView),
        nextCursor: page.nextBefore ? encodeCursor(page.nextBefore) : null,
      };
    },
  );

  app.get(
    '/v1/verifications/:id',
    {
      config: { auth: 'verifications:read' },
      schema: {
        tags: ['verifications'],
        summary: 'One verification with its timeline; `?wait=N` long-polls up to N seconds for the result.',
        operationId: 'getVerification',
        security: operatorOrApiKey,
        params: idParam('verification', 'Verification id.'),
        querystring: Type.Object(
          {
            wait: Type.Optional(
              Type.Integer({
                minimum: 0,
                maximum: maxWaitSeconds,
                description: 'Answer as soon as the verification is final, or after this many seconds.',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: VerificationDetail, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const { tenantId } = requirePrincipal(request);
      const wait = request.query.wait ?? 0;
      if (wait === 0) return detailView(await services.verifications.get(tenantId, request.params.id));
      const aborted = new AbortController();
      request.raw.once('close', () => aborted.abort());
      return detailView(
        await services.verifications.waitFor(tenantId, request.params.id, wait, aborted.signal),
      );
    },
  );

  app.post(
    '/v1/verifications/:id/cancel',
    {
      config: { auth: 'verifications:write' },
      schema: {
        tags: ['verifications'],
        summary: 'Cancel a pending verification; the devices stop showing it.',
        operationId: 'cancelVerification',
        security: operatorOrApiKey,
        params: idParam('verification', 'Verification id.'),
        response: { 200: VerificationSchema, ...errorResponses(401, 403, 404, 409) },
      },
    },
    async (request) => {
      const principal = requirePrincipal(request);
      return verificationView(
        await services.verifications.cancel(principal.tenantId, request.params.id, principal.actor),
      );
    },
  );

  app.get(
    '/v1/verifications/:id/events',
    {
      config: { auth: 'verifications:read' },
      schema: {
        tags: ['verifications'],
        summary: 'Live progress of one verification (server-sent events); ends with its final status.',
        description:
          'First event `state` (the current status), then `sent`, `delivered`, `unreachable`, `opened`, `wrong_code`, and one final event named after the final status.',
        operationId: 'verificationEvents',
        security: operatorOrApiKey,
        params: idParam('verification', 'Verification id.'),
        response: {
          200: eventStream,
          ...errorResponses(401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const { tenantId } = requirePrincipal(request);
      const current = await services.verifications.get(tenantId, request.params.id);
      // A stream skips the answer hook that waits for durability: report only committed state.
      await durable(database.db);
      const state = {
        type: 'state',
        data: { verificationId: current.id, status: current.status, delivery: current.delivery },
      };
      const isFinal = (event: { type: string }) => finalSet.has(event.type);
      if (finalSet.has(current.status)) {
        streams.open(request, reply, { topics: [], initial: [state], end: () => true });
        return;
      }
      streams.open(request, reply, {
        topics: [topics.verification(current.id)],
        initial: [state],
        end: isFinal,
      });
    },
  );

  app.get(
    '/v1/events',
    {
      config: { auth: 'verifications:read' },
      schema: {
        tags: ['verifications'],
        summary: 'Live progress of every verification the caller starts (server-sent events).',
        description: 'For an operator: the verifications they start. For an API key: those the key starts.',
        operationId: 'starterEvents',
        security: operatorOrApiKey,
        response: { 200: eventStream, ...errorResponses(401, 403) },
      },
    },
    async (request, reply) => {
      const { tenantId, actor } = requirePrincipal(request);
      streams.open(request, reply, { topics: actor.id ? [topics.starter(tenantId, actor.id)] : [] });
    },
  );
}
