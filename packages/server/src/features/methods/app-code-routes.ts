// The app-code routes: a device obtains its offline-code secret once, and the agent checks the code
// the caller reads from their app.
import { Type } from 'typebox';
import { requireDevice, requirePrincipal } from '../../http/authenticate.ts';
import { errorResponses, idParam, operatorOrApiKey, toIso } from '../../http/schemas.ts';
import type { AppDependencies, TypedApp } from '../../http/types.ts';
import { systemActor } from '../../platform/audit-log.ts';
import { Action, TotpCode } from './totp-routes.ts';

/** The offline-code secret as a device receives it, once (docs/device-protocol.md, "Offline codes"). */
export const OfflineSecretSchema = Type.Object(
  {
    secret: Type.String({
      description: 'Base32 (RFC 4648) seed, 160 bits, returned this once: keep it in the key store.',
    }),
    algorithm: Type.String({ enum: ['SHA1'], description: 'HMAC of RFC 6238.' }),
    digits: Type.Integer({ enum: [6] }),
    period: Type.Integer({ enum: [30], description: 'Seconds per time step.' }),
  },
  {
    $id: 'OfflineSecret',
    title: 'OfflineSecret',
    description:
      'The RFC 6238 secret the device turns into the code it shows offline ("code from the customer\'s app").',
  },
);

export function registerAppCodeRoutes(app: TypedApp, { services }: AppDependencies): void {
  const appCodes = services.fallbacks.appCodes;
  app.addSchema(OfflineSecretSchema);

  app.post(
    '/v1/device/offline-secret',
    {
      config: { auth: 'device' },
      schema: {
        tags: ['device'],
        summary: 'A device enrolled without an offline-code secret obtains one, once.',
        description:
          'Devices enrolled since app codes exist get the secret in the enrollment answer (`offlineCode`). A device enrolled before asks here, once: the secret is never returned again (409 OFFLINE_SECRET_ISSUED); to replace it, enrol the device again.',
        operationId: 'issueOfflineSecret',
        security: [{ deviceProof: [] }],
        response: {
          201: Type.Object({ offlineCode: Type.Ref('OfflineSecret') }),
          ...errorResponses(401, 409),
        },
      },
    },
    async (request, reply) => {
      const device = requireDevice(request);
      const offlineCode = await appCodes.issueForDevice(device, systemActor);
      reply.status(201);
      return { offlineCode };
    },
  );

  app.post(
    '/v1/customers/:id/app-code/verify',
    {
      config: { auth: 'verifications:write' },
      schema: {
        tags: ['fallbacks'],
        summary: 'Check the code the caller reads from their enrolled app (works when the phone is offline).',
        description:
          "The customer's app shows a six-digit code that changes every 30 seconds, computed on the device from the secret it got at enrollment, without a network. WRONG_CODE for a wrong code (it counts toward the method's cap and the customer's hourly failures); CODE_REPLAYED for a code already accepted once (ask for the next one); TOO_MANY_FAILURES at the method's cap (`appCode.maxFailures` in an hour) or the customer's hourly limit; METHOD_UNAVAILABLE when the policy does not allow app codes here or the customer has no device with offline codes.",
        operationId: 'verifyAppCode',
        security: operatorOrApiKey,
        params: idParam('customer', 'Customer id.'),
        body: Type.Object({ code: TotpCode, action: Action }, { additionalProperties: false }),
        response: {
          200: Type.Ref('FallbackResult'),
          ...errorResponses(401, 403, 404, 409, 413, 415, 422, 429),
        },
      },
    },
    async (request) => {
      const principal = requirePrincipal(request);
      const result = await appCodes.verify(
        principal.tenantId,
        request.params.id,
        request.body,
        principal.actor,
      );
      return { ...result, verifiedAt: toIso(result.verifiedAt) };
    },
  );
}
