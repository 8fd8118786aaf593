// OpenID CIBA: backchannel authentication requests, their push verification, and the tokens.
import { randomUUID } from 'node:crypto';
import { AppError, type AssuranceLevel, isAppError, newId } from '@helpdesk-auth/core';
import { SignJWT } from 'jose';
import { type Actor, appendAudit } from '../../platform/audit-log.ts';
import type { ServiceContext } from '../../platform/context.ts';
import { decryptSecret, encryptSecret } from '../../platform/secrets.ts';
import type { ServerKeyService } from '../../platform/signing/server-keys.ts';
import { claimOnce, compareAndSet, inTransaction, takeIntervalSlot } from '../../storage/atomic.ts';
import type { CibaRequestRow } from '../../storage/schema.ts';
import { createVerificationFollowers, type VerificationService } from '../push/index.ts';
import {
  acrFor,
  amrFor,
  knownRequestedLevels,
  meetsRequestedLevels,
  supportedAcrValues,
} from './assurance-claims.ts';
import { bindingMessageProblems } from './binding-message.ts';
import { resolveLoginHint } from './login-hint.ts';
import { OAuthError } from './oauth-error.ts';
import {
  type AuthenticatedClient,
  assertionAlgorithms,
  type ClientCredentials,
  idTokenAlgorithms,
  type OidcClientService,
} from './oidc-clients.ts';

export const cibaGrantType = 'urn:openid:params:grant-type:ciba';
export const supportedScopes = ['openid'];

/** Paths of the protocol endpoints, below the issuer (PUBLIC_URL). */
export const cibaPaths = {
  discovery: '/.well-known/openid-configuration',
  // Not the device JWKS (/.well-known/jwks.json): this one also holds the RSA key of RS256 ID
  // tokens, which devices, accepting P-256 keys only, must never be handed.
  jwks: '/oidc/jwks.json',
  backchannel: '/oidc/backchannel-authentication',
  token: '/oidc/token',
  registration: '/oidc/register',
} as const;

/** Parameters of a backchannel authentication request (CIBA Core 7.1), as received. */
export interface BackchannelParams {
  scope?: string | undefined;
  client_notification_token?: string | undefined;
  acr_values?: string | undefined;
  login_hint?: string | undefined;
  login_hint_token?: string | undefined;
  id_token_hint?: string | undefined;
  binding_message?: string | undefined;
  user_code?: string | undefined;
  requested_expiry?: string | undefined;
  request?: string | undefined;
}

export interface BackchannelResponse {
  auth_req_id: string;
  expires_in: number;
  interval: number;
  /** The code the agent reads out to the customer, who types it on the phone (DESIGN section 4). */
  verification_code: string;
}

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  id_token: string;
  scope: string;
}

/** The authentication request parameters a signed request carries (CIBA Core 7.1 and 7.1.1). */
const signedParameterNames = [
  'scope',
  'client_notification_token',
  'acr_values',
  'login_hint',
  'login_hint_token',
  'id_token_hint',
  'binding_message',
  'user_code',
  'requested_expiry',
] as const;

const notificationTokenContext = (id: string) => `ciba-notification-token:${id}`;
// RFC 6750 section 2.1: the characters of a bearer token.
const bearerTokenPattern = /^[A-Za-z0-9\-._~+/]+=*$/;
const pingAttempts = 3;
const pingTimeoutMs = 10_000;
/** How long after its expiry a request is still looked at by the sweep. */
const sweepHorizonMs = 60 * 60 * 1000;

/**
 * The server as an OpenID Provider for Client-Initiated Backchannel Authentication (OpenID CIBA
 * Core 1.0), poll and ping modes. Each backchannel request starts a push verification of the
 * customer its login_hint names; the binding_message is the reason the phone shows, and the
 * verification's code goes back to the client for the agent to read out. The request's outcome
 * is the verification's final status: approved gives tokens, expiry gives expired_token, anything
 * else access_denied.
 */
export function createCibaService(
  context: ServiceContext,
  deps: { clients: OidcClientService; verifications: VerificationService; serverKeys: ServerKeyService },
) {
  const { db, config, clock, encryptionKey, timers } = context;
  const issuer = config.publicUrl.replace(/\/+$/, '');
  const endpoints = {
    backchannel: `${issuer}${cibaPaths.backchannel}`,
    token: `${issuer}${cibaPaths.token}`,
    jwks: `${issuer}${cibaPaths.jwks}`,
    registration: `${issuer}${cibaPaths.registration}`,
  };
  const followers = createVerificationFollowers(context);

  const clientActor = (client: { id: string }): Actor => ({ type: 'oidc_client', id: client.id });

  async function authenticateClient(
    credentials: ClientCredentials,
    endpoint: string,
  ): Promise<AuthenticatedClient> {
    const client = await deps.clients.authenticate(credentials, [issuer, endpoint]);
    if (client.status !== 'active') {
      throw new OAuthError('unauthorized_client', 'This client is suspended; an admin can reactivate it.');
    }
    return client;
  }

  /**
   * The parameters of a signed authentication request (CIBA Core 7.1.1): verified with the
   * client's keys, they are the request's only parameters; the same ones beside it are refused.
   */
  async function signedParams(
    client: AuthenticatedClient,
    params: BackchannelParams,
  ): Promise<BackchannelParams> {
    const beside = signedParameterNames.filter((name) => params[name] !== undefined);
    if (beside.length > 0) {
      throw new OAuthError(
        'invalid_request',
        `With a signed request, send ${beside.join(', ')} inside it, not beside it.`,
      );
    }
    const claims = await deps.clients.verifySignedRequest(client, params.request!, issuer);
    const out: BackchannelParams = {};
    for (const name of signedParameterNames) {
      const value = claims[name];
      if (value === undefined) continue;
      // requested_expiry may be a JSON number; every other parameter is text.
      if (name === 'requested_expiry' && typeof value === 'number') out[name] = String(value);
      else if (typeof value === 'string') out[name] = value;
      else throw new OAuthError('invalid_request', `${name} in the signed request must be a string.`);
    }
    return out;
  }

  /** Cancels the verification of an expired request that is still pending on the phone. */
  async function cancelIfPending(row: CibaRequestRow): Promise<void> {
    try {
      await deps.verifications.cancel(row.tenant_id, row.verification_id, clientActor({ id: row.client_id }));
    } catch (error) {
      // Already final (answered, expired, superseded): nothing to stop.
      if (!isAppError(error)) throw error;
    }
  }

  /** Ping mode (CIBA Core 10.2): tells the client its result is ready, with its bearer token. */
  async function notify(id: string): Promise<void> {
    const row = await db.selectFrom('ciba_requests').selectAll().where('id', '=', id).executeTakeFirst();
    if (row?.delivery_mode !== 'ping' || row.notified_at !== null || !row.notification_token_sealed) return;
    const now = clock();
    // One sender at a time, across processes: the event and the sweep may both get here.
    if (!(await claimOnce(db, `ciba-ping:${id}`, { expiresAt: now + 2 * pingTimeoutMs * pingAttempts, now })))
      return;
    const client = await db
      .selectFrom('oidc_clients')
      .select(['notification_endpoint', 'status'])
      .where('id', '=', row.client_id)
      .executeTakeFirst();
    const endpoint = client?.status === 'revoked' ? null : client?.notification_endpoint;
    if (endpoint) {
      const token = decryptSecret(encryptionKey, row.notification_token_sealed, notificationTokenContext(id));
      for (let attempt = 1; attempt <= pingAttempts; attempt++) {
        try {
          const response = await fetch(endpoint, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ auth_req_id: id }),
            redirect: 'manual',
            signal: AbortSignal.timeout(pingTimeoutMs),
          });
          await response.body?.cancel();
          if (response.ok) break;
          if (response.status < 500 && response.status !== 429) break;
        } catch {
          // Unreachable for now: try again below.
        }
        if (attempt < pingAttempts) await new Promise((resolve) => setTimeout(resolve, 1000 * attempt));
      }
    }
    // Delivered or given up: the client can still poll, and learns the result either way.
    await compareAndSet(db, 'ciba_requests', {
      where: { id },
      expect: { notified_at: null },
      set: { notified_at: clock() },
    });
  }

  /** A ping-mode request notifies its client once its verification is final. */
  function follow(
    row: Pick<CibaRequestRow, 'id' | 'verification_id' | 'delivery_mode'>,
    until: number,
  ): void {
    if (row.delivery_mode !== 'ping') return;
    followers.follow(row.id, row.verification_id, until, () => notify(row.id));
  }

  async function issueTokens(
    row: CibaRequestRow,
    client: AuthenticatedClient,
    verification: {
      id: string;
      customerId: string;
      finishedAt: number | null;
      assurance: AssuranceLevel;
    },
  ): Promise<TokenResponse> {
    const now = clock();
    const key = await deps.serverKeys.signingKey();
    const iat = Math.floor(now / 1000);
    const exp = iat + config.cibaTokenSeconds;
    const claims = {
      auth_time: Math.floor((verification.finishedAt ?? now) / 1000),
      acr: acrFor(verification.assurance),
      amr: amrFor(verification.assurance),
      // The verification behind the tokens (RFC 8417 txn): its timeline and audit entries are the evidence.
      txn: verification.id,
    };
    // The client's registered algorithm (OpenID Connect Registration 2, id_token_signed_response_alg).
    const idTokenKey =
      client.idTokenSignedResponseAlg === 'RS256'
        ? { alg: 'RS256', ...(await deps.serverKeys.rsaIdTokenKey()) }
        : { alg: 'ES256', kid: key.kid, privateKey: key.privateKey };
    const idToken = await new SignJWT(claims)
      .setProtectedHeader({ alg: idTokenKey.alg, typ: 'JWT', kid: idTokenKey.kid })
      .setIssuer(issuer)
      .setSubject(verification.customerId)
      .setAudience(client.id)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(idTokenKey.privateKey);
    // RFC 9068 profile, so a resource server can check it against the same JWKS.
    const accessToken = await new SignJWT({ ...claims, client_id: client.id, scope: row.scope })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: key.kid })
      .setIssuer(issuer)
      .setSubject(verification.customerId)
      .setAudience(issuer)
      .setJti(randomUUID())
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(key.privateKey);
    // An auth_req_id is redeemed once: the compare-and-set decides between concurrent requests.
    const redeemed = await inTransaction(db, async (tx) => {
      const first = await compareAndSet(tx, 'ciba_requests', {
        where: { id: row.id, tenant_id: row.tenant_id },
        expect: { redeemed_at: null },
        set: { redeemed_at: now },
      });
      if (!first) return false;
      await appendAudit(tx, {
        tenantId: row.tenant_id,
        actor: clientActor(client),
        action: 'ciba.tokens_issued',
        target: { type: 'ciba_request', id: row.id },
        data: {
          customerId: verification.customerId,
          verificationId: verification.id,
          acr: claims.acr,
          scope: row.scope,
        },
        now,
      });
      return true;
    });
    if (!redeemed) throw new OAuthError('invalid_grant', 'This auth_req_id was already redeemed.');
    return {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: config.cibaTokenSeconds,
      id_token: idToken,
      scope: row.scope,
    };
  }

  /** A pending request: authorization_pending, or slow_down when polled before its interval. */
  async function pendingAnswer(row: CibaRequestRow, now: number): Promise<never> {
    // One conditional update: of two polls at once, at most one counts as on time.
    const onTime = await takeIntervalSlot(
      db,
      'ciba_requests',
      { id: row.id },
      { column: 'last_polled_at', now, intervalMs: row.interval_seconds * 1000 },
    );
    if (onTime) {
      throw new OAuthError('authorization_pending', 'The customer has not answered yet.');
    }
    // CIBA Core 11 (RFC 8628 3.5): the client adds 5 seconds to its interval; so does the server.
    await db
      .updateTable('ciba_requests')
      .set((eb) => ({ interval_seconds: eb('interval_seconds', '+', 5), last_polled_at: now }))
      .where('id', '=', row.id)
      .execute();
    throw new OAuthError(
      'slow_down',
      `Polled too fast: wait at least ${row.interval_seconds + 5} seconds between token requests.`,
    );
  }

  return {
    issuer,
    endpoints,

    /** The discovery document (OpenID Connect Discovery 1.0, CIBA Core 4). */
    metadata() {
      return {
        issuer,
        token_endpoint: endpoints.token,
        backchannel_authentication_endpoint: endpoints.backchannel,
        jwks_uri: endpoints.jwks,
        // RFC 7591, with an API key (oidc-clients:write) as the initial access token.
        registration_endpoint: endpoints.registration,
        grant_types_supported: [cibaGrantType],
        backchannel_token_delivery_modes_supported: ['poll', 'ping'],
        backchannel_user_code_parameter_supported: false,
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'private_key_jwt'],
        token_endpoint_auth_signing_alg_values_supported: assertionAlgorithms,
        // Signed authentication requests (CIBA Core 4 and 7.1.1), with the client's registered keys.
        backchannel_authentication_request_signing_alg_values_supported: assertionAlgorithms,
        // No authorization endpoint: this provider speaks CIBA only.
        response_types_supported: [],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: [...idTokenAlgorithms],
        scopes_supported: supportedScopes,
        acr_values_supported: supportedAcrValues,
        claims_supported: ['iss', 'sub', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'amr', 'txn'],
      };
    },

    /** The backchannel authentication endpoint (CIBA Core 7). */
    async authenticate(
      received: BackchannelParams,
      credentials: ClientCredentials,
    ): Promise<BackchannelResponse> {
      const client = await authenticateClient(credentials, endpoints.backchannel);
      // A client that registered a request signing algorithm sends only signed requests, so a
      // stolen client credential alone cannot start one (FAPI-CIBA).
      if (client.requestSigningAlg && received.request === undefined) {
        throw new OAuthError(
          'invalid_request',
          `This client registered backchannel_authentication_request_signing_alg ${client.requestSigningAlg}: send the request signed, in the request parameter.`,
        );
      }
      const params = received.request !== undefined ? await signedParams(client, received) : received;
      if (params.scope === undefined) throw new OAuthError('invalid_request', 'scope is required.');
      const scopes = params.scope.split(' ').filter((s) => s.length > 0);
      if (!scopes.includes('openid')) throw new OAuthError('invalid_scope', 'scope must contain openid.');
      const unknown = scopes.filter((s) => !supportedScopes.includes(s));
      if (unknown.length > 0)
        throw new OAuthError('invalid_scope', `Unsupported scope: ${unknown.join(' ')}.`);

      const hints = [params.login_hint, params.login_hint_token, params.id_token_hint].filter(
        (h) => h !== undefined,
      );
      if (hints.length !== 1) {
        throw new OAuthError(
          'invalid_request',
          'Send exactly one of login_hint, login_hint_token, id_token_hint.',
        );
      }
      if (params.login_hint === undefined) {
        throw new OAuthError('invalid_request', 'Only login_hint is supported to name the customer.');
      }
      if (params.user_code !== undefined) {
        throw new OAuthError('invalid_request', 'user_code is not supported.');
      }
      if (params.binding_message !== undefined) {
        const problems = bindingMessageProblems(params.binding_message);
        if (problems.length > 0) throw new OAuthError('invalid_binding_message', problems.join(' '));
      }
      let requestedExpiry: number | undefined;
      if (params.requested_expiry !== undefined) {
        if (!/^[1-9][0-9]{0,5}$/.test(params.requested_expiry)) {
          throw new OAuthError(
            'invalid_request',
            'requested_expiry must be a positive whole number of seconds.',
          );
        }
        requestedExpiry = Number(params.requested_expiry);
      }
      let sealedToken: ((id: string) => string) | null = null;
      if (client.deliveryMode === 'ping') {
        const token = params.client_notification_token;
        if (token === undefined) {
          throw new OAuthError('invalid_request', 'A ping mode client must send client_notification_token.');
        }
        if (token.length > 1024 || !bearerTokenPattern.test(token)) {
          throw new OAuthError(
            'invalid_request',
            'client_notification_token must be a bearer token (RFC 6750).',
          );
        }
        sealedToken = (id) => encryptSecret(encryptionKey, token, notificationTokenContext(id));
      }
      if (params.acr_values !== undefined && params.acr_values.length > 200) {
        throw new OAuthError('invalid_request', 'acr_values is too long.');
      }

      const customerId = await resolveLoginHint(db, client.tenantId, params.login_hint);
      if (!customerId) {
        throw new OAuthError('unknown_user_id', 'The login_hint does not name exactly one customer.');
      }

      const now = clock();
      const id = newId('cibaRequest', now);
      let verification: Awaited<ReturnType<VerificationService['start']>>;
      try {
        verification = await deps.verifications.start(
          client.tenantId,
          {
            customerId,
            purpose: 'authenticate',
            // Without a binding message: "Sign-in requested by <client>", in the customer's language.
            reason: params.binding_message ?? null,
            requestedBy: client.name,
            agentName: client.name,
            // Links the verification to this request in the API and the audit log.
            callReference: id,
          },
          clientActor(client),
        );
      } catch (error) {
        // The provider declines to ask this customer now: no phone, the push cap, a lock.
        if (isAppError(error) && (error.status === 409 || error.status === 429)) {
          throw new OAuthError('access_denied', error.message);
        }
        if (isAppError(error) && error.code === 'NOT_FOUND') {
          throw new OAuthError('unknown_user_id', 'The login_hint does not name exactly one customer.');
        }
        throw error;
      }
      // Counted from the answer, not from the request: starting the verification takes a moment.
      const issuedAt = clock();
      const expiresAt =
        requestedExpiry === undefined
          ? verification.expiresAt
          : Math.min(verification.expiresAt, issuedAt + requestedExpiry * 1000);
      const row: CibaRequestRow = {
        id,
        tenant_id: client.tenantId,
        client_id: client.id,
        customer_id: customerId,
        verification_id: verification.id,
        scope: scopes.join(' '),
        acr_values: params.acr_values ?? null,
        delivery_mode: client.deliveryMode,
        notification_token_sealed: sealedToken ? sealedToken(id) : null,
        interval_seconds: config.cibaPollIntervalSeconds,
        last_polled_at: null,
        expires_at: expiresAt,
        redeemed_at: null,
        notified_at: null,
        created_at: now,
      };
      await db.insertInto('ciba_requests').values(row).execute();
      if (expiresAt < verification.expiresAt) {
        // A shorter requested_expiry: the phone stops asking when the client stops waiting.
        timers.setTimeout(() => {
          void cancelIfPending(row).catch(() => {});
        }, expiresAt - clock());
      }
      follow(row, verification.expiresAt);
      if (!verification.code) throw new AppError('INTERNAL', 'The verification started without a code.');
      return {
        auth_req_id: id,
        expires_in: Math.max(1, Math.ceil((expiresAt - issuedAt) / 1000)),
        interval: row.interval_seconds,
        verification_code: verification.code,
      };
    },

    /** The token endpoint, CIBA grant (CIBA Core 10.1 and 11). */
    async token(
      params: { grant_type?: string | undefined; auth_req_id?: string | undefined },
      credentials: ClientCredentials,
    ): Promise<TokenResponse> {
      if (params.grant_type === undefined) throw new OAuthError('invalid_request', 'grant_type is required.');
      if (params.grant_type !== cibaGrantType) {
        throw new OAuthError('unsupported_grant_type', `Only ${cibaGrantType} is supported.`);
      }
      const client = await authenticateClient(credentials, endpoints.token);
      if (params.auth_req_id === undefined)
        throw new OAuthError('invalid_request', 'auth_req_id is required.');
      const row = await db
        .selectFrom('ciba_requests')
        .selectAll()
        .where('id', '=', params.auth_req_id)
        .executeTakeFirst();
      // Another client's auth_req_id is as unknown as one that never existed.
      if (!row || row.client_id !== client.id || row.tenant_id !== client.tenantId) {
        throw new OAuthError('invalid_grant', 'Unknown auth_req_id.');
      }
      if (row.redeemed_at !== null)
        throw new OAuthError('invalid_grant', 'This auth_req_id was already redeemed.');
      const now = clock();
      if (now >= row.expires_at) {
        await cancelIfPending(row);
        throw new OAuthError('expired_token', 'The auth_req_id has expired; start a new request.');
      }
      const verification = await deps.verifications.get(row.tenant_id, row.verification_id);
      switch (verification.status) {
        case 'pending':
          return pendingAnswer(row, now);
        case 'approved': {
          const assurance = verification.assurance ?? 'substantial';
          if (!meetsRequestedLevels(assurance, knownRequestedLevels(row.acr_values))) {
            throw new OAuthError('access_denied', 'The approval did not reach the requested acr_values.');
          }
          return issueTokens(row, client, { ...verification, assurance });
        }
        case 'expired':
          throw new OAuthError('expired_token', 'The customer did not answer in time; start a new request.');
        default:
          throw new OAuthError('access_denied', `The request was ${verification.status.replace('_', ' ')}.`);
      }
    },

    /**
     * The safety net behind the live events: pings still owed (an event missed, a restart) and
     * pending verifications of requests that expired early (a short requested_expiry).
     */
    async sweep(): Promise<void> {
      const now = clock();
      const owed = await db
        .selectFrom('ciba_requests')
        .innerJoin('verifications', 'verifications.id', 'ciba_requests.verification_id')
        .select(['ciba_requests.id'])
        .where('ciba_requests.delivery_mode', '=', 'ping')
        .where('ciba_requests.notified_at', 'is', null)
        .where('ciba_requests.created_at', '>', now - sweepHorizonMs)
        .where('verifications.status', '!=', 'pending')
        .limit(100)
        .execute();
      for (const { id } of owed) await notify(id);
      const expired = await db
        .selectFrom('ciba_requests')
        .innerJoin('verifications', 'verifications.id', 'ciba_requests.verification_id')
        .selectAll('ciba_requests')
        .where('ciba_requests.expires_at', '<=', now)
        .where('ciba_requests.created_at', '>', now - sweepHorizonMs)
        .where('verifications.status', '=', 'pending')
        .limit(100)
        .execute();
      for (const row of expired) await cancelIfPending(row);
    },

    /** Stops listening (server shutdown); the sweep of the next start takes over. */
    stop(): void {
      followers.stopAll();
    },
  };
}

export type CibaService = ReturnType<typeof createCibaService>;
