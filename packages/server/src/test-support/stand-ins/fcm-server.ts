// A local stand-in for Google's OAuth token endpoint and FCM HTTP v1, checking requests as Google does.
import { generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Agent, createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { createSelfSignedCertificate } from './push-service.ts';

/**
 * Google's token endpoint (OAuth 2.0 JWT bearer grant, RFC 7523, as
 * https://developers.google.com/identity/protocols/oauth2/service-account#httprest describes it)
 * and FCM's `projects.messages.send`
 * (https://firebase.google.com/docs/reference/fcm/rest/v1/projects.messages), over HTTPS with a
 * certificate made at start-up. It makes its own service account, whose key file
 * (`serviceAccountJson`) names this server as `token_uri`, and verifies every assertion against
 * that account's public key. Registration tokens it does not know are UNREGISTERED (404), as FCM
 * answers for an uninstalled app.
 */
export interface TestFcmServer {
  /** `https://127.0.0.1:<port>`: FCM's base URL for the server under test. */
  readonly origin: string;
  readonly tokenUri: string;
  readonly projectId: string;
  readonly clientEmail: string;
  /** The key file Google's console would download, private key included. */
  readonly serviceAccountJson: string;
  /** Trusts this server's certificate. */
  readonly agent: Agent;
  readonly cert: string;
  /** A registration token FCM will accept, as an app gets from `getToken()`. */
  registerToken(): string;
  /** The app was uninstalled: the token is UNREGISTERED from now on. */
  unregister(token: string): void;
  /** Answer the next `times` sends with this status, Google error status and FCM error code. */
  failNext(
    times: number,
    answer: { status: number; errorStatus: string; fcmErrorCode?: string; retryAfter?: string },
  ): void;
  /** Make the token endpoint refuse the next exchanges (RFC 6749 section 5.2). */
  refuseTokens(times: number, error: string): void;
  /** Every access token issued so far stops being valid (as when Google revokes them). */
  revokeAccessTokens(): void;
  /** Accepted assertions, in order, with their claims. */
  readonly tokenRequests: ReadonlyArray<{ claims: Record<string, unknown>; kid: string | undefined }>;
  /** Messages FCM accepted, in order: the `message` object exactly as sent. */
  readonly received: ReadonlyArray<{ message: Record<string, unknown>; accessToken: string }>;
  /** Send attempts of any outcome, with the status answered. */
  readonly attempts: ReadonlyArray<{ status: number; token: string | null }>;
  /** Requests refused, with the reason, so a test can assert why. */
  readonly rejected: ReadonlyArray<{ path: string; status: number; reason: string }>;
  waitForMessages(
    count: number,
    timeoutMs?: number,
  ): Promise<ReadonlyArray<{ message: Record<string, unknown> }>>;
  close(): Promise<void>;
}

const fcmScope = 'https://www.googleapis.com/auth/firebase.messaging';
const jwtBearerGrant = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const messageKeys = new Set([
  'token',
  'data',
  'android',
  'apns',
  'notification',
  'webpush',
  'fcm_options',
  'name',
  'topic',
  'condition',
]);
const androidKeys = new Set([
  'priority',
  'ttl',
  'collapse_key',
  'restricted_package_name',
  'data',
  'notification',
  'fcm_options',
  'direct_boot_ok',
]);

export async function startTestFcmServer(
  options: {
    tls?: { key: string; cert: string };
    projectId?: string;
    /** Google's clock, for `iat`, `exp` and access-token expiry; a test moves it with the provider's. */
    clock?: () => number;
  } = {},
): Promise<TestFcmServer> {
  const now = options.clock ?? Date.now;
  const tls = options.tls ?? createSelfSignedCertificate();
  const projectId = options.projectId ?? 'helpdesk-test-4711';
  const clientEmail = `push-sender@${projectId}.iam.gserviceaccount.com`;
  const privateKeyId = randomBytes(20).toString('hex');
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicKey: KeyObject = keys.publicKey;

  const tokens = new Set<string>();
  const accessTokens = new Map<string, number>();
  const failures: Array<{ status: number; errorStatus: string; fcmErrorCode?: string; retryAfter?: string }> =
    [];
  const tokenRefusals: string[] = [];
  const tokenRequests: Array<{ claims: Record<string, unknown>; kid: string | undefined }> = [];
  const received: Array<{ message: Record<string, unknown>; accessToken: string }> = [];
  const attempts: Array<{ status: number; token: string | null }> = [];
  const rejected: Array<{ path: string; status: number; reason: string }> = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];

  let origin = '';
  const server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    void handle(req, res).catch(() => {
      if (!res.headersSent)
        send(res, 500, { error: { code: 500, message: 'stand-in fault', status: 'INTERNAL' } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const tokenUri = `${origin}/token`;

  function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers });
    res.end(JSON.stringify(body));
  }

  function reject(req: IncomingMessage, res: ServerResponse, status: number, reason: string, body: unknown) {
    rejected.push({ path: req.url ?? '', status, reason });
    send(res, status, body);
  }

  async function readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const body = await readBody(req);
    if (req.method === 'POST' && req.url === '/token') return tokenEndpoint(req, res, body);
    if (req.method === 'POST' && req.url === `/v1/projects/${projectId}/messages:send`)
      return sendEndpoint(req, res, body);
    reject(req, res, 404, 'unknown path', {
      error: { code: 404, message: 'Not Found', status: 'NOT_FOUND' },
    });
  }

  async function tokenEndpoint(req: IncomingMessage, res: ServerResponse, body: string) {
    const oauthError = (reason: string, error = 'invalid_grant') =>
      reject(req, res, 400, reason, { error, error_description: reason });
    if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      return oauthError('content type must be form-encoded', 'invalid_request');
    }
    const form = new URLSearchParams(body);
    if (form.get('grant_type') !== jwtBearerGrant)
      return oauthError('wrong grant_type', 'unsupported_grant_type');
    const assertion = form.get('assertion');
    if (!assertion) return oauthError('no assertion', 'invalid_request');
    const refusal = tokenRefusals.shift();
    if (refusal) return oauthError('refused on request of the test', refusal);
    let claims: Record<string, unknown>;
    let kid: string | undefined;
    try {
      const header = decodeProtectedHeader(assertion);
      kid = header.kid;
      if (header.alg !== 'RS256') return oauthError('alg must be RS256');
      if (kid !== privateKeyId) return oauthError('kid is not the service account key id');
      // Google: `aud` is the token URI, `iss` the service account, `exp` at most an hour after `iat`.
      const verified = await jwtVerify(assertion, publicKey, {
        algorithms: ['RS256'],
        audience: tokenUri,
        issuer: clientEmail,
        requiredClaims: ['iat', 'exp', 'scope'],
        clockTolerance: 300,
        currentDate: new Date(now()),
      });
      claims = verified.payload as Record<string, unknown>;
    } catch (error) {
      return oauthError(`assertion does not verify: ${(error as Error).message}`);
    }
    if (claims.scope !== fcmScope)
      return oauthError('scope must be the FCM messaging scope', 'invalid_scope');
    const iat = claims.iat as number;
    const exp = claims.exp as number;
    if (exp - iat > 3600 || exp <= iat) return oauthError('exp must be within an hour of iat');
    if (Math.abs(iat - now() / 1000) > 300) return oauthError('iat is not now');
    tokenRequests.push({ claims, kid });
    const accessToken = `ya29.${randomBytes(24).toString('base64url')}`;
    accessTokens.set(accessToken, now() + 3599_000);
    send(res, 200, { access_token: accessToken, expires_in: 3599, token_type: 'Bearer' });
  }

  function googleError(
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    errorStatus: string,
    reason: string,
    fcmErrorCode?: string,
    headers: Record<string, string> = {},
  ) {
    rejected.push({ path: req.url ?? '', status, reason });
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers });
    res.end(
      JSON.stringify({
        error: {
          code: status,
          message: reason,
          status: errorStatus,
          ...(fcmErrorCode
            ? {
                details: [
                  { '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode: fcmErrorCode },
                ],
              }
            : {}),
        },
      }),
    );
  }

  function sendEndpoint(req: IncomingMessage, res: ServerResponse, text: string) {
    const record = (status: number, token: string | null) => attempts.push({ status, token });
    const authorization = req.headers.authorization ?? '';
    const accessToken = /^Bearer (\S+)$/.exec(authorization)?.[1];
    const expires = accessToken ? accessTokens.get(accessToken) : undefined;
    if (!accessToken || expires === undefined || expires <= now()) {
      record(401, null);
      return googleError(
        req,
        res,
        401,
        'UNAUTHENTICATED',
        'Request had invalid authentication credentials.',
        'THIRD_PARTY_AUTH_ERROR',
      );
    }
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
      record(400, null);
      return googleError(req, res, 400, 'INVALID_ARGUMENT', 'content type must be JSON');
    }
    let body: { message?: Record<string, unknown> } & Record<string, unknown>;
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      record(400, null);
      return googleError(req, res, 400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.');
    }
    const problem = messageProblem(body);
    const token = typeof body.message?.token === 'string' ? body.message.token : null;
    if (problem) {
      record(400, token);
      return googleError(req, res, 400, 'INVALID_ARGUMENT', problem, 'INVALID_ARGUMENT');
    }
    const failure = failures.shift();
    if (failure) {
      record(failure.status, token);
      return googleError(
        req,
        res,
        failure.status,
        failure.errorStatus,
        'failing on request of the test',
        failure.fcmErrorCode,
        failure.retryAfter ? { 'retry-after': failure.retryAfter } : {},
      );
    }
    if (!token || !tokens.has(token)) {
      record(404, token);
      return googleError(req, res, 404, 'NOT_FOUND', 'Requested entity was not found.', 'UNREGISTERED');
    }
    record(200, token);
    received.push({ message: body.message!, accessToken });
    for (const waiter of [...waiters]) {
      if (received.length >= waiter.count) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
    send(res, 200, { name: `projects/${projectId}/messages/${randomBytes(8).toString('hex')}` });
  }

  return {
    origin,
    tokenUri,
    projectId,
    clientEmail,
    serviceAccountJson: JSON.stringify({
      type: 'service_account',
      project_id: projectId,
      private_key_id: privateKeyId,
      private_key: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      client_email: clientEmail,
      client_id: '109876543210987654321',
      auth_uri: 'https://accounts.google.com/o/oauth2/auth',
      token_uri: tokenUri,
      auth_provider_x509_cert_url: 'https://www.googleapis.com/oauth2/v1/certs',
      client_x509_cert_url: `https://www.googleapis.com/robot/v1/metadata/x509/${encodeURIComponent(clientEmail)}`,
      universe_domain: 'googleapis.com',
    }),
    agent: new Agent({ ca: tls.cert }),
    cert: tls.cert,
    registerToken() {
      // The shape of real tokens: an instance id, a colon, then base64url.
      const token = `${randomBytes(16).toString('base64url')}:APA91b${randomBytes(100).toString('base64url')}`;
      tokens.add(token);
      return token;
    },
    unregister(token) {
      tokens.delete(token);
    },
    failNext(times, answer) {
      for (let i = 0; i < times; i++) failures.push(answer);
    },
    refuseTokens(times, error) {
      for (let i = 0; i < times; i++) tokenRefusals.push(error);
    },
    revokeAccessTokens() {
      accessTokens.clear();
    },
    tokenRequests,
    received,
    attempts,
    rejected,
    waitForMessages(count, timeoutMs = 5000) {
      if (received.length >= count) return Promise.resolve(received);
      return new Promise((resolve, rejectWait) => {
        const timer = setTimeout(
          () => rejectWait(new Error(`FCM stand-in: ${received.length} of ${count} messages`)),
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
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** What FCM's API refuses as INVALID_ARGUMENT, as far as the server under test could get it wrong. */
function messageProblem(body: Record<string, unknown>): string | null {
  const extra = Object.keys(body).filter((k) => k !== 'message' && k !== 'validate_only');
  if (extra.length > 0) return `Unknown name "${extra[0]}": Cannot find field.`;
  const message = body.message;
  if (typeof message !== 'object' || message === null) return 'message is required';
  const m = message as Record<string, unknown>;
  for (const key of Object.keys(m))
    if (!messageKeys.has(key)) return `Unknown name "${key}" at 'message': Cannot find field.`;
  const targets = ['token', 'topic', 'condition'].filter((k) => m[k] !== undefined);
  if (targets.length !== 1) return 'exactly one of token, topic, condition';
  if (m.data !== undefined) {
    if (typeof m.data !== 'object' || m.data === null) return 'data must be a map';
    for (const [key, value] of Object.entries(m.data)) {
      if (typeof value !== 'string') return `data.${key} must be a string`;
      // FCM reserves these keys (and the google. and gcm. prefixes).
      if (['from', 'notification', 'message_type'].includes(key) || /^(google|gcm)\./.test(key))
        return `data key ${key} is reserved`;
    }
  }
  if (m.android !== undefined) {
    const android = m.android as Record<string, unknown>;
    for (const key of Object.keys(android))
      if (!androidKeys.has(key)) return `Unknown name "${key}" at 'message.android'`;
    if (android.priority !== undefined && !['NORMAL', 'HIGH'].includes(android.priority as string))
      return 'android.priority must be NORMAL or HIGH';
    // A Duration in JSON: seconds with up to nine fractional digits, ending in "s".
    if (android.ttl !== undefined && !/^\d+(\.\d{1,9})?s$/.test(String(android.ttl)))
      return 'android.ttl must be a duration such as "120s"';
  }
  if (m.apns !== undefined) {
    const apns = m.apns as { headers?: Record<string, unknown>; payload?: { aps?: unknown } };
    for (const [key, value] of Object.entries(apns.headers ?? {}))
      if (typeof value !== 'string') return `apns.headers.${key} must be a string`;
    if (apns.payload !== undefined && typeof apns.payload.aps !== 'object')
      return 'apns.payload.aps must be an object';
  }
  return null;
}
