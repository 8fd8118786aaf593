// The tenant routes: read and change the signed-in operator's tenant.
import { pushSettingsLimits } from '@helpdesk-auth/core';
import { Type } from 'typebox';
import { requirePrincipal } from '../../http/authenticate.ts';
import { errorResponses, operatorOrApiKey, Timestamp, toIso } from '../../http/schemas.ts';
import type { AppDependencies, TypedApp } from '../../http/types.ts';
import type { Tenant } from './tenants.ts';

const pushSettingField = (limits: { min: number; max: number }, description: string) =>
  Type.Integer({ minimum: limits.min, maximum: limits.max, description });

const pushSettingFields = {
  codeLength: pushSettingField(pushSettingsLimits.codeLength, 'Digits in the code the agent reads out.'),
  expirySeconds: pushSettingField(
    pushSettingsLimits.expirySeconds,
    'Seconds until a pending request expires.',
  ),
  maxCodeAttempts: pushSettingField(
    pushSettingsLimits.maxCodeAttempts,
    'Wrong codes before the request fails.',
  ),
  pushRequestsPerWindow: pushSettingField(
    pushSettingsLimits.pushRequestsPerWindow,
    'Push requests per customer per window (against push bombing).',
  ),
  pushWindowSeconds: pushSettingField(pushSettingsLimits.pushWindowSeconds, 'The push cap window.'),
  requireUserVerification: Type.Boolean({
    description:
      'Approvals must carry a WebAuthn assertion with user verification (biometrics or device PIN).',
  }),
};

const MessageTemplatesSchema = Type.Record(
  Type.String({ pattern: '^(default|[a-z]{2,3})$' }),
  Type.Object(
    {
      code: Type.Optional(
        Type.String({ minLength: 1, maxLength: 480, description: 'The one-time code; must contain {code}.' }),
      ),
      codeLink: Type.Optional(
        Type.String({
          minLength: 1,
          maxLength: 480,
          description:
            'The one-time code with the link of delivery customer_link; must contain {code} and {link}.',
        }),
      ),
      pushReason: Type.Optional(
        Type.String({
          minLength: 1,
          maxLength: 200,
          description: 'The reason a push request shows when the agent gives none.',
        }),
      ),
      activationLink: Type.Optional(
        Type.String({
          minLength: 1,
          maxLength: 480,
          description: 'The activation link sent by SMS or e-mail; must contain {link}.',
        }),
      ),
      noticeVerified: Type.Optional(
        Type.String({
          minLength: 1,
          maxLength: 480,
          description: 'The notice after a verification; {time}.',
        }),
      ),
      noticeFraudReported: Type.Optional(
        Type.String({
          minLength: 1,
          maxLength: 480,
          description: 'The notice after a fraud report; {time}.',
        }),
      ),
      noticeDeviceEnrolled: Type.Optional(
        Type.String({
          minLength: 1,
          maxLength: 480,
          description: 'The notice after a new device was set up; {time}.',
        }),
      ),
      signInReason: Type.Optional(
        Type.String({
          minLength: 1,
          maxLength: 160,
          description:
            'The reason a sign-in request (CIBA, Keycloak) shows without a binding message; may contain {requester}.',
        }),
      ),
    },
    { additionalProperties: false },
  ),
  {
    description:
      "The tenant's own texts for customers, per language (de, en, ...) or default: a customer gets the template of their language, else default, else the built-in text in their language, else English. Placeholders: {tenant}, {code}, {minutes}, {link}, {requester}, {time}. A change replaces them as a whole; {} removes them.",
  },
);
const SecondFactorRule = Type.Union([Type.Literal('optional'), Type.Literal('required')], {
  description:
    'Whether operators who sign in with a password must use a second factor (a passkey or an authenticator app). `required`: one without it sets it up at the next sign-in before anything else.',
});

const TenantSchema = Type.Object(
  {
    id: Type.String(),
    slug: Type.String(),
    name: Type.String(),
    verification: Type.Object(pushSettingFields),
    messageTemplates: MessageTemplatesSchema,
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
              Type.Partial(Type.Object(pushSettingFields), {
                additionalProperties: false,
                minProperties: 1,
                description:
                  'Push verification settings to change. Refused when the chance of guessing the code within the attempts exceeds 5%.',
              }),
            ),
            // Replaces the templates as a whole; {} removes them.
            messageTemplates: Type.Optional(MessageTemplatesSchema),
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
