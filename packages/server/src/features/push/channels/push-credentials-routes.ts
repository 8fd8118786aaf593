// The tenant's FCM and APNs credentials (read, set, remove) and the test push to one device.
import { Type } from 'typebox';
import { requirePrincipal } from '../../../http/authenticate.ts';
import { errorResponses, idParam, operatorOrApiKey, Timestamp, toIso } from '../../../http/schemas.ts';
import type { AppDependencies, TypedApp } from '../../../http/types.ts';
import type { ApnsCredentialSummary, FcmCredentialSummary } from './push-credentials.ts';

const FcmSummary = Type.Object(
  {
    projectId: Type.String({ description: 'The Firebase project the messages are sent for.' }),
    clientEmail: Type.String({ description: 'The service account.' }),
    privateKeyId: Type.String({ description: "Which of the service account's keys (its id, not the key)." }),
    updatedAt: Timestamp,
  },
  { $id: 'FcmCredentials', title: 'FcmCredentials' },
);

const ApnsEnvironment = Type.String({
  enum: ['production', 'sandbox'],
  description: 'APNs environment for devices that enrolled without naming one.',
});

const ApnsSummary = Type.Object(
  {
    teamId: Type.String(),
    keyId: Type.String(),
    bundleId: Type.String({ description: 'The app, sent as apns-topic.' }),
    environment: ApnsEnvironment,
    updatedAt: Timestamp,
  },
  { $id: 'ApnsCredentials', title: 'ApnsCredentials' },
);

const PushCredentials = Type.Object(
  {
    fcm: Type.Union([Type.Ref('FcmCredentials'), Type.Null()]),
    apns: Type.Union([Type.Ref('ApnsCredentials'), Type.Null()]),
  },
  {
    $id: 'PushCredentials',
    title: 'PushCredentials',
    description: "What identifies the tenant's push credentials; private keys are never returned.",
  },
);

const fcmView = (c: FcmCredentialSummary) => ({ ...c, updatedAt: toIso(c.updatedAt) });
const apnsView = (c: ApnsCredentialSummary) => ({ ...c, updatedAt: toIso(c.updatedAt) });

export function registerPushCredentialRoutes(app: TypedApp, { services }: AppDependencies): void {
  app.addSchema(FcmSummary);
  app.addSchema(ApnsSummary);

  app.get(
    '/v1/tenant/push-credentials',
    {
      config: { auth: 'tenant:read' },
      schema: {
        tags: ['tenant'],
        summary: "The tenant's FCM and APNs credentials, as what identifies them.",
        operationId: 'getPushCredentials',
        security: operatorOrApiKey,
        response: { 200: PushCredentials, ...errorResponses(401, 403) },
      },
    },
    async (request) => {
      const summary = await services.pushCredentials.get(requirePrincipal(request).tenantId);
      return {
        fcm: summary.fcm ? fcmView(summary.fcm) : null,
        apns: summary.apns ? apnsView(summary.apns) : null,
      };
    },
  );

  app.put(
    '/v1/tenant/push-credentials/fcm',
    {
      config: { auth: 'tenant:write' },
      schema: {
        tags: ['tenant'],
        summary: "Set the tenant's FCM service account (replaces the one set before).",
        description:
          'The service-account key file Google Cloud gives (JSON, as text). It is checked (type, project id, client e-mail, an RSA private key, an https token URI), sealed at rest and never returned. Refused with PUSH_CREDENTIALS_INVALID.',
        operationId: 'setFcmCredentials',
        security: operatorOrApiKey,
        body: Type.Object(
          { serviceAccountJson: Type.String({ minLength: 2, maxLength: 16_384 }) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Ref('FcmCredentials'), ...errorResponses(401, 403, 413, 415) },
      },
    },
    async (request) => {
      const principal = requirePrincipal(request);
      return fcmView(
        await services.pushCredentials.setFcm(
          principal.tenantId,
          request.body.serviceAccountJson,
          principal.actor,
        ),
      );
    },
  );

  app.put(
    '/v1/tenant/push-credentials/apns',
    {
      config: { auth: 'tenant:write' },
      schema: {
        tags: ['tenant'],
        summary: "Set the tenant's APNs auth key (replaces the one set before).",
        description:
          "A token-signing key from Apple (the .p8 file, PEM text) with its key id, the team id and the app's bundle id. The key must be EC P-256; it is sealed at rest and never returned. Refused with PUSH_CREDENTIALS_INVALID.",
        operationId: 'setApnsCredentials',
        security: operatorOrApiKey,
        body: Type.Object(
          {
            teamId: Type.String({ pattern: '^[A-Z0-9]{10}$' }),
            keyId: Type.String({ pattern: '^[A-Z0-9]{10}$' }),
            privateKey: Type.String({ minLength: 1, maxLength: 4096, description: 'The .p8 file (PEM).' }),
            bundleId: Type.String({ minLength: 1, maxLength: 155, pattern: '^[A-Za-z0-9.-]+$' }),
            environment: ApnsEnvironment,
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Ref('ApnsCredentials'), ...errorResponses(401, 403, 413, 415) },
      },
    },
    async (request) => {
      const principal = requirePrincipal(request);
      const body = request.body;
      return apnsView(
        await services.pushCredentials.setApns(
          principal.tenantId,
          { ...body, environment: body.environment as 'production' | 'sandbox' },
          principal.actor,
        ),
      );
    },
  );

  for (const kind of ['fcm', 'apns'] as const) {
    const vendor = kind === 'fcm' ? 'FCM' : 'APNs';
    app.delete(
      `/v1/tenant/push-credentials/${kind}`,
      {
        config: { auth: 'tenant:write' },
        schema: {
          tags: ['tenant'],
          summary: `Remove the tenant's ${vendor} credentials; its ${vendor} devices are then unreachable by push.`,
          operationId: kind === 'fcm' ? 'deleteFcmCredentials' : 'deleteApnsCredentials',
          security: operatorOrApiKey,
          response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request);
        await services.pushCredentials.remove(principal.tenantId, kind, principal.actor);
        return reply.status(204).send(null);
      },
    );
  }

  app.post(
    '/v1/devices/:id/test-push',
    {
      config: { auth: 'devices:write' },
      schema: {
        tags: ['devices'],
        summary: 'Send a test push to this device and answer what its push service said.',
        description:
          'The message is `{type: "test", at}`: it names nobody and asks nothing. A push service that says the channel is gone (Web Push 404/410, FCM UNREGISTERED, APNs Unregistered or BadDeviceToken) drops it, as a verification push does. Audited as device.test_push_sent.',
        operationId: 'sendTestPush',
        security: operatorOrApiKey,
        params: idParam('device', 'Device id.'),
        response: {
          200: Type.Object(
            {
              outcome: Type.String({
                enum: ['accepted', 'gone', 'failed', 'unreachable'],
                description: 'unreachable: the device has no push channel, nothing was sent.',
              }),
              channel: Type.Union([Type.String({ enum: ['webpush', 'fcm', 'apns'] }), Type.Null()]),
              status: Type.Union([Type.Integer(), Type.Null()], {
                description: "The push service's HTTP status; null when none answered.",
              }),
              detail: Type.Union([Type.String(), Type.Null()], {
                description: 'Why it did not work, in the words of the verification timeline.',
              }),
            },
            { title: 'TestPushResult' },
          ),
          ...errorResponses(401, 403, 404),
        },
      },
    },
    async (request) => {
      const principal = requirePrincipal(request);
      return services.testPush.send(principal.tenantId, request.params.id, principal.actor);
    },
  );
}
