// SMS through Twilio, and the check of Twilio's signed status callbacks.
import { createHmac } from 'node:crypto';
import { constantTimeEqual } from '../../platform/secrets.ts';
import {
  checkApiUrl,
  e164Pattern,
  kindForStatus,
  type MessageProvider,
  ProviderConfigError,
  ProviderError,
  postWithTimeout,
  type SendResult,
} from './message-provider.ts';

export interface TwilioSmsConfig {
  /** `AC` and 32 hex digits. */
  accountSid: string;
  authToken: string;
  /** A sender number in E.164 form, or a Messaging Service SID (`MG` and 32 hex digits). */
  from: string;
  /** API origin; https://api.twilio.com unless a test points it at a local server. */
  apiUrl?: string;
  /** Where Twilio should POST status changes (queued, sent, delivered, undelivered, failed). */
  statusCallbackUrl?: string;
  timeoutMs?: number;
}

const accountSidPattern = /^AC[0-9a-fA-F]{32}$/;
const messagingServicePattern = /^MG[0-9a-fA-F]{32}$/;

/** Twilio message statuses (Message resource, "Status values") mapped onto ours. */
function statusOf(twilioStatus: unknown): SendResult['status'] {
  if (twilioStatus === 'sent') return 'sent';
  if (twilioStatus === 'delivered') return 'delivered';
  return 'queued';
}

/**
 * SMS through Twilio's Programmable Messaging REST API: `POST /2010-04-01/Accounts/{AccountSid}/
 * Messages.json`, HTTP Basic authentication with the Account SID and Auth Token, and a
 * form-encoded body (`To`, `From` or `MessagingServiceSid`, `Body`, `StatusCallback`). A 201
 * answer carries the message `sid` and `status`; errors carry Twilio's numeric `code`.
 */
export function createTwilioSmsProvider(config: TwilioSmsConfig): MessageProvider {
  const problems: string[] = [];
  if (!accountSidPattern.test(config.accountSid ?? '')) {
    problems.push('TWILIO_ACCOUNT_SID must be AC followed by 32 hex digits.');
  }
  if (!config.authToken) problems.push('TWILIO_AUTH_TOKEN is required.');
  const usesService = messagingServicePattern.test(config.from ?? '');
  if (!usesService && !e164Pattern.test(config.from ?? '')) {
    problems.push('TWILIO_FROM must be an E.164 number (+…) or a Messaging Service SID (MG…).');
  }
  const apiUrl = checkApiUrl(config.apiUrl ?? 'https://api.twilio.com', 'TWILIO_API_URL', problems);
  if (config.statusCallbackUrl) checkApiUrl(config.statusCallbackUrl, 'Twilio status callback URL', problems);
  if (problems.length > 0 || !apiUrl) throw new ProviderConfigError('twilio', problems);

  const endpoint = new URL(`/2010-04-01/Accounts/${config.accountSid}/Messages.json`, apiUrl).toString();
  const authorization = `Basic ${Buffer.from(`${config.accountSid}:${config.authToken}`).toString('base64')}`;
  const timeoutMs = config.timeoutMs ?? 10_000;

  return {
    name: 'twilio',
    channel: 'sms',
    async send(message) {
      if (!e164Pattern.test(message.to)) {
        throw new ProviderError('twilio', 'rejected', 'The recipient is not an E.164 phone number.');
      }
      const form = new URLSearchParams({ To: message.to, Body: message.text });
      form.set(usesService ? 'MessagingServiceSid' : 'From', config.from);
      if (config.statusCallbackUrl) form.set('StatusCallback', config.statusCallbackUrl);
      const response = await postWithTimeout(
        'twilio',
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
      const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
      if (!response.ok) {
        const code = body.code === undefined ? null : String(body.code);
        throw new ProviderError(
          'twilio',
          kindForStatus(response.status),
          `Twilio refused the message (HTTP ${response.status}${code ? `, error ${code}` : ''}).`,
          code,
        );
      }
      return {
        status: statusOf(body.status),
        providerMessageId: typeof body.sid === 'string' ? body.sid : null,
      };
    },
  };
}

/**
 * Checks the `X-Twilio-Signature` of a status callback (Twilio "Webhooks security"): base64 of
 * HMAC-SHA1, keyed with the Auth Token, over the full URL Twilio called followed by each POST
 * parameter name and value, sorted by name. For the status-callback receiver.
 */
export function verifyTwilioSignature(
  authToken: string,
  url: string,
  params: Record<string, string>,
  signature: string,
): boolean {
  const data = Object.keys(params)
    .sort()
    .reduce((text, key) => text + key + params[key], url);
  const expected = createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
  return constantTimeEqual(expected, signature);
}

/** Twilio's MessageStatus values (Message resource, "Status values") mapped onto the shared ones. */
export function twilioDeliveryStatus(
  messageStatus: string,
): 'queued' | 'sent' | 'delivered' | 'failed' | 'undelivered' | undefined {
  switch (messageStatus) {
    case 'accepted':
    case 'scheduled':
    case 'queued':
    case 'sending':
      return 'queued';
    case 'sent':
      return 'sent';
    case 'delivered':
    case 'read':
      return 'delivered';
    case 'failed':
    case 'canceled':
      return 'failed';
    case 'undelivered':
      return 'undelivered';
    default:
      return undefined;
  }
}
