// Fallback methods: one-time codes by SMS or e-mail, TOTP and security questions, composed with
// the policy they answer to. The public entry of the feature.
import type { ServiceContext } from '../../platform/context.ts';
import type { MessageProvider } from '../../providers/messages/message-provider.ts';
import { guardPracticeAddresses } from '../../providers/messages/practice-outbox.ts';
import { messageProvidersFromConfig } from '../../providers/messages/registry.ts';
import {
  createCustomerMethodService,
  createCustomerNotifier,
  createPolicyService,
  type NoticePush,
} from '../policy/index.ts';
import { createAppCodeService } from './app-codes.ts';
import { createOneTimeCodeService, type OtpChannel } from './one-time-codes.ts';
import { createSecurityQuestionService } from './security-questions.ts';
import { createTotpService } from './totp.ts';

/**
 * Fallback methods and the policy engine (docs/fallbacks.md, docs/policy.md). `providers`
 * overrides the configured ones (tests pass providers aimed at local servers).
 */
export function createFallbackServices(
  context: ServiceContext,
  options: { providers?: Partial<Record<OtpChannel, MessageProvider>>; push?: NoticePush } = {},
) {
  // Messages to the practice space's made-up customers never reach a provider (docs/training.md).
  const providers = guardPracticeAddresses(options.providers ?? messageProvidersFromConfig(context), context);
  const methods = createCustomerMethodService(context, {
    providers: { sms: providers.sms !== undefined, email: providers.email !== undefined },
  });
  const notifier = createCustomerNotifier(context, { providers, push: options.push });
  return {
    providers,
    policies: createPolicyService(context),
    methods,
    notifier,
    oneTimeCodes: createOneTimeCodeService(context, { methods, providers, notifier }),
    totp: createTotpService(context, { methods, notifier }),
    appCodes: createAppCodeService(context, { methods, notifier }),
    securityQuestions: createSecurityQuestionService(context, { methods, notifier }),
  };
}

export type FallbackServices = ReturnType<typeof createFallbackServices>;

export { issueOfflineSecret, type OfflineSecret, removeOfflineSecret } from './app-codes.ts';
export { type FallbackReason, fallbackReasons } from './fallback-reason.ts';
export type { OtpChannel } from './one-time-codes.ts';
// The RFC 6238 arithmetic, which operators' own authenticator-app factor uses too.
export {
  matchTotpStep,
  newTotpSeed,
  seedFromBase32,
  seedToBase32,
  totpCodeForStep,
  totpEnrollmentUri,
  totpStep,
} from './totp-codes.ts';
