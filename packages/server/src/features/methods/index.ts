// Fallback methods: one-time codes by SMS or e-mail, TOTP and security questions, composed with
// the policy they answer to. The public entry of the feature.
import { emailProviderName, smsProviderName } from '../../config/config.ts';
import type { ServiceContext } from '../../platform/context.ts';
import { keyedHash } from '../../platform/secrets.ts';
import type { MessageProvider } from '../../providers/messages/message-provider.ts';
import { createOutboxEmailProvider, createOutboxSmsProvider } from '../../providers/messages/outbox-sms.ts';
import { createSmtpEmailProvider } from '../../providers/messages/smtp-email.ts';
import { createTwilioSmsProvider } from '../../providers/messages/twilio-sms.ts';
import { createVonageSmsProvider } from '../../providers/messages/vonage-sms.ts';
import { createWebhookSmsProvider } from '../../providers/messages/webhook-sms.ts';
import {
  createCustomerMethodService,
  createCustomerNotifier,
  createPolicyService,
  type NoticePush,
} from '../policy/index.ts';
import { createOneTimeCodeService, type OtpChannel } from './one-time-codes.ts';
import { createSecurityQuestionService } from './security-questions.ts';
import { createTotpService } from './totp.ts';

/**
 * Vonage does not sign delivery receipts unless the account enables signed webhooks, so the
 * receipt URL itself carries a secret: a keyed hash of the API key that only this server can
 * make. A receipt sent to any other URL is not ours.
 */
export function vonageReceiptToken(encryptionKey: Buffer, apiKey: string): string {
  return keyedHash(encryptionKey, `vonage-delivery-receipts:${apiKey}`);
}

function reachableCallbackBase(publicUrl: string): boolean {
  const url = new URL(publicUrl);
  return url.protocol === 'https:' || ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}

/** The configured SMS and e-mail providers; a channel whose provider is `none` is absent. */
export function messageProvidersFromConfig(
  context: ServiceContext,
): Partial<Record<OtpChannel, MessageProvider>> {
  const { config, db, clock } = context;
  const providers: Partial<Record<OtpChannel, MessageProvider>> = {};
  const outbox = { db, clock, mode: config.mode };
  switch (smsProviderName(config)) {
    case 'outbox':
      providers.sms = createOutboxSmsProvider(outbox);
      break;
    case 'twilio':
      providers.sms = createTwilioSmsProvider({
        accountSid: config.twilioAccountSid ?? '',
        authToken: config.twilioAuthToken ?? '',
        from: config.twilioFrom ?? '',
        apiUrl: config.twilioApiUrl,
        // Twilio reports each message's fate here (features/methods/provider-callbacks.ts), when it can
        // reach the server: an https public address (or this machine, for tests).
        ...(reachableCallbackBase(config.publicUrl)
          ? { statusCallbackUrl: `${config.publicUrl.replace(/\/$/, '')}/v1/providers/twilio/status` }
          : {}),
      });
      break;
    case 'vonage':
      providers.sms = createVonageSmsProvider({
        apiKey: config.vonageApiKey ?? '',
        apiSecret: config.vonageApiSecret ?? '',
        from: config.vonageFrom ?? '',
        apiUrl: config.vonageApiUrl,
        // Vonage sends each message's delivery receipt here (features/methods/provider-callbacks.ts).
        ...(reachableCallbackBase(config.publicUrl)
          ? {
              callbackUrl: `${config.publicUrl.replace(/\/$/, '')}/v1/providers/vonage/receipts/${vonageReceiptToken(context.encryptionKey, config.vonageApiKey ?? '')}`,
            }
          : {}),
      });
      break;
    case 'webhook':
      providers.sms = createWebhookSmsProvider({
        url: config.smsWebhookUrl ?? '',
        secret: config.smsWebhookSecret ?? '',
        now: clock,
      });
      break;
    case 'none':
      break;
  }
  switch (emailProviderName(config)) {
    case 'outbox':
      providers.email = createOutboxEmailProvider(outbox);
      break;
    case 'smtp':
      providers.email = createSmtpEmailProvider({ url: config.smtpUrl ?? '', from: config.emailFrom ?? '' });
      break;
    case 'none':
      break;
  }
  return providers;
}

/**
 * Fallback methods and the policy engine (docs/fallbacks.md, docs/policy.md). `providers`
 * overrides the configured ones (tests pass providers aimed at local servers).
 */
export function createFallbackServices(
  context: ServiceContext,
  options: { providers?: Partial<Record<OtpChannel, MessageProvider>>; push?: NoticePush } = {},
) {
  const providers = options.providers ?? messageProvidersFromConfig(context);
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
    securityQuestions: createSecurityQuestionService(context, { methods, notifier }),
  };
}

export type FallbackServices = ReturnType<typeof createFallbackServices>;

export type { OtpChannel } from './one-time-codes.ts';
