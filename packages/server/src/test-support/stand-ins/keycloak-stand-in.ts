// A local stand-in for Keycloak's side of the CIBA authentication channel.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, jwtVerify, SignJWT } from 'jose';

/**
 * A local server that behaves as Keycloak does towards a CIBA HTTP authentication channel
 * (Keycloak's HttpAuthenticationChannelProvider and BackchannelAuthenticationCallbackEndpoint):
 *
 * - it signs, per request, a bearer token with the realm's RS256 key: `typ: "Bearer"`, `iss` and
 *   `aud` the realm's issuer, `jti` its id for the request, `azp` the CIBA client, `sub` the
 *   Keycloak user, `exp` the request's expiry;
 * - it publishes the realm's keys at `/realms/{realm}/protocol/openid-connect/certs`;
 * - its callback endpoint `/realms/{realm}/protocol/openid-connect/ext/ciba/auth/callback`
 *   answers 401 without a bearer token, 403 for a token that does not verify, has expired, or
 *   whose request is no longer pending, 400 for a missing or unknown status, and 200 otherwise;
 * - `down(n)` makes it answer 503 to the next n callbacks, as while it restarts.
 */
export interface KeycloakStandIn {
  baseUrl: string;
  realm: string;
  issuer: string;
  /** A bearer token as Keycloak signs it for a new CIBA request; the request is pending from now on. */
  bearer(options?: {
    jti?: string;
    azp?: string;
    expiresInSeconds?: number;
    typ?: string;
    key?: CryptoKey;
    issuer?: string;
  }): Promise<string>;
  /** Callbacks Keycloak accepted: its request id and the status. */
  accepted: Array<{ jti: string; status: string }>;
  /** Every callback request, with the answer given. */
  calls: Array<{ authorization: string | undefined; body: string; answer: number }>;
  /** The next accepted callback. */
  nextAccepted(): Promise<{ jti: string; status: string }>;
  /** The next callback request, whatever the answer. */
  nextCall(): Promise<{ authorization: string | undefined; body: string; answer: number }>;
  down(callbacks: number): void;
  close(): Promise<void>;
}

export async function startKeycloakStandIn(options: {
  realm?: string;
  now: () => number;
}): Promise<KeycloakStandIn> {
  const realm = options.realm ?? 'helpdesk';
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const kid = 'realm-key-1';
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  const pending = new Set<string>();
  const accepted: Array<{ jti: string; status: string }> = [];
  const calls: Array<{ authorization: string | undefined; body: string; answer: number }> = [];
  const acceptedWaiters: Array<(value: { jti: string; status: string }) => void> = [];
  const callWaiters: Array<
    (value: { authorization: string | undefined; body: string; answer: number }) => void
  > = [];
  let downFor = 0;
  let acceptedSeen = 0;
  let callsSeen = 0;
  let issuer = '';

  const realmPath = `/realms/${realm}`;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        const send = (status: number, body?: unknown) => {
          res.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' });
          res.end(body === undefined ? undefined : JSON.stringify(body));
        };
        if (req.method === 'GET' && req.url === `${realmPath}/protocol/openid-connect/certs`) {
          return send(200, { keys: [jwk] });
        }
        if (
          req.method !== 'POST' ||
          req.url !== `${realmPath}/protocol/openid-connect/ext/ciba/auth/callback`
        ) {
          return send(404, { error: 'not_found' });
        }
        const body = Buffer.concat(chunks).toString('utf8');
        const record = (answer: number) => {
          const call = { authorization: req.headers.authorization, body, answer };
          calls.push(call);
          callWaiters.shift()?.(call);
          return answer;
        };
        if (downFor > 0) {
          downFor--;
          return send(record(503));
        }
        const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
        if (!token) return send(record(401), { error: 'invalid_token', error_description: 'Invalid token' });
        let jti: string;
        try {
          const { payload } = await jwtVerify(token, publicKey, {
            issuer,
            audience: issuer,
            currentDate: new Date(options.now()),
          });
          jti = String(payload.jti);
        } catch {
          return send(record(403), { error: 'invalid_token', error_description: 'Invalid token' });
        }
        if (!pending.has(jti))
          return send(record(403), { error: 'invalid_token', error_description: 'Invalid token' });
        let status: unknown;
        try {
          status = (JSON.parse(body) as { status?: unknown }).status;
        } catch {
          status = undefined;
        }
        if (status !== 'SUCCEED' && status !== 'UNAUTHORIZED' && status !== 'CANCELLED') {
          return send(record(400), {
            error: 'invalid_request',
            error_description: 'Invalid authentication status',
          });
        }
        pending.delete(jti);
        const result = { jti, status };
        accepted.push(result);
        acceptedWaiters.shift()?.(result);
        return send(record(200));
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  issuer = `${baseUrl}${realmPath}`;

  return {
    baseUrl,
    realm,
    issuer,
    accepted,
    calls,
    async bearer(o = {}) {
      const jti = o.jti ?? crypto.randomUUID();
      pending.add(jti);
      const now = Math.floor(options.now() / 1000);
      return new SignJWT({ typ: o.typ ?? 'Bearer', azp: o.azp ?? 'helpdesk-tool' })
        .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
        .setIssuer(o.issuer ?? issuer)
        .setAudience(o.issuer ?? issuer)
        .setJti(jti)
        .setSubject('0b1c2d3e-keycloak-user-id')
        .setExpirationTime(now + (o.expiresInSeconds ?? 300))
        .sign(o.key ?? privateKey);
    },
    nextAccepted() {
      const index = acceptedSeen++;
      const already = accepted[index];
      return already ? Promise.resolve(already) : new Promise((resolve) => acceptedWaiters.push(resolve));
    },
    nextCall() {
      const index = callsSeen++;
      const already = calls[index];
      return already ? Promise.resolve(already) : new Promise((resolve) => callWaiters.push(resolve));
    },
    down(callbacks) {
      downFor = callbacks;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
