import { HelpdeskAuthError } from './errors.ts';
import type { Schemas } from './generated/api-types.ts';

/** A webhook event as the server sends it. */
export type WebhookEvent = Schemas['WebhookEvent'];

export interface VerifyWebhookOptions {
  /** The raw request body, exactly as received (before any JSON parsing). */
  payload: string | Uint8Array;
  /** The `Helpdesk-Auth-Signature` header: `t=<unix seconds>,v1=<hex>[,v1=<hex>]`. */
  signatureHeader: string | null | undefined;
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

function concat(a: Uint8Array, b: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * Checks a webhook request and returns its event. The signature is HMAC-SHA256 over
 * `${timestamp}.${body}` with the endpoint's secret; every `v1` value in the header is tried
 * against every secret given, and WebCrypto's HMAC verify compares in constant time. Works
 * wherever WebCrypto does (Node 20+, Deno, Bun, edge runtimes). De-duplicate on `event.id`:
 * a delivery can arrive more than once.
 */
export async function verifyWebhook(options: VerifyWebhookOptions): Promise<WebhookEvent> {
  const header = options.signatureHeader ?? '';
  const pairs = header.split(',').map((part) => {
    const at = part.indexOf('=');
    return [part.slice(0, at).trim(), part.slice(at + 1).trim()] as const;
  });
  const timestampText = pairs.find(([k]) => k === 't')?.[1];
  const signatures = pairs.filter(([k]) => k === 'v1').map(([, v]) => fromHex(v));
  const timestamp = Number(timestampText);
  if (!timestampText || !/^\d+$/.test(timestampText) || signatures.length === 0) {
    throw new HelpdeskAuthError('WEBHOOK_SIGNATURE_INVALID', 'The signature header is missing or malformed.');
  }
  const tolerance = options.toleranceSeconds ?? 300;
  const now = Math.floor((options.now ?? Date.now()) / 1000);
  if (Math.abs(now - timestamp) > tolerance) {
    throw new HelpdeskAuthError(
      'WEBHOOK_TIMESTAMP_OUT_OF_RANGE',
      `The webhook timestamp is more than ${tolerance} seconds from now.`,
    );
  }
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
