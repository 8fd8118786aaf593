// The one-time code routes: send a code by SMS or e-mail, check, resend or cancel it, its link, the
// development outbox.
import { AppError, idPattern, otpCodeLength, otpDeliveryModes } from '@helpdesk-auth/core';
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
import type { OtpChallenge } from './one-time-codes.ts';

// Length only: the digits are checked after the challenge is found, so an unknown id is a 404 first.
const Code = Type.String({
  minLength: otpCodeLength,
  maxLength: otpCodeLength,
  description: 'The six digits the caller read out or typed.',
});
const linkTokenHeader = 'code-link-token';
const linkTokenPattern = /^[A-Za-z0-9_-]{43}$/;

/** The link token from its header; 401 when missing or malformed (an unknown one is a 401 too). */
function linkToken(headers: Record<string, string | string[] | undefined>): string {
  const value = headers[linkTokenHeader];
  if (typeof value !== 'string' || !linkTokenPattern.test(value)) {
    throw new AppError('UNAUTHENTICATED', `Send the token from the link in the ${linkTokenHeader} header.`);
  }
  return value;
}

const OtpChallengeSchema = Type.Object(
  {
    id: Type.String(),
    customerId: Type.String(),
    channel: Type.String({ enum: ['sms', 'email'] }),
    method: Type.String({ enum: ['sms_otp', 'email_otp'] }),
    action: Type.String(),
    delivery: Type.String({ enum: [...otpDeliveryModes] }),
    status: Type.String({ enum: ['pending', 'verified', 'failed', 'expired', 'cancelled'] }),
    destination: Type.String({ description: 'Where the code went, masked.' }),
    attemptsLeft: Type.Integer({ minimum: 0 }),
    maxAttempts: Type.Integer(),
    resendsLeft: Type.Integer({ minimum: 0 }),
    verificationId: Type.Union([Type.String(), Type.Null()], {
      description:
        'The verification the code ended as (approved, failed, expired or cancelled): in history, GET /v1/verifications/{id} and webhooks. Null while pending.',
    }),
    resendAvailableAt: Type.Union([Timestamp, Type.Null()]),
    assurance: Type.String({ description: 'What a success proves (the policy rating of the method).' }),
    expiresAt: Timestamp,
    createdAt: Timestamp,
    finishedAt: Type.Union([Timestamp, Type.Null()]),
    deliveries: Type.Array(
      Type.Object({
        id: Type.String(),
        provider: Type.String(),
        status: Type.String({ enum: ['queued', 'sent', 'delivered', 'failed', 'undelivered'] }),
        detail: Type.Union([Type.String(), Type.Null()]),
        createdAt: Timestamp,
        updatedAt: Timestamp,
      }),
    ),
  },
  { $id: 'OtpChallenge', title: 'OtpChallenge' },
);

function challengeView(c: OtpChallenge) {
  return {
    ...c,
    resendAvailableAt: toIsoOrNull(c.resendAvailableAt),
    expiresAt: toIso(c.expiresAt),
    createdAt: toIso(c.createdAt),
    finishedAt: toIsoOrNull(c.finishedAt),
    deliveries: c.deliveries.map((d) => ({
      ...d,
      createdAt: toIso(d.createdAt),
      updatedAt: toIso(d.updatedAt),
    })),
  };
}

export function registerOneTimeCodeRoutes(app: TypedApp, { services, config }: AppDependencies): void {
  const codes = services.fallbacks.oneTimeCodes;
  const byId = idParam('otpChallenge', 'One-time code challenge id.');

  app.post(
    '/v1/otp-challenges',
    {
      config: { auth: 'verifications:write' },
      schema: {
        tags: ['fallbacks'],
        summary: 'Send the customer a one-time code by SMS or e-mail.',
        description:
          'Refused with METHOD_UNAVAILABLE (error.details.reason says why: SIM_SWAP_WINDOW, NO_PHONE_NUMBER, ...) when the policy does not allow the method for this customer and action. Cancels the pending code of the same channel. The code itself is never returned.',
        operationId: 'startOtpChallenge',
        security: operatorOrApiKey,
        body: Type.Object(
          {
            customerId: Type.String({ pattern: idPattern('customer') }),
            channel: Type.String({ enum: ['sms', 'email'] }),
            action: Type.String({
              pattern: '^[a-z][a-z0-9_]{0,39}$',
              description: 'An action the policy names.',
            }),
          },
          { additionalProperties: false },
        ),
        response: { 201: OtpChallengeSchema, ...errorResponses(401, 403, 404, 409, 413, 415, 429, 502) },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      const challenge = await codes.start(
        principal.tenantId,
        request.body as { customerId: string; channel: 'sms' | 'email'; action: string },
        principal.actor,
      );
      reply.status(201);
      return challengeView(challenge);
    },
  );

  app.get(
    '/v1/otp-challenges/:id',
    {
      config: { auth: 'verifications:read' },
      schema: {
        tags: ['fallbacks'],
        summary: 'A one-time code challenge: status, tries and resends left, delivery status.',
        operationId: 'getOtpChallenge',
        security: operatorOrApiKey,
        params: byId,
        response: { 200: OtpChallengeSchema, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => challengeView(await codes.get(requirePrincipal(request).tenantId, request.params.id)),
  );

  app.post(
    '/v1/otp-challenges/:id/verify',
    {
      config: { auth: 'verifications:write' },
      schema: {
        tags: ['fallbacks'],
        summary: 'Check the code the caller read out.',
        description:
          'Right: status verified, with the assurance it gives. Wrong: WRONG_CODE with error.details.attemptsLeft; the try that uses up the last one fails the challenge. TOO_MANY_FAILURES when the customer reached the hourly failure limit.',
        operationId: 'verifyOtpChallenge',
        security: operatorOrApiKey,
        params: byId,
        body: Type.Object({ code: Code }, { additionalProperties: false }),
        response: { 200: OtpChallengeSchema, ...errorResponses(401, 403, 404, 409, 413, 415, 422, 429) },
      },
    },
    async (request) => {
      const principal = requirePrincipal(request);
      return challengeView(
        await codes.verify(principal.tenantId, request.params.id, request.body.code, principal.actor),
      );
    },
  );

  app.post(
    '/v1/otp-challenges/:id/resend',
    {
      config: { auth: 'verifications:write' },
      schema: {
        tags: ['fallbacks'],
        summary: 'Send a new code for the same challenge.',
        description:
          'The previous code stops working. Wrong tries so far stay counted. RESEND_LIMITED (with Retry-After) when no resends are left or the last send was too recent.',
        operationId: 'resendOtpChallenge',
        security: operatorOrApiKey,
        params: byId,
        response: { 200: OtpChallengeSchema, ...errorResponses(401, 403, 404, 409, 429, 502) },
      },
    },
    async (request) => {
      const principal = requirePrincipal(request);
      return challengeView(await codes.resend(principal.tenantId, request.params.id, principal.actor));
    },
  );

  app.post(
    '/v1/otp-challenges/:id/cancel',
    {
      config: { auth: 'verifications:write' },
      schema: {
        tags: ['fallbacks'],
        summary: 'Cancel a pending code.',
        operationId: 'cancelOtpChallenge',
        security: operatorOrApiKey,
        params: byId,
        response: { 200: OtpChallengeSchema, ...errorResponses(401, 403, 404, 409) },
      },
    },
    async (request) => {
      const principal = requirePrincipal(request);
      return challengeView(await codes.cancel(principal.tenantId, request.params.id, principal.actor));
    },
  );

  // The customer's side of delivery customer_link. The token travels in a header, never the path,
  // so it stays out of request logs; it is the only credential the customer's page has.
  const codeLinkSecurity = [{ codeLink: [] }];
  app.post(
    '/v1/otp-link/lookup',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['fallbacks'],
        summary: 'For the page behind a code link: whose request it is and whether it is still open.',
        operationId: 'getOtpLink',
        security: codeLinkSecurity,
        response: {
          200: Type.Object({ status: Type.String(), tenantName: Type.String(), expiresAt: Timestamp }),
          ...errorResponses(401),
        },
      },
    },
    async (request) => {
      const found = await codes.lookupLink(linkToken(request.headers));
      return { ...found, expiresAt: toIso(found.expiresAt) };
    },
  );

  app.post(
    '/v1/otp-link/verify',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['fallbacks'],
        summary: 'The customer enters the code from the message on the page behind the link.',
        operationId: 'verifyOtpLink',
        security: codeLinkSecurity,
        body: Type.Object({ code: Code }, { additionalProperties: false }),
        response: {
          200: Type.Object({ status: Type.String(), tenantName: Type.String() }),
          ...errorResponses(401, 409, 413, 415, 422, 429),
        },
      },
    },
    async (request) => codes.verifyByLink(linkToken(request.headers), request.body.code),
  );

  // The development outbox exists outside production only: it shows codes.
  if (config.mode !== 'production') {
    app.get(
      '/v1/dev/outbox',
      {
        config: { auth: 'verifications:read' },
        schema: {
          tags: ['fallbacks'],
          summary: 'Development only: messages the outbox provider kept instead of sending (demo mode).',
          description: 'Absent in production. The bodies carry codes: this exists so a demo needs no phone.',
          operationId: 'listDevOutbox',
          security: operatorOrApiKey,
          querystring: Type.Object(
            { limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }) },
            { additionalProperties: false },
          ),
          response: {
            200: Type.Object({
              messages: Type.Array(
                Type.Object({
                  id: Type.String(),
                  channel: Type.String(),
                  recipient: Type.String(),
                  subject: Type.Union([Type.String(), Type.Null()]),
                  body: Type.String(),
                  createdAt: Timestamp,
                }),
              ),
            }),
            ...errorResponses(401, 403),
          },
        },
      },
      async (request) => {
        const messages = await codes.outbox(requirePrincipal(request).tenantId, request.query.limit);
        return { messages: messages.map((m) => ({ ...m, createdAt: toIso(m.createdAt) })) };
      },
    );
  }
}
