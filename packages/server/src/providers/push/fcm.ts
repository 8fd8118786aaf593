// Firebase Cloud Messaging HTTP v1: service-account OAuth (RFC 7523) and data messages to app tokens.
import { createPrivateKey, type KeyObject } from 'node:crypto';
import type { Agent } from 'node:https';
import { request } from 'node:https';
import { SignJWT } from 'jose';
import { apnsCollapseId, apnsPayloadFor } from './apns.ts';
import type { PushMessage, PushOptions, PushProvider, PushResult } from './push-provider.ts';
import {
  type AttemptVerdict,
  defaultRetryPolicy,
  NetworkError,
  parseRetryAfter,
  type RetryPolicy,
  realSleep,
  type Sleep,
  type VendorAnswer,
  withRetries,
} from './retry.ts';

/** An app installation's FCM registration token. */
export interface FcmTarget {
  token: string;
}

/** What a Google service-account key file holds that FCM needs; the private key never leaves here. */
export interface FcmServiceAccount {
  projectId: string;
  clientEmail: string;
  privateKeyId: string;
  /** PKCS #8 PEM, RSA. */
  privateKey: string;
  /** Where the assertion is exchanged for an access token (the file's `token_uri`). */
  tokenUri: string;
}

export const fcmScope = 'https://www.googleapis.com/auth/firebase.messaging';
export const defaultFcmBaseUrl = 'https://fcm.googleapis.com';
const jwtBearerGrant = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** Google accepts assertions valid for at most an hour. */
const assertionLifetimeSeconds = 3600;
/** An access token is replaced this long before it expires, so none is used at its last second. */
const refreshMarginMs = 5 * 60_000;

/** FCM registration tokens: letters, digits, `_`, `-` and `:`, about 150 to 200 characters today. */
export function fcmTokenProblem(token: unknown): string | null {
  if (typeof token !== 'string' || token.length < 16 || token.length > 4096) {
    return 'token must be 16 to 4096 characters';
  }
  return /^[A-Za-z0-9_:.-]+$/.test(token) ? null : 'token has characters FCM tokens do not use';
}

/**
 * Reads a service-account key file (the JSON Google's console downloads). Throws an Error whose
 * message names the faulty field and never a value of the key.
 */
export function parseFcmServiceAccount(text: string): FcmServiceAccount {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error('the service account is not JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new Error('the service account must be a JSON object');
  }
  const file = json as Record<string, unknown>;
  if (file.type !== 'service_account') throw new Error('"type" must be "service_account"');
  const text_ = (name: string, pattern: RegExp, what: string): string => {
    const value = file[name];
    if (typeof value !== 'string' || !pattern.test(value)) throw new Error(`"${name}" must be ${what}`);
    return value;
  };
  // Project ids: 6 to 30 lower-case letters, digits and hyphens (Google Cloud's rule), with the
  // domain-scoped form `example.com:project` allowed.
  const projectId = text_(
    'project_id',
    /^([a-z0-9.-]+:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$/,
    'a Google Cloud project id',
  );
  const clientEmail = text_('client_email', /^[^\s@]{1,200}@[^\s@]{1,200}$/, 'an e-mail address');
  const privateKeyId = text_('private_key_id', /^[A-Za-z0-9_-]{1,200}$/, 'the key id');
  const tokenUri =
    file.token_uri === undefined
      ? 'https://oauth2.googleapis.com/token'
      : text_('token_uri', /^https:\/\/\S+$/, 'an https URL');
  if (!URL.canParse(tokenUri)) throw new Error('"token_uri" must be an https URL');
  const privateKey = text_('private_key', /-----BEGIN PRIVATE KEY-----/, 'a PKCS #8 PEM private key');
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: privateKey, format: 'pem' });
  } catch {
    throw new Error('"private_key" is not a readable PEM private key');
  }
  if (key.asymmetricKeyType !== 'rsa') throw new Error('"private_key" must be an RSA key');
  return { projectId, clientEmail, privateKeyId, privateKey, tokenUri };
}

export interface FcmProviderConfig {
  serviceAccount: FcmServiceAccount;
  /** `https://fcm.googleapis.com` unless set (tests point it at a local server). */
  baseUrl?: string;
  /** HTTPS agent: the address rule's lookup, and in tests a private certificate authority. */
  agent?: Agent;
  /** Upper bound on one HTTP exchange. Default 10 s. */
  timeoutMs?: number;
  retry?: RetryPolicy;
  clock?: () => number;
  sleep?: Sleep;
}

export type FcmProvider = PushProvider<FcmTarget> & { kind: 'fcm' };

/**
 * FCM HTTP v1 (https://firebase.google.com/docs/reference/fcm/rest/v1/projects.messages/send).
 * Authenticates as the service account with the OAuth 2.0 JWT bearer grant (RFC 7523): an RS256
 * assertion with `iss` the account, `scope` FCM's, `aud` the token URI. The access token is cached
 * until five minutes before it expires, and only one exchange runs at a time.
 */
export function createFcmProvider(config: FcmProviderConfig): FcmProvider {
  const account = config.serviceAccount;
  const baseUrl = (config.baseUrl ?? defaultFcmBaseUrl).replace(/\/+$/, '');
  const timeoutMs = config.timeoutMs ?? 10_000;
  const retry = config.retry ?? defaultRetryPolicy;
  const clock = config.clock ?? Date.now;
  const sleep = config.sleep ?? realSleep;
  const signingKey = createPrivateKey({ key: account.privateKey, format: 'pem' });
  const sendUrl = `${baseUrl}/v1/projects/${encodeURIComponent(account.projectId)}/messages:send`;

  let cached: { token: string; refreshAt: number } | undefined;
  let inFlight: Promise<string> | undefined;

  function exchange(url: string, init: { method: string; headers: Record<string, string>; body: string }) {
    return new Promise<VendorAnswer>((resolve, reject) => {
      const req = request(
        url,
        {
          method: init.method,
          headers: init.headers,
          timeout: timeoutMs,
          ...(config.agent ? { agent: config.agent } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            // Answers are small JSON; anything larger is not worth reading.
            if (size <= 64 * 1024) chunks.push(chunk);
          });
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          res.on('error', () => reject(new NetworkError('network error (response)')));
        },
      );
      req.on('timeout', () => req.destroy(new NetworkError('timed out')));
      req.on('error', (error: unknown) => {
        if (error instanceof NetworkError) return reject(error);
        const code = (error as { code?: unknown }).code;
        reject(
          new NetworkError(
            typeof code === 'string' && /^[A-Z0-9_]+$/.test(code)
              ? `network error (${code})`
              : 'network error',
          ),
        );
      });
      req.end(init.body);
    });
  }

  async function fetchAccessToken(): Promise<string> {
    const now = clock();
    const iat = Math.floor(now / 1000);
    const assertion = await new SignJWT({ scope: fcmScope })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: account.privateKeyId })
      .setIssuer(account.clientEmail)
      .setAudience(account.tokenUri)
      .setIssuedAt(iat)
      .setExpirationTime(iat + assertionLifetimeSeconds)
      .sign(signingKey);
    const answer = await exchange(account.tokenUri, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ grant_type: jwtBearerGrant, assertion }).toString(),
    });
    const body = parseJson(answer.body) as {
      access_token?: unknown;
      expires_in?: unknown;
      error?: unknown;
    } | null;
    if (answer.status !== 200 || typeof body?.access_token !== 'string') {
      // RFC 6749 section 5.2: `error` is a short ASCII code (invalid_grant, ...), safe to show.
      const code =
        typeof body?.error === 'string' && /^[a-z_]{1,40}$/.test(body.error)
          ? body.error
          : String(answer.status);
      throw new TokenError(answer.status, `FCM credentials refused (${code})`);
    }
    const lifetime = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 3600;
    cached = {
      token: body.access_token,
      refreshAt: clock() + Math.max(0, lifetime * 1000 - refreshMarginMs),
    };
    return body.access_token;
  }

  /** The cached access token, or a new one; concurrent callers share one exchange. */
  function accessToken(): Promise<string> {
    if (cached && clock() < cached.refreshAt) return Promise.resolve(cached.token);
    inFlight ??= fetchAccessToken().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }

  async function attempt(body: string, refreshed: { done: boolean }): Promise<AttemptVerdict<PushResult>> {
    let token: string;
    try {
      token = await accessToken();
    } catch (error) {
      if (error instanceof TokenError) {
        const result: PushResult = { outcome: 'failed', status: error.status, reason: error.message };
        return error.status === 429 || error.status >= 500
          ? { done: false, result, retryAfterMs: null }
          : { done: true, result };
      }
      if (error instanceof NetworkError)
        return { done: false, result: failedNetwork(error), retryAfterMs: null };
      throw error;
    }
    let answer: VendorAnswer;
    try {
      answer = await exchange(sendUrl, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json; charset=utf-8' },
        body,
      });
    } catch (error) {
      if (error instanceof NetworkError)
        return { done: false, result: failedNetwork(error), retryAfterMs: null };
      throw error;
    }
    const { status } = answer;
    if (status === 200) return { done: true, result: { outcome: 'accepted', status } };
    const errorCode = fcmErrorCode(answer.body);
    if (status === 404 || errorCode === 'UNREGISTERED')
      return { done: true, result: { outcome: 'gone', status } };
    // The access token was revoked or expired early: fetch a new one, once.
    if (status === 401 && !refreshed.done) {
      refreshed.done = true;
      cached = undefined;
      return attempt(body, refreshed);
    }
    const result: PushResult = { outcome: 'failed', status, reason: fcmReason(status, errorCode) };
    if (status === 429 || status >= 500) {
      return { done: false, result, retryAfterMs: parseRetryAfter(answer.headers['retry-after'], clock()) };
    }
    return { done: true, result };
  }

  async function send(target: FcmTarget, message: PushMessage, options: PushOptions): Promise<PushResult> {
    const problem = fcmTokenProblem(target.token);
    if (problem) throw new TypeError(`Invalid FCM token: ${problem}.`);
    if (!Number.isSafeInteger(options.ttlSeconds) || options.ttlSeconds < 0) {
      throw new TypeError('ttlSeconds must be a non-negative integer.');
    }
    const body = JSON.stringify({ message: fcmMessage(target.token, message, options, clock()) });
    const refreshed = { done: false };
    return withRetries(() => attempt(body, refreshed), retry, sleep);
  }

  return { kind: 'fcm', send };
}

class TokenError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

function failedNetwork(error: NetworkError): PushResult {
  return { outcome: 'failed', status: null, reason: error.reason };
}

/**
 * The message FCM is asked to deliver: a data message of identifiers only (FCM data values are
 * strings), high priority on Android; for an iOS app behind FCM, the same alert as APNs gets
 * directly (providers/push/apns.ts), since iOS shows no data-only message to a closed app.
 */
export function fcmMessage(token: string, message: PushMessage, options: PushOptions, now: number) {
  const data: Record<string, string> =
    message.type === 'verification' || message.type === 'call_notice'
      ? { type: message.type, id: message.id }
      : message.type === 'notice'
        ? { type: message.type, event: message.event, at: String(message.at) }
        : { type: message.type, at: String(message.at) };
  const collapse = apnsCollapseId(message);
  return {
    token,
    data,
    android: {
      priority: options.urgency === 'high' ? 'HIGH' : 'NORMAL',
      ttl: `${options.ttlSeconds}s`,
      ...(options.topic === undefined ? {} : { collapse_key: options.topic }),
    },
    apns: {
      headers: {
        'apns-push-type': 'alert',
        'apns-priority': options.urgency === 'high' ? '10' : '5',
        'apns-expiration': String(Math.floor(now / 1000) + options.ttlSeconds),
        'apns-collapse-id': collapse,
      },
      payload: apnsPayloadFor(message),
    },
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/**
 * FCM's error code: the FcmError detail's `errorCode` (UNREGISTERED, SENDER_ID_MISMATCH, ...), or
 * the Google API `status` (INVALID_ARGUMENT, ...). Only codes that look like codes are kept.
 */
function fcmErrorCode(text: string): string | null {
  const body = parseJson(text) as { error?: { status?: unknown; details?: unknown } } | null;
  const details = Array.isArray(body?.error?.details)
    ? (body.error.details as Record<string, unknown>[])
    : [];
  for (const detail of details) {
    if (typeof detail?.errorCode === 'string' && /^[A-Z_]{1,40}$/.test(detail.errorCode))
      return detail.errorCode;
  }
  const status = body?.error?.status;
  return typeof status === 'string' && /^[A-Z_]{1,40}$/.test(status) ? status : null;
}

function fcmReason(status: number, code: string | null): string {
  const suffix = code ? `${code}, ${status}` : String(status);
  if (status === 429) return `rate limited by FCM (${suffix})`;
  if (status >= 500) return `FCM error (${suffix})`;
  if (status === 401 || status === 403) return `FCM refused the credentials (${suffix})`;
  return `FCM rejected the message (${suffix})`;
}
