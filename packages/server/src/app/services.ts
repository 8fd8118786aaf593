// The composition root: the one place that builds every service and passes each the others it
// needs.

import { createAnalyticsService } from '../features/analytics/index.ts';
import { createCallNoticeService } from '../features/calls/calls.ts';
import { createCampaignSender, createCampaignService } from '../features/campaigns/index.ts';
import { createCibaService } from '../features/ciba/ciba.ts';
import { createKeycloakChannelService } from '../features/ciba/keycloak/keycloak-channel.ts';
import { createOidcClientService } from '../features/ciba/oidc-clients.ts';
import { createCustomerService } from '../features/customers/customers.ts';
import { createScimUserService } from '../features/customers/scim/scim-users.ts';
import { createActivationDelivery } from '../features/devices/activation-delivery.ts';
import { createDeviceAuth } from '../features/devices/device-auth.ts';
import { createDeviceService } from '../features/devices/devices.ts';
import { createWebAuthnService } from '../features/devices/webauthn.ts';
import { createFraudCaseService } from '../features/fraud-cases/index.ts';
import { createFallbackServices } from '../features/methods/index.ts';
import { createApiKeyService } from '../features/operators/api-keys.ts';
import { createOperatorService } from '../features/operators/operators.ts';
import { createSecondFactorService } from '../features/operators/second-factor.ts';
import { createSessionService } from '../features/operators/sessions.ts';
import { createOperatorSsoService } from '../features/operators/sso/operator-sso.ts';
import { createPracticeService } from '../features/practice/practice.ts';
import { createSimulatedPhones } from '../features/practice/simulated-phone.ts';
import { createPushDelivery } from '../features/push/channels/delivery.ts';
import { createPushCredentialService } from '../features/push/channels/push-credentials.ts';
import { createTestPush } from '../features/push/channels/test-push.ts';
import { createVerificationService } from '../features/push/verifications.ts';
import { createTenantService } from '../features/tenants/tenants.ts';
import { createWebhookService } from '../features/webhooks/webhooks.ts';
import { createWidgetTokenService } from '../features/widget/widget-tokens.ts';
import type { ServiceContext } from '../platform/context.ts';
import { createServerKeyService } from '../platform/signing/server-keys.ts';
import { createHousekeeping } from './housekeeping.ts';

export function createServices(context: ServiceContext) {
  const serverKeys = createServerKeyService(context);
  const devices = createDeviceService(context, {
    // Called after an enrollment's answer, by which time `fallbacks` exists.
    enrolled: (tenantId, customerId, deviceId, at) =>
      fallbacks.notifier.deviceEnrolled(tenantId, customerId, deviceId, at),
  });
  const deviceAuth = createDeviceAuth(context);
  const pushCredentials = createPushCredentialService(context);
  const delivery = createPushDelivery(context, serverKeys, pushCredentials);
  const webauthn = createWebAuthnService(context);
  const fallbacks = createFallbackServices(context, {
    push: {
      targets: (tenantId, customerId) => devices.deliveryTargets(tenantId, customerId),
      send: (tenantId, channel, message) => delivery.send(tenantId, channel, message),
    },
  });
  const verifications = createVerificationService(context, {
    devices,
    deviceAuth,
    serverKeys,
    delivery,
    webauthn,
    notify: (tenantId, customerId, event, at) => fallbacks.notifier.notify(tenantId, customerId, event, at),
  });
  const calls = createCallNoticeService(context, {
    devices,
    serverKeys,
    delivery,
    notify: (tenantId, customerId, event, at) => fallbacks.notifier.notify(tenantId, customerId, event, at),
  });
  const oidcClients = createOidcClientService(context);
  const activationDelivery = createActivationDelivery(context, { devices, providers: fallbacks.providers });
  const practicePhones = createSimulatedPhones(context, { devices, verifications, serverKeys });
  return {
    context,
    webhooks: createWebhookService(context),
    tenants: createTenantService(context),
    operators: createOperatorService(context),
    sessions: createSessionService(context),
    secondFactor: createSecondFactorService(context),
    apiKeys: createApiKeyService(context),
    customers: createCustomerService(context),
    housekeeping: createHousekeeping(context),
    serverKeys,
    devices,
    deviceAuth,
    delivery,
    pushCredentials,
    testPush: createTestPush(context, { devices, delivery }),
    webauthn,
    verifications,
    calls,
    oidcClients,
    ciba: createCibaService(context, { clients: oidcClients, verifications, serverKeys }),
    keycloakChannel: createKeycloakChannelService(context, { verifications }),
    fallbacks,
    fraudCases: createFraudCaseService(context, { locks: fallbacks.methods }),
    analytics: createAnalyticsService(context),
    activationDelivery,
    campaigns: createCampaignService(context, { providers: fallbacks.providers }),
    campaignSender: createCampaignSender(context, { activationDelivery, providers: fallbacks.providers }),
    operatorSso: createOperatorSsoService(context),
    scimUsers: createScimUserService(context),
    widgetTokens: createWidgetTokenService(context),
    practicePhones,
    practice: createPracticeService(context, {
      phones: practicePhones,
      securityQuestions: fallbacks.securityQuestions,
    }),
  };
}

export type Services = ReturnType<typeof createServices>;
