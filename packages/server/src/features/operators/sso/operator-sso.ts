// Operator sign-in with OpenID Connect: one identity provider per tenant, code flow with PKCE.
import { randomUUID } from 'node:crypto';
import { AppError, newId, notFound, type Role, roles } from '@helpdesk-auth/core';
import * as oidc from 'openid-client';
import { type Actor, appendAudit } from '../../../platform/audit-log.ts';
import type { ServiceContext } from '../../../platform/context.ts';
import { normaliseEmail } from '../../../platform/email-address.ts';
import { constantTimeEqual, decryptSecret, encryptSecret, sha256Hex } from '../../../platform/secrets.ts';
import { claimOnce, inTransaction, lockTenant } from '../../../storage/atomic.ts';
import { changeOnce, conflictsAs } from '../../../storage/constraint-violations.ts';
import type { Db } from '../../../storage/database.ts';
import type { OperatorSsoConfigsTable } from '../../../storage/schema.ts';
import { type Operator, toOperator } from '../operators.ts';

/**
 * Operator sign-in with OpenID Connect: one identity provider per tenant, the authorization code
 * flow with PKCE (S256), state and nonce (OpenID Connect Core 1.0 section 3.1, RFC 7636), done by
 * openid-client. The provider's groups or roles become our roles through an admin-made mapping;
 * operators can be created on first sign-in. Local password accounts keep working beside it.
 */
export interface RoleMapping {
  /** A value of the role claim, compared exactly (group names and ids are case-sensitive at most providers). */
  value: string;
  role: Role;
}

export interface SsoConfig {
  enabled: boolean;
  issuer: string;
  clientId: string;
  scopes: string[];
  roleClaim: string;
  roleMappings: RoleMapping[];
  allowedDomains: string[];
  jitProvisioning: boolean;
  defaultRole: Role | null;
  /** The callback URL to register at the identity provider. */
  redirectUri: string;
  createdAt: number;
  updatedAt: number;
}

export interface SsoConfigInput {
  enabled?: boolean | undefined;
  issuer?: string | undefined;
  clientId?: string | undefined;
  clientSecret?: string | undefined;
  scopes?: string[] | undefined;
  roleClaim?: string | undefined;
  roleMappings?: RoleMapping[] | undefined;
  allowedDomains?: string[] | undefined;
  jitProvisioning?: boolean | undefined;
  defaultRole?: Role | null | undefined;
}

/** Cookie that binds a sign-in's state, nonce and PKCE verifier to the browser that started it. */
export const ssoStateCookieName = 'hda_sso';
export const ssoCookiePath = '/v1/auth/oidc/';
const stateLifetimeMs = 10 * 60_000;
const stateContext = 'operator-sso-state';
const defaultScopes = ['openid', 'email', 'profile'];

export interface SignInState {
  tenantId: string;
  state: string;
  nonce: string;
  codeVerifier: string;
  expiresAt: number;
}

/** Seals the sign-in state into the cookie value (AES-256-GCM): the browser carries it but cannot read or change it. */
export function sealSignInState(key: Buffer, state: SignInState): string {
  return encryptSecret(key, JSON.stringify(state), stateContext);
}

export function openSignInState(key: Buffer, sealed: string): SignInState | undefined {
  try {
    const value = JSON.parse(decryptSecret(key, sealed, stateContext)) as SignInState;
    return typeof value.state === 'string' && typeof value.tenantId === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

const loopbackHosts = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The issuer must be https; plain http only for a provider on this machine outside production. */
function checkIssuer(issuer: string, mode: string): string {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new AppError(
      'VALIDATION_FAILED',
      'The issuer must be an absolute URL, such as https://login.example.com.',
    );
  }
  const local = url.protocol === 'http:' && loopbackHosts.has(url.hostname) && mode !== 'production';
  if (url.protocol !== 'https:' && !local)
    throw new AppError('VALIDATION_FAILED', 'The issuer must use https.');
  if (url.search || url.hash) throw new AppError('VALIDATION_FAILED', 'The issuer has no query or fragment.');
  return issuer;
}

function normaliseDomain(domain: string): string {
  const value = domain.trim().toLowerCase().replace(/^@/, '');
  if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(value))
    throw new AppError('VALIDATION_FAILED', `"${domain}" is not a domain such as example.com.`);
  return value;
}

/** Reads a claim by name, or by a dotted path into nested objects (Keycloak's `realm_access.roles`). */
export function claimValues(claims: Record<string, unknown>, path: string): string[] {
  let current: unknown = path in claims ? claims[path] : undefined;
  if (current === undefined) {
    current = claims;
    for (const part of path.split('.')) {
      current =
        current !== null && typeof current === 'object'
          ? (current as Record<string, unknown>)[part]
          : undefined;
    }
  }
  if (typeof current === 'string') return [current];
  if (Array.isArray(current)) return current.filter((v): v is string => typeof v === 'string');
  return [];
}

/** The first mapping whose value the operator carries decides the role; the admin orders them. */
export function mapRole(
  values: string[],
  mappings: RoleMapping[],
  defaultRole: Role | null,
): Role | undefined {
  const held = new Set(values);
  return mappings.find((m) => held.has(m.value))?.role ?? defaultRole ?? undefined;
}

type ConfigRow = OperatorSsoConfigsTable;

export interface SignInOutcome {
  operator: Operator;
  created: boolean;
  roleChanged: boolean;
}

export function createOperatorSsoService(context: ServiceContext) {
  const { db, clock, config, encryptionKey } = context;
  const baseUrl = config.publicUrl.replace(/\/$/, '');
  const redirectUriFor = (slug: string) => `${baseUrl}/v1/auth/oidc/${slug}/callback`;
  const secretContext = (tenantId: string) => `operator-sso-client-secret:${tenantId}`;

  // Discovery documents and keys change rarely; fetch them once per configuration and a while.
  const discovered = new Map<string, { at: number; configuration: Promise<oidc.Configuration> }>();
  const discoveryLifetimeMs = 10 * 60_000;

  function toConfig(row: ConfigRow, slug: string): SsoConfig {
    return {
      enabled: row.enabled === 1,
      issuer: row.issuer,
      clientId: row.client_id,
      scopes: row.scopes.split(' '),
      roleClaim: row.role_claim,
      roleMappings: JSON.parse(row.role_mappings) as RoleMapping[],
      allowedDomains: JSON.parse(row.allowed_domains) as string[],
      jitProvisioning: row.jit_enabled === 1,
      defaultRole: row.default_role as Role | null,
      redirectUri: redirectUriFor(slug),
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }

  async function tenantBySlug(slug: string) {
    const tenant = await db
      .selectFrom('tenants')
      .select(['id', 'slug'])
      .where('slug', '=', slug)
      .executeTakeFirst();
    if (!tenant) throw notFound('Tenant');
    return tenant;
  }

  async function configRow(tx: Db, tenantId: string): Promise<ConfigRow | undefined> {
    return tx
      .selectFrom('operator_sso_configs')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .executeTakeFirst();
  }

  async function enabledConfig(tenantId: string): Promise<ConfigRow> {
    const row = await configRow(db, tenantId);
    if (row?.enabled !== 1)
      throw new AppError('NOT_FOUND', 'Single sign-on is not configured for this tenant.');
    return row;
  }

  function discover(row: ConfigRow): Promise<oidc.Configuration> {
    const cacheKey = `${row.tenant_id}:${row.updated_at}`;
    const cached = discovered.get(cacheKey);
    const now = Date.now();
    if (cached && now - cached.at < discoveryLifetimeMs) return cached.configuration;
    const secret = decryptSecret(encryptionKey, row.client_secret_sealed, secretContext(row.tenant_id));
    const insecure = new URL(row.issuer).protocol === 'http:';
    const configuration = oidc
      .discovery(
        new URL(row.issuer),
        row.client_id,
        { client_secret: secret },
        oidc.ClientSecretPost(secret),
        {
          timeout: 10,
          execute: [
            // The ID token's signature is checked against the provider's JWKS, not only trusted from TLS.
            oidc.enableNonRepudiationChecks,
            ...(insecure ? [oidc.allowInsecureRequests] : []),
          ],
        },
      )
      .catch((error: unknown) => {
        discovered.delete(cacheKey);
        throw new AppError(
          'SSO_FAILED',
          'The identity provider could not be reached or described itself wrongly.',
          {
            cause: error,
          },
        );
      });
    for (const key of discovered.keys()) if (key.startsWith(`${row.tenant_id}:`)) discovered.delete(key);
    discovered.set(cacheKey, { at: now, configuration });
    return configuration;
  }

  /**
   * Checks, before a configuration is saved, that the provider can be used: its discovery document
   * answers and names the issuer it is reached at (openid-client compares them exactly).
   */
  async function checkProvider(issuer: string, clientId: string): Promise<void> {
    const insecure = new URL(issuer).protocol === 'http:';
    try {
      await oidc.discovery(new URL(issuer), clientId, undefined, undefined, {
        timeout: 10,
        execute: insecure ? [oidc.allowInsecureRequests] : [],
      });
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      const mismatch = code === 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED';
      throw new AppError(
        'SSO_PROVIDER_INVALID',
        mismatch
          ? `The discovery document at ${issuer} names another issuer; use the issuer exactly as the provider names it.`
          : `The identity provider's discovery document (${issuer}/.well-known/openid-configuration) could not be fetched or read.`,
        { cause: error },
      );
    }
  }

  async function audit(
    tenantId: string,
    actor: Actor,
    action: string,
    operatorId: string | null,
    data: Record<string, unknown>,
  ) {
    await inTransaction(db, (tx) =>
      appendAudit(tx, {
        tenantId,
        actor,
        action,
        ...(operatorId ? { target: { type: 'operator', id: operatorId } } : {}),
        data,
        now: clock(),
      }),
    );
  }

  /** Finds, links or creates the operator for a verified identity, and brings their role up to date. */
  async function resolveOperator(
    row: ConfigRow,
    identity: {
      issuer: string;
      subject: string;
      email: string;
      name: string;
      role: Role;
      /**
       * Whether the provider decides roles (the tenant maps its groups). Without mappings roles are
       * managed here: the default role is given at creation and never overrides one set later.
       */
      authoritative: boolean;
    },
  ): Promise<SignInOutcome> {
    const now = clock();
    return inTransaction(db, async (tx) => {
      const linked = await tx
        .selectFrom('operator_identities')
        .innerJoin('operators', 'operators.id', 'operator_identities.operator_id')
        .selectAll('operators')
        .where('operator_identities.tenant_id', '=', row.tenant_id)
        .where('operator_identities.issuer', '=', identity.issuer)
        .where('operator_identities.subject', '=', identity.subject)
        .executeTakeFirst();
      let current = linked;
      let created = false;
      if (!current) {
        // An operator made by hand with the same address is the same person: the admin vouched for
        // the provider's addresses by listing its domains.
        current = await tx
          .selectFrom('operators')
          .selectAll()
          .where('tenant_id', '=', row.tenant_id)
          .where('email', '=', identity.email)
          .executeTakeFirst();
        if (!current) {
          if (row.jit_enabled !== 1)
            throw new AppError(
              'SSO_ACCESS_DENIED',
              'There is no operator account for you here; ask an administrator.',
            );
          current = {
            id: newId('operator', now),
            tenant_id: row.tenant_id,
            email: identity.email,
            display_name: identity.name,
            role: identity.role,
            password_hash: null,
            status: 'active',
            created_at: now,
            updated_at: now,
            last_sign_in_at: null,
            password_change_required: 0,
            team: null,
            tour_seen_at: null,
          };
          await tx.insertInto('operators').values(current).execute();
          created = true;
          await appendAudit(tx, {
            tenantId: row.tenant_id,
            actor: { type: 'system', id: null },
            action: 'operator.created',
            target: { type: 'operator', id: current.id },
            data: { email: identity.email, role: identity.role, via: 'oidc', issuer: identity.issuer },
            now,
          });
        }
        await tx
          .insertInto('operator_identities')
          .values({
            id: randomUUID(),
            tenant_id: row.tenant_id,
            operator_id: current.id,
            issuer: identity.issuer,
            subject: identity.subject,
            created_at: now,
            last_sign_in_at: now,
          })
          .execute();
      } else {
        await tx
          .updateTable('operator_identities')
          .set({ last_sign_in_at: now })
          .where('tenant_id', '=', row.tenant_id)
          .where('issuer', '=', identity.issuer)
          .where('subject', '=', identity.subject)
          .execute();
      }
      if (current.status !== 'active') {
        throw new AppError('SSO_ACCESS_DENIED', 'This operator account is disabled.');
      }
      let roleChanged = false;
      // As everywhere else, the last active admin is never demoted (features/operators/operators.ts): the
      // tenant cannot lock itself out through a change at the identity provider either.
      let keepsAdmin = false;
      const followsProvider = !created && identity.authoritative && current.role !== identity.role;
      if (followsProvider && current.role === 'admin') {
        await lockTenant(tx, row.tenant_id);
        const admins = await tx
          .selectFrom('operators')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('tenant_id', '=', row.tenant_id)
          .where('role', '=', 'admin')
          .where('status', '=', 'active')
          .executeTakeFirstOrThrow();
        keepsAdmin = Number(admins.n) <= 1;
      }
      if (followsProvider && !keepsAdmin) {
        await tx
          .updateTable('operators')
          .set({ role: identity.role, updated_at: now })
          .where('tenant_id', '=', row.tenant_id)
          .where('id', '=', current.id)
          .execute();
        await appendAudit(tx, {
          tenantId: row.tenant_id,
          actor: { type: 'system', id: null },
          action: 'operator.updated',
          target: { type: 'operator', id: current.id },
          data: { fields: ['role'], role: identity.role, previousRole: current.role, via: 'oidc' },
          now,
        });
        current = { ...current, role: identity.role, updated_at: now };
        roleChanged = true;
      }
      return { operator: toOperator(current), created, roleChanged };
    });
  }

  return {
    redirectUriFor,

    async getConfig(tenantId: string): Promise<SsoConfig> {
      const tenant = await db
        .selectFrom('tenants')
        .select('slug')
        .where('id', '=', tenantId)
        .executeTakeFirstOrThrow();
      const row = await configRow(db, tenantId);
      if (!row) throw new AppError('NOT_FOUND', 'Single sign-on is not configured for this tenant.');
      return toConfig(row, tenant.slug);
    },

    /**
     * Creates or changes the tenant's configuration; the first time, issuer, client id and secret
     * are required. A new issuer is checked at the provider before anything is saved.
     */
    async updateConfig(tenantId: string, input: SsoConfigInput, actor: Actor): Promise<SsoConfig> {
      if (input.issuer !== undefined) checkIssuer(input.issuer, config.mode);
      const domains = input.allowedDomains?.map(normaliseDomain);
      if (input.scopes && !input.scopes.includes('openid'))
        throw new AppError('VALIDATION_FAILED', 'The scopes must include openid.');
      if (input.roleMappings) {
        for (const m of input.roleMappings)
          if (!(roles as readonly string[]).includes(m.role))
            throw new AppError('VALIDATION_FAILED', `"${m.role}" is not a role.`);
      }
      if (input.issuer !== undefined) {
        const stored = await configRow(db, tenantId);
        if (input.issuer !== stored?.issuer)
          await checkProvider(input.issuer, input.clientId ?? stored?.client_id ?? 'helpdesk-auth');
      }
      // After the provider's answer, which may take seconds: the time of the change is now.
      const now = clock();
      return inTransaction(db, async (tx) => {
        const tenant = await tx
          .selectFrom('tenants')
          .select('slug')
          .where('id', '=', tenantId)
          .executeTakeFirstOrThrow();
        const current = await configRow(tx, tenantId);
        if (!current && (!input.issuer || !input.clientId || !input.clientSecret)) {
          throw new AppError(
            'CONFLICT',
            'Single sign-on is not configured yet: send issuer, clientId and clientSecret first.',
          );
        }
        const next: ConfigRow = {
          tenant_id: tenantId,
          enabled: input.enabled === undefined ? (current?.enabled ?? 1) : input.enabled ? 1 : 0,
          issuer: input.issuer ?? current!.issuer,
          client_id: input.clientId ?? current!.client_id,
          client_secret_sealed:
            input.clientSecret !== undefined
              ? encryptSecret(encryptionKey, input.clientSecret, secretContext(tenantId))
              : current!.client_secret_sealed,
          scopes: input.scopes
            ? [...new Set(input.scopes)].join(' ')
            : (current?.scopes ?? defaultScopes.join(' ')),
          role_claim: input.roleClaim ?? current?.role_claim ?? 'groups',
          role_mappings: input.roleMappings
            ? JSON.stringify(input.roleMappings)
            : (current?.role_mappings ?? '[]'),
          allowed_domains: domains
            ? JSON.stringify([...new Set(domains)])
            : (current?.allowed_domains ?? '[]'),
          jit_enabled:
            input.jitProvisioning === undefined ? (current?.jit_enabled ?? 0) : input.jitProvisioning ? 1 : 0,
          default_role: input.defaultRole === undefined ? (current?.default_role ?? null) : input.defaultRole,
          created_at: current?.created_at ?? now,
          updated_at: current && current.updated_at >= now ? current.updated_at + 1 : now,
        };
        if (current) {
          await tx.updateTable('operator_sso_configs').set(next).where('tenant_id', '=', tenantId).execute();
        } else {
          await tx.insertInto('operator_sso_configs').values(next).execute();
        }
        const changed = Object.keys(input).filter((k) => input[k as keyof SsoConfigInput] !== undefined);
        await appendAudit(tx, {
          tenantId,
          actor,
          action: current ? 'sso.updated' : 'sso.configured',
          data: {
            fields: changed.map((k) => (k === 'clientSecret' ? 'clientCredential' : k)),
            issuer: next.issuer,
          },
          now,
        });
        return toConfig(next, tenant.slug);
      }).catch(
        // Two first configurations at once both find none and insert; the key (one per tenant)
        // refuses the second, which is told to reload rather than overwrite what it did not see.
        conflictsAs([
          {
            kind: 'unique',
            table: 'operator_sso_configs',
            columns: ['tenant_id'],
            error: () =>
              new AppError(
                'CONFLICT',
                'Single sign-on was configured at the same time; reload it and try again.',
              ),
          },
        ]),
      );
    },

    async removeConfig(tenantId: string, actor: Actor): Promise<void> {
      await inTransaction(db, async (tx) => {
        const current = await configRow(tx, tenantId);
        const notConfigured = () =>
          new AppError('NOT_FOUND', 'Single sign-on is not configured for this tenant.');
        if (!current) throw notConfigured();
        // Only the removal that deleted the row audits it; a concurrent one finds nothing configured.
        await changeOnce(
          tx.deleteFrom('operator_sso_configs').where('tenant_id', '=', tenantId),
          notConfigured,
        );
        await appendAudit(tx, {
          tenantId,
          actor,
          action: 'sso.removed',
          data: { issuer: current.issuer },
          now: clock(),
        });
      });
    },

    /** What the sign-in page of a tenant offers, for anyone (the console shows "Sign in with SSO"). */
    async signInOptions(slug: string): Promise<{ password: boolean; sso: { startUrl: string } | null }> {
      const tenant = await tenantBySlug(slug);
      const row = await configRow(db, tenant.id);
      return {
        password: true,
        sso: row?.enabled === 1 ? { startUrl: `${baseUrl}/v1/auth/oidc/${tenant.slug}/start` } : null,
      };
    },

    /** Starts a sign-in: the URL to send the browser to, and the sealed cookie that binds it to this browser. */
    async begin(slug: string): Promise<{ authorizationUrl: string; cookieValue: string; expiresAt: number }> {
      const tenant = await tenantBySlug(slug);
      const row = await enabledConfig(tenant.id);
      const configuration = await discover(row);
      const codeVerifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      const url = oidc.buildAuthorizationUrl(configuration, {
        redirect_uri: redirectUriFor(tenant.slug),
        scope: row.scopes,
        response_type: 'code',
        code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      });
      const expiresAt = clock() + stateLifetimeMs;
      return {
        authorizationUrl: url.href,
        cookieValue: sealSignInState(encryptionKey, {
          tenantId: tenant.id,
          state,
          nonce,
          codeVerifier,
          expiresAt,
        }),
        expiresAt,
      };
    },

    /**
     * Finishes a sign-in: checks the answer belongs to the sign-in this browser started (state,
     * once only), exchanges the code, validates the ID token (issuer, audience, signature, nonce,
     * expiry), reads UserInfo when the ID token lacks the e-mail address or the role claim, and maps
     * the identity to an operator. The caller then opens the session.
     */
    async complete(input: {
      slug: string;
      /** The callback URL exactly as called (path and query), on our public URL. */
      callbackPathAndQuery: string;
      cookieValue: string | undefined;
      address: string;
    }): Promise<SignInOutcome & { tenantId: string }> {
      const tenant = await tenantBySlug(input.slug);
      const row = await enabledConfig(tenant.id);
      const now = clock();
      const stateRefused = (why: string) => new AppError('SSO_STATE_INVALID', why);
      const sealed = input.cookieValue ? openSignInState(encryptionKey, input.cookieValue) : undefined;
      if (!sealed)
        throw stateRefused('This sign-in was not started in this browser, or took too long. Start again.');
      const callbackUrl = new URL(input.callbackPathAndQuery, `${baseUrl}/`);
      const returnedState = callbackUrl.searchParams.get('state') ?? '';
      // The cookie was made for one tenant's sign-in; an answer arriving at another tenant's
      // callback is refused, whatever it carries.
      if (sealed.tenantId !== tenant.id || !constantTimeEqual(returnedState, sealed.state))
        throw stateRefused('This answer does not belong to the sign-in this browser started.');
      if (sealed.expiresAt <= now) throw stateRefused('The sign-in took too long. Start again.');
      if (
        !(await claimOnce(db, `sso-state:${sha256Hex(sealed.state)}`, { expiresAt: sealed.expiresAt, now }))
      )
        throw stateRefused('This sign-in answer was already used.');

      const providerError = callbackUrl.searchParams.get('error');
      if (providerError) {
        await audit(tenant.id, { type: 'system', id: null }, 'operator.sso_failed', null, {
          address: input.address,
          reason: 'provider_error',
          providerError: providerError.slice(0, 64),
        });
        throw new AppError('SSO_ACCESS_DENIED', 'The identity provider did not sign you in.');
      }

      const configuration = await discover(row);
      let claims: Record<string, unknown>;
      let accessToken: string;
      try {
        const tokens = await oidc.authorizationCodeGrant(configuration, callbackUrl, {
          pkceCodeVerifier: sealed.codeVerifier,
          expectedState: sealed.state,
          expectedNonce: sealed.nonce,
          idTokenExpected: true,
        });
        claims = (tokens.claims() ?? {}) as Record<string, unknown>;
        accessToken = tokens.access_token;
      } catch (error) {
        await audit(tenant.id, { type: 'system', id: null }, 'operator.sso_failed', null, {
          address: input.address,
          reason: 'token_validation',
        });
        throw new AppError('SSO_FAILED', "The identity provider's answer could not be verified.", {
          cause: error,
        });
      }
      // OpenID Connect Core 5.4: with response_type=code a provider may put the scopes' claims at
      // the UserInfo endpoint only (oidc-provider's default). When the ID token lacks the e-mail
      // address or the role claim, ask there; its `sub` must be the ID token's (Core 5.3.2).
      const hasEmail =
        typeof claims.email === 'string' ||
        (typeof claims.preferred_username === 'string' && claims.preferred_username.includes('@'));
      const hasRoleClaim = claimValues(claims, row.role_claim).length > 0;
      if ((!hasEmail || !hasRoleClaim) && configuration.serverMetadata().userinfo_endpoint) {
        try {
          const userInfo = (await oidc.fetchUserInfo(
            configuration,
            accessToken,
            String(claims.sub ?? ''),
          )) as Record<string, unknown>;
          // The ID token's claims stand; UserInfo only fills in what it lacks.
          claims = { ...userInfo, ...claims };
        } catch (error) {
          await audit(tenant.id, { type: 'system', id: null }, 'operator.sso_failed', null, {
            address: input.address,
            reason: 'userinfo',
          });
          throw new AppError('SSO_FAILED', "The identity provider's UserInfo answer could not be verified.", {
            cause: error,
          });
        }
      }

      const issuer = String(claims.iss);
      const subject = typeof claims.sub === 'string' ? claims.sub : '';
      const rawEmail =
        typeof claims.email === 'string'
          ? claims.email
          : typeof claims.preferred_username === 'string' && claims.preferred_username.includes('@')
            ? claims.preferred_username
            : '';
      const email = normaliseEmail(rawEmail);
      const domain = email.split('@')[1] ?? '';
      const allowedDomains = JSON.parse(row.allowed_domains) as string[];
      const deny = async (reason: string, message: string): Promise<never> => {
        await audit(tenant.id, { type: 'system', id: null }, 'operator.sso_refused', null, {
          address: input.address,
          reason,
          subject: subject.slice(0, 255),
        });
        throw new AppError('SSO_ACCESS_DENIED', message);
      };
      if (!subject || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email))
        return deny('no_email', 'The identity provider did not say who you are (no e-mail address).');
      if (claims.email_verified === false)
        return deny('email_unverified', 'Your e-mail address is not verified.');
      if (allowedDomains.length > 0 && !allowedDomains.includes(domain))
        return deny('domain', `Sign-in with addresses of ${domain} is not allowed here.`);
      const mappings = JSON.parse(row.role_mappings) as RoleMapping[];
      const role = mapRole(claimValues(claims, row.role_claim), mappings, row.default_role as Role | null);
      if (!role) return deny('no_role', 'None of your groups gives you a role here; ask an administrator.');
      const name =
        (typeof claims.name === 'string' && claims.name.trim().slice(0, 200)) || email.split('@')[0] || email;

      let outcome: SignInOutcome;
      try {
        outcome = await resolveOperator(row, {
          issuer,
          subject,
          email,
          name,
          role,
          authoritative: mappings.length > 0,
        });
      } catch (error) {
        if (error instanceof AppError && error.code === 'SSO_ACCESS_DENIED')
          return deny(error.message.includes('disabled') ? 'disabled' : 'no_account', error.message);
        throw error;
      }
      return { ...outcome, tenantId: tenant.id };
    },
  };
}

export type OperatorSsoService = ReturnType<typeof createOperatorSsoService>;
