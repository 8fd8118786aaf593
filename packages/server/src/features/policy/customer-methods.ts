// Which methods a customer may use now, and why not, from the policy and the customer's facts.
import {
  AppError,
  type CustomerMethodFacts,
  evaluateMethods,
  type MethodEvaluation,
  notFound,
  type PushAvailability,
  type PushLockFacts,
  pushAvailability,
  type VerificationMethod,
  type VerificationPolicy,
} from '@helpdesk-auth/core';
import { type Actor, appendAudit } from '../../platform/audit-log.ts';
import type { ServiceContext } from '../../platform/context.ts';
import { inTransaction } from '../../storage/atomic.ts';
import type { Db } from '../../storage/database.ts';
import type { CustomerRow } from '../../storage/schema.ts';
import { denialsSince } from '../../storage/verification-queries.ts';
import { type FraudCaseResolution, resolveOpenCaseOfCustomer } from '../fraud-cases/index.ts';
import { countRecentFailures } from './failures.ts';
import { loadPolicy } from './policies.ts';
import { pushAvailabilityFor } from './push-guard.ts';

const hourMs = 3_600_000;

export async function findCustomer(db: Db, tenantId: string, customerId: string): Promise<CustomerRow> {
  const row = await db
    .selectFrom('customers')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', customerId)
    .executeTakeFirst();
  if (!row) throw notFound('Customer');
  return row;
}

async function lockRow(db: Db, tenantId: string, customerId: string) {
  return db
    .selectFrom('customer_method_locks')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('customer_id', '=', customerId)
    .executeTakeFirst();
}

/** What the push lock depends on: the fraud flag, recent denials, the last admin clear. */
export async function loadPushLockFacts(
  db: Db,
  customer: Pick<CustomerRow, 'tenant_id' | 'id' | 'fraud_reported_at'>,
  policy: VerificationPolicy,
  now: number,
): Promise<PushLockFacts> {
  const locks = await lockRow(db, customer.tenant_id, customer.id);
  const since = now - policy.push.denialWindowHours * hourMs;
  const denials = await denialsSince.all(db, {
    tenantId: customer.tenant_id,
    customerId: customer.id,
    since,
  });
  return {
    fraudReportedAt: customer.fraud_reported_at ?? null,
    denialTimes: denials.map((d) => Number(d.finished_at)),
    clearedAt: locks?.push_cleared_at ?? null,
  };
}

/** The conditional update that resolves an open fraud report, and its audit entry; null when none is open. */
async function resolveOpenReport(
  tx: Db,
  tenantId: string,
  customerId: string,
  note: string,
  actor: Actor,
  now: number,
): Promise<{ reportedAt: number; resolvedAt: number } | null> {
  const resolved = await tx
    .updateTable('customers')
    .set({ fraud_resolved_at: now })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', customerId)
    .where('fraud_reported_at', 'is not', null)
    .where((eb) =>
      eb.or([eb('fraud_resolved_at', 'is', null), eb('fraud_resolved_at', '<', eb.ref('fraud_reported_at'))]),
    )
    .returning('fraud_reported_at')
    .executeTakeFirst();
  if (!resolved) return null;
  const reportedAt = Number(resolved.fraud_reported_at);
  await appendAudit(tx, {
    tenantId,
    actor,
    action: 'customer.fraud_report_resolved',
    target: { type: 'customer', id: customerId },
    data: { reportedAt, note },
    now,
  });
  return { reportedAt, resolvedAt: now };
}

export interface MessageChannelsConfigured {
  sms: boolean;
  email: boolean;
}

/**
 * What the policy means for one customer: which methods the agent may use for an action, in
 * which order, and why not the others; the push lock; the admin's unlocks.
 */
export function createCustomerMethodService(
  { db, clock, events }: ServiceContext,
  deps: { providers: MessageChannelsConfigured },
) {
  async function facts(
    customer: CustomerRow,
    policy: VerificationPolicy,
    now: number,
  ): Promise<CustomerMethodFacts> {
    const tenantId = customer.tenant_id;
    const [devices, totp, questions, locks, failures, push, appCodeDevices, appCodeFailures] =
      await Promise.all([
        db
          .selectFrom('devices')
          .select((eb) => eb.fn.countAll<number>().as('count'))
          .where('tenant_id', '=', tenantId)
          .where('customer_id', '=', customer.id)
          .where('status', '=', 'active')
          .executeTakeFirst(),
        db
          .selectFrom('totp_enrollments')
          .select('id')
          .where('tenant_id', '=', tenantId)
          .where('customer_id', '=', customer.id)
          .where('status', '=', 'active')
          .executeTakeFirst(),
        db
          .selectFrom('security_questions')
          .select((eb) => eb.fn.countAll<number>().as('count'))
          .where('tenant_id', '=', tenantId)
          .where('customer_id', '=', customer.id)
          .executeTakeFirst(),
        lockRow(db, tenantId, customer.id),
        countRecentFailures(db, { tenantId, customerId: customer.id, now }),
        loadPushLockFacts(db, customer, policy, now),
        // Active devices holding an offline-code secret (features/methods/app-codes.ts).
        db
          .selectFrom('device_offline_secrets')
          .innerJoin('devices', 'devices.id', 'device_offline_secrets.device_id')
          .select((eb) => eb.fn.countAll<number>().as('count'))
          .where('device_offline_secrets.tenant_id', '=', tenantId)
          .where('device_offline_secrets.customer_id', '=', customer.id)
          .where('devices.tenant_id', '=', tenantId)
          .where('devices.status', '=', 'active')
          .executeTakeFirst(),
        countRecentFailures(db, { tenantId, customerId: customer.id, now, method: 'app_code' }),
      ]);
    return {
      activeDevices: Number(devices?.count ?? 0),
      hasPhone: customer.phone !== null,
      phoneChangedAt: customer.phone_changed_at,
      hasEmail: customer.email !== null,
      totpEnrolled: totp !== undefined,
      appCode: { devices: Number(appCodeDevices?.count ?? 0), failures: appCodeFailures },
      securityQuestions: Number(questions?.count ?? 0),
      questionsLockedAt: locks?.questions_locked_at ?? null,
      push,
      failures,
      providers: deps.providers,
    };
  }

  async function evaluate(tenantId: string, customerId: string, action: string): Promise<MethodEvaluation> {
    const now = clock();
    const customer = await findCustomer(db, tenantId, customerId);
    const { policy } = await loadPolicy(db, tenantId);
    const evaluation = evaluateMethods(policy, action, await facts(customer, policy, now), now);
    if (!evaluation) {
      throw new AppError(
        'VALIDATION_FAILED',
        `The policy names no action "${action}"; known actions: ${Object.keys(policy.actions).join(', ')}.`,
      );
    }
    return evaluation;
  }

  return {
    evaluate,

    /**
     * Refuses with METHOD_UNAVAILABLE (details.reason: the first reason code) unless the method
     * is available for the customer and action. Every method's start and check calls this, so
     * the console's list and the server's refusals cannot disagree.
     */
    async assertAvailable(
      tenantId: string,
      customerId: string,
      action: string,
      method: VerificationMethod,
    ): Promise<{ evaluation: MethodEvaluation; policy: VerificationPolicy }> {
      const evaluation = await evaluate(tenantId, customerId, action);
      const option = evaluation.methods.find((m) => m.method === method)!;
      if (!option.available) {
        const first = option.reasons[0]!;
        // A cap reached is a 429 with Retry-After, whether it is the customer's or the method's own.
        if (
          (first.code === 'FAILURE_LIMIT' || first.code === 'APP_CODE_FAILURES') &&
          option.reasons.length === 1
        ) {
          const until = first.until ?? clock() + hourMs;
          throw new AppError('TOO_MANY_FAILURES', first.message, {
            retryAfterSeconds: Math.max(1, Math.ceil((until - clock()) / 1000)),
          });
        }
        throw new AppError('METHOD_UNAVAILABLE', first.message, { details: { reason: first.code } });
      }
      const { policy } = await loadPolicy(db, tenantId);
      return { evaluation, policy };
    },

    /**
     * Whether push may be used for the customer now (push lock after denials or a fraud report),
     * by the same rule the push flow applies when it starts (push-guard.ts).
     */
    pushAvailabilityFor(tenantId: string, customerId: string): Promise<PushAvailability> {
      return pushAvailabilityFor(db, { tenantId, customerId, now: clock() });
    },

    async locks(tenantId: string, customerId: string) {
      const now = clock();
      const customer = await findCustomer(db, tenantId, customerId);
      const { policy } = await loadPolicy(db, tenantId);
      const push = pushAvailability(await loadPushLockFacts(db, customer, policy, now), policy, now);
      const row = await lockRow(db, tenantId, customerId);
      return {
        push: push.available ? { locked: false, reason: null } : { locked: true, reason: push.reason.code },
        securityQuestions: {
          locked: (row?.questions_locked_at ?? null) !== null,
          lockedAt: row?.questions_locked_at ?? null,
          failures: row?.questions_failures ?? 0,
        },
        failuresLastHour: (await countRecentFailures(db, { tenantId, customerId, now })).count,
      };
    },

    /**
     * A supervisor or admin clears the push lock: denials and fraud reports before now no longer
     * count. Only what there is to clear is cleared, with one compare-and-set on the last clear,
     * so two clicks or two supervisors at once clear it once and write one audit entry; a
     * customer with nothing to clear is left as they are. True when this call cleared it.
     * `executor`: the caller's transaction, when the clear is part of a larger change (a fraud
     * case's resolution).
     */
    async clearPushLock(
      tenantId: string,
      customerId: string,
      actor: Actor,
      executor: Db = db,
    ): Promise<boolean> {
      const now = clock();
      const customer = await findCustomer(executor, tenantId, customerId);
      const { policy } = await loadPolicy(executor, tenantId);
      const facts = await loadPushLockFacts(executor, customer, policy, now);
      // The newest thing a clear forgets: the fraud report or the latest denial.
      const newest = Math.max(facts.fraudReportedAt ?? 0, ...facts.denialTimes);
      if (newest === 0 || (facts.clearedAt !== null && facts.clearedAt >= newest)) return false;
      return inTransaction(executor, async (tx) => {
        const cleared = await tx
          .insertInto('customer_method_locks')
          .values({
            tenant_id: tenantId,
            customer_id: customerId,
            push_cleared_at: now,
            questions_failures: 0,
            questions_locked_at: null,
            updated_at: now,
          })
          .onConflict((oc) =>
            oc
              .columns(['tenant_id', 'customer_id'])
              .doUpdateSet({ push_cleared_at: now, updated_at: now })
              .where((eb) =>
                eb.or([
                  eb('customer_method_locks.push_cleared_at', 'is', null),
                  eb('customer_method_locks.push_cleared_at', '<', newest),
                ]),
              ),
          )
          .returning('customer_id')
          .execute();
        if (cleared.length === 0) return false;
        await appendAudit(tx, {
          tenantId,
          actor,
          action: 'customer.push_lock_cleared',
          target: { type: 'customer', id: customerId },
          data: {
            fraudReport: facts.fraudReportedAt !== null && facts.fraudReportedAt > (facts.clearedAt ?? 0),
            denials: facts.denialTimes.filter((t) => t > (facts.clearedAt ?? 0)).length,
          },
          now,
        });
        return true;
      });
    },

    /**
     * A supervisor or admin unlocks security questions after a lockout, and the failure count
     * starts again. A conditional update, so parallel unlocks apply once; true when this one did.
     */
    async unlockSecurityQuestions(
      tenantId: string,
      customerId: string,
      actor: Actor,
      executor: Db = db,
    ): Promise<boolean> {
      const now = clock();
      await findCustomer(executor, tenantId, customerId);
      return inTransaction(executor, async (tx) => {
        const unlocked = await tx
          .updateTable('customer_method_locks')
          // Also forgets tries a stopped process reserved and never settled (storage/atomic/lockouts.ts).
          .set({ questions_failures: 0, questions_in_flight: 0, questions_locked_at: null, updated_at: now })
          .where('tenant_id', '=', tenantId)
          .where('customer_id', '=', customerId)
          .where((eb) =>
            eb.or([
              eb('questions_locked_at', 'is not', null),
              eb('questions_failures', '>', 0),
              eb('questions_in_flight', '>', 0),
            ]),
          )
          .returning('questions_locked_at')
          .execute();
        if (unlocked.length === 0) return false;
        await appendAudit(tx, {
          tenantId,
          actor,
          action: 'customer.security_questions_unlocked',
          target: { type: 'customer', id: customerId },
          now,
        });
        return true;
      });
    },

    /**
     * A supervisor or admin resolves the customer's open fraud report, with a note saying what
     * was found and done. The push lock the report set stays until it is cleared on its own
     * (clearPushLock): resolving says the case is handled, clearing says push may be used again.
     * One conditional update on the open report, so parallel resolutions apply once; the loser
     * gets FRAUD_REPORT_NOT_OPEN, like a customer without an open report. The customer's open
     * fraud case (docs/fraud-queue.md) is resolved in the same transaction, with `resolution`
     * (by default `confirmed_fraud`: a report from the customer's own phone is taken at its word),
     * so the report and the queue never disagree.
     */
    async resolveFraudReport(
      tenantId: string,
      customerId: string,
      note: string,
      actor: Actor,
      resolution: FraudCaseResolution = 'confirmed_fraud',
    ): Promise<{ reportedAt: number; resolvedAt: number }> {
      const now = clock();
      return inTransaction(db, async (tx) => {
        const resolved = await resolveOpenReport(tx, tenantId, customerId, note, actor, now);
        if (!resolved) {
          await findCustomer(tx, tenantId, customerId);
          throw new AppError('FRAUD_REPORT_NOT_OPEN', 'The customer has no open fraud report.');
        }
        await resolveOpenCaseOfCustomer(tx, events, { tenantId, customerId, resolution, note, actor, now });
        return resolved;
      });
    },

    /**
     * Resolves the customer's fraud report if one is open, in the caller's transaction (a fraud
     * case's resolution); null when there was none. Audited as resolveFraudReport is.
     */
    resolveFraudReportIfOpen(
      tx: Db,
      tenantId: string,
      customerId: string,
      note: string,
      actor: Actor,
    ): Promise<{ reportedAt: number; resolvedAt: number } | null> {
      return resolveOpenReport(tx, tenantId, customerId, note, actor, clock());
    },
  };
}

export type CustomerMethodService = ReturnType<typeof createCustomerMethodService>;
