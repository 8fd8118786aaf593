// The one place that knows every feature's routes: it hands them to the HTTP layer, in the order
// they appear in the OpenAPI document.

import { registerAnalyticsRoutes } from '../features/analytics/routes.ts';
import { registerAuthenticatorAppRoutes } from '../features/apps/authenticator-routes.ts';
import { registerConsoleRoutes } from '../features/apps/console-routes.ts';
import { registerAuditRoutes } from '../features/audit/routes.ts';
import { registerDeviceCallRoutes } from '../features/calls/device-routes.ts';
import { registerCallNoticeRoutes } from '../features/calls/routes.ts';
import { registerCampaignRoutes } from '../features/campaigns/routes.ts';
import { registerKeycloakRoutes } from '../features/ciba/keycloak/routes.ts';
import { registerOidcClientRoutes } from '../features/ciba/oidc-client-routes.ts';
import { registerOidcRoutes } from '../features/ciba/routes.ts';
import { registerCustomerRoutes } from '../features/customers/routes.ts';
import { registerScimRoutes } from '../features/customers/scim/routes.ts';
import { registerDeviceRoutes } from '../features/devices/routes.ts';
import { registerFraudCaseRoutes } from '../features/fraud-cases/routes.ts';
import { registerAppCodeRoutes } from '../features/methods/app-code-routes.ts';
import { registerOneTimeCodeRoutes } from '../features/methods/one-time-code-routes.ts';
import { registerProviderCallbackRoutes } from '../features/methods/provider-callbacks.ts';
import { registerSecurityQuestionRoutes } from '../features/methods/security-question-routes.ts';
import { registerTotpRoutes } from '../features/methods/totp-routes.ts';
import { registerApiKeyRoutes } from '../features/operators/api-key-routes.ts';
import { registerAuthRoutes } from '../features/operators/auth-routes.ts';
import { registerOperatorRoutes } from '../features/operators/routes.ts';
import { registerSecondFactorRoutes } from '../features/operators/second-factor-routes.ts';
import { registerOperatorSsoRoutes } from '../features/operators/sso/routes.ts';
import { registerPolicyRoutes } from '../features/policy/routes.ts';
import { registerPracticeRoutes } from '../features/practice/routes.ts';
import { registerPushCredentialRoutes } from '../features/push/channels/push-credentials-routes.ts';
import { registerVerificationRoutes } from '../features/push/routes.ts';
import { registerServerKeyRoutes } from '../features/server-keys/routes.ts';
import { registerTenantRoutes } from '../features/tenants/routes.ts';
import { registerWebhookRoutes } from '../features/webhooks/routes.ts';
import { registerWidgetRoutes } from '../features/widget/routes.ts';
import { buildHttpApp } from '../http/app.ts';
import type { EventStreams } from '../http/event-stream.ts';
import { registerHealthRoutes } from '../http/health.ts';
import type { App, AppDependencies, TypedApp } from '../http/types.ts';

export async function buildApp(deps: AppDependencies): Promise<App> {
  return buildHttpApp(deps, registerRoutes);
}

function registerRoutes(typed: TypedApp, deps: AppDependencies, streams: EventStreams): void {
  registerHealthRoutes(typed, deps);
  registerAuthRoutes(typed, deps);
  registerTenantRoutes(typed, deps);
  registerPushCredentialRoutes(typed, deps);
  registerOperatorRoutes(typed, deps);
  registerSecondFactorRoutes(typed, deps);
  registerApiKeyRoutes(typed, deps);
  registerCustomerRoutes(typed, deps);
  registerAuditRoutes(typed, deps);
  registerDeviceRoutes(typed, deps, streams);
  registerServerKeyRoutes(typed, deps);
  registerVerificationRoutes(typed, deps, streams);
  registerCallNoticeRoutes(typed, deps, streams);
  registerDeviceCallRoutes(typed, deps);
  registerAuthenticatorAppRoutes(typed, deps);
  registerConsoleRoutes(typed, deps);
  registerWidgetRoutes(typed, deps, streams);
  registerWebhookRoutes(typed, deps);
  registerOperatorSsoRoutes(typed, deps);
  registerScimRoutes(typed, deps);
  registerOidcRoutes(typed, deps);
  registerOidcClientRoutes(typed, deps);
  registerKeycloakRoutes(typed, deps);
  registerPolicyRoutes(typed, deps);
  registerFraudCaseRoutes(typed, deps, streams);
  registerAnalyticsRoutes(typed, deps);
  registerOneTimeCodeRoutes(typed, deps);
  registerProviderCallbackRoutes(typed, deps);
  registerTotpRoutes(typed, deps);
  registerAppCodeRoutes(typed, deps);
  registerSecurityQuestionRoutes(typed, deps);
  registerCampaignRoutes(typed, deps);
  registerPracticeRoutes(typed, deps);
}
