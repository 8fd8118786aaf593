// A local stand-in for Apple's APNs provider API over HTTP/2 and TLS, checking requests as Apple does.
import { generateKeyPairSync, type KeyObject, randomBytes, randomUUID } from 'node:crypto';
import {
  createSecureServer,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type Http2Session,
} from 'node:http2';
import type { AddressInfo } from 'node:net';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { createSelfSignedCertificate } from './push-service.ts';

/**
 * APNs as Apple documents it ("Sending notification requests to APNs", "Establishing a token-based
 * connection to APNs", "Handling notification responses from APNs"): `POST /3/device/<token>` over
 * HTTP/2, a provider token (ES256, `kid` the key id, `iss` the team id, `iat` within the last hour)
 * verified with the team's key, the apns-* headers checked, the payload at most 4 KB. It makes its
 * own team key (the .p8 PEM in `privateKeyPem`). Unknown device tokens are BadDeviceToken (400),
 * unregistered ones Unregistered (410).
 */
export interface TestApnsServer {
  /** `127.0.0.1:<port>`: the APNs host for the server under test (both environments). */
  readonly host: string;
  readonly cert: string;
  readonly teamId: string;
  readonly keyId: string;
  readonly bundleId: string;
  /** The .p8 file Apple's developer site would download. */
  readonly privateKeyPem: string;
  /** A device token APNs will accept, as an app gets it (hex). */
  registerToken(): string;
  /** The app was removed: the token is Unregistered (410) from now on. */
  unregister(token: string): void;
  /** Answer the next `times` requests with this status and reason (and Retry-After). */
  failNext(times: number, answer: { status: number; reason: string; retryAfter?: string }): void;
  /** Close every open HTTP/2 session, as APNs does after an idle hour or a GOAWAY. */
  dropSessions(): void;
  /** Accepted notifications, in order: token, headers, parsed payload. */
  readonly received: ReadonlyArray<ReceivedNotification>;
  /** Every request of any outcome: the status and Apple's reason. */
  readonly attempts: ReadonlyArray<{ status: number; reason: string | null; authority: string }>;
  /** Distinct provider tokens seen, in order, with their iat. */
  readonly providerTokens: ReadonlyArray<{ iat: number }>;
  /** HTTP/2 sessions opened so far. */
  readonly sessionCount: number;
  waitForMessages(count: number, timeoutMs?: number): Promise<ReadonlyArray<ReceivedNotification>>;
  close(): Promise<void>;
}

export interface ReceivedNotification {
  token: string;
  authority: string;
  headers: Record<string, string>;
  payload: Record<string, unknown>;
}

export async function startTestApnsServer(
  options: {
    tls?: { key: string; cert: string };
    /** Apple's clock, for the provider token's age; a test moves it with the provider's. */
    clock?: () => number;
  } = {},
): Promise<TestApnsServer> {
  const tls = options.tls ?? createSelfSignedCertificate();
  const now = options.clock ?? Date.now;
  const teamId = randomBytes(5).toString('hex').toUpperCase();
  const keyId = randomBytes(5).toString('hex').toUpperCase();
  const bundleId = 'com.example.bank.helpdesk';
  const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const publicKey: KeyObject = keys.publicKey;

  const tokens = new Set<string>();
  const unregistered = new Map<string, number>();
  const failures: Array<{ status: number; reason: string; retryAfter?: string }> = [];
  const received: ReceivedNotification[] = [];
  const attempts: Array<{ status: number; reason: string | null; authority: string }> = [];
  const providerTokens: Array<{ iat: number }> = [];
  const seenJwts = new Set<string>();
  const sessions = new Set<Http2Session>();
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  let sessionCount = 0;
  // Per connection: the provider token a session last used, and when it changed.
  const sessionTokens = new WeakMap<Http2Session, { jwt: string; changedAt: number }>();

  const server = createSecureServer({ key: tls.key, cert: tls.cert, allowHTTP1: false });
  server.on('session', (session) => {
    sessionCount++;
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  server.on('request', (req, res) => {
    void handle(req, res).catch(() => answer(req, res, 500, 'InternalServerError'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;

  function answer(
    req: Http2ServerRequest,
    res: Http2ServerResponse,
    status: number,
    reason: string | null,
    extra: Record<string, string> = {},
  ) {
    attempts.push({ status, reason, authority: req.authority });
    const apnsId = (req.headers['apns-id'] as string | undefined) ?? randomUUID().toUpperCase();
    if (status === 200) {
      res.writeHead(200, { 'apns-id': apnsId });
      res.end();
      return;
    }
    res.writeHead(status, { 'apns-id': apnsId, 'content-type': 'application/json', ...extra });
    res.end(
      JSON.stringify({
        reason,
        ...(status === 410 ? { timestamp: unregistered.get(tokenOf(req)) ?? now() } : {}),
      }),
    );
  }

  function tokenOf(req: Http2ServerRequest): string {
    return /^\/3\/device\/([^/?]+)$/.exec(req.url)?.[1] ?? '';
  }

  async function readBody(req: Http2ServerRequest): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  /** Apple's checks of the provider token; a reason on failure. */
  async function providerTokenProblem(
    session: Http2Session,
    authorization: string | undefined,
  ): Promise<{ status: number; reason: string } | null> {
    const jwt = /^bearer (\S+)$/.exec(authorization ?? '')?.[1];
    if (!jwt) return { status: 403, reason: 'MissingProviderToken' };
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(jwt);
    } catch {
      return { status: 403, reason: 'InvalidProviderToken' };
    }
    if (header.alg !== 'ES256' || header.kid !== keyId)
      return { status: 403, reason: 'InvalidProviderToken' };
    let payload: Record<string, unknown>;
    try {
      // The age is Apple's own rule below, so the library's time checks are off.
      ({ payload } = await jwtVerify(jwt, publicKey, {
        algorithms: ['ES256'],
        issuer: teamId,
        currentDate: new Date(now()),
      }));
    } catch {
      return { status: 403, reason: 'InvalidProviderToken' };
    }
    const iat = payload.iat;
    if (typeof iat !== 'number') return { status: 403, reason: 'InvalidProviderToken' };
    if (iat * 1000 > now() + 60_000) return { status: 403, reason: 'InvalidProviderToken' };
    if (now() - iat * 1000 >= 60 * 60_000) return { status: 403, reason: 'ExpiredProviderToken' };
    const previous = sessionTokens.get(session);
    if (previous?.jwt !== jwt) {
      // Apple: a connection whose token changes more often than every 20 minutes gets
      // TooManyProviderTokenUpdates.
      if (previous && now() - previous.changedAt < 20 * 60_000) {
        return { status: 429, reason: 'TooManyProviderTokenUpdates' };
      }
      sessionTokens.set(session, { jwt, changedAt: now() });
    }
    if (!seenJwts.has(jwt)) {
      seenJwts.add(jwt);
      providerTokens.push({ iat });
    }
    return null;
  }

  async function handle(req: Http2ServerRequest, res: Http2ServerResponse) {
    const body = await readBody(req);
    if (req.method !== 'POST') return answer(req, res, 405, 'MethodNotAllowed');
    const token = tokenOf(req);
    if (!token) return answer(req, res, 404, 'BadPath');
    const auth = await providerTokenProblem(
      req.stream.session!,
      req.headers.authorization as string | undefined,
    );
    if (auth) return answer(req, res, auth.status, auth.reason);
    const h = req.headers as Record<string, string | undefined>;
    if (!h['apns-topic']) return answer(req, res, 400, 'MissingTopic');
    if (h['apns-topic'] !== bundleId) return answer(req, res, 400, 'DeviceTokenNotForTopic');
    if (
      ![
        'alert',
        'background',
        'voip',
        'complication',
        'fileprovider',
        'mdm',
        'liveactivity',
        'pushtotalk',
        'location',
      ].includes(h['apns-push-type'] ?? '')
    ) {
      return answer(req, res, 400, 'InvalidPushType');
    }
    if (h['apns-priority'] !== undefined && !['10', '5', '1'].includes(h['apns-priority']))
      return answer(req, res, 400, 'BadPriority');
    if (h['apns-expiration'] !== undefined && !/^\d+$/.test(h['apns-expiration']))
      return answer(req, res, 400, 'BadExpirationDate');
    if (h['apns-collapse-id'] !== undefined && Buffer.byteLength(h['apns-collapse-id']) > 64)
      return answer(req, res, 400, 'BadCollapseId');
    if (body.length > 4096) return answer(req, res, 413, 'PayloadTooLarge');
    let payload: Record<string, unknown>;
    try {
      payload = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    } catch {
      return answer(req, res, 400, 'PayloadEmpty');
    }
    if (typeof payload.aps !== 'object' || payload.aps === null) return answer(req, res, 400, 'PayloadEmpty');
    // An alert push must carry an alert (Apple: apns-push-type alert "requires" one).
    if (h['apns-push-type'] === 'alert' && !(payload.aps as Record<string, unknown>).alert)
      return answer(req, res, 400, 'PayloadEmpty');
    const failure = failures.shift();
    if (failure)
      return answer(
        req,
        res,
        failure.status,
        failure.reason,
        failure.retryAfter ? { 'retry-after': failure.retryAfter } : {},
      );
    if (unregistered.has(token)) return answer(req, res, 410, 'Unregistered');
    if (!/^[0-9a-f]{64}$/i.test(token) || !tokens.has(token.toLowerCase()))
      return answer(req, res, 400, 'BadDeviceToken');
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(h)) {
      if (name.startsWith('apns-') && typeof value === 'string') headers[name] = value;
    }
    received.push({ token, authority: req.authority, headers, payload });
    answer(req, res, 200, null);
    for (const waiter of [...waiters]) {
      if (received.length >= waiter.count) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  }

  return {
    host,
    cert: tls.cert,
    teamId,
    keyId,
    bundleId,
    privateKeyPem: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    registerToken() {
      const token = randomBytes(32).toString('hex');
      tokens.add(token);
      return token;
    },
    unregister(token) {
      tokens.delete(token.toLowerCase());
      unregistered.set(token, now());
    },
    failNext(times, failure) {
      for (let i = 0; i < times; i++) failures.push(failure);
    },
    dropSessions() {
      for (const session of sessions) session.close();
    },
    received,
    attempts,
    providerTokens,
    get sessionCount() {
      return sessionCount;
    },
    waitForMessages(count, timeoutMs = 5000) {
      if (received.length >= count) return Promise.resolve(received);
      return new Promise((resolve, rejectWait) => {
        const timer = setTimeout(
          () => rejectWait(new Error(`APNs stand-in: ${received.length} of ${count} notifications`)),
          timeoutMs,
        );
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve(received);
          },
        });
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const session of sessions) session.destroy();
        server.close(() => resolve());
      }),
  };
}
