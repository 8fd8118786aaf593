// App codes: the offline one-time code (RFC 6238) an enrolled device shows without a network; its
// secret is issued once to the device, and the agent's check is capped, audited and claimed once.
import { AppError } from '@helpdesk-auth/core';
import { type Actor, appendAudit } from '../../platform/audit-log.ts';
import type { ServiceContext } from '../../platform/context.ts';
import { recordVerification } from '../../platform/metrics.ts';
import { decryptSecret, encryptSecret } from '../../platform/secrets.ts';
import { compareAndSet, inTransaction } from '../../storage/atomic.ts';
import type { Db } from '../../storage/database.ts';
import type { CustomerMethodService, CustomerNotifier } from '../policy/index.ts';
import { reserveAttempt } from '../policy/index.ts';
import { recordMethodOutcome } from './outcomes.ts';
import type { FallbackResult } from './totp.ts';
import { matchTotpStep, newTotpSeed, seedFromBase32, seedToBase32, totpParameters } from './totp-codes.ts';

/** What a device is given, once: the seed and how to turn it into codes (RFC 6238, as TOTP). */
export interface OfflineSecret {
  /** Base32 (RFC 4648) seed, 160 bits. Returned this once, never again. */
  secret: string;
  algorithm: string;
  digits: number;
  period: number;
}

const sealContext = (deviceId: string) => `device-offline:${deviceId}`;

/**
 * Creates a device's offline-code secret, sealed at rest and bound to the device id, unless it
 * has one. Returns it (to hand to the device, this once), or null when the device already had one:
 * the primary key on device_id makes a second issue, parallel ones included, insert nothing.
 */
export async function issueOfflineSecret(
  db: Db,
  encryptionKey: Buffer,
  device: { tenantId: string; customerId: string; deviceId: string; now: number },
): Promise<OfflineSecret | null> {
  const secret = seedToBase32(newTotpSeed());
  const inserted = await db
    .insertInto('device_offline_secrets')
    .values({
      device_id: device.deviceId,
      tenant_id: device.tenantId,
      customer_id: device.customerId,
      secret_sealed: encryptSecret(encryptionKey, secret, sealContext(device.deviceId)),
      last_step: null,
      created_at: device.now,
    })
    .onConflict((oc) => oc.column('device_id').doNothing())
    .returning('device_id')
    .execute();
  return inserted.length === 1 ? { secret, ...totpParameters } : null;
}

/** A revoked device's secret goes with it, so its codes can never be accepted again. */
export async function removeOfflineSecret(db: Db, tenantId: string, deviceId: string): Promise<void> {
  await db
    .deleteFrom('device_offline_secrets')
    .where('tenant_id', '=', tenantId)
    .where('device_id', '=', deviceId)
    .execute();
}

function assertCodeFormat(code: string): void {
  if (!/^[0-9]{6}$/.test(code)) throw new AppError('VALIDATION_FAILED', 'A code is six digits.');
}

/**
 * The agent checks the code the customer reads from their app. The code is compared with every
 * active device of the customer that holds a secret (each step of the window, in constant time),
 * so timing does not tell which device or step matched. Each try is reserved against the
 * customer's hourly failures and the method's own cap before the check; the matched device's
 * last accepted step moves forward by compare-and-set, so a code, or an earlier one, is accepted
 * once, even by two parallel checks.
 */
export function createAppCodeService(
  context: ServiceContext,
  deps: { methods: CustomerMethodService; notifier?: CustomerNotifier },
) {
  const { db, clock, encryptionKey } = context;

  return {
    /** A device enrolled before app codes existed gets its secret here, once (POST /v1/device/offline-secret). */
    async issueForDevice(device: { tenantId: string; id: string }, actor: Actor): Promise<OfflineSecret> {
      const now = clock();
      return inTransaction(db, async (tx) => {
        const row = await tx
          .selectFrom('devices')
          .select(['customer_id', 'status'])
          .where('tenant_id', '=', device.tenantId)
          .where('id', '=', device.id)
          .executeTakeFirst();
        if (row?.status !== 'active') throw new AppError('DEVICE_REVOKED', 'This device was revoked.');
        const issued = await issueOfflineSecret(tx, encryptionKey, {
          tenantId: device.tenantId,
          customerId: row.customer_id,
          deviceId: device.id,
          now,
        });
        if (!issued) {
          throw new AppError(
            'OFFLINE_SECRET_ISSUED',
            'This device already has its offline-code secret; it is never issued twice. Enrol the device again to get a new one.',
          );
        }
        await appendAudit(tx, {
          tenantId: device.tenantId,
          actor,
          action: 'device.offline_secret_issued',
          target: { type: 'device', id: device.id },
          data: { customerId: row.customer_id },
          now,
        });
        return issued;
      });
    },

    async verify(
      tenantId: string,
      customerId: string,
      input: { code: string; action: string },
      actor: Actor,
    ): Promise<FallbackResult> {
      const { policy } = await deps.methods.assertAvailable(tenantId, customerId, input.action, 'app_code');
      assertCodeFormat(input.code);
      const now = clock();
      const reservation = await reserveAttempt(db, {
        tenantId,
        customerId,
        method: 'app_code',
        now,
        limit: policy.failuresPerHour,
        methodLimit: policy.appCode.maxFailures,
      });
      const rows = await db
        .selectFrom('device_offline_secrets')
        .innerJoin('devices', 'devices.id', 'device_offline_secrets.device_id')
        .select([
          'device_offline_secrets.device_id as deviceId',
          'device_offline_secrets.secret_sealed as sealed',
          'device_offline_secrets.last_step as lastStep',
        ])
        .where('device_offline_secrets.tenant_id', '=', tenantId)
        .where('device_offline_secrets.customer_id', '=', customerId)
        .where('devices.tenant_id', '=', tenantId)
        .where('devices.status', '=', 'active')
        .orderBy('device_offline_secrets.device_id')
        .execute();
      let matched: { deviceId: string; step: number; lastStep: number | null } | null = null;
      for (const row of rows) {
        const seed = seedFromBase32(decryptSecret(encryptionKey, row.sealed, sealContext(row.deviceId)));
        const step = matchTotpStep(seed, input.code, now, policy.appCode.driftSteps);
        if (step !== null && matched === null)
          matched = { deviceId: row.deviceId, step, lastStep: row.lastStep };
      }
      const assurance = policy.methods.find((m) => m.method === 'app_code')!.assurance;
      // Each check is a verification of its own: passed, or failed (a wrong or replayed code).
      const audit = (action: string, data: Record<string, unknown>, passed: boolean, deviceId?: string) =>
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
            method: 'app_code',
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
            deviceId: passed ? (deviceId ?? null) : null,
          });
        });
      if (matched === null) {
        const verificationId = await audit('app_code.wrong_code', { action: input.action }, false);
        recordVerification('app_code', 'failed');
        throw new AppError('WRONG_CODE', 'Wrong code; ask the caller to read the code their app shows now.', {
          details: { verificationId },
        });
      }
      const { deviceId, step, lastStep } = matched;
      if (
        (lastStep !== null && step <= lastStep) ||
        !(await compareAndSet(db, 'device_offline_secrets', {
          where: { device_id: deviceId, tenant_id: tenantId },
          expect: { last_step: lastStep },
          set: { last_step: step },
        }))
      ) {
        const verificationId = await audit(
          'app_code.replay_refused',
          { action: input.action, device: deviceId },
          false,
        );
        recordVerification('app_code', 'replay_refused');
        throw new AppError('CODE_REPLAYED', 'This code was already used; ask the caller for the next one.', {
          details: { verificationId },
        });
      }
      await reservation.succeeded();
      const verificationId = await audit(
        'app_code.verified',
        { action: input.action, assurance, device: deviceId },
        true,
        deviceId,
      );
      recordVerification('app_code', 'passed');
      // Best effort: a notification that cannot be sent never undoes the verification.
      await deps.notifier?.notify(tenantId, customerId, 'verified', now).catch(() => undefined);
      return {
        method: 'app_code',
        action: input.action,
        result: 'passed',
        assurance,
        verifiedAt: now,
        verificationId,
      };
    },
  };
}

export type AppCodeService = ReturnType<typeof createAppCodeService>;
