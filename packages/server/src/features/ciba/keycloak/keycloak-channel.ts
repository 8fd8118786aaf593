// Keycloak's CIBA HTTP authentication channel: Keycloak's requests become push verifications.
import { AppError, isAppError, newId, notFound } from '@helpdesk-auth/core';
import { createRemoteJWKSet, decodeJwt, type JWTPayload, jwtVerify } from 'jose';
import { type Actor, appendAudit } from '../../../platform/audit-log.ts';
import type { ServiceContext } from '../../../platform/context.ts';
import { decryptSecret, encryptSecret } from '../../../platform/secrets.ts';
import { claimOnce, compareAndSet, inTransaction } from '../../../storage/atomic.ts';
import { changeOnce, conflictsAs } from '../../../storage/constraint-violations.ts';
import type { KeycloakChannelRow, KeycloakRequestRow } from '../../../storage/schema.ts';
import { createVerificationFollowers, type VerificationService } from '../../push/index.ts';
import { bindingMessageProblems } from '../binding-message.ts';
import { resolveLoginHint } from '../login-hint.ts';
import { outboundUrlProblems } from '../outbound-url.ts';

/**
 * Keycloak's CIBA HTTP authentication channel (Keycloak's `ciba-http-auth-channel` provider):
 * Keycloak POSTs `{login_hint, scope, is_consent_required, binding_message, acr_values}` with
 * `Authorization: Bearer <JWT>`, a token Keycloak signs with the realm's key (iss and aud: the
 * realm's issuer; jti: its id for the request; azp: the CIBA client; exp: the request's expiry).
 * The channel answers 201 and later POSTs `{"status": "SUCCEED" | "UNAUTHORIZED" | "CANCELLED"}`
 * with the same bearer token to the realm's `/protocol/openid-connect/ext/ciba/auth/callback`.
 * Keycloak then finishes the CIBA flow with its own client (poll or ping).
 */
export const callbackStatuses = ['SUCCEED', 'UNAUTHORIZED', 'CANCELLED'] as const;
export type CallbackStatus = (typeof callbackStatuses)[number];

/** Algorithms a Keycloak realm signs with (RS256 by default). */
const realmAlgorithms = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
];
const bearerContext = (id: string) => `keycloak-bearer:${id}`;
const callbackTimeoutMs = 10_000;
/** Keycloak briefly down (restart, failover): retried after 1, 2, 4, 8, 16, 30, 30 seconds. */
const maxCallbackAttempts = 8;
const retryDelayMs = (attempt: number) => Math.min(30_000, 1000 * 2 ** (attempt - 1));
const sweepHorizonMs = 60 * 60 * 1000;

export interface KeycloakChannel {
  baseUrl: string;
  realm: string;
  issuer: string;
  allowedClients: string[];
  requesterName: string;
  /** Where Keycloak must send its requests (its `http-authentication-channel-uri`). */
  channelUrl: string;
  createdAt: number;
  updatedAt: number;
}

export interface KeycloakChannelInput {
  baseUrl: string;
  realm: string;
  issuer?: string | null | undefined;
  allowedClients?: string[] | undefined;
  requesterName: string;
}

export interface KeycloakChannelRequest {
  login_hint: string;
  scope?: string | null | undefined;
  is_consent_required?: boolean | null | undefined;
  binding_message?: string | null | undefined;
  acr_values?: string | null | undefined;
}

export const keycloakChannelPath = '/v1/keycloak/authentication-channel';

/** Which answer Keycloak gets for a verification's final status. */
export function callbackStatusFor(status: string): CallbackStatus {
  if (status === 'approved') return 'SUCCEED';
  if (status === 'expired' || status === 'cancelled') return 'CANCELLED';
  return 'UNAUTHORIZED';
}

export function realmUrl(baseUrl: string, realm: string): string {
  return `${baseUrl}/realms/${encodeURIComponent(realm)}`;
}

export function createKeycloakChannelService(
  context: ServiceContext,
  deps: { verifications: VerificationService },
) {
  const { db, config, clock, encryptionKey, timers } = context;
  const channelUrl = `${config.publicUrl.replace(/\/+$/, '')}${keycloakChannelPath}`;
  const keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();
  const followers = createVerificationFollowers(context);
  const retries = new Map<string, unknown>();
  const keycloakActor: Actor = { type: 'keycloak', id: null };

  function toChannel(row: KeycloakChannelRow): KeycloakChannel {
    return {
      baseUrl: row.base_url,
      realm: row.realm,
      issuer: row.issuer,
      allowedClients: JSON.parse(row.allowed_clients) as string[],
      requesterName: row.requester_name,
      channelUrl,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }

  /** The realm's public keys, fetched from Keycloak and cached (and refetched for a new kid). */
  function realmKeys(channel: KeycloakChannelRow) {
    const url = `${realmUrl(channel.base_url, channel.realm)}/protocol/openid-connect/certs`;
    let keys = keySets.get(url);
    if (!keys) {
      keys = createRemoteJWKSet(new URL(url), { timeoutDuration: 5_000, cooldownDuration: 30_000 });
      keySets.set(url, keys);
    }
    return keys;
  }

  const unauthenticated = (message: string) => new AppError('UNAUTHENTICATED', message);

  /** Verifies Keycloak's bearer token; returns the channel (tenant) it belongs to and its claims. */
  async function verifyBearer(
    authorization: string | undefined,
  ): Promise<{ channel: KeycloakChannelRow; token: string; payload: JWTPayload }> {
    const token = /^Bearer (\S+)$/i.exec(authorization ?? '')?.[1];
    if (!token) throw unauthenticated('Send the bearer token Keycloak signed for this request.');
    let issuer: unknown;
    try {
      issuer = decodeJwt(token).iss;
    } catch {
      throw unauthenticated('The bearer token is not a JWT.');
    }
    if (typeof issuer !== 'string') throw unauthenticated('The bearer token names no issuer.');
    // The issuer names the realm, and so the tenant: one channel URL serves every tenant.
    const channel = await db
      .selectFrom('keycloak_channels')
      .selectAll()
      .where('issuer', '=', issuer)
      .executeTakeFirst();
    if (!channel) throw unauthenticated('No tenant has a Keycloak channel for this realm.');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, realmKeys(channel), {
        issuer: channel.issuer,
        audience: channel.issuer,
        algorithms: realmAlgorithms,
        requiredClaims: ['exp', 'jti'],
        currentDate: new Date(clock()),
      }));
    } catch {
      throw unauthenticated('The bearer token does not verify against the realm keys, or has expired.');
    }
    // Keycloak marks this token as a bearer token; an ID token of the same realm is not one.
    if (payload.typ !== 'Bearer') throw unauthenticated('The token is not a Keycloak bearer token.');
    const allowed = JSON.parse(channel.allowed_clients) as string[];
    if (allowed.length > 0 && !(typeof payload.azp === 'string' && allowed.includes(payload.azp))) {
      throw new AppError('FORBIDDEN', 'This Keycloak client may not start verifications here.');
    }
    return { channel, token, payload };
  }

  async function markDone(id: string, outcome: 'accepted' | 'refused' | 'gave_up'): Promise<void> {
    // The first outcome stands: a late attempt of another process does not overwrite it.
    await compareAndSet(db, 'keycloak_requests', {
      where: { id },
      expect: { callback_done_at: null },
      set: { callback_done_at: clock(), callback_outcome: outcome, next_attempt_at: null },
    });
  }

  /** One callback attempt; schedules the next one when Keycloak could not take it. */
  async function attempt(id: string): Promise<void> {
    const row = await db.selectFrom('keycloak_requests').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row?.callback_status || row.callback_done_at !== null) return;
    const now = clock();
    // Each attempt is made once, whoever gets here first: the retry timer, the sweep, another process.
    const lease = `keycloak-callback:${id}:${row.callback_attempts}`;
    if (!(await claimOnce(db, lease, { expiresAt: now + sweepHorizonMs, now }))) return;
    const channel = await db
      .selectFrom('keycloak_channels')
      .selectAll()
      .where('tenant_id', '=', row.tenant_id)
      .executeTakeFirst();
    if (!channel) return markDone(id, 'gave_up');
    const bearer = decryptSecret(encryptionKey, row.bearer_sealed, bearerContext(id));
    let retry = false;
    try {
      const response = await fetch(
        `${realmUrl(channel.base_url, channel.realm)}/protocol/openid-connect/ext/ciba/auth/callback`,
        {
          method: 'POST',
          headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
          body: JSON.stringify({ status: row.callback_status }),
          redirect: 'manual',
          signal: AbortSignal.timeout(callbackTimeoutMs),
        },
      );
      await response.body?.cancel();
      if (response.ok) return markDone(id, 'accepted');
      // Keycloak answers 4xx for a token it no longer accepts: the request ended on its side.
      retry = response.status >= 500 || response.status === 408 || response.status === 429;
      if (!retry) return markDone(id, 'refused');
    } catch {
      retry = true;
    }
    const attempts = row.callback_attempts + 1;
    if (attempts >= maxCallbackAttempts) {
      await db
        .updateTable('keycloak_requests')
        .set({ callback_attempts: attempts })
        .where('id', '=', id)
        .execute();
      return markDone(id, 'gave_up');
    }
    const nextAt = clock() + retryDelayMs(attempts);
    await db
      .updateTable('keycloak_requests')
      .set({ callback_attempts: attempts, next_attempt_at: nextAt })
      .where('id', '=', id)
      .execute();
    scheduleAttempt(id, nextAt);
  }

  function scheduleAttempt(id: string, at: number): void {
    const previous = retries.get(id);
    if (previous !== undefined) timers.clearTimeout(previous);
    retries.set(
      id,
      timers.setTimeout(() => {
        retries.delete(id);
        attempt(id).catch(() => {
          // The sweep tries again.
        });
      }, at - clock()),
    );
  }

  /** The verification is final: decide Keycloak's answer once, and send it. */
  async function settle(id: string): Promise<void> {
    const row = await db.selectFrom('keycloak_requests').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row || row.callback_done_at !== null) return;
    if (row.callback_status === null) {
      const verification = await deps.verifications.get(row.tenant_id, row.verification_id);
      if (verification.status === 'pending') return;
      // Decided once: of two processes settling at once, the first one's answer is sent by both.
      await compareAndSet(db, 'keycloak_requests', {
        where: { id },
        expect: { callback_status: null },
        set: { callback_status: callbackStatusFor(verification.status), next_attempt_at: clock() },
      });
    }
    await attempt(id);
  }

  /** The request is settled with Keycloak once its verification is final. */
  function follow(row: Pick<KeycloakRequestRow, 'id' | 'verification_id'>, until: number): void {
    followers.follow(row.id, row.verification_id, until, () => settle(row.id));
  }

  return {
    channelUrl,

    async get(tenantId: string): Promise<KeycloakChannel> {
      const row = await db
        .selectFrom('keycloak_channels')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .executeTakeFirst();
      if (!row) throw notFound('Keycloak channel');
      return toChannel(row);
    },

    /** Creates or replaces the tenant's channel. */
    async configure(tenantId: string, input: KeycloakChannelInput, actor: Actor): Promise<KeycloakChannel> {
      const baseUrl = input.baseUrl.replace(/\/+$/, '');
      const problems = outboundUrlProblems(baseUrl, config, 'baseUrl');
      if (input.realm.trim() !== input.realm || input.realm.length === 0)
        problems.push('realm must be the realm name, without spaces around it.');
      // encodeURIComponent throws on a lone surrogate: such a name is refused, never put in a URL.
      const realmIsText = input.realm.isWellFormed();
      if (!realmIsText) problems.push('realm must be Unicode text.');
      const issuer = (input.issuer ?? (realmIsText ? realmUrl(baseUrl, input.realm) : baseUrl)).replace(
        /\/+$/,
        '',
      );
      try {
        new URL(issuer);
      } catch {
        problems.push('issuer must be an absolute URL.');
      }
      const requesterName = input.requesterName.trim();
      if (requesterName.length === 0) problems.push('requesterName must not be empty.');
      if (problems.length > 0) throw new AppError('VALIDATION_FAILED', problems.join(' '));
      const allowedClients = [...new Set(input.allowedClients ?? [])];
      const now = clock();
      await inTransaction(db, async (tx) => {
        const taken = await tx
          .selectFrom('keycloak_channels')
          .select('tenant_id')
          .where('issuer', '=', issuer)
          .where('tenant_id', '!=', tenantId)
          .executeTakeFirst();
        if (taken) throw new AppError('CONFLICT', 'Another tenant already uses this Keycloak realm.');
        const values = {
          base_url: baseUrl,
          realm: input.realm,
          issuer,
          allowed_clients: JSON.stringify(allowedClients),
          requester_name: requesterName,
          updated_at: now,
        };
        await tx
          .insertInto('keycloak_channels')
          .values({ tenant_id: tenantId, ...values, created_at: now })
          .onConflict((oc) => oc.column('tenant_id').doUpdateSet(values))
          .execute();
        await appendAudit(tx, {
          tenantId,
          actor,
          action: 'keycloak_channel.configured',
          target: { type: 'keycloak_channel', id: tenantId },
          data: { baseUrl, realm: input.realm, issuer, allowedClients, requesterName },
          now,
        });
      }).catch(
        // The check above answers early; the unique issuer decides between concurrent configurations.
        conflictsAs([
          {
            kind: 'unique',
            table: 'keycloak_channels',
            columns: ['issuer'],
            error: () =>
              new AppError(
                'CONFLICT',
                'Another tenant already uses this Keycloak realm, or it was configured at the same time; reload and try again.',
              ),
          },
        ]),
      );
      return this.get(tenantId);
    },

    async remove(tenantId: string, actor: Actor): Promise<void> {
      await this.get(tenantId);
      const now = clock();
      await inTransaction(db, async (tx) => {
        // Only the removal that deleted the row audits it; a concurrent one finds none.
        await changeOnce(tx.deleteFrom('keycloak_channels').where('tenant_id', '=', tenantId), () =>
          notFound('Keycloak channel'),
        );
        await appendAudit(tx, {
          tenantId,
          actor,
          action: 'keycloak_channel.removed',
          target: { type: 'keycloak_channel', id: tenantId },
          now,
        });
      });
    },

    /**
     * A request from Keycloak: verify its bearer token, find the customer, start a push
     * verification and remember the token for the callback. Keycloak expects 201.
     */
    async receive(
      authorization: string | undefined,
      request: KeycloakChannelRequest,
    ): Promise<{ id: string; verificationId: string }> {
      const { channel, token, payload } = await verifyBearer(authorization);
      if (request.binding_message !== undefined && request.binding_message !== null) {
        const problems = bindingMessageProblems(request.binding_message);
        if (problems.length > 0) throw new AppError('VALIDATION_FAILED', problems.join(' '));
      }
      const now = clock();
      const expiresAt = payload.exp! * 1000;
      const keycloakId = String(payload.jti);
      if (keycloakId.length > 200) throw unauthenticated('The bearer token id is too long.');
      // Keycloak signs a new token per request; the same one twice is a replay.
      if (!(await claimOnce(db, `keycloak-request:${channel.tenant_id}:${keycloakId}`, { expiresAt, now }))) {
        throw new AppError('CONFLICT', 'This request was already received.');
      }
      const customerId = await resolveLoginHint(db, channel.tenant_id, request.login_hint);
      if (!customerId) throw notFound('Customer');
      const id = newId('keycloakRequest', now);
      const verification = await deps.verifications.start(
        channel.tenant_id,
        {
          customerId,
          purpose: 'authenticate',
          // Without a binding message: "Sign-in requested by <realm>", in the customer's language.
          reason: request.binding_message ?? null,
          requestedBy: channel.requester_name,
          agentName: channel.requester_name,
          callReference: id,
        },
        keycloakActor,
      );
      await db
        .insertInto('keycloak_requests')
        .values({
          id,
          tenant_id: channel.tenant_id,
          keycloak_id: keycloakId,
          verification_id: verification.id,
          bearer_sealed: encryptSecret(encryptionKey, token, bearerContext(id)),
          bearer_expires_at: expiresAt,
          callback_status: null,
          callback_attempts: 0,
          next_attempt_at: null,
          callback_done_at: null,
          callback_outcome: null,
          created_at: now,
        })
        .execute();
      follow({ id, verification_id: verification.id }, verification.expiresAt);
      return { id, verificationId: verification.id };
    },

    /** Where the callback of a request stands (for tests and support). */
    async callbackState(tenantId: string, id: string) {
      const row = await db
        .selectFrom('keycloak_requests')
        .select([
          'callback_status',
          'callback_attempts',
          'callback_outcome',
          'callback_done_at',
          'verification_id',
        ])
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .executeTakeFirst();
      if (!row) throw notFound('Keycloak request');
      return {
        status: row.callback_status,
        attempts: row.callback_attempts,
        outcome: row.callback_outcome,
        doneAt: row.callback_done_at,
        verificationId: row.verification_id,
      };
    },

    /** The safety net behind live events and retry timers: answers owed, retries due. */
    async sweep(): Promise<void> {
      const now = clock();
      const owed = await db
        .selectFrom('keycloak_requests')
        .innerJoin('verifications', 'verifications.id', 'keycloak_requests.verification_id')
        .select(['keycloak_requests.id'])
        .where('keycloak_requests.callback_done_at', 'is', null)
        .where('keycloak_requests.created_at', '>', now - sweepHorizonMs)
        .where((eb) =>
          eb.or([
            eb.and([
              eb('keycloak_requests.callback_status', 'is', null),
              eb('verifications.status', '!=', 'pending'),
            ]),
            eb.and([
              eb('keycloak_requests.callback_status', 'is not', null),
              eb('keycloak_requests.next_attempt_at', '<=', now),
            ]),
          ]),
        )
        .limit(100)
        .execute();
      for (const { id } of owed) {
        try {
          await settle(id);
        } catch (error) {
          if (!isAppError(error)) throw error;
        }
      }
    },

    stop(): void {
      followers.stopAll();
      for (const handle of retries.values()) timers.clearTimeout(handle);
      retries.clear();
    },
  };
}

export type KeycloakChannelService = ReturnType<typeof createKeycloakChannelService>;
