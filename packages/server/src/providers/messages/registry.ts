// The registry of message providers: the SMS and e-mail providers the configuration names, and
// the secret in the URL where Vonage sends its delivery receipts.
import { emailProviderName, smsProviderName } from '../../config/config.ts';
import type { ServiceContext } from '../../platform/context.ts';
import { keyedHash } from '../../platform/secrets.ts';
import type { MessageProvider } from './message-provider.ts';
import { createOutboxEmailProvider, createOutboxSmsProvider } from './outbox-sms.ts';
import { createSmtpEmailProvider } from './smtp-email.ts';
import { createTwilioSmsProvider } from './twilio-sms.ts';
import { createVonageSmsProvider } from './vonage-sms.ts';
import { createWebhookSmsProvider } from './webhook-sms.ts';

/** The channels a message provider serves: one-time codes and notices go out by SMS or e-mail. */
export type MessageChannel = 'sms' | 'email';

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
): Partial<Record<MessageChannel, MessageProvider>> {
  const { config, db, clock } = context;
  const providers: Partial<Record<MessageChannel, MessageProvider>> = {};
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
