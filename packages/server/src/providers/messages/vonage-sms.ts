// SMS through Vonage.
import {
  checkApiUrl,
  e164Pattern,
  kindForStatus,
  type MessageProvider,
  ProviderConfigError,
  ProviderError,
  type ProviderErrorKind,
  postWithTimeout,
} from './message-provider.ts';

export interface VonageSmsConfig {
  apiKey: string;
  apiSecret: string;
  /** A sender number (digits, E.164 without `+` accepted too) or an alphanumeric sender id (up to 11 characters). */
  from: string;
  /** API origin; https://rest.nexmo.com unless a test points it at a local server. */
  apiUrl?: string;
  /** Where Vonage should send delivery receipts; otherwise the account's default. */
  callbackUrl?: string;
  timeoutMs?: number;
}

// Vonage SMS API "status" values (SMS troubleshooting guide): 0 is success; the rest map onto our kinds.
const statusKinds: Record<string, ProviderErrorKind> = {
  '1': 'rate_limited', // Throttled
  '4': 'misconfigured', // Invalid credentials
  '5': 'unreachable', // Internal error
  '8': 'misconfigured', // Partner account barred
  '9': 'misconfigured', // Partner quota exceeded
  '13': 'unreachable', // Communication failed
  '14': 'misconfigured', // Invalid signature
  '15': 'misconfigured', // Invalid sender address
};

/**
 * SMS through Vonage's SMS API: `POST /sms/json` with HTTP Basic authentication (API key and
 * secret) and a form-encoded body (`from`, `to` in international form without `+`, `text`,
 * `client-ref`, optional `callback`). The answer lists one entry per message part; `status` "0"
 * means accepted, anything else names the error (with `error-text`).
 */
export function createVonageSmsProvider(config: VonageSmsConfig): MessageProvider {
  const problems: string[] = [];
  if (!config.apiKey) problems.push('VONAGE_API_KEY is required.');
  if (!config.apiSecret) problems.push('VONAGE_API_SECRET is required.');
  const from = (config.from ?? '').replace(/^\+/, '');
  if (!/^[0-9]{7,15}$/.test(from) && !/^[A-Za-z0-9 ]{1,11}$/.test(from)) {
    problems.push('VONAGE_FROM must be a phone number or an alphanumeric sender id of up to 11 characters.');
  }
  const apiUrl = checkApiUrl(config.apiUrl ?? 'https://rest.nexmo.com', 'VONAGE_API_URL', problems);
  if (config.callbackUrl) checkApiUrl(config.callbackUrl, 'Vonage callback URL', problems);
  if (problems.length > 0 || !apiUrl) throw new ProviderConfigError('vonage', problems);

  const endpoint = new URL('/sms/json', apiUrl).toString();
  const authorization = `Basic ${Buffer.from(`${config.apiKey}:${config.apiSecret}`).toString('base64')}`;
  const timeoutMs = config.timeoutMs ?? 10_000;

  return {
    name: 'vonage',
    channel: 'sms',
    async send(message) {
      if (!e164Pattern.test(message.to)) {
        throw new ProviderError('vonage', 'rejected', 'The recipient is not an E.164 phone number.');
      }
      const form = new URLSearchParams({
        from,
        to: message.to.slice(1),
        text: message.text,
        'client-ref': message.reference,
      });
      if (config.callbackUrl) form.set('callback', config.callbackUrl);
      const response = await postWithTimeout(
        'vonage',
        endpoint,
        {
          method: 'POST',
          headers: {
            authorization,
            'content-type': 'application/x-www-form-urlencoded',
            accept: 'application/json',
          },
          body: form.toString(),
        },
        timeoutMs,
      );
      if (!response.ok) {
        throw new ProviderError(
          'vonage',
          kindForStatus(response.status),
          `Vonage refused the message (HTTP ${response.status}).`,
        );
      }
      const body = (await response.json().catch(() => ({}))) as { messages?: Record<string, unknown>[] };
      const parts = Array.isArray(body.messages) ? body.messages : [];
      if (parts.length === 0) {
        throw new ProviderError('vonage', 'unreachable', 'Vonage answered without a message status.');
      }
      const failed = parts.find((part) => String(part.status) !== '0');
      if (failed) {
        const status = String(failed.status);
        throw new ProviderError(
          'vonage',
          statusKinds[status] ?? 'rejected',
          `Vonage refused the message (status ${status}).`,
          status,
        );
      }
      const id = parts[0]!['message-id'];
      return { status: 'queued', providerMessageId: typeof id === 'string' ? id : null };
    },
  };
}
