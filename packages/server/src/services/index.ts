import { createApiKeyService } from './api-keys.ts';
import type { ServiceContext } from './context.ts';
import { createCustomerService } from './customers.ts';
import { createDeviceAuth } from './device-auth.ts';
import { createDeviceService } from './devices.ts';
import { createHousekeeping } from './housekeeping.ts';
import { createOperatorService } from './operators.ts';
import { createPushDelivery } from './push-delivery.ts';
import { createServerKeyService } from './server-keys.ts';
import { createSessionService } from './sessions.ts';
import { createTenantService } from './tenants.ts';
import { createVerificationService } from './verifications.ts';

export function createServices(context: ServiceContext) {
  const serverKeys = createServerKeyService(context);
  const devices = createDeviceService(context);
  const deviceAuth = createDeviceAuth(context);
  const delivery = createPushDelivery(context, serverKeys);
  return {
    context,
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
    verifications: createVerificationService(context, { devices, deviceAuth, serverKeys, delivery }),
  };
}

export type Services = ReturnType<typeof createServices>;
