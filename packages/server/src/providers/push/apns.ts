// Apple Push Notification service over HTTP/2 with token-based (ES256 JWT) authentication.
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { type ClientHttp2Session, connect, constants } from 'node:http2';
import type { LookupFunction } from 'node:net';
import { SignJWT } from 'jose';
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

export type ApnsEnvironment = 'production' | 'sandbox';

/** A device token as the app got it from `didRegisterForRemoteNotificationsWithDeviceToken`, in hex. */
export interface ApnsTarget {
  token: string;
  environment: ApnsEnvironment;
}

/** A team's token-signing key (an Apple "APNs Auth Key", the .p8 file) and the app it pushes to. */
export interface ApnsCredentials {
  teamId: string;
  keyId: string;
  /** The .p8 file: PKCS #8 PEM, EC P-256. */
  privateKey: string;
  /** The app's bundle id: the `apns-topic`. */
  bundleId: string;
}

export const apnsHosts: Record<ApnsEnvironment, string> = {
  production: 'api.push.apple.com',
  sandbox: 'api.sandbox.push.apple.com',
};

/**
 * Apple refuses a provider token older than an hour (ExpiredProviderToken) and a connection's token
 * replaced more often than every 20 minutes (TooManyProviderTokenUpdates); this one is renewed
 * after 50, and a token Apple calls expired before it is 20 minutes old is replaced on a new
 * connection.
 */
export const providerTokenRefreshMs = 50 * 60_000;
export const providerTokenMinAgeMs = 20 * 60_000;

/** Device tokens are 32 bytes today, shown as hex; Apple says they may grow, so up to 100 bytes. */
export function apnsTokenProblem(token: unknown): string | null {
  if (typeof token !== 'string' || !/^[0-9a-fA-F]{64,200}$/.test(token) || token.length % 2 !== 0) {
    return 'token must be the device token in hexadecimal (64 to 200 digits)';
  }
  return null;
}

/** Why these credentials cannot be used, or null; never names a value of the key. */
export function apnsCredentialsProblem(credentials: ApnsCredentials): string | null {
  if (!/^[A-Z0-9]{10}$/.test(credentials.teamId)) return 'teamId must be the 10-character team id';
  if (!/^[A-Z0-9]{10}$/.test(credentials.keyId)) return 'keyId must be the 10-character key id';
  if (!/^[A-Za-z0-9.-]{1,155}$/.test(credentials.bundleId))
    return 'bundleId must be a bundle id (letters, digits, dots, hyphens)';
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: credentials.privateKey, format: 'pem' });
  } catch {
    return 'privateKey is not a readable PEM private key (the .p8 file)';
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    return 'privateKey must be an EC P-256 key (an APNs auth key)';
  }
  return null;
}

/** Where a notification for a token of this environment goes: Apple's host, or the one override. */
export function apnsAuthority(environment: ApnsEnvironment, hostOverride?: string): string {
  return hostOverride ?? apnsHosts[environment];
}

export interface ApnsProviderConfig {
  credentials: ApnsCredentials;
  /** One host for both environments (tests: `127.0.0.1:<port>`); Apple's own hosts otherwise. */
  hostOverride?: string;
  /** TLS trust for a private certificate authority (tests). */
  ca?: string | Buffer | Array<string | Buffer>;
  /** DNS under the address rule (providers/outbound-address.ts). */
  lookup?: LookupFunction;
  /** Upper bound on one request, connection included. Default 10 s. */
  timeoutMs?: number;
  retry?: RetryPolicy;
  clock?: () => number;
  sleep?: Sleep;
}

export type ApnsProvider = PushProvider<ApnsTarget> & {
  kind: 'apns';
  /** Ends the HTTP/2 sessions (the provider opens them again when needed). */
  close(): void;
};

/**
 * APNs provider API (Apple, "Sending notification requests to APNs"): one HTTP/2 session per host,
 * kept open and replaced when it closes; a provider JWT (ES256, `kid` the key id, `iss` the team,
 * `iat`) reused for 50 minutes, and renewed at once, with one retry, when Apple answers
 * ExpiredProviderToken (on a new connection when the token was younger than 20 minutes, since
 * Apple would refuse a second token on the old one).
 */
export function createApnsProvider(config: ApnsProviderConfig): ApnsProvider {
  const problem = apnsCredentialsProblem(config.credentials);
  if (problem) throw new Error(`Invalid APNs credentials: ${problem}`);
  const { teamId, keyId, bundleId } = config.credentials;
  const signingKey = createPrivateKey({ key: config.credentials.privateKey, format: 'pem' });
  const timeoutMs = config.timeoutMs ?? 10_000;
  const retry = config.retry ?? defaultRetryPolicy;
  const clock = config.clock ?? Date.now;
  const sleep = config.sleep ?? realSleep;
  const sessions = new Map<string, ClientHttp2Session>();
  let providerToken: { jwt: string; issuedAt: number } | undefined;
  let signing: Promise<string> | undefined;

  function currentToken(): Promise<string> {
    if (providerToken && clock() - providerToken.issuedAt < providerTokenRefreshMs) {
      return Promise.resolve(providerToken.jwt);
    }
    signing ??= (async () => {
      const issuedAt = clock();
      const jwt = await new SignJWT({})
        .setProtectedHeader({ alg: 'ES256', kid: keyId })
        .setIssuer(teamId)
        .setIssuedAt(Math.floor(issuedAt / 1000))
        .sign(signingKey);
      providerToken = { jwt, issuedAt };
      return jwt;
    })().finally(() => {
      signing = undefined;
    });
    return signing;
  }

  function session(authority: string): ClientHttp2Session {
    const open = sessions.get(authority);
    if (open && !open.closed && !open.destroyed) return open;
    const created = connect(`https://${authority}`, {
      ...(config.ca ? { ca: config.ca } : {}),
      ...(config.lookup ? { lookup: config.lookup } : {}),
    });
    const forget = () => {
      if (sessions.get(authority) === created) sessions.delete(authority);
    };
    created.on('close', forget);
    created.on('goaway', forget);
    // Errors surface on the streams; the session's own error only means it is done.
    created.on('error', forget);
    // An idle session must not keep the process alive.
    created.unref();
    sessions.set(authority, created);
    return created;
  }

  /** Stops sending on this host's session: requests in flight finish, new ones open another. */
  function retireSession(authority: string): void {
    const open = sessions.get(authority);
    if (!open) return;
    sessions.delete(authority);
    open.close();
  }

  function post(
    authority: string,
    path: string,
    headers: Record<string, string>,
    body: string,
  ): Promise<VendorAnswer> {
    return new Promise((resolve, reject) => {
      let stream: ReturnType<ClientHttp2Session['request']>;
      try {
        stream = session(authority).request({
          [constants.HTTP2_HEADER_METHOD]: 'POST',
          [constants.HTTP2_HEADER_PATH]: path,
          ...headers,
        });
      } catch {
        return reject(new NetworkError('network error (session)'));
      }
      const timer = setTimeout(() => stream.close(constants.NGHTTP2_CANCEL), timeoutMs);
      let status = 0;
      let responseHeaders: Record<string, string | string[] | undefined> = {};
      const chunks: Buffer[] = [];
      stream.on('response', (h) => {
        status = Number(h[constants.HTTP2_HEADER_STATUS]);
        responseHeaders = h as Record<string, string | string[] | undefined>;
      });
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        clearTimeout(timer);
        if (status === 0) return reject(new NetworkError('timed out'));
        resolve({ status, headers: responseHeaders, body: Buffer.concat(chunks).toString('utf8') });
      });
      stream.on('error', (error: unknown) => {
        clearTimeout(timer);
        const code = (error as { code?: unknown }).code;
        reject(
          new NetworkError(
            typeof code === 'string' && /^[A-Z0-9_]+$/.test(code)
              ? `network error (${code})`
              : 'network error',
          ),
        );
      });
      stream.on('close', () => {
        clearTimeout(timer);
        if (status === 0) reject(new NetworkError('timed out'));
      });
      stream.end(body);
    });
  }

  async function attempt(
    target: ApnsTarget,
    headers: Record<string, string>,
    body: string,
    renewed: { done: boolean },
  ): Promise<AttemptVerdict<PushResult>> {
    const authority = apnsAuthority(target.environment, config.hostOverride);
    const jwt = await currentToken();
    let answer: VendorAnswer;
    try {
      answer = await post(
        authority,
        `/3/device/${target.token}`,
        { ...headers, authorization: `bearer ${jwt}` },
        body,
      );
    } catch (error) {
      if (error instanceof NetworkError) {
        return {
          done: false,
          result: { outcome: 'failed', status: null, reason: error.reason },
          retryAfterMs: null,
        };
      }
      throw error;
    }
    const { status } = answer;
    if (status === 200) return { done: true, result: { outcome: 'accepted', status } };
    const reason = apnsReason(answer.body);
    if (status === 410 || (status === 400 && reason === 'BadDeviceToken')) {
      return { done: true, result: { outcome: 'gone', status } };
    }
    if (status === 403 && reason === 'ExpiredProviderToken' && !renewed.done) {
      renewed.done = true;
      // Apple says this token is too old: a new one is due whatever our own clock thought. Only
      // the first of the requests refused with the same token renews it; the others use the new one.
      if (providerToken?.jwt === jwt) {
        const young = clock() - providerToken.issuedAt < providerTokenMinAgeMs;
        providerToken = undefined;
        // A connection whose token changes within 20 minutes gets TooManyProviderTokenUpdates, so
        // a token Apple calls expired before then (a clock that drifted) goes on a new connection;
        // the old one finishes its streams and closes.
        if (young) retireSession(authority);
      }
      return attempt(target, headers, body, renewed);
    }
    const result: PushResult = {
      outcome: 'failed',
      status,
      reason: `APNs refused the notification (${reason ?? 'no reason'}, ${status})`,
    };
    if (status === 429 || status >= 500) {
      return { done: false, result, retryAfterMs: parseRetryAfter(answer.headers['retry-after'], clock()) };
    }
    return { done: true, result };
  }

  async function send(target: ApnsTarget, message: PushMessage, options: PushOptions): Promise<PushResult> {
    const tokenProblem = apnsTokenProblem(target.token);
    if (tokenProblem) throw new TypeError(`Invalid APNs token: ${tokenProblem}.`);
    if (target.environment !== 'production' && target.environment !== 'sandbox') {
      throw new TypeError('environment must be production or sandbox.');
    }
    if (!Number.isSafeInteger(options.ttlSeconds) || options.ttlSeconds < 0) {
      throw new TypeError('ttlSeconds must be a non-negative integer.');
    }
    const headers: Record<string, string> = {
      'apns-topic': bundleId,
      'apns-push-type': 'alert',
      'apns-priority': options.urgency === 'high' ? '10' : '5',
      'apns-expiration': String(Math.floor(clock() / 1000) + options.ttlSeconds),
      // At most 64 bytes; a newer request for the same verification replaces an undelivered one.
      'apns-collapse-id': apnsCollapseId(message),
    };
    const body = JSON.stringify(apnsPayloadFor(message));
    const renewed = { done: false };
    return withRetries(() => attempt(target, headers, body, renewed), retry, sleep);
  }

  return {
    kind: 'apns',
    send,
    close() {
      for (const open of sessions.values()) open.close();
      sessions.clear();
    },
  };
}

/** The APNs payload, shared with FCM for iOS apps behind it: generic localised text, identifiers only. */
export function apnsPayloadFor(message: PushMessage): Record<string, unknown> {
  if (message.type === 'verification') {
    return {
      aps: {
        alert: { 'title-loc-key': 'HDA_VERIFICATION_TITLE', 'loc-key': 'HDA_VERIFICATION_BODY' },
        sound: 'default',
        'mutable-content': 1,
      },
      type: message.type,
      id: message.id,
    };
  }
  if (message.type === 'call_notice') {
    // Time-sensitive: the customer is about to pick up, or is on the phone.
    return {
      aps: {
        alert: { 'title-loc-key': 'HDA_CALL_TITLE', 'loc-key': 'HDA_CALL_BODY' },
        sound: 'default',
        'interruption-level': 'time-sensitive',
        'mutable-content': 1,
      },
      type: message.type,
      id: message.id,
    };
  }
  if (message.type === 'notice') {
    return {
      aps: {
        alert: { 'title-loc-key': 'HDA_NOTICE_TITLE', 'loc-key': 'HDA_NOTICE_BODY' },
        'mutable-content': 1,
      },
      type: message.type,
      event: message.event,
      at: message.at,
    };
  }
  return {
    aps: { alert: { 'title-loc-key': 'HDA_TEST_TITLE', 'loc-key': 'HDA_TEST_BODY' } },
    type: message.type,
    at: message.at,
  };
}

/**
 * `apns-collapse-id` (at most 64 bytes): the verification's id, so a repeated push for one request
 * replaces an undelivered one; one id for notices and one for tests.
 */
export function apnsCollapseId(message: PushMessage): string {
  return message.type === 'verification' || message.type === 'call_notice'
    ? message.id.slice(0, 64)
    : message.type;
}

/** Apple's `reason` (BadDeviceToken, Unregistered, ...); only a plain word is kept. */
function apnsReason(text: string): string | null {
  try {
    const reason = (JSON.parse(text) as { reason?: unknown }).reason;
    return typeof reason === 'string' && /^[A-Za-z]{1,60}$/.test(reason) ? reason : null;
  } catch {
    return null;
  }
}
