// Authenticator-app codes (TOTP): enrollment with a sealed seed, and checks claimed once per step.
import { AppError, newId, notFound } from '@helpdesk-auth/core';
import { type Actor, appendAudit } from '../../platform/audit-log.ts';
import type { ServiceContext } from '../../platform/context.ts';
import { recordVerification } from '../../platform/metrics.ts';
import { decryptSecret, encryptSecret } from '../../platform/secrets.ts';
import { compareAndSet, inTransaction } from '../../storage/atomic.ts';
import type { CustomerNotifier } from '../policy/index.ts';
import { type CustomerMethodService, findCustomer, loadPolicy, reserveAttempt } from '../policy/index.ts';
import { recordMethodOutcome } from './outcomes.ts';
import {
  matchTotpStep,
  newTotpSeed,
  seedFromBase32,
  seedToBase32,
  totpEnrollmentUri,
  totpParameters,
} from './totp-codes.ts';

export interface TotpEnrollmentStart {
  enrollmentId: string;
  /** The seed in base32, for typing into an app by hand. Returned this once, never again. */
  secret: string;
  /** `otpauth://totp/...`: render it as a QR code for the app to scan. */
  otpauthUri: string;
  algorithm: string;
  digits: number;
  period: number;
}

export interface FallbackResult {
  method: 'totp' | 'security_questions' | 'app_code';
  action: string;
  result: 'passed';
  assurance: string;
  verifiedAt: number;
  /** The verification this check is recorded as (outcomes.ts). */
  verificationId: string;
}

function assertCodeFormat(code: string): void {
  if (!/^[0-9]{6}$/.test(code)) throw new AppError('VALIDATION_FAILED', 'A code is six digits.');
}

const sealContext = (enrollmentId: string) => `totp_enrollment:${enrollmentId}`;

/**
 * Authenticator-app codes (RFC 6238). Enrollment creates a seed, sealed at rest with the server's
 * encryption key (AES-256-GCM, bound to the enrollment id), and shows it once as an otpauth URI;
 * the enrollment becomes active when the customer proves the app works with one code. Each code
 * is accepted once: the last accepted time step is stored, and a code of that step or an earlier
 * one is refused as a replay (RFC 6238 section 5.2) and written to the audit log.
 */
export function createTotpService(
  context: ServiceContext,
  deps: { methods: CustomerMethodService; notifier?: CustomerNotifier },
) {
  const { db, clock, encryptionKey } = context;

  async function findEnrollment(
    tenantId: string,
    customerId: string,
    status: 'pending' | 'active',
    id?: string,
  ) {
    let query = db
      .selectFrom('totp_enrollments')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('customer_id', '=', customerId)
      .where('status', '=', status);
    if (id) query = query.where('id', '=', id);
    return query.orderBy('id', 'desc').executeTakeFirst();
  }

  /** Accepts the step once: the guard on last_step makes a concurrent second use fail. */
  async function claimStep(enrollmentId: string, step: number, lastStep: number | null): Promise<boolean> {
    return compareAndSet(db, 'totp_enrollments', {
      where: { id: enrollmentId },
      expect: { last_step: lastStep },
      set: { last_step: step },
    });
  }

  return {
    async status(tenantId: string, customerId: string) {
      await findCustomer(db, tenantId, customerId);
      const active = await findEnrollment(tenantId, customerId, 'active');
      return { enrolled: active !== undefined, activatedAt: active?.activated_at ?? null };
    },

    async beginEnrollment(tenantId: string, customerId: string, actor: Actor): Promise<TotpEnrollmentStart> {
      const customer = await findCustomer(db, tenantId, customerId);
      if (await findEnrollment(tenantId, customerId, 'active')) {
        throw new AppError(
          'TOTP_ALREADY_ENROLLED',
          'The customer already has an authenticator app; remove it first.',
        );
      }
      const tenant = await db
        .selectFrom('tenants')
        .select('name')
        .where('id', '=', tenantId)
        .executeTakeFirstOrThrow();
      const now = clock();
      const id = newId('totpEnrollment', now);
      const seed = newTotpSeed();
      const base32 = seedToBase32(seed);
      await inTransaction(db, async (tx) => {
        // Only the newest unconfirmed enrollment counts.
        await tx
          .deleteFrom('totp_enrollments')
          .where('tenant_id', '=', tenantId)
          .where('customer_id', '=', customerId)
          .where('status', '=', 'pending')
          .execute();
        await tx
          .insertInto('totp_enrollments')
          .values({
            id,
            tenant_id: tenantId,
            customer_id: customerId,
            status: 'pending',
            seed_sealed: encryptSecret(encryptionKey, base32, sealContext(id)),
            last_step: null,
            created_at: now,
            activated_at: null,
          })
          .execute();
        await appendAudit(tx, {
          tenantId,
          actor,
          action: 'totp.enrollment_started',
          target: { type: 'customer', id: customerId },
          data: { enrollment: id },
          now,
        });
      });
      const account = customer.external_id ?? customer.display_name;
      return {
        enrollmentId: id,
        secret: base32,
        otpauthUri: totpEnrollmentUri(seed, tenant.name, account),
        ...totpParameters,
      };
    },

    /** The first code from the app proves the seed arrived; only then does the enrollment count. */
    async confirmEnrollment(
      tenantId: string,
      customerId: string,
      input: { enrollmentId: string; code: string },
      actor: Actor,
    ): Promise<{ enrolled: true; activatedAt: number }> {
      await findCustomer(db, tenantId, customerId);
      const row = await findEnrollment(tenantId, customerId, 'pending', input.enrollmentId);
      if (!row) throw notFound('Pending authenticator-app enrollment');
      assertCodeFormat(input.code);
      const now = clock();
      const { policy } = await loadPolicy(db, tenantId);
      const reservation = await reserveAttempt(db, {
        tenantId,
        customerId,
        method: 'totp',
        now,
        limit: policy.failuresPerHour,
      });
      const seed = seedFromBase32(decryptSecret(encryptionKey, row.seed_sealed, sealContext(row.id)));
      const step = matchTotpStep(seed, input.code, now, policy.totp.driftSteps);
      if (step === null) throw new AppError('WRONG_CODE', 'Wrong code; check the app and the phone clock.');
      await reservation.succeeded();
      await inTransaction(db, async (tx) => {
        await tx
          .deleteFrom('totp_enrollments')
          .where('tenant_id', '=', tenantId)
          .where('customer_id', '=', customerId)
          .where('status', '=', 'active')
          .execute();
        const activated = await compareAndSet(tx, 'totp_enrollments', {
          where: { id: row.id, tenant_id: tenantId },
          expect: { status: 'pending' },
          set: { status: 'active', activated_at: now, last_step: step },
        });
        if (!activated) throw new AppError('CONFLICT', 'The enrollment changed meanwhile.');
        await appendAudit(tx, {
          tenantId,
          actor,
          action: 'totp.enrolled',
          target: { type: 'customer', id: customerId },
          data: { enrollment: row.id },
          now,
        });
      });
      return { enrolled: true, activatedAt: now };
    },

    async remove(tenantId: string, customerId: string, actor: Actor): Promise<void> {
      await findCustomer(db, tenantId, customerId);
      const now = clock();
      await inTransaction(db, async (tx) => {
        const result = await tx
          .deleteFrom('totp_enrollments')
          .where('tenant_id', '=', tenantId)
          .where('customer_id', '=', customerId)
          .executeTakeFirst();
        if (Number(result.numDeletedRows) === 0) throw notFound('Authenticator app');
        await appendAudit(tx, {
          tenantId,
          actor,
          action: 'totp.removed',
          target: { type: 'customer', id: customerId },
          now,
        });
      });
    },

    /** The caller reads the code from their app; the agent types it. */
    async verify(
      tenantId: string,
      customerId: string,
      input: { code: string; action: string },
      actor: Actor,
    ): Promise<FallbackResult> {
      const { policy } = await deps.methods.assertAvailable(tenantId, customerId, input.action, 'totp');
      assertCodeFormat(input.code);
      const row = await findEnrollment(tenantId, customerId, 'active');
      if (!row)
        throw new AppError('METHOD_UNAVAILABLE', 'No authenticator app.', {
          details: { reason: 'NOT_ENROLLED' },
        });
      const now = clock();
      const reservation = await reserveAttempt(db, {
        tenantId,
        customerId,
        method: 'totp',
        now,
        limit: policy.failuresPerHour,
      });
      const seed = seedFromBase32(decryptSecret(encryptionKey, row.seed_sealed, sealContext(row.id)));
      const step = matchTotpStep(seed, input.code, now, policy.totp.driftSteps);
      const assurance = policy.methods.find((m) => m.method === 'totp')!.assurance;
      // Each check is a verification of its own: passed, or failed (a wrong or replayed code).
      const audit = (action: string, data: Record<string, unknown>, passed: boolean) =>
        inTransaction(db, async (tx) => {
          await appendAudit(tx, {
            tenantId,
            actor,
            action,
            target: { type: 'customer', id: customerId },
            data,
            now,
          });
          return recordMethodOutcome(tx, {
            tenantId,
            customerId,
            method: 'totp',
            action: input.action,
            status: passed ? 'approved' : 'failed',
            assurance,
            actor,
            startedAt: now,
            expiresAt: now,
            now,
            failedAttempts: passed ? 0 : 1,
            maxAttempts: 1,
            codeLength: 6,
          });
        });
      if (step === null) {
        const verificationId = await audit('totp.wrong_code', { action: input.action }, false);
        recordVerification('totp', 'failed');
        throw new AppError('WRONG_CODE', 'Wrong code.', { details: { verificationId } });
      }
      if (
        (row.last_step !== null && step <= row.last_step) ||
        !(await claimStep(row.id, step, row.last_step))
      ) {
        const verificationId = await audit('totp.replay_refused', { action: input.action }, false);
        recordVerification('totp', 'replay_refused');
        throw new AppError('CODE_REPLAYED', 'This code was already used; ask the caller for the next one.', {
          details: { verificationId },
        });
      }
      await reservation.succeeded();
      const verificationId = await audit('totp.verified', { action: input.action, assurance }, true);
      recordVerification('totp', 'passed');
      // Best effort: a notification that cannot be sent never undoes the verification.
      await deps.notifier?.notify(tenantId, customerId, 'verified', now).catch(() => undefined);
      return {
        method: 'totp',
        action: input.action,
        result: 'passed',
        assurance,
        verifiedAt: now,
        verificationId,
      };
    },
  };
}

export type TotpService = ReturnType<typeof createTotpService>;
