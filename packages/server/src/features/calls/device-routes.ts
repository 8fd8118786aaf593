// The device's call-notice routes (docs/device-protocol.md, "Call notices"): "is anyone calling?",
// one notice, the customer's answer, and reporting a call that is not the bank's.
import { callDeviceOutcomes, callNoticeLimits, idPattern, noncePatternSource } from '@helpdesk-auth/core';
import { Type } from 'typebox';
import { requireDevice } from '../../http/authenticate.ts';
import { errorResponses, idParam, Timestamp, toIso } from '../../http/schemas.ts';
import type { AppDependencies, TypedApp } from '../../http/types.ts';

const deviceOnly = [{ deviceProof: [] }];

const SignedCallNoticeSchema = Type.Object(
  {
    id: Type.String(),
    jws: Type.String({
      description:
        'Compact JWS (typ hda-call-notice+jwt, ES256, kid: a server key the device pins), aud: this device; verify it before showing anything (docs/device-protocol.md, "Call notices").',
    }),
  },
  { $id: 'SignedCallNotice', title: 'SignedCallNotice' },
);

export function registerDeviceCallRoutes(app: TypedApp, { services }: AppDependencies): void {
  const calls = services.calls;

  app.get(
    '/v1/device/call-notices/current',
    {
      config: { auth: 'device' },
      schema: {
        tags: ['device'],
        summary:
          'Is anyone from the bank calling me? The active notice or none, with a signed statement either way.',
        operationId: 'getCurrentCallNotice',
        security: deviceOnly,
        querystring: Type.Object(
          {
            nonce: Type.Optional(
              Type.String({
                minLength: 16,
                maxLength: 128,
                pattern: noncePatternSource,
                description: 'Echoed in the signed statement, so the device knows the answer is fresh.',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            notice: Type.Union([SignedCallNoticeSchema, Type.Null()]),
            checkedAt: Timestamp,
            statement: Type.String({
              description:
                'Compact JWS (typ hda-call-status+jwt), aud: this device: { active, noticeId, iat, exp, nonce? }.',
            }),
          }),
          ...errorResponses(401),
        },
      },
    },
    async (request) => {
      const answer = await calls.current(requireDevice(request), request.query.nonce);
      return { ...answer, checkedAt: toIso(answer.checkedAt) };
    },
  );

  app.get(
    '/v1/device/call-notices/:id',
    {
      config: { auth: 'device' },
      schema: {
        tags: ['device'],
        summary: 'One call notice of the customer, signed for this device; records that it was shown.',
        operationId: 'getDeviceCallNotice',
        security: deviceOnly,
        params: idParam('callNotice', 'Call notice id.'),
        response: { 200: SignedCallNoticeSchema, ...errorResponses(401, 404) },
      },
    },
    async (request) => calls.open(requireDevice(request), request.params.id),
  );

  app.post(
    '/v1/device/call-notices/:id/confirm',
    {
      config: { auth: 'device' },
      schema: {
        tags: ['device'],
        summary:
          "The customer's answer: confirmed (this is my call; the agent read the code the app shows) or mismatch, which is also a fake-call report.",
        description:
          'CALL_CODE_NOT_EXPECTED for confirmed in customer_reads mode (the agent confirms by typing the code); CALL_NOTICE_NOT_ACTIVE once the notice ended.',
        operationId: 'confirmCallNotice',
        security: deviceOnly,
        params: idParam('callNotice', 'Call notice id.'),
        body: Type.Object(
          { outcome: Type.String({ enum: [...callDeviceOutcomes] }) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            confirmation: Type.String({ enum: ['pending', 'confirmed', 'mismatch'] }),
            reportId: Type.Union([Type.String(), Type.Null()], {
              description: 'mismatch: the fraud report it became.',
            }),
          }),
          ...errorResponses(401, 404, 409, 413, 415),
        },
      },
    },
    async (request) =>
      calls.confirm(
        requireDevice(request),
        request.params.id,
        request.body.outcome as 'confirmed' | 'mismatch',
      ),
  );

  app.post(
    '/v1/device/call-reports',
    {
      config: { auth: 'device' },
      schema: {
        tags: ['device'],
        summary:
          'Report a call that claimed to be the bank: it becomes a fraud report for the supervisors (and webhooks call.reported, customer.fraud_reported).',
        operationId: 'reportCall',
        security: deviceOnly,
        body: Type.Object(
          {
            noticeId: Type.Optional(Type.String({ pattern: idPattern('callNotice') })),
            numberSeen: Type.Optional(
              Type.String({
                minLength: 1,
                maxLength: callNoticeLimits.numberSeen.max,
                pattern: '^[0-9+() .\\-/#*]+$',
                description: 'The number the phone showed, as the customer typed it.',
              }),
            ),
            note: Type.Optional(Type.String({ minLength: 1, maxLength: callNoticeLimits.note.max })),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({ reportId: Type.String(), fraudReported: Type.Boolean() }),
          ...errorResponses(401, 404, 413, 415, 429),
        },
      },
    },
    async (request, reply) => {
      const result = await calls.report(requireDevice(request), request.body);
      reply.status(201);
      return { reportId: result.reportId, fraudReported: true };
    },
  );
}
