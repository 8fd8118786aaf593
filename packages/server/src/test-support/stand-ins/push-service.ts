// A local RFC 8030 push service for tests.
import { createECDH, type ECDH, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Agent, createServer, request } from 'node:https';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { importJWK, errors as joseErrors, jwtVerify } from 'jose';
import type { WebPushSubscription } from '../../providers/push/web-push.ts';

/**
 * A push service (RFC 8030) for tests, checking what a browser vendor's push service checks and
 * playing the user agent's part too: it decrypts each message (RFC 8291) with the keys it handed out
 * in `createSubscription`, so a test sees exactly what a device would.
 *
 * It speaks HTTPS with a certificate made at start-up, as RFC 8030 section 8 requires of push
 * services and as web-push assumes (it always uses https.request). Give `agent`, which trusts that
 * certificate, to the provider under test and to nothing else.
 */
export interface TestPushService {
  /** `https://127.0.0.1:<port>`: the audience a VAPID token for this service must name. */
  readonly origin: string;
  /** An HTTPS agent that trusts this service's self-signed certificate. */
  readonly agent: Agent;
  /**
   * A new subscription with fresh user agent keys. With `applicationServerKey` it is restricted to
   * that VAPID key (RFC 8292 section 4), as browsers create them.
   */
  createSubscription(options?: { applicationServerKey?: string }): WebPushSubscription;
  /** Answer the next `times` requests to `endpoint` (default: all following) with `status`. */
  respondWith(endpoint: string, status: number, times?: number): void;
  /** Resolves once `count` messages have been accepted in total; rejects after `timeoutMs`. */
  waitForMessages(count: number, timeoutMs?: number): Promise<ReadonlyArray<ReceivedPushMessage>>;
  /** A raw HTTPS POST to this service, for requests built by hand. */
  post(endpoint: string, headers: Record<string, string>, body?: Buffer): Promise<{ status: number }>;
  /** Messages accepted, in order. */
  readonly received: ReadonlyArray<ReceivedPushMessage>;
  /** Requests refused, in order, with the reason, so a test can assert why. */
  readonly rejected: ReadonlyArray<RejectedPushRequest>;
  close(): Promise<void>;
}

export interface ReceivedPushMessage {
  subscriptionEndpoint: string;
  ttl: number;
  /** The Urgency header as sent; null when absent (the push service then assumes normal). */
  urgency: string | null;
  topic: string | null;
  vapidSubject: string;
  vapidPublicKey: string;
  vapidAudience: string | string[];
  /** The decrypted payload, parsed as JSON; null for a message without a body. */
  payload: unknown;
}

export interface RejectedPushRequest {
  endpoint: string | null;
  status: number;
  reason: string;
}

interface Subscription {
  endpoint: string;
  userAgentKey: ECDH;
  authSecret: string;
  applicationServerKey: Buffer | null;
  forced: { status: number; remaining: number } | null;
}

interface Waiter {
  count: number;
  resolve: (messages: ReadonlyArray<ReceivedPushMessage>) => void;
}

interface HttpEce {
  decrypt(buffer: Buffer, params: { version: 'aes128gcm'; privateKey: ECDH; authSecret: string }): Buffer;
}

// http_ece ships no types; this is the one call used.
const ece = createRequire(import.meta.url)('http_ece') as HttpEce;

/** Every push service must accept bodies of this size (RFC 8030 section 7.2); larger gets 413. */
const maxBodyBytes = 4096;
/** RFC 8292 section 4.2: a token may not expire more than 24 hours after the request. */
const maxTokenLifetimeSeconds = 24 * 60 * 60;
const urgencies: ReadonlySet<string> = new Set(['very-low', 'low', 'normal', 'high']);

class Refusal extends Error {
  readonly status: number;
  constructor(status: number, reason: string) {
    super(reason);
    this.status = status;
  }
}

export async function startTestPushService(): Promise<TestPushService> {
  const { key, cert } = createSelfSignedCertificate();
  const subscriptions = new Map<string, Subscription>();
  const received: ReceivedPushMessage[] = [];
  const rejected: RejectedPushRequest[] = [];
  const waiters = new Set<Waiter>();
  let origin = '';

  const server = createServer({ key, cert }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      rejected.push({ endpoint: null, status: 500, reason: `test push service fault: ${String(error)}` });
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const agent = new Agent({ ca: cert });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { body, size } = await readBody(req);
    const path = new URL(req.url ?? '/', origin).pathname;
    const id = /^\/push\/([A-Za-z0-9_-]+)$/.exec(path)?.[1];
    const subscription = id === undefined ? undefined : subscriptions.get(id);
    const endpoint = subscription?.endpoint ?? null;
    try {
      if (req.method !== 'POST') throw new Refusal(405, 'only POST delivers a push message');
      // RFC 8030 section 7.3: an unknown or expired subscription is 404.
      if (!subscription) throw new Refusal(404, 'no such subscription');
      if (subscription.forced && subscription.forced.remaining > 0) {
        subscription.forced.remaining -= 1;
        throw new Refusal(subscription.forced.status, 'forced by respondWith()');
      }
      const vapid = await verifyVapid(req.headers.authorization, subscription, origin);
      const headers = checkHeaders(req, size);
      if (size > maxBodyBytes) throw new Refusal(413, `body of ${size} bytes exceeds ${maxBodyBytes}`);
      const payload = size === 0 ? null : decryptPayload(body, subscription);
      received.push({ subscriptionEndpoint: subscription.endpoint, ...headers, ...vapid, payload });
      for (const waiter of waiters) {
        if (received.length >= waiter.count) waiter.resolve(received.slice());
      }
      // RFC 8030 section 5: 201 Created, with the push message resource in Location.
      res.writeHead(201, { Location: `${origin}/message/${randomBytes(12).toString('base64url')}` });
      res.end();
    } catch (error) {
      if (!(error instanceof Refusal)) throw error;
      rejected.push({ endpoint, status: error.status, reason: error.message });
      res.writeHead(error.status, { 'Content-Type': 'text/plain' });
      res.end(error.message);
    }
  }

  return {
    origin,
    agent,
    createSubscription(options = {}) {
      // What a user agent does on subscribe (RFC 8291 section 3): a fresh P-256 key pair for ECDH and
      // a 16-byte authentication secret, both shared only with the application server.
      const userAgentKey = createECDH('prime256v1');
      userAgentKey.generateKeys();
      const id = randomBytes(16).toString('base64url');
      const authSecret = randomBytes(16).toString('base64url');
      const subscription: Subscription = {
        endpoint: `${origin}/push/${id}`,
        userAgentKey,
        authSecret,
        applicationServerKey: options.applicationServerKey
          ? Buffer.from(options.applicationServerKey, 'base64url')
          : null,
        forced: null,
      };
      subscriptions.set(id, subscription);
      return {
        endpoint: subscription.endpoint,
        keys: { p256dh: userAgentKey.getPublicKey().toString('base64url'), auth: authSecret },
      };
    },
    respondWith(endpoint, status, times = Number.POSITIVE_INFINITY) {
      const subscription = [...subscriptions.values()].find((s) => s.endpoint === endpoint);
      if (!subscription) throw new Error('respondWith: not a subscription of this push service.');
      subscription.forced = { status, remaining: times };
    },
    waitForMessages(count, timeoutMs = 2000) {
      if (received.length >= count) return Promise.resolve(received.slice());
      return new Promise((resolve, reject) => {
        const waiter: Waiter = {
          count,
          resolve: (messages) => {
            clearTimeout(timer);
            waiters.delete(waiter);
            resolve(messages);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          const refused = rejected.map((r) => `${r.status} ${r.reason}`).join('; ') || 'none';
          reject(new Error(`Expected ${count} push messages, got ${received.length}. Refused: ${refused}.`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    post(endpoint, headers, body) {
      return new Promise((resolve, reject) => {
        const req = request(endpoint, { method: 'POST', headers, agent }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
        });
        req.on('error', reject);
        req.end(body);
      });
    },
    get received() {
      return received;
    },
    get rejected() {
      return rejected;
    },
    async close() {
      agent.destroy();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** The Authorization check of RFC 8292 sections 3 and 4.2: 401 when absent, 403 when invalid. */
async function verifyVapid(
  authorization: string | undefined,
  subscription: Subscription,
  origin: string,
): Promise<Pick<ReceivedPushMessage, 'vapidSubject' | 'vapidPublicKey' | 'vapidAudience'>> {
  const scheme = authorization?.match(/^vapid\s+(.*)$/i);
  if (!scheme) throw new Refusal(401, 'no vapid authentication');
  // RFC 8292 section 3: auth-params "t" (the JWT) and "k" (the signing public key).
  const params = new Map<string, string>();
  for (const part of scheme[1]!.split(',')) {
    const [name, ...value] = part.trim().split('=');
    if (name) params.set(name.toLowerCase(), value.join('=').replace(/^"(.*)"$/, '$1'));
  }
  const token = params.get('t');
  const k = params.get('k');
  if (!token || !k) throw new Refusal(403, 'vapid t or k parameter missing');
  // RFC 8292 section 3.2: k is an uncompressed P-256 point, base64url.
  const point = /^[A-Za-z0-9_-]+$/.test(k) ? Buffer.from(k, 'base64url') : Buffer.alloc(0);
  if (point.length !== 65 || point[0] !== 0x04)
    throw new Refusal(403, 'k is not an uncompressed P-256 point');
  if (subscription.applicationServerKey && !subscription.applicationServerKey.equals(point)) {
    throw new Refusal(403, 'k is not the key this subscription is restricted to');
  }
  const jwk = {
    kty: 'EC',
    crv: 'P-256',
    x: point.subarray(1, 33).toString('base64url'),
    y: point.subarray(33).toString('base64url'),
  };
  let claims: Awaited<ReturnType<typeof jwtVerify>>['payload'];
  try {
    const key = await importJWK(jwk, 'ES256');
    // RFC 8292 section 2: ES256 only, aud is the push resource's origin, exp is required.
    ({ payload: claims } = await jwtVerify(token, key, {
      algorithms: ['ES256'],
      audience: origin,
      requiredClaims: ['exp', 'sub'],
    }));
  } catch (error) {
    if (error instanceof joseErrors.JOSEError) {
      const claim = error instanceof joseErrors.JWTClaimValidationFailed ? ` (${error.claim})` : '';
      throw new Refusal(403, `JWT rejected: ${error.code}${claim}`);
    }
    throw new Refusal(403, 'k is not a usable P-256 public key');
  }
  if (claims.exp! > Math.floor(Date.now() / 1000) + maxTokenLifetimeSeconds) {
    throw new Refusal(403, 'JWT exp is more than 24 hours ahead');
  }
  // RFC 8292 section 2.1: the contact is a mailto: or https: URI.
  const sub = typeof claims.sub === 'string' && URL.canParse(claims.sub) ? new URL(claims.sub) : null;
  if (!sub || !['mailto:', 'https:'].includes(sub.protocol)) {
    throw new Refusal(403, 'JWT sub is not a mailto: or https: URI');
  }
  return { vapidSubject: claims.sub!, vapidPublicKey: k, vapidAudience: claims.aud! };
}

/** The request header checks of RFC 8030 section 5. */
function checkHeaders(
  req: IncomingMessage,
  bodySize: number,
): Pick<ReceivedPushMessage, 'ttl' | 'urgency' | 'topic'> {
  // Section 5.2: TTL is required, a non-negative integer; omitting it MUST get 400.
  const ttl = req.headers.ttl;
  if (typeof ttl !== 'string' || !/^\d+$/.test(ttl)) throw new Refusal(400, 'TTL header missing or invalid');
  // Section 5.3.
  const urgency = header(req, 'urgency');
  if (urgency !== null && !urgencies.has(urgency)) throw new Refusal(400, `unknown Urgency ${urgency}`);
  // Section 5.4: at most 32 base64url characters.
  const topic = header(req, 'topic');
  if (topic !== null && !/^[A-Za-z0-9_-]{1,32}$/.test(topic)) throw new Refusal(400, 'invalid Topic');
  // RFC 8291 section 4: Web Push payloads use the aes128gcm content coding.
  if (bodySize > 0 && header(req, 'content-encoding') !== 'aes128gcm') {
    throw new Refusal(415, 'Content-Encoding must be aes128gcm');
  }
  return { ttl: Number(ttl), urgency, topic };
}

/** The user agent's side of RFC 8291: only the subscription's own keys can open the message. */
function decryptPayload(body: Buffer, subscription: Subscription): unknown {
  // RFC 8291 section 4: the content coding header's keyid is the sender's 65-byte ECDH public key.
  if (body.length < 21 || body.readUInt8(20) !== 65) {
    throw new Refusal(400, 'aes128gcm keyid is not a P-256 public key');
  }
  let plaintext: Buffer;
  try {
    plaintext = ece.decrypt(body, {
      version: 'aes128gcm',
      privateKey: subscription.userAgentKey,
      authSecret: subscription.authSecret,
    });
  } catch {
    throw new Refusal(400, 'payload could not be decrypted');
  }
  try {
    return JSON.parse(plaintext.toString('utf8'));
  } catch {
    throw new Refusal(400, 'payload is not JSON');
  }
}

function header(req: IncomingMessage, name: string): string | null {
  const value = req.headers[name];
  return typeof value === 'string' ? value : null;
}

async function readBody(req: IncomingMessage): Promise<{ body: Buffer; size: number }> {
  // Read to the end even when oversized, so the client sees the 413 rather than a reset, but keep
  // no more than the limit.
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    if (size + chunk.length <= maxBodyBytes) chunks.push(chunk);
    size += chunk.length;
  }
  return { body: Buffer.concat(chunks), size };
}

/**
 * A self-signed certificate for 127.0.0.1, built in DER by hand so tests need neither openssl nor
 * a key checked into the repository. Valid for a day; P-256 with ECDSA-SHA256 (RFC 5480, RFC 5758).
 */
export function createSelfSignedCertificate(): { key: string; cert: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const ecdsaWithSha256 = sequence(oid('1.2.840.10045.4.3.2'));
  const name = sequence(der(0x31, sequence(oid('2.5.4.3'), der(0x0c, Buffer.from('test push service')))));
  const serial = randomBytes(8);
  serial[0] = (serial[0]! & 0x7f) | 0x40;
  const now = Date.now();
  // RFC 5280 section 4.2.1.6: clients match an IP address against an iPAddress subjectAltName.
  const subjectAltName = sequence(
    oid('2.5.29.17'),
    der(0x04, sequence(der(0x87, Buffer.from([127, 0, 0, 1])))),
  );
  const tbs = sequence(
    der(0xa0, der(0x02, Buffer.from([2]))),
    der(0x02, serial),
    ecdsaWithSha256,
    name,
    sequence(utcTime(new Date(now - 60 * 60_000)), utcTime(new Date(now + 24 * 60 * 60_000))),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    der(0xa3, sequence(subjectAltName)),
  );
  const signature = sign('sha256', tbs, privateKey);
  const certificate = sequence(tbs, ecdsaWithSha256, der(0x03, Buffer.from([0]), signature));
  const base64 = certificate.toString('base64').replace(/.{64}/g, '$&\n');
  return {
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    cert: `-----BEGIN CERTIFICATE-----\n${base64.trimEnd()}\n-----END CERTIFICATE-----\n`,
  };
}

function der(tag: number, ...parts: Buffer[]): Buffer {
  const content = Buffer.concat(parts);
  const n = content.length;
  const length = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return Buffer.concat([Buffer.from([tag, ...length]), content]);
}

function sequence(...parts: Buffer[]): Buffer {
  return der(0x30, ...parts);
}

function oid(dotted: string): Buffer {
  const [first = 0, second = 0, ...rest] = dotted.split('.').map(Number);
  const bytes = [first * 40 + second];
  for (const arc of rest) {
    const encoded = [arc & 0x7f];
    for (let value = arc >>> 7; value > 0; value >>>= 7) encoded.unshift((value & 0x7f) | 0x80);
    bytes.push(...encoded);
  }
  return der(0x06, Buffer.from(bytes));
}

function utcTime(date: Date): Buffer {
  const iso = date.toISOString(); // 2026-01-15T09:00:00.000Z -> 260115090000Z
  return der(0x17, Buffer.from(`${iso.slice(2, 19).replace(/[-T:]/g, '')}Z`));
}
