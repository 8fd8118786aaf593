// Checking a webhook's signature header on the receiver's side, with the endpoint's secret(s).
import { HelpdeskAuthError } from './errors.ts';
import type { Schemas } from './generated/api-types.ts';

/** A webhook event as the server sends it. */
export type WebhookEvent = Schemas['WebhookEvent'];

/** Request headers as a `Headers` object or a plain record (Node's `IncomingHttpHeaders` fits). */
export type WebhookHeaders = Headers | Readonly<Record<string, string | readonly string[] | undefined>>;

export interface VerifyWebhookOptions {
  /** The raw request body, exactly as received (before any JSON parsing). */
  payload: string | Uint8Array;
  /**
   * The request's headers. With `webhook-id`, `webhook-timestamp` and `webhook-signature`
   * present, the Standard Webhooks signature is checked; otherwise `Helpdesk-Auth-Signature`.
   */
  headers?: WebhookHeaders;
  /**
   * The earlier `Helpdesk-Auth-Signature` header alone: `t=<unix seconds>,v1=<hex>[,v1=<hex>]`.
   * Still sent during the transition to Standard Webhooks; prefer `headers`.
   */
  signatureHeader?: string | null | undefined;
  /** The endpoint's secret, or several while you rotate. */
  secret: string | readonly string[];
  /** How far the timestamp may be from now, in seconds (default 300). Rejects replays of old deliveries. */
  toleranceSeconds?: number;
  /** Current time in milliseconds (default `Date.now()`). */
  now?: number;
}

const encoder = new TextEncoder();

function fromHex(hex: string): Uint8Array | undefined {
  if (!/^(?:[0-9a-f]{2})+$/i.test(hex)) return undefined;
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

function header(headers: WebhookHeaders | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const record = headers as Readonly<Record<string, string | readonly string[] | undefined>>;
  const key = Object.keys(record).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : record[key];
  return typeof value === 'string' ? value : value?.[0];
}

/** Standard base64 or base64url (secrets issued before the standard form) to bytes. */
function fromBase64(text: string): Uint8Array | undefined {
  const standard = text.replace(/-/g, '+').replace(/_/g, '/');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(standard)) return undefined;
  try {
    const binary = atob(standard.padEnd(Math.ceil(standard.length / 4) * 4, '='));
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function checkTimestamp(timestampText: string, options: VerifyWebhookOptions): void {
  const tolerance = options.toleranceSeconds ?? 300;
  const now = Math.floor((options.now ?? Date.now()) / 1000);
  if (Math.abs(now - Number(timestampText)) > tolerance) {
    throw new HelpdeskAuthError(
      'WEBHOOK_TIMESTAMP_OUT_OF_RANGE',
      `The webhook timestamp is more than ${tolerance} seconds from now.`,
    );
  }
}

/** Standard Webhooks: HMAC-SHA256 over `${id}.${timestamp}.${body}`, key = the base64 after `whsec_`. */
async function verifyStandard(
  options: VerifyWebhookOptions,
  id: string,
  timestampText: string,
  signatureText: string,
): Promise<WebhookEvent> {
  const signatures = signatureText
    .split(' ')
    .filter((part) => part.startsWith('v1,'))
    .map((part) => fromBase64(part.slice(3)));
  if (!/^\d+$/.test(timestampText) || signatures.length === 0) {
    throw new HelpdeskAuthError('WEBHOOK_SIGNATURE_INVALID', 'The signature headers are malformed.');
  }
  checkTimestamp(timestampText, options);
  const body = typeof options.payload === 'string' ? encoder.encode(options.payload) : options.payload;
  const signed = concat(encoder.encode(`${id}.${timestampText}.`), body);
  const secrets = typeof options.secret === 'string' ? [options.secret] : options.secret;
  for (const secret of secrets) {
    const keyBytes = fromBase64(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret);
    if (!keyBytes || keyBytes.length === 0) continue;
    const key = await crypto.subtle.importKey(
      'raw',
      new Uint8Array(keyBytes),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['verify'],
    );
    for (const signature of signatures) {
      if (signature && (await crypto.subtle.verify('HMAC', key, new Uint8Array(signature), signed))) {
        return JSON.parse(new TextDecoder().decode(body)) as WebhookEvent;
      }
    }
  }
  throw new HelpdeskAuthError('WEBHOOK_SIGNATURE_INVALID', 'No signature matches the secret.');
}

/**
 * Checks a webhook request and returns its event. Given the request's `headers`, it checks the
 * Standard Webhooks signature (`webhook-signature: v1,<base64>`, HMAC-SHA256 over
 * `${webhook-id}.${webhook-timestamp}.${body}`, keyed with the bytes the base64 after `whsec_`
 * encodes); without them, the earlier `Helpdesk-Auth-Signature` (HMAC-SHA256 over
 * `${timestamp}.${body}`, keyed with the whole secret text). Every signature in the header is
 * tried against every secret given, and WebCrypto's HMAC verify compares in constant time. Works
 * wherever WebCrypto does (Node 20+, Deno, Bun, edge runtimes). De-duplicate on `event.id` (it is
 * also `webhook-id`): a delivery can arrive more than once.
 */
export async function verifyWebhook(options: VerifyWebhookOptions): Promise<WebhookEvent> {
  const id = header(options.headers, 'webhook-id');
  const standardTimestamp = header(options.headers, 'webhook-timestamp');
  const standardSignature = header(options.headers, 'webhook-signature');
  if (id && standardTimestamp && standardSignature) {
    return verifyStandard(options, id, standardTimestamp, standardSignature);
  }
  const legacy = options.signatureHeader ?? header(options.headers, 'helpdesk-auth-signature') ?? '';
  const pairs = legacy.split(',').map((part) => {
    const at = part.indexOf('=');
    return [part.slice(0, at).trim(), part.slice(at + 1).trim()] as const;
  });
  const timestampText = pairs.find(([k]) => k === 't')?.[1];
  const signatures = pairs.filter(([k]) => k === 'v1').map(([, v]) => fromHex(v));
  if (!timestampText || !/^\d+$/.test(timestampText) || signatures.length === 0) {
    throw new HelpdeskAuthError('WEBHOOK_SIGNATURE_INVALID', 'The signature header is missing or malformed.');
  }
  checkTimestamp(timestampText, options);
  const body = typeof options.payload === 'string' ? encoder.encode(options.payload) : options.payload;
  const signed = concat(encoder.encode(`${timestampText}.`), body);
  const secrets = typeof options.secret === 'string' ? [options.secret] : options.secret;
  for (const secret of secrets) {
    const key = await crypto.subtle.importKey(
      'raw',
      encoder.encode(secret),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['verify'],
    );
    for (const signature of signatures) {
      if (signature && (await crypto.subtle.verify('HMAC', key, new Uint8Array(signature), signed))) {
        return JSON.parse(new TextDecoder().decode(body)) as WebhookEvent;
      }
    }
  }
  throw new HelpdeskAuthError('WEBHOOK_SIGNATURE_INVALID', 'No signature matches the secret.');
}
