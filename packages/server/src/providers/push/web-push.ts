// Web Push: encrypted messages to a browser's push subscription, signed with VAPID.
import { createECDH } from 'node:crypto';
import type { Agent } from 'node:https';
import webpush from 'web-push';
import type { PushMessage, PushOptions, PushProvider, PushResult } from './push-provider.ts';

/** A browser's `PushSubscription.toJSON()`, as the device registers it. */
export interface WebPushSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

/** A VAPID key pair (RFC 8292), base64url without padding as the web-push library uses them. */
export interface VapidKeys {
  /** Uncompressed P-256 point, 65 bytes. This is the device's `applicationServerKey`. */
  publicKey: string;
  /** The P-256 private scalar, 32 bytes. */
  privateKey: string;
}

export interface WebPushProviderConfig {
  vapid: VapidKeys;
  /** Contact for the push service operator: `mailto:` or `https:` (RFC 8292 section 2.1). */
  subject: string;
  /** Upper bound on one delivery attempt, connection included. Default 10 s. */
  timeoutMs?: number;
  /**
   * HTTPS agent for the connection to the push service: connection reuse, or trust for a private
   * certificate authority as the local test push service needs. web-push takes only https.Agent.
   */
  agent?: Agent;
}

export type WebPushProvider = PushProvider<WebPushSubscription> & {
  kind: 'webpush';
  vapidPublicKey: string;
};

const defaultTimeoutMs = 10_000;
const base64url = /^[A-Za-z0-9_-]+$/;
const urgencies: ReadonlySet<string> = new Set(['very-low', 'low', 'normal', 'high']);

export function generateVapidKeys(): VapidKeys {
  const { publicKey, privateKey } = webpush.generateVAPIDKeys();
  return { publicKey, privateKey };
}

/**
 * Why `value` cannot be used as a Web Push subscription, or null if it can. Registration should
 * refuse what this refuses, so `send` never meets it.
 */
export function webPushSubscriptionProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return 'subscription must be an object';
  const { endpoint, keys } = value as Partial<WebPushSubscription>;
  if (typeof endpoint !== 'string' || !URL.canParse(endpoint)) return 'endpoint must be a URL';
  // RFC 8030 section 8: push services are reached over TLS only; web-push also always uses https.
  if (new URL(endpoint).protocol !== 'https:') return 'endpoint must be an https URL';
  if (typeof keys !== 'object' || keys === null) return 'keys are missing';
  // RFC 8291 section 3.1: the user agent's ECDH key is an uncompressed P-256 point.
  const p256dh = decodeBase64url(keys.p256dh);
  if (p256dh?.length !== 65 || p256dh[0] !== 0x04) return 'keys.p256dh must be a 65-byte P-256 point';
  // RFC 8291 section 3.2: the authentication secret is 16 random octets.
  if (decodeBase64url(keys.auth)?.length !== 16) return 'keys.auth must be 16 bytes';
  return null;
}

/**
 * Web Push (RFC 8030) with payload encryption (RFC 8291, aes128gcm) and VAPID (RFC 8292). Bad
 * configuration throws here, at start-up, rather than on the first verification.
 */
export function createWebPushProvider(config: WebPushProviderConfig): WebPushProvider {
  const subjectProblem = vapidSubjectProblem(config.subject);
  if (subjectProblem) throw new Error(`Invalid VAPID subject: ${subjectProblem}`);
  const keyProblem = vapidKeysProblem(config.vapid);
  if (keyProblem) throw new Error(`Invalid VAPID keys: ${keyProblem}`);
  const timeoutMs = config.timeoutMs ?? defaultTimeoutMs;
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0)
    throw new Error('timeoutMs must be a positive integer.');

  // Passed on every call rather than through webpush.setVapidDetails, which is process-global.
  const vapidDetails = {
    subject: config.subject,
    publicKey: config.vapid.publicKey,
    privateKey: config.vapid.privateKey,
  };

  async function send(
    subscription: WebPushSubscription,
    message: PushMessage,
    options: PushOptions,
  ): Promise<PushResult> {
    const subscriptionProblem = webPushSubscriptionProblem(subscription);
    if (subscriptionProblem) throw new TypeError(`Invalid Web Push subscription: ${subscriptionProblem}.`);
    assertOptions(options);
    // Built field by field: an object that merely satisfies PushMessage structurally may carry
    // more (a customer's name, say), and nothing but identifiers may leave for a push service.
    const payload = JSON.stringify(
      message.type === 'verification' || message.type === 'call_notice'
        ? { type: message.type, id: message.id }
        : message.type === 'notice'
          ? { type: message.type, event: message.event, at: message.at }
          : { type: message.type, at: message.at },
    );

    const attempt = webpush
      .sendNotification(subscription, payload, {
        vapidDetails,
        TTL: options.ttlSeconds,
        urgency: options.urgency,
        ...(options.topic === undefined ? {} : { topic: options.topic }),
        // RFC 8291 section 4; web-push's default, but the older aesgcm must never be chosen.
        contentEncoding: 'aes128gcm',
        // web-push's timeout is per socket inactivity; the race below bounds the whole attempt.
        timeout: timeoutMs,
        ...(config.agent ? { agent: config.agent } : {}),
      })
      .then((response) => resultForStatus(response.statusCode), resultForError);

    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<PushResult>((resolve) => {
      timer = setTimeout(() => resolve({ outcome: 'failed', status: null, reason: 'timed out' }), timeoutMs);
    });
    try {
      return await Promise.race([attempt, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  return { kind: 'webpush', vapidPublicKey: config.vapid.publicKey, send };
}

function resultForStatus(status: number): PushResult {
  // RFC 8030 section 5: 201 Created; some push services answer 200 or 202.
  if (status >= 200 && status < 300) return { outcome: 'accepted', status };
  // RFC 8030 section 7.3: the subscription expired or was withdrawn by the user agent.
  if (status === 404 || status === 410) return { outcome: 'gone', status };
  return { outcome: 'failed', status, reason: reasonForStatus(status) };
}

function reasonForStatus(status: number): string {
  if (status === 400) return 'push service rejected the request (400)';
  // RFC 8292 sections 2 and 4.2: missing (401) or invalid (403) VAPID authentication.
  if (status === 401 || status === 403) return `push service rejected the VAPID authentication (${status})`;
  // RFC 8030 section 7.2.
  if (status === 413) return 'payload too large (413)';
  // RFC 8030 section 8.4.
  if (status === 429) return 'rate limited by push service (429)';
  if (status >= 500) return `push service error (${status})`;
  return `unexpected push service status (${status})`;
}

function resultForError(error: unknown): PushResult {
  if (error instanceof webpush.WebPushError) return resultForStatus(error.statusCode);
  // Only the error code and web-push's fixed text are reported: Node's messages for network
  // errors name the host and port, and nothing about the endpoint belongs in a log line.
  if (error instanceof Error && error.message === 'Socket timeout') {
    return { outcome: 'failed', status: null, reason: 'timed out' };
  }
  // Connection and TLS failures carry a code (ECONNREFUSED, CERT_HAS_EXPIRED, ...).
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^[A-Z0-9_]+$/.test(code)) {
    return { outcome: 'failed', status: null, reason: `network error (${code})` };
  }
  // Anything else is a fault in how web-push was called, not a delivery problem: surface it.
  throw error;
}

function assertOptions(options: PushOptions): void {
  // RFC 8030 section 5.2: TTL is a non-negative integer number of seconds.
  if (!Number.isSafeInteger(options.ttlSeconds) || options.ttlSeconds < 0) {
    throw new TypeError('ttlSeconds must be a non-negative integer.');
  }
  if (!urgencies.has(options.urgency)) throw new TypeError(`Unknown urgency: ${String(options.urgency)}.`);
  // RFC 8030 section 5.4: at most 32 characters from the base64url alphabet.
  if (options.topic !== undefined && !(base64url.test(options.topic) && options.topic.length <= 32)) {
    throw new TypeError('topic must be 1 to 32 base64url characters.');
  }
}

function vapidSubjectProblem(subject: unknown): string | null {
  if (typeof subject !== 'string' || !URL.canParse(subject)) {
    return 'must be a mailto: or https: URI (RFC 8292 section 2.1)';
  }
  const url = new URL(subject);
  if (url.protocol === 'mailto:') {
    return /^[^\s@]+@[^\s@]+$/.test(url.pathname) ? null : 'mailto: must hold one address, without spaces';
  }
  if (url.protocol !== 'https:')
    return `${url.protocol} is not allowed; use mailto: or https: (RFC 8292 section 2.1)`;
  // The subject is how a push service operator contacts us; a local name reaches nobody, and
  // Apple's push service refuses such tokens (BadJwtToken), as web-push itself warns.
  const host = url.hostname;
  if (host === 'localhost' || host.endsWith('.localhost') || host === '[::1]' || host.startsWith('127.')) {
    return 'https: contact must not be a local host';
  }
  return null;
}

function vapidKeysProblem(keys: VapidKeys | undefined): string | null {
  // Messages name the faulty field, never the private key's value.
  const publicKey = decodeBase64url(keys?.publicKey);
  if (publicKey?.length !== 65 || publicKey[0] !== 0x04) {
    return 'publicKey must be a base64url uncompressed P-256 point (65 bytes)';
  }
  const privateKey = decodeBase64url(keys?.privateKey);
  if (privateKey?.length !== 32) return 'privateKey must be a base64url P-256 private key (32 bytes)';
  // Deriving the public key from the private one proves both are on P-256 and belong together; a
  // mismatched pair would sign tokens that devices, subscribed with publicKey, never accept.
  const ecdh = createECDH('prime256v1');
  try {
    ecdh.setPrivateKey(privateKey);
  } catch {
    return 'privateKey is not a valid P-256 private key';
  }
  return ecdh.getPublicKey().equals(publicKey) ? null : 'publicKey does not belong to privateKey';
}

/** Strict base64url (no padding, no other alphabet), as web-push requires; undefined if not. */
function decodeBase64url(value: unknown): Buffer | undefined {
  return typeof value === 'string' && base64url.test(value) ? Buffer.from(value, 'base64url') : undefined;
}
