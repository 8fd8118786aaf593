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

export interface MessageChannelsConfigured {
  sms: boolean;
  email: boolean;
}

/**
 * What the policy means for one customer: which methods the agent may use for an action, in
 * which order, and why not the others; the push lock; the admin's unlocks.
 */
export function createCustomerMethodService(
  { db, clock }: ServiceContext,
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

  async function upsertLocks(
    tx: Db,
    tenantId: string,
    customerId: string,
    set: {
      push_cleared_at?: number;
      questions_failures?: number;
      questions_in_flight?: number;
      questions_locked_at?: number | null;
    },
    now: number,
  ) {
    await tx
      .insertInto('customer_method_locks')
      .values({
        tenant_id: tenantId,
        customer_id: customerId,
        push_cleared_at: set.push_cleared_at ?? null,
        questions_failures: set.questions_failures ?? 0,
        questions_locked_at: set.questions_locked_at ?? null,
        updated_at: now,
      })
      .onConflict((oc) => oc.columns(['tenant_id', 'customer_id']).doUpdateSet({ ...set, updated_at: now }))
      .execute();
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

    /** An admin clears the push lock: denials and fraud reports before now no longer count. */
    async clearPushLock(tenantId: string, customerId: string, actor: Actor): Promise<void> {
      const now = clock();
      await findCustomer(db, tenantId, customerId);
      await inTransaction(db, async (tx) => {
        await upsertLocks(tx, tenantId, customerId, { push_cleared_at: now }, now);
        await appendAudit(tx, {
          tenantId,
          actor,
          action: 'customer.push_lock_cleared',
          target: { type: 'customer', id: customerId },
          now,
        });
      });
    },

    /** An admin unlocks security questions after a lockout. */
    async unlockSecurityQuestions(tenantId: string, customerId: string, actor: Actor): Promise<void> {
      const now = clock();
      await findCustomer(db, tenantId, customerId);
      await inTransaction(db, async (tx) => {
        await upsertLocks(
          tx,
          tenantId,
          customerId,
          // Also forgets tries a stopped process reserved and never settled (storage/atomic/lockouts.ts).
          { questions_failures: 0, questions_in_flight: 0, questions_locked_at: null },
          now,
        );
        await appendAudit(tx, {
          tenantId,
          actor,
          action: 'customer.security_questions_unlocked',
          target: { type: 'customer', id: customerId },
          now,
        });
      });
    },
  };
}

export type CustomerMethodService = ReturnType<typeof createCustomerMethodService>;
