// The tenant routes: read and change the signed-in operator's tenant.
import { verificationPolicyLimits } from '@helpdesk-auth/core';
import { Type } from 'typebox';
import { requirePrincipal } from '../../http/authenticate.ts';
import { errorResponses, operatorOrApiKey, Timestamp, toIso } from '../../http/schemas.ts';
import type { AppDependencies, TypedApp } from '../../http/types.ts';
import type { Tenant } from './tenants.ts';

const policyField = (limits: { min: number; max: number }, description: string) =>
  Type.Integer({ minimum: limits.min, maximum: limits.max, description });

const policyFields = {
  codeLength: policyField(verificationPolicyLimits.codeLength, 'Digits in the code the agent reads out.'),
  expirySeconds: policyField(
    verificationPolicyLimits.expirySeconds,
    'Seconds until a pending request expires.',
  ),
  maxCodeAttempts: policyField(
    verificationPolicyLimits.maxCodeAttempts,
    'Wrong codes before the request fails.',
  ),
  pushRequestsPerWindow: policyField(
    verificationPolicyLimits.pushRequestsPerWindow,
    'Push requests per customer per window (against push bombing).',
  ),
  pushWindowSeconds: policyField(verificationPolicyLimits.pushWindowSeconds, 'The push cap window.'),
  requireUserVerification: Type.Boolean({
    description:
      'Approvals must carry a WebAuthn assertion with user verification (biometrics or device PIN).',
  }),
};

const SecondFactorRule = Type.Union([Type.Literal('optional'), Type.Literal('required')], {
  description:
    'Whether operators who sign in with a password must use a second factor (an authenticator app). `required`: one without it sets it up at the next sign-in before anything else.',
});

const TenantSchema = Type.Object(
  {
    id: Type.String(),
    slug: Type.String(),
    name: Type.String(),
    verification: Type.Object(policyFields),
    operatorSecondFactor: SecondFactorRule,
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { $id: 'Tenant', title: 'Tenant' },
);

const tenantView = (t: Tenant) => ({ ...t, createdAt: toIso(t.createdAt), updatedAt: toIso(t.updatedAt) });

export function registerTenantRoutes(app: TypedApp, { services }: AppDependencies): void {
  app.get(
    '/v1/tenant',
    {
      config: { auth: 'tenant:read' },
      schema: {
        tags: ['tenant'],
        summary: 'Your tenant.',
        operationId: 'getTenant',
        security: operatorOrApiKey,
        response: { 200: TenantSchema, ...errorResponses(401, 403) },
      },
    },
    async (request) => tenantView(await services.tenants.get(requirePrincipal(request).tenantId)),
  );

  app.patch(
    '/v1/tenant',
    {
      config: { auth: 'tenant:write' },
      schema: {
        tags: ['tenant'],
        summary: 'Change tenant settings.',
        operationId: 'updateTenant',
        security: operatorOrApiKey,
        body: Type.Object(
          {
            name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            operatorSecondFactor: Type.Optional(SecondFactorRule),
            verification: Type.Optional(
              Type.Partial(Type.Object(policyFields), {
                additionalProperties: false,
                minProperties: 1,
                description:
                  'Push verification settings to change. Refused when the chance of guessing the code within the attempts exceeds 5%.',
              }),
            ),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: TenantSchema, ...errorResponses(401, 403, 413, 415) },
      },
    },
    async (request) => {
      const principal = requirePrincipal(request);
      return tenantView(await services.tenants.update(principal.tenantId, request.body, principal.actor));
    },
  );
}
