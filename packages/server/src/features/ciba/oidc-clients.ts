// OpenID clients: registration, their keys or secrets, and client authentication.
import { AppError, newId, notFound } from '@helpdesk-auth/core';
import { createLocalJWKSet, decodeJwt, importJWK, type JWK, type JWTPayload, jwtVerify } from 'jose';
import { type Actor, appendAudit } from '../../platform/audit-log.ts';
import type { ServiceContext } from '../../platform/context.ts';
import { constantTimeEqual, randomToken, sha256Hex } from '../../platform/secrets.ts';
import { claimOnce, inTransaction } from '../../storage/atomic.ts';
import { rowsChanged } from '../../storage/constraint-violations.ts';
import type { OidcClientRow } from '../../storage/schema.ts';
import { OAuthError } from './oauth-error.ts';
import { outboundUrlProblems } from './outbound-url.ts';

export const clientAuthMethods = ['client_secret_basic', 'private_key_jwt'] as const;
export type ClientAuthMethod = (typeof clientAuthMethods)[number];
export const deliveryModes = ['poll', 'ping'] as const;
export type DeliveryMode = (typeof deliveryModes)[number];
export const clientStatuses = ['active', 'suspended', 'revoked'] as const;
export type ClientStatus = (typeof clientStatuses)[number];
/**
 * The algorithms a client's ID tokens can be signed with: ES256 (the default) with the server's
 * signing key, or RS256, which OpenID Connect Core 15.1 makes mandatory to implement and some
 * libraries assume, with the server's RSA key.
 */
export const idTokenAlgorithms = ['ES256', 'RS256'] as const;
export type IdTokenAlgorithm = (typeof idTokenAlgorithms)[number];

/**
 * Signature algorithms accepted for private_key_jwt: asymmetric only (RFC 7523, FAPI). An Ed25519
 * key signs as `EdDSA` or, by the fully specified name of RFC 9864 (openid-client 6), `Ed25519`.
 */
export const assertionAlgorithms = [
  'ES256',
  'ES384',
  'ES512',
  'PS256',
  'PS384',
  'PS512',
  'RS256',
  'EdDSA',
  'Ed25519',
];

/** The names an Ed25519 key signs under: a key registered with one verifies assertions of either. */
const ed25519Names = ['EdDSA', 'Ed25519'];

/** The names a JWS algorithm is accepted under: both of Ed25519's, one for every other. */
function algorithmNames(alg: string): string[] {
  return ed25519Names.includes(alg) ? ed25519Names : [alg];
}

/** Whether a registered public key can sign with the algorithm (by its `alg`, else its type). */
function keyCanSign(jwk: JWK, alg: string): boolean {
  if (jwk.alg !== undefined) return algorithmNames(jwk.alg).includes(alg);
  if (jwk.kty === 'RSA') return /^(RS|PS)\d{3}$/.test(alg);
  if (jwk.kty === 'OKP') return jwk.crv === 'Ed25519' && ed25519Names.includes(alg);
  return defaultAlgorithm(jwk) === alg;
}

/** The registered keys as a verifier reads them: an Ed25519 key once per name it signs under. */
function verificationKeys(jwks: { keys: JWK[] }): { keys: JWK[] } {
  return {
    keys: jwks.keys.flatMap((jwk) =>
      jwk.kty === 'OKP' && jwk.crv === 'Ed25519' && (jwk.alg === undefined || ed25519Names.includes(jwk.alg))
        ? ed25519Names.map((alg) => ({ ...jwk, alg }))
        : [jwk],
    ),
  };
}

/** What a client is told about an assertion that does not verify: which check, never a secret. */
function assertionProblem(error: unknown): string {
  const code = (error as { code?: string }).code;
  const claim = (error as { claim?: string }).claim;
  switch (code) {
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return `The client assertion's algorithm is not accepted; use one of ${assertionAlgorithms.join(', ')}.`;
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return "No registered key matches the client assertion's kid and algorithm.";
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'The client assertion signature does not verify with the registered keys.';
    case 'ERR_JWT_EXPIRED':
      return 'The client assertion has expired.';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return `The client assertion's ${claim ?? 'claims'} claim is not accepted (aud must name this server).`;
    default:
      return 'The client assertion does not verify: signature, audience, or expiry.';
  }
}
export const jwtBearerAssertionType = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** Assertions valid for longer would make the replay cache keep their ids for that long. */
const maxAssertionLifetimeMs = 10 * 60 * 1000;
const clockToleranceSeconds = 60;

export interface OidcClient {
  id: string;
  name: string;
  tokenEndpointAuthMethod: ClientAuthMethod;
  jwks: { keys: JWK[] } | null;
  deliveryMode: DeliveryMode;
  notificationEndpoint: string | null;
  idTokenSignedResponseAlg: IdTokenAlgorithm;
  /**
   * The algorithm every CIBA authentication request must be signed with (CIBA Core 7.1.1); null
   * when the client may send requests signed or plain.
   */
  backchannelAuthenticationRequestSigningAlg: string | null;
  status: ClientStatus;
  createdAt: number;
  updatedAt: number;
}

export interface OidcClientInput {
  name: string;
  tokenEndpointAuthMethod: ClientAuthMethod;
  jwks?: { keys: JWK[] } | null | undefined;
  deliveryMode: DeliveryMode;
  notificationEndpoint?: string | null | undefined;
  /** ES256 when not given. */
  idTokenSignedResponseAlg?: IdTokenAlgorithm | undefined;
  /** One of assertionAlgorithms; requires private_key_jwt. Not given: requests signed or plain. */
  backchannelAuthenticationRequestSigningAlg?: string | null | undefined;
}

export interface OidcClientUpdate {
  name?: string | undefined;
  status?: 'active' | 'suspended' | undefined;
  jwks?: { keys: JWK[] } | null | undefined;
  deliveryMode?: DeliveryMode | undefined;
  notificationEndpoint?: string | null | undefined;
  idTokenSignedResponseAlg?: IdTokenAlgorithm | undefined;
  /** null: requests signed or plain again. */
  backchannelAuthenticationRequestSigningAlg?: string | null | undefined;
}

/** What a protocol request presented to authenticate its client (RFC 6749 2.3, RFC 7523 2.2). */
export interface ClientCredentials {
  authorization?: string | undefined;
  clientId?: string | undefined;
  clientSecret?: string | undefined;
  clientAssertion?: string | undefined;
  clientAssertionType?: string | undefined;
}

export interface AuthenticatedClient {
  id: string;
  tenantId: string;
  name: string;
  status: ClientStatus;
  deliveryMode: DeliveryMode;
  notificationEndpoint: string | null;
  idTokenSignedResponseAlg: IdTokenAlgorithm;
  /** Set: every authentication request must be signed, with this algorithm. */
  requestSigningAlg: string | null;
}

function toClient(row: OidcClientRow): OidcClient {
  return {
    id: row.id,
    name: row.name,
    tokenEndpointAuthMethod: row.auth_method,
    jwks: row.jwks ? (JSON.parse(row.jwks) as { keys: JWK[] }) : null,
    deliveryMode: row.delivery_mode,
    notificationEndpoint: row.notification_endpoint,
    idTokenSignedResponseAlg: row.id_token_alg,
    backchannelAuthenticationRequestSigningAlg: row.request_signing_alg,
    status: row.status,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const privateMembers = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];

function defaultAlgorithm(jwk: JWK): string | undefined {
  if (jwk.kty === 'RSA') return 'RS256';
  if (jwk.kty === 'EC') return { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' }[jwk.crv ?? ''];
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'EdDSA';
  return undefined;
}

/** Public signing keys only, each importable, RSA of 2048 bits or more. */
async function jwksProblems(jwks: { keys: JWK[] }): Promise<string[]> {
  const problems: string[] = [];
  for (const [i, jwk] of jwks.keys.entries()) {
    const where = `jwks.keys[${i}]`;
    if (privateMembers.some((member) => member in jwk)) {
      problems.push(`${where} contains private key material; register the public key only.`);
      continue;
    }
    if (jwk.use !== undefined && jwk.use !== 'sig') problems.push(`${where}.use must be "sig".`);
    const alg = jwk.alg ?? defaultAlgorithm(jwk);
    if (!alg || !assertionAlgorithms.includes(alg)) {
      problems.push(`${where} is not a supported signing key (${assertionAlgorithms.join(', ')}).`);
      continue;
    }
    if (jwk.kty === 'RSA' && Buffer.from(jwk.n ?? '', 'base64url').length < 256) {
      problems.push(`${where} is an RSA key shorter than 2048 bits.`);
      continue;
    }
    try {
      await importJWK(jwk, alg);
    } catch {
      problems.push(`${where} is not a valid ${alg} public key.`);
    }
  }
  return problems;
}

function secretOf(value: string): string {
  return sha256Hex(value);
}

// Compared when the client is unknown, so that an unknown id costs what a wrong secret costs.
const decoyHash = sha256Hex('decoy');

/**
 * The OpenID clients of a tenant (CIBA), registered by admins, and the authentication of a
 * client at the protocol endpoints: client_secret_basic (RFC 6749 2.3.1) and private_key_jwt
 * (OpenID Connect Core 9, RFC 7523) with each assertion's jti accepted once.
 */
export function createOidcClientService(context: ServiceContext) {
  const { db, config, clock } = context;

  async function getRow(tenantId: string, id: string): Promise<OidcClientRow> {
    const row = await db
      .selectFrom('oidc_clients')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw notFound('OpenID client');
    return row;
  }

  async function checkSettings(settings: {
    tokenEndpointAuthMethod: ClientAuthMethod;
    jwks: { keys: JWK[] } | null;
    deliveryMode: DeliveryMode;
    notificationEndpoint: string | null;
    name: string;
    idTokenSignedResponseAlg: string;
    requestSigningAlg: string | null;
  }): Promise<void> {
    const problems: string[] = [];
    if (settings.name.trim().length === 0) problems.push('name must not be empty.');
    if (!(idTokenAlgorithms as readonly string[]).includes(settings.idTokenSignedResponseAlg))
      problems.push(`idTokenSignedResponseAlg must be one of ${idTokenAlgorithms.join(', ')}.`);
    if (settings.tokenEndpointAuthMethod === 'private_key_jwt') {
      if (!settings.jwks) problems.push('private_key_jwt needs jwks: the public keys that sign assertions.');
      else problems.push(...(await jwksProblems(settings.jwks)));
    } else if (settings.jwks) {
      problems.push('jwks is only for private_key_jwt clients.');
    }
    const requestAlg = settings.requestSigningAlg;
    if (requestAlg !== null) {
      if (!assertionAlgorithms.includes(requestAlg))
        problems.push(
          `backchannelAuthenticationRequestSigningAlg must be one of ${assertionAlgorithms.join(', ')}.`,
        );
      else if (settings.tokenEndpointAuthMethod !== 'private_key_jwt')
        problems.push('backchannelAuthenticationRequestSigningAlg needs private_key_jwt and jwks.');
      else if (settings.jwks && !settings.jwks.keys.some((jwk) => keyCanSign(jwk, requestAlg)))
        problems.push(
          `No key in jwks signs with ${requestAlg}, the backchannelAuthenticationRequestSigningAlg.`,
        );
    }
    if (settings.deliveryMode === 'ping') {
      if (!settings.notificationEndpoint) problems.push('ping mode needs a notificationEndpoint.');
      else
        problems.push(...outboundUrlProblems(settings.notificationEndpoint, config, 'notificationEndpoint'));
    } else if (settings.notificationEndpoint) {
      problems.push('notificationEndpoint is only for ping mode.');
    }
    if (problems.length > 0) throw new AppError('VALIDATION_FAILED', problems.join(' '));
  }

  function invalidClient(message = 'Client authentication failed.'): OAuthError {
    return new OAuthError('invalid_client', message);
  }

  async function loadForAuthentication(id: string): Promise<OidcClientRow | undefined> {
    // Ids carry 80 random bits; a malformed one is simply not found.
    if (id.length > 64) return undefined;
    const row = await db.selectFrom('oidc_clients').selectAll().where('id', '=', id).executeTakeFirst();
    return row?.status === 'revoked' ? undefined : row;
  }

  function authenticated(row: OidcClientRow): AuthenticatedClient {
    return {
      id: row.id,
      tenantId: row.tenant_id,
      name: row.name,
      status: row.status,
      deliveryMode: row.delivery_mode,
      notificationEndpoint: row.notification_endpoint,
      idTokenSignedResponseAlg: row.id_token_alg,
      requestSigningAlg: row.request_signing_alg,
    };
  }

  async function withSecret(credentials: ClientCredentials): Promise<AuthenticatedClient> {
    const encoded = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(credentials.authorization ?? '')?.[1];
    if (!encoded) throw invalidClient('The Authorization header is not HTTP Basic.');
    const decoded = Buffer.from(encoded, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw invalidClient('The Basic credentials have no client secret.');
    let id: string;
    let secret: string;
    try {
      // RFC 6749 2.3.1: both parts are form-urlencoded before being joined.
      id = decodeURIComponent(decoded.slice(0, colon).replaceAll('+', ' '));
      secret = decodeURIComponent(decoded.slice(colon + 1).replaceAll('+', ' '));
    } catch {
      throw invalidClient('The Basic credentials are not form-urlencoded.');
    }
    if (credentials.clientId !== undefined && credentials.clientId !== id) {
      throw new OAuthError('invalid_request', 'client_id does not match the authenticated client.');
    }
    const row = await loadForAuthentication(id);
    const matches = constantTimeEqual(secretOf(secret), row?.secret_hash ?? decoyHash);
    if (row?.auth_method !== 'client_secret_basic' || !row.secret_hash || !matches) throw invalidClient();
    return authenticated(row);
  }

  async function withAssertion(
    credentials: ClientCredentials,
    audiences: string[],
  ): Promise<AuthenticatedClient> {
    if (credentials.clientAssertionType !== jwtBearerAssertionType) {
      throw invalidClient(`client_assertion_type must be ${jwtBearerAssertionType}.`);
    }
    let unverified: JWTPayload;
    try {
      unverified = decodeJwt(credentials.clientAssertion ?? '');
    } catch {
      throw invalidClient('client_assertion is not a JWT.');
    }
    const id = unverified.iss;
    if (typeof id !== 'string' || unverified.sub !== id) {
      throw invalidClient('The client assertion must have iss and sub equal to the client_id.');
    }
    if (credentials.clientId !== undefined && credentials.clientId !== id) {
      throw new OAuthError('invalid_request', 'client_id does not match the client assertion.');
    }
    const row = await loadForAuthentication(id);
    if (row?.auth_method !== 'private_key_jwt' || !row.jwks) throw invalidClient();
    const now = clock();
    let payload: JWTPayload;
    try {
      const keys = createLocalJWKSet(verificationKeys(JSON.parse(row.jwks) as { keys: JWK[] }));
      ({ payload } = await jwtVerify(credentials.clientAssertion!, keys, {
        issuer: id,
        subject: id,
        audience: audiences,
        algorithms: assertionAlgorithms,
        requiredClaims: ['exp', 'jti'],
        currentDate: new Date(now),
        clockTolerance: clockToleranceSeconds,
      }));
    } catch (error) {
      throw invalidClient(assertionProblem(error));
    }
    const expiresAt = payload.exp! * 1000;
    if (expiresAt - now > maxAssertionLifetimeMs) {
      throw invalidClient('The client assertion must expire within 10 minutes.');
    }
    if (typeof payload.jti !== 'string' || payload.jti.length === 0 || payload.jti.length > 200) {
      throw invalidClient('The client assertion needs a jti.');
    }
    // RFC 7523 3: an assertion is used once; its id is remembered until it expires.
    const fresh = await claimOnce(db, `oidc-client-assertion:${id}:${payload.jti}`, {
      expiresAt: expiresAt + clockToleranceSeconds * 1000,
      now,
    });
    if (!fresh) throw invalidClient('This client assertion was used before.');
    return authenticated(row);
  }

  return {
    async create(
      tenantId: string,
      input: OidcClientInput,
      actor: Actor,
    ): Promise<{ client: OidcClient; clientSecret: string | null }> {
      const settings = {
        name: input.name,
        tokenEndpointAuthMethod: input.tokenEndpointAuthMethod,
        jwks: input.jwks ?? null,
        deliveryMode: input.deliveryMode,
        notificationEndpoint: input.notificationEndpoint ?? null,
        idTokenSignedResponseAlg: input.idTokenSignedResponseAlg ?? 'ES256',
        requestSigningAlg: input.backchannelAuthenticationRequestSigningAlg ?? null,
      };
      await checkSettings(settings);
      const now = clock();
      const id = newId('oidcClient', now);
      const secret =
        settings.tokenEndpointAuthMethod === 'client_secret_basic' ? `hdacs_${randomToken()}` : null;
      const row: OidcClientRow = {
        id,
        tenant_id: tenantId,
        name: settings.name.trim(),
        auth_method: settings.tokenEndpointAuthMethod,
        secret_hash: secret ? secretOf(secret) : null,
        jwks: settings.jwks ? JSON.stringify(settings.jwks) : null,
        delivery_mode: settings.deliveryMode,
        notification_endpoint: settings.notificationEndpoint,
        id_token_alg: settings.idTokenSignedResponseAlg,
        request_signing_alg: settings.requestSigningAlg,
        status: 'active',
        created_at: now,
        updated_at: now,
      };
      await inTransaction(db, async (tx) => {
        await tx.insertInto('oidc_clients').values(row).execute();
        await appendAudit(tx, {
          tenantId,
          actor,
          action: 'oidc_client.created',
          target: { type: 'oidc_client', id },
          data: {
            name: row.name,
            authMethod: row.auth_method,
            deliveryMode: row.delivery_mode,
            notificationEndpoint: row.notification_endpoint,
            // How its ID tokens are signed (audit keys may not name a token).
            signedResponseAlg: row.id_token_alg,
            requestSigningAlg: row.request_signing_alg,
          },
          now,
        });
      });
      return { client: toClient(row), clientSecret: secret };
    },

    async list(tenantId: string): Promise<OidcClient[]> {
      const rows = await db
        .selectFrom('oidc_clients')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .orderBy('id', 'asc')
        .execute();
      return rows.map(toClient);
    },

    async get(tenantId: string, id: string): Promise<OidcClient> {
      return toClient(await getRow(tenantId, id));
    },

    async update(tenantId: string, id: string, input: OidcClientUpdate, actor: Actor): Promise<OidcClient> {
      const current = await getRow(tenantId, id);
      if (current.status === 'revoked') {
        throw new AppError('CONFLICT', 'The client is revoked; register a new one.');
      }
      const before = toClient(current);
      const settings = {
        name: input.name ?? before.name,
        tokenEndpointAuthMethod: before.tokenEndpointAuthMethod,
        jwks: input.jwks === undefined ? before.jwks : input.jwks,
        deliveryMode: input.deliveryMode ?? before.deliveryMode,
        notificationEndpoint:
          input.notificationEndpoint === undefined ? before.notificationEndpoint : input.notificationEndpoint,
        idTokenSignedResponseAlg: input.idTokenSignedResponseAlg ?? before.idTokenSignedResponseAlg,
        requestSigningAlg:
          input.backchannelAuthenticationRequestSigningAlg === undefined
            ? before.backchannelAuthenticationRequestSigningAlg
            : input.backchannelAuthenticationRequestSigningAlg,
      };
      await checkSettings(settings);
      const now = clock();
      const changed = Object.keys(input).filter((key) => input[key as keyof OidcClientUpdate] !== undefined);
      const moved = await inTransaction(db, async (tx) => {
        const result = await tx
          .updateTable('oidc_clients')
          .set({
            name: settings.name.trim(),
            jwks: settings.jwks ? JSON.stringify(settings.jwks) : null,
            delivery_mode: settings.deliveryMode,
            notification_endpoint: settings.notificationEndpoint,
            id_token_alg: settings.idTokenSignedResponseAlg,
            request_signing_alg: settings.requestSigningAlg,
            status: input.status ?? current.status,
            updated_at: now,
          })
          .where('tenant_id', '=', tenantId)
          .where('id', '=', id)
          .where('status', '!=', 'revoked')
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) !== 1) return false;
        await appendAudit(tx, {
          tenantId,
          actor,
          action: 'oidc_client.updated',
          target: { type: 'oidc_client', id },
          data: { fields: changed, ...(input.status ? { status: input.status } : {}) },
          now,
        });
        return true;
      });
      if (!moved) throw new AppError('CONFLICT', 'The client was revoked meanwhile.');
      return this.get(tenantId, id);
    },

    /** Issues a new client secret; the old one stops working at once. Shown only in this answer. */
    async rotateSecret(tenantId: string, id: string, actor: Actor): Promise<string> {
      const current = await getRow(tenantId, id);
      if (current.auth_method !== 'client_secret_basic') {
        throw new AppError('VALIDATION_FAILED', 'Only client_secret_basic clients have a secret.');
      }
      if (current.status === 'revoked') throw new AppError('CONFLICT', 'The client is revoked.');
      const secret = `hdacs_${randomToken()}`;
      const now = clock();
      const rotated = await inTransaction(db, async (tx) => {
        // Only while not revoked: a revocation that commits between the read above and this
        // statement must not be followed by a new secret, nor by an audit entry for one.
        const result = await tx
          .updateTable('oidc_clients')
          .set({ secret_hash: secretOf(secret), updated_at: now })
          .where('tenant_id', '=', tenantId)
          .where('id', '=', id)
          .where('status', '!=', 'revoked')
          .executeTakeFirst();
        if (rowsChanged(result) === 0) return false;
        await appendAudit(tx, {
          tenantId,
          actor,
          action: 'oidc_client.secret_rotated',
          target: { type: 'oidc_client', id },
          now,
        });
        return true;
      });
      if (!rotated) throw new AppError('CONFLICT', 'The client is revoked.');
      return secret;
    },

    /** Revokes a client for good: it can no longer authenticate. Revoking twice is harmless. */
    async revoke(tenantId: string, id: string, actor: Actor): Promise<OidcClient> {
      const current = await getRow(tenantId, id);
      if (current.status !== 'revoked') {
        const now = clock();
        await inTransaction(db, async (tx) => {
          // Compare-and-set: of concurrent revocations only the one that moved the status audits
          // it; the others answer as for a client already revoked.
          const result = await tx
            .updateTable('oidc_clients')
            .set({ status: 'revoked', secret_hash: null, updated_at: now })
            .where('tenant_id', '=', tenantId)
            .where('id', '=', id)
            .where('status', '!=', 'revoked')
            .executeTakeFirst();
          if (rowsChanged(result) === 0) return;
          await appendAudit(tx, {
            tenantId,
            actor,
            action: 'oidc_client.revoked',
            target: { type: 'oidc_client', id },
            now,
          });
        });
      }
      return this.get(tenantId, id);
    },

    /**
     * Verifies a signed authentication request (CIBA Core 7.1.1, required by FAPI-CIBA): a JWT the
     * client signed with one of its registered keys, `iss` its client_id, `aud` this issuer, with
     * `exp`, `iat`, `nbf` (at most 60 minutes apart) and a `jti` used only once. Returns its claims,
     * which are the request's parameters.
     */
    async verifySignedRequest(
      client: { id: string },
      request: string,
      issuer: string,
    ): Promise<Record<string, unknown>> {
      const row = await loadForAuthentication(client.id);
      if (!row?.jwks) {
        throw new OAuthError(
          'invalid_request',
          'A signed authentication request needs a client with registered keys (private_key_jwt).',
        );
      }
      const now = clock();
      const registered = row.request_signing_alg;
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(
          request,
          createLocalJWKSet(verificationKeys(JSON.parse(row.jwks) as { keys: JWK[] })),
          {
            issuer: client.id,
            audience: issuer,
            algorithms: registered ? algorithmNames(registered) : assertionAlgorithms,
            requiredClaims: ['exp', 'iat', 'nbf', 'jti'],
            currentDate: new Date(now),
            clockTolerance: clockToleranceSeconds,
          },
        ));
      } catch (error) {
        if (registered && (error as { code?: string }).code === 'ERR_JOSE_ALG_NOT_ALLOWED') {
          throw new OAuthError(
            'invalid_request',
            `The signed request's algorithm is not ${registered}, the one this client registered.`,
          );
        }
        const problem = assertionProblem(error).replace('client assertion', 'signed request');
        throw new OAuthError('invalid_request', problem);
      }
      if (payload.exp! - payload.nbf! > 3600) {
        throw new OAuthError(
          'invalid_request',
          'A signed request may be valid for at most 60 minutes (exp - nbf).',
        );
      }
      if (typeof payload.jti !== 'string' || payload.jti.length > 200) {
        throw new OAuthError('invalid_request', 'The signed request needs a jti of at most 200 characters.');
      }
      const once = await claimOnce(db, `ciba-request:${client.id}:${payload.jti}`, {
        expiresAt: payload.exp! * 1000 + clockToleranceSeconds * 1000,
        now,
      });
      if (!once) throw new OAuthError('invalid_request', 'This signed request was already used (jti).');
      return payload as Record<string, unknown>;
    },

    /**
     * Authenticates the client of a protocol request. Exactly one method may be used (RFC 6749
     * 2.3); client_secret_post is not offered. `audiences` are the values a private_key_jwt
     * assertion may name in `aud`: the issuer and the endpoint it is sent to.
     */
    async authenticate(credentials: ClientCredentials, audiences: string[]): Promise<AuthenticatedClient> {
      const basic = credentials.authorization !== undefined;
      const assertion = credentials.clientAssertion !== undefined;
      const post = credentials.clientSecret !== undefined;
      const used = [basic, assertion, post].filter(Boolean).length;
      if (used > 1) {
        throw new OAuthError('invalid_request', 'Use exactly one client authentication method.');
      }
      if (post) throw invalidClient('client_secret_post is not supported; use client_secret_basic.');
      if (basic) return withSecret(credentials);
      if (assertion) return withAssertion(credentials, audiences);
      throw invalidClient('Client authentication is required (client_secret_basic or private_key_jwt).');
    },
  };
}

export type OidcClientService = ReturnType<typeof createOidcClientService>;
