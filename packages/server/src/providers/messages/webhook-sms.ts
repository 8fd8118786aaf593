// SMS through an HTTPS webhook the tenant runs, signed like outgoing webhooks.
import { createHmac } from 'node:crypto';
import {
  checkApiUrl,
  e164Pattern,
  kindForStatus,
  type MessageProvider,
  ProviderConfigError,
  ProviderError,
  postWithTimeout,
} from './message-provider.ts';

export interface WebhookSmsConfig {
  /** Your HTTPS endpoint that sends the SMS (plain http only to this machine). */
  url: string;
  /** Shared secret for the signature header; at least 32 characters. */
  secret: string;
  timeoutMs?: number;
  /** Seconds since the epoch for the signature timestamp; tests pass their clock. */
  now?: () => number;
}

export const smsWebhookSignatureHeader = 'helpdesk-auth-signature';

/**
 * HMAC-SHA256 over `${timestamp}.${body}` in hex, sent as `t=<timestamp>,v1=<hex>`: the same
 * scheme as outgoing webhooks (docs/fallbacks.md), so a receiver verifies both the same way.
 */
export function smsWebhookSignature(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/**
 * SMS through your own HTTPS endpoint (an SMS gateway of your choice). The request is a JSON POST
 * `{"id", "to", "text"}`, signed. A 2xx answer means accepted; a JSON body with `id` names the
 * message for later status reports.
 */
export function createWebhookSmsProvider(config: WebhookSmsConfig): MessageProvider {
  const problems: string[] = [];
  const url = checkApiUrl(config.url ?? '', 'SMS_WEBHOOK_URL', problems);
  if (!config.secret || config.secret.length < 32) {
    problems.push('SMS_WEBHOOK_SECRET must be at least 32 characters.');
  }
  if (problems.length > 0 || !url) throw new ProviderConfigError('webhook', problems);
  const now = config.now ?? (() => Date.now());
  const timeoutMs = config.timeoutMs ?? 10_000;

  return {
    name: 'webhook',
    channel: 'sms',
    async send(message) {
      if (!e164Pattern.test(message.to)) {
        throw new ProviderError('webhook', 'rejected', 'The recipient is not an E.164 phone number.');
      }
      const body = JSON.stringify({ id: message.reference, to: message.to, text: message.text });
      const timestamp = Math.floor(now() / 1000);
      const response = await postWithTimeout(
        'webhook',
        url.toString(),
        {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            [smsWebhookSignatureHeader]: `t=${timestamp},v1=${smsWebhookSignature(config.secret, timestamp, body)}`,
          },
          body,
        },
        timeoutMs,
      );
      if (!response.ok) {
        throw new ProviderError(
          'webhook',
          kindForStatus(response.status),
          `The SMS webhook refused the message (HTTP ${response.status}).`,
        );
      }
      const answer = (await response.json().catch(() => ({}))) as { id?: unknown };
      return {
        status: 'queued',
        providerMessageId: typeof answer.id === 'string' ? answer.id.slice(0, 200) : null,
      };
    },
  };
}
