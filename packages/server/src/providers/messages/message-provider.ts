/**
 * The vocabulary every SMS and e-mail provider shares, so the one-time-code service treats
 * Twilio, Vonage, a customer's own webhook, SMTP and the development outbox the same way: one
 * `send`, one result, one error type with a small set of kinds.
 */

export type MessageChannel = 'sms' | 'email';

export interface OutgoingMessage {
  /** E.164 phone number (`+4930…`) for SMS, an e-mail address for e-mail. */
  to: string;
  /** Only for e-mail. */
  subject?: string;
  /** The text. It carries a one-time code: providers never log it. */
  text: string;
  /** Our delivery id, passed to providers that echo a reference back with status reports. */
  reference: string;
  tenantId: string;
}

/**
 * What we know about a message: `queued` (accepted by the provider, not yet sent), `sent`
 * (handed to the network), `delivered` (the handset or mailbox has it), `failed` (never left),
 * `undelivered` (left, but did not arrive).
 */
export const deliveryStatuses = ['queued', 'sent', 'delivered', 'failed', 'undelivered'] as const;
export type DeliveryStatus = (typeof deliveryStatuses)[number];

export interface SendResult {
  status: Extract<DeliveryStatus, 'queued' | 'sent' | 'delivered'>;
  /** The provider's id for the message (Twilio `sid`, Vonage `message-id`, SMTP Message-ID). */
  providerMessageId: string | null;
}

/**
 * Why a send failed. `misconfigured`: credentials or sender refused (fix the configuration);
 * `rejected`: the provider refused this message (bad number, barred destination); `rate_limited`:
 * slow down; `unreachable`: no answer, a network error or a 5xx (may succeed later).
 */
export type ProviderErrorKind = 'misconfigured' | 'rejected' | 'rate_limited' | 'unreachable';

/** The one error every provider throws. `message` is safe to log: it never holds the text or credentials. */
export class ProviderError extends Error {
  readonly kind: ProviderErrorKind;
  readonly provider: string;
  /** The provider's own error code, when it gave one (Twilio `code`, Vonage `status`, SMTP reply code). */
  readonly providerCode: string | null;

  constructor(
    provider: string,
    kind: ProviderErrorKind,
    message: string,
    providerCode: string | null = null,
  ) {
    super(message);
    this.name = 'ProviderError';
    this.provider = provider;
    this.kind = kind;
    this.providerCode = providerCode;
  }
}

export interface MessageProvider {
  /** `twilio`, `vonage`, `webhook`, `smtp` or `outbox`: stored with each delivery. */
  readonly name: string;
  readonly channel: MessageChannel;
  /** Resolves when the provider accepted the message; throws ProviderError otherwise. */
  send(message: OutgoingMessage): Promise<SendResult>;
}

/** Thrown by a factory whose configuration is incomplete or malformed: a start-up problem. */
export class ProviderConfigError extends Error {
  constructor(provider: string, problems: string[]) {
    super(`${provider} provider configuration: ${problems.join(' ')}`);
    this.name = 'ProviderConfigError';
  }
}

/** An E.164 number: `+`, a country code, at most 15 digits (ITU-T E.164 section 6). */
export const e164Pattern = /^\+[1-9][0-9]{6,14}$/;

/** Maps an HTTP status from a provider's API onto the shared kinds. */
export function kindForStatus(status: number): ProviderErrorKind {
  if (status === 401 || status === 403) return 'misconfigured';
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'unreachable';
  return 'rejected';
}

/** Checks an API origin: https, or http to this machine (tests and local relays). */
export function checkApiUrl(value: string, name: string, problems: string[]): URL | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    problems.push(`${name} must be an absolute URL.`);
    return undefined;
  }
  const local = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && local)) {
    problems.push(`${name} must use https (plain http only to this machine).`);
  }
  if (url.username || url.password) problems.push(`${name} must not carry credentials.`);
  return url;
}

/** fetch with a deadline, turning network failures into `unreachable`. */
export async function postWithTimeout(
  provider: string,
  url: string,
  init: RequestInit,
  timeoutMs: number,
): Promise<Response> {
  try {
    return await fetch(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const reason = (error as Error).name === 'TimeoutError' ? 'timed out' : 'could not be reached';
    throw new ProviderError(provider, 'unreachable', `The ${provider} API ${reason}.`);
  }
}
