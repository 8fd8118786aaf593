// Operators' second factor: an authenticator app (TOTP), enrolled by the operator, asked for after
// the password, required by the tenant's setting, and reset by an admin when a phone is lost.
import { AppError, newId, notFound } from '@helpdesk-auth/core';
import { type Actor, appendAudit } from '../../platform/audit-log.ts';
import type { ServiceContext } from '../../platform/context.ts';
import { tooManyAttempts } from '../../platform/rate-limit-error.ts';
import { decryptSecret, encryptSecret } from '../../platform/secrets.ts';
import { hitRateLimit, inTransaction, releaseRateLimit, resetRateLimit } from '../../storage/atomic.ts';
import { rowsChanged } from '../../storage/constraint-violations.ts';
import type { Db } from '../../storage/database.ts';
import {
  matchTotpStep,
  newTotpSeed,
  seedFromBase32,
  seedToBase32,
  totpEnrollmentUri,
} from '../methods/index.ts';

/** What a session opened by a password still has to do before it may work. */
export type PendingStep = 'second_factor' | 'second_factor_enrolment';

/** A code is six digits; anything else is refused before it counts as a guess. */
const codePattern = /^\d{6}$/;

/**
 * One step either side of now: the operator types the code from their own phone, so a clock a
 * little off, or a code read just before it changed, still works (RFC 6238 section 5.2).
 */
const driftSteps = 1;

const sealContext = (factorId: string) => `operator-factor:${factorId}`;

/** The tenant's rule, from its stored settings (features/tenants/tenants.ts writes it). */
async function tenantRequiresSecondFactor(db: Db, tenantId: string): Promise<boolean> {
  const row = await db.selectFrom('tenants').select('settings').where('id', '=', tenantId).executeTakeFirst();
  const settings = row ? (JSON.parse(row.settings) as { operatorSecondFactor?: string }) : {};
  return settings.operatorSecondFactor === 'required';
}

async function confirmedTotp(db: Db, tenantId: string, operatorId: string) {
  return db
    .selectFrom('operator_factors')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('operator_id', '=', operatorId)
    .where('kind', '=', 'totp')
    .where('confirmed_at', 'is not', null)
    .executeTakeFirst();
}

/**
 * What a session opened by a password must do first: show the factor the operator has, enrol one
 * where the tenant requires it, or nothing. (Single sign-on leaves the second factor to the
 * identity provider.)
 */
export async function stepAfterPassword(
  db: Db,
  tenantId: string,
  operatorId: string,
): Promise<PendingStep | null> {
  if (await confirmedTotp(db, tenantId, operatorId)) return 'second_factor';
  return (await tenantRequiresSecondFactor(db, tenantId)) ? 'second_factor_enrolment' : null;
}

export function createSecondFactorService({ db, clock, config, encryptionKey }: ServiceContext) {
  const windowMs = config.signInWindowMinutes * 60_000;

  const confirmedFactor = confirmedTotp;

  /**
   * Checks a code against the operator's factor, under a cap of wrong codes per operator (a slot
   * taken before the check, so parallel guesses cannot exceed it) and once per time step (the
   * step is claimed by a conditional update, so a code seen over a shoulder, or sent twice at
   * once, is accepted once). Returns the factor's id.
   */
  async function checkCode(
    tenantId: string,
    operatorId: string,
    code: string,
    factor: { id: string; secret_sealed: string; last_used_step: number | null },
    audit: { actor: Actor },
  ): Promise<void> {
    const now = clock();
    const limitKey = `second-factor:${operatorId}`;
    const hit = await hitRateLimit(db, limitKey, {
      limit: config.signInLockAfterFailures,
      windowMs,
      now,
    });
    if (!hit.allowed)
      throw tooManyAttempts('Too many wrong codes. Wait a while before trying again.', hit, now);
    const seed = seedFromBase32(decryptSecret(encryptionKey, factor.secret_sealed, sealContext(factor.id)));
    const step = codePattern.test(code) ? matchTotpStep(seed, code, now, driftSteps) : null;
    if (step === null) {
      await inTransaction(db, (tx) =>
        appendAudit(tx, {
          tenantId,
          actor: audit.actor,
          action: 'operator.second_factor_failed',
          target: { type: 'operator', id: operatorId },
          now,
        }),
      );
      throw new AppError(
        'WRONG_CODE',
        'That code is not right. Type the code your authenticator app shows now.',
      );
    }
    const claimed = await db
      .updateTable('operator_factors')
      .set({ last_used_step: step })
      .where('id', '=', factor.id)
      .where((eb) => eb.or([eb('last_used_step', 'is', null), eb('last_used_step', '<', step)]))
      .executeTakeFirst();
    if (rowsChanged(claimed) !== 1) {
      // A right code, used before: not a guess, so the slot is given back.
      await releaseRateLimit(db, limitKey);
      throw new AppError('CODE_REPLAYED', 'That code was used already. Wait for the next one.');
    }
    await resetRateLimit(db, limitKey);
  }

  /** Lets the session work; of concurrent completions, the one that moved it audits. */
  async function completeStep(
    tx: Db,
    tenantId: string,
    sessionId: string,
    from: PendingStep,
    audit: { actor: Actor; operatorId: string; action: string; now: number },
  ): Promise<void> {
    const result = await tx
      .updateTable('sessions')
      .set({ pending_step: null })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', sessionId)
      .where('pending_step', '=', from)
      .executeTakeFirst();
    if (rowsChanged(result) !== 1) return;
    await appendAudit(tx, {
      tenantId,
      actor: audit.actor,
      action: audit.action,
      target: { type: 'operator', id: audit.operatorId },
      data: { sessionId },
      now: audit.now,
    });
  }

  return {
    async status(tenantId: string, operatorId: string) {
      return {
        required: await tenantRequiresSecondFactor(db, tenantId),
        totp: (await confirmedFactor(db, tenantId, operatorId)) !== undefined,
      };
    },

    /**
     * Starts (or starts again) enrolling an authenticator app: a fresh seed, sealed, returned once
     * as the base32 secret and the otpauth URI for a QR code. Refused while a confirmed factor
     * exists: replacing it takes an admin's reset, so a stolen session cannot swap the factor.
     */
    async startTotpEnrolment(
      tenantId: string,
      operator: { id: string; email: string },
      issuer: string,
      actor: Actor,
    ): Promise<{ secret: string; otpauthUri: string }> {
      const now = clock();
      const seed = newTotpSeed();
      const base32 = seedToBase32(seed);
      await inTransaction(db, async (tx) => {
        if (await confirmedFactor(tx, tenantId, operator.id))
          throw new AppError(
            'TOTP_ALREADY_ENROLLED',
            'An authenticator app is set up already. An admin resets it when the phone is lost.',
          );
        await tx
          .deleteFrom('operator_factors')
          .where('tenant_id', '=', tenantId)
          .where('operator_id', '=', operator.id)
          .where('kind', '=', 'totp')
          .execute();
        const id = newId('operatorFactor', now);
        await tx
          .insertInto('operator_factors')
          .values({
            id,
            tenant_id: tenantId,
            operator_id: operator.id,
            kind: 'totp',
            secret_sealed: encryptSecret(encryptionKey, base32, sealContext(id)),
            confirmed_at: null,
            last_used_step: null,
            created_at: now,
          })
          .execute();
        await appendAudit(tx, {
          tenantId,
          actor,
          action: 'operator.second_factor_enrolment_started',
          target: { type: 'operator', id: operator.id },
          data: { kind: 'totp' },
          now,
        });
      });
      return { secret: base32, otpauthUri: totpEnrollmentUri(seed, issuer, operator.email) };
    },

    /** Confirms the enrolment with a first code; a session waiting for enrolment may then work. */
    async confirmTotpEnrolment(
      tenantId: string,
      operatorId: string,
      sessionId: string,
      code: string,
      actor: Actor,
    ): Promise<void> {
      const factor = await db
        .selectFrom('operator_factors')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('operator_id', '=', operatorId)
        .where('kind', '=', 'totp')
        .executeTakeFirst();
      if (!factor || factor.confirmed_at !== null)
        throw new AppError('CONFLICT', 'There is no authenticator-app set-up to confirm; start it again.');
      await checkCode(tenantId, operatorId, code, factor, { actor });
      const now = clock();
      await inTransaction(db, async (tx) => {
        const confirmed = await tx
          .updateTable('operator_factors')
          .set({ confirmed_at: now })
          .where('id', '=', factor.id)
          .where('confirmed_at', 'is', null)
          .executeTakeFirst();
        if (rowsChanged(confirmed) !== 1) return;
        await appendAudit(tx, {
          tenantId,
          actor,
          action: 'operator.second_factor_enrolled',
          target: { type: 'operator', id: operatorId },
          data: { kind: 'totp' },
          now,
        });
        await completeStep(tx, tenantId, sessionId, 'second_factor_enrolment', {
          actor,
          operatorId,
          action: 'operator.second_factor_verified',
          now,
        });
      });
    },

    /** The code after the password: the session may work once it is right. */
    async verify(tenantId: string, operatorId: string, sessionId: string, code: string, actor: Actor) {
      const factor = await confirmedFactor(db, tenantId, operatorId);
      if (!factor) throw new AppError('CONFLICT', 'No second factor is set up for this operator.');
      await checkCode(tenantId, operatorId, code, factor, { actor });
      const now = clock();
      await inTransaction(db, (tx) =>
        completeStep(tx, tenantId, sessionId, 'second_factor', {
          actor,
          operatorId,
          action: 'operator.second_factor_verified',
          now,
        }),
      );
    },

    /**
     * An admin's recovery for a lost phone: removes the operator's factors and ends their
     * sessions. At the next sign-in they enrol again (where the tenant requires it, before anything else).
     */
    async reset(tenantId: string, operatorId: string, actor: Actor): Promise<void> {
      const now = clock();
      await inTransaction(db, async (tx) => {
        const operator = await tx
          .selectFrom('operators')
          .select('id')
          .where('tenant_id', '=', tenantId)
          .where('id', '=', operatorId)
          .executeTakeFirst();
        if (!operator) throw notFound('Operator');
        const removed = await tx
          .deleteFrom('operator_factors')
          .where('tenant_id', '=', tenantId)
          .where('operator_id', '=', operatorId)
          .executeTakeFirst();
        await tx
          .deleteFrom('sessions')
          .where('tenant_id', '=', tenantId)
          .where('operator_id', '=', operatorId)
          .execute();
        await appendAudit(tx, {
          tenantId,
          actor,
          action: 'operator.second_factor_reset',
          target: { type: 'operator', id: operatorId },
          data: { removed: Number(removed.numDeletedRows) },
          now,
        });
      });
    },
  };
}

export type SecondFactorService = ReturnType<typeof createSecondFactorService>;
