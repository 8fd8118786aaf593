// Operator sessions: sign-in, the session cookie's secret stored as a hash, expiry and sign-out.
import { createHmac } from 'node:crypto';
import { AppError, newId, type Permission, permissionsForRole, type Role } from '@helpdesk-auth/core';
import { type Actor, appendAudit } from '../../platform/audit-log.ts';
import type { ServiceContext } from '../../platform/context.ts';
import { normaliseEmail } from '../../platform/email-address.ts';
import { verifyAgainstDecoy, verifyPassword } from '../../platform/passwords.ts';
import { tooManyAttempts } from '../../platform/rate-limit-error.ts';
import { constantTimeEqual, randomToken, sha256Hex } from '../../platform/secrets.ts';
import { hitRateLimit, inTransaction, releaseRateLimit, resetRateLimit } from '../../storage/atomic.ts';
import { rowsChanged } from '../../storage/constraint-violations.ts';
import type { OperatorRow } from '../../storage/schema.ts';
import { type Operator, toOperator } from './operators.ts';
import { type PendingStep, stepAfterPassword } from './second-factor.ts';

/**
 * Operator sign-in and sessions. The session cookie carries `<session id>.<secret>`; only a
 * SHA-256 of the secret is stored, so a database leak does not hand out live sessions. The CSRF
 * token is derived from the secret, so it needs no storage and changes with every session.
 */
export interface SignedInOperator {
  sessionId: string;
  operator: Operator;
  tenantSlug: string;
  tenantName: string;
  permissions: readonly Permission[];
  expiresAt: number;
  /** Set while the session must still show (or enrol) the second factor; it may do nothing else. */
  pendingStep: PendingStep | null;
}

export function csrfTokenFor(sessionSecret: string): string {
  return createHmac('sha256', sessionSecret).update('helpdesk-auth/csrf').digest('base64url');
}

function parseCookie(value: string): { id: string; secret: string } | undefined {
  const dot = value.indexOf('.');
  if (dot <= 0) return undefined;
  const id = value.slice(0, dot);
  const secret = value.slice(dot + 1);
  if (!/^ses_[0-9A-Z]{26}$/.test(id) || !/^[A-Za-z0-9_-]{43}$/.test(secret)) return undefined;
  return { id, secret };
}

const invalidCredentials = () =>
  new AppError('INVALID_CREDENTIALS', 'The tenant, e-mail address or password is not right.');

export function createSessionService({ db, config, clock }: ServiceContext) {
  const windowMs = config.signInWindowMinutes * 60_000;
  const accountWindowMs = config.signInAccountWindowMinutes * 60_000;
  const knownAddressMs = config.signInKnownAddressDays * 86_400_000;
  const idleMs = config.sessionIdleMinutes * 60_000;
  const absoluteMs = config.sessionAbsoluteHours * 3_600_000;

  /** Records (or renews) an address where the account signed in, in the claims table's key space. */
  async function rememberAddress(key: string, now: number): Promise<void> {
    const expiresAt = now + knownAddressMs;
    await db
      .insertInto('claims')
      .values({ key, expires_at: expiresAt })
      .onConflict((oc) => oc.column('key').doUpdateSet({ expires_at: expiresAt }))
      .execute();
  }

  function rateLimited(resetAt: number, now: number): AppError {
    return tooManyAttempts('Too many sign-in attempts. Wait a while before trying again.', { resetAt }, now);
  }

  /**
   * Opens a session for an operator who has just proven who they are (password or single
   * sign-on): one cookie secret, stored only as a hash, and the audit entry in the same transaction.
   */
  async function startSession(
    found: OperatorRow & { tenant_slug: string; tenant_name: string },
    context: { address: string; method?: 'oidc'; pendingStep?: PendingStep | null },
    now: number,
  ): Promise<{ session: SignedInOperator; cookieValue: string; csrfToken: string }> {
    const secret = randomToken(32);
    const sessionId = newId('session', now);
    const expiresAt = now + absoluteMs;
    await inTransaction(db, async (tx) => {
      await tx
        .insertInto('sessions')
        .values({
          id: sessionId,
          tenant_id: found.tenant_id,
          operator_id: found.id,
          secret_hash: sha256Hex(secret),
          created_at: now,
          last_seen_at: now,
          expires_at: expiresAt,
          pending_step: context.pendingStep ?? null,
        })
        .execute();
      await tx.updateTable('operators').set({ last_sign_in_at: now }).where('id', '=', found.id).execute();
      await appendAudit(tx, {
        tenantId: found.tenant_id,
        actor: { type: 'operator', id: found.id },
        action: 'operator.signed_in',
        target: { type: 'operator', id: found.id },
        data: { address: context.address, sessionId, ...(context.method ? { method: context.method } : {}) },
        now,
      });
    });
    const operator = toOperator({ ...found, last_sign_in_at: now });
    return {
      session: {
        sessionId,
        operator,
        tenantSlug: found.tenant_slug,
        tenantName: found.tenant_name,
        permissions: permissionsForRole(operator.role),
        expiresAt,
        pendingStep: context.pendingStep ?? null,
      },
      cookieValue: `${sessionId}.${secret}`,
      csrfToken: csrfTokenFor(secret),
    };
  }

  return {
    /**
     * Opens a session for an operator signed in through the tenant's identity provider
     * (features/operators/sso/operator-sso.ts), exactly as a password sign-in does. The caller has checked the
     * operator is active.
     */
    async startSingleSignOnSession(input: { tenantId: string; operatorId: string; address: string }) {
      const found = await db
        .selectFrom('operators')
        .innerJoin('tenants', 'tenants.id', 'operators.tenant_id')
        .selectAll('operators')
        .select(['tenants.slug as tenant_slug', 'tenants.name as tenant_name'])
        .where('operators.tenant_id', '=', input.tenantId)
        .where('operators.id', '=', input.operatorId)
        .where('operators.status', '=', 'active')
        .executeTakeFirst();
      if (!found) throw new AppError('SSO_ACCESS_DENIED', 'This operator account is disabled.');
      return startSession(found, { address: input.address, method: 'oidc' }, clock());
    },

    /**
     * Signs an operator in, under three limits, each a slot taken before the password is checked
     * so that parallel guesses cannot exceed it (NIST SP 800-63B rev 4 section 3.2.2):
     *
     * - per client address, every attempt (`signInAttemptsPerAddress`);
     * - per account and address, consecutive failures (`signInLockAfterFailures`): a
     *   guesser at one address is locked out of that account there, and only there, so a stranger
     *   cannot lock an operator out by guessing wrong in their name;
     * - per account from all addresses together, failures (`signInFailuresPerAccount`, at most
     *   100 as NIST asks), against a guess spread over many addresses. Addresses where the
     *   operator signed in before are exempt (NIST's allowlist of addresses that authenticated
     *   successfully), so an operator at their usual desk keeps working while it holds.
     */
    async signIn(input: {
      tenant: string;
      email: string;
      password: string;
      address: string;
    }): Promise<{ session: SignedInOperator; cookieValue: string; csrfToken: string }> {
      const now = clock();
      const email = normaliseEmail(input.email);
      const byAddress = await hitRateLimit(db, `sign-in:address:${input.address}`, {
        limit: config.signInAttemptsPerAddress,
        windowMs,
        now,
      });
      if (!byAddress.allowed) throw rateLimited(byAddress.resetAt, now);
      const account = `${input.tenant}:${email}`;
      const pairKey = `sign-in:account-address:${account}:${input.address}`;
      const byPair = await hitRateLimit(db, pairKey, {
        limit: config.signInLockAfterFailures,
        windowMs,
        now,
      });
      if (!byPair.allowed) throw rateLimited(byPair.resetAt, now);
      const knownKey = `sign-in:known:${account}:${input.address}`;
      const known = await db
        .selectFrom('claims')
        .select('key')
        .where('key', '=', knownKey)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      const accountKey = `sign-in:account:${account}`;
      if (!known) {
        const byAccount = await hitRateLimit(db, accountKey, {
          limit: config.signInFailuresPerAccount,
          windowMs: accountWindowMs,
          now,
        });
        if (!byAccount.allowed) {
          // Not a wrong password, only a refusal: the slot at this address is given back.
          await releaseRateLimit(db, pairKey);
          throw rateLimited(byAccount.resetAt, now);
        }
      }

      const found = await db
        .selectFrom('operators')
        .innerJoin('tenants', 'tenants.id', 'operators.tenant_id')
        .selectAll('operators')
        .select(['tenants.slug as tenant_slug', 'tenants.name as tenant_name'])
        .where('tenants.slug', '=', input.tenant)
        .where('operators.email', '=', email)
        .executeTakeFirst();
      const passwordOk =
        found?.password_hash && found.status === 'active'
          ? await verifyPassword(input.password, found.password_hash)
          : await verifyAgainstDecoy(input.password);
      if (!found || !passwordOk) {
        if (found) {
          await inTransaction(db, (tx) =>
            appendAudit(tx, {
              tenantId: found.tenant_id,
              actor: { type: 'operator', id: found.id },
              action: 'operator.sign_in_failed',
              target: { type: 'operator', id: found.id },
              data: { address: input.address, disabled: found.status !== 'active' },
              now,
            }),
          );
        }
        throw invalidCredentials();
      }
      await resetRateLimit(db, pairKey);
      // The account-wide count is of failures: a success gives its slot back, but does not clear
      // the failures of others, which would hand a distributed guesser a fresh allowance.
      if (!known) await releaseRateLimit(db, accountKey);
      await rememberAddress(knownKey, now);
      const pendingStep = await stepAfterPassword(db, found.tenant_id, found.id);
      return startSession(found, { address: input.address, pendingStep }, now);
    },

    /** Resolves a session cookie to its operator, or undefined when it is not a live session. */
    async authenticate(cookieValue: string): Promise<(SignedInOperator & { csrfToken: string }) | undefined> {
      const parsed = parseCookie(cookieValue);
      if (!parsed) return undefined;
      const now = clock();
      const row = await db
        .selectFrom('sessions')
        .innerJoin('operators', 'operators.id', 'sessions.operator_id')
        .innerJoin('tenants', 'tenants.id', 'sessions.tenant_id')
        .selectAll('operators')
        .select([
          'sessions.secret_hash',
          'sessions.last_seen_at',
          'sessions.expires_at',
          'sessions.pending_step',
          'tenants.slug as tenant_slug',
          'tenants.name as tenant_name',
        ])
        .where('sessions.id', '=', parsed.id)
        .executeTakeFirst();
      if (!row || !constantTimeEqual(row.secret_hash, sha256Hex(parsed.secret))) return undefined;
      if (row.expires_at <= now || row.last_seen_at + idleMs <= now || row.status !== 'active') {
        await db.deleteFrom('sessions').where('id', '=', parsed.id).execute();
        return undefined;
      }
      // Write the activity time at most once a minute, not on every request.
      if (now - row.last_seen_at > 60_000) {
        await db.updateTable('sessions').set({ last_seen_at: now }).where('id', '=', parsed.id).execute();
      }
      const operator = toOperator(row);
      return {
        sessionId: parsed.id,
        operator,
        tenantSlug: row.tenant_slug,
        tenantName: row.tenant_name,
        permissions: permissionsForRole(operator.role as Role),
        expiresAt: row.expires_at,
        pendingStep: row.pending_step,
        csrfToken: csrfTokenFor(parsed.secret),
      };
    },

    async signOut(tenantId: string, sessionId: string, actor: Actor): Promise<void> {
      const now = clock();
      await inTransaction(db, async (tx) => {
        const result = await tx
          .deleteFrom('sessions')
          .where('tenant_id', '=', tenantId)
          .where('id', '=', sessionId)
          .executeTakeFirst();
        // Of concurrent sign-outs of one session, the one whose delete removed it is audited;
        // the others end a session that is already gone.
        if (rowsChanged(result) === 1 && actor.type === 'operator') {
          await appendAudit(tx, {
            tenantId,
            actor,
            action: 'operator.signed_out',
            target: { type: 'operator', id: actor.id },
            data: { sessionId },
            now,
          });
        }
      });
    },

    /** Removes sessions past their expiry; run periodically. */
    async purgeExpired(): Promise<number> {
      const now = clock();
      const result = await db
        .deleteFrom('sessions')
        .where((eb) => eb.or([eb('expires_at', '<=', now), eb('last_seen_at', '<=', now - idleMs)]))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export type SessionService = ReturnType<typeof createSessionService>;
