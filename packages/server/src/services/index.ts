import { createApiKeyService } from './api-keys.ts';
import type { ServiceContext } from './context.ts';
import { createCustomerService } from './customers.ts';
import { createOperatorService } from './operators.ts';
import { createSessionService } from './sessions.ts';
import { createTenantService } from './tenants.ts';

export function createServices(context: ServiceContext) {
  return {
    context,
    tenants: createTenantService(context),
    operators: createOperatorService(context),
    sessions: createSessionService(context),
    apiKeys: createApiKeyService(context),
    customers: createCustomerService(context),
  };
}

export type Services = ReturnType<typeof createServices>;
