import { createActivationDelivery } from './activation-delivery.ts';
import { createApiKeyService } from './api-keys.ts';
import { createCibaService } from './ciba/ciba.ts';
import { createKeycloakChannelService } from './ciba/keycloak-channel.ts';
import { createOidcClientService } from './ciba/oidc-clients.ts';
import type { ServiceContext } from './context.ts';
import { createCustomerService } from './customers.ts';
import { createDeviceAuth } from './device-auth.ts';
import { createDeviceService } from './devices.ts';
import { createFallbackServices } from './fallbacks/index.ts';
import { createHousekeeping } from './housekeeping.ts';
import { createOperatorService } from './operators.ts';
import { createPushDelivery } from './push-delivery.ts';
import { createServerKeyService } from './server-keys.ts';
import { createSessionService } from './sessions.ts';
import { createTenantService } from './tenants.ts';
import { createVerificationService } from './verifications.ts';
import { createWebAuthnService } from './webauthn.ts';
import { createWebhookService } from './webhooks.ts';

export function createServices(context: ServiceContext) {
  const serverKeys = createServerKeyService(context);
  const devices = createDeviceService(context, {
    // Called after an enrollment's answer, by which time `fallbacks` exists.
    enrolled: (tenantId, customerId, deviceId, at) =>
      fallbacks.notifier.deviceEnrolled(tenantId, customerId, deviceId, at),
  });
  const deviceAuth = createDeviceAuth(context);
  const delivery = createPushDelivery(context, serverKeys);
  const webauthn = createWebAuthnService(context);
  const fallbacks = createFallbackServices(context, {
    push: {
      targets: (tenantId, customerId) => devices.deliveryTargets(tenantId, customerId),
      send: (channel, message) => delivery.send(channel, message),
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
  const oidcClients = createOidcClientService(context);
  return {
    context,
    webhooks: createWebhookService(context),
    tenants: createTenantService(context),
    operators: createOperatorService(context),
    sessions: createSessionService(context),
    apiKeys: createApiKeyService(context),
    customers: createCustomerService(context),
    housekeeping: createHousekeeping(context),
    serverKeys,
    devices,
    deviceAuth,
    delivery,
    webauthn,
    verifications,
    oidcClients,
    ciba: createCibaService(context, { clients: oidcClients, verifications, serverKeys }),
    keycloakChannel: createKeycloakChannelService(context, { verifications }),
    fallbacks,
    activationDelivery: createActivationDelivery(context, { devices, providers: fallbacks.providers }),
  };
}

export type Services = ReturnType<typeof createServices>;
