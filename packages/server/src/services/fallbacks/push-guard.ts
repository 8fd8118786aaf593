import {
  AppError,
  type FallbackPolicy,
  notFound,
  type PushAvailability,
  pushAvailability,
} from '@helpdesk-auth/core';
import type { Db } from '../../storage/database.ts';
import { findCustomer, loadPushLockFacts } from './customer-methods.ts';
import { countRecentFailures, tooManyFailures } from './failures.ts';
import { policyFromDocument, policyInForce } from './policies.ts';

const hourMs = 3_600_000;

/**
 * What the policy asks of the push flow, as plain functions over the database, so the push
 * verification service can call them without depending on the fallback services.
 *
 * Denials are read from the push flow's verifications (status denied) and fraud reports from
 * customers.fraud_reported_at; wrong push codes are recorded in attempt_failures by the push flow
 * itself, like every other method's failures.
 */

/** Whether push may be used for the customer now; the reason when not. */
export async function pushAvailabilityFor(
  db: Db,
  where: { tenantId: string; customerId: string; now: number },
  policy?: Readonly<FallbackPolicy>,
): Promise<PushAvailability> {
  const customer = await findCustomer(db, where.tenantId, where.customerId);
  const rules = policy ?? (await policyInForce(db, where.tenantId));
  return pushAvailability(await loadPushLockFacts(db, customer, rules, where.now), rules, where.now);
}

/**
 * Call before starting a push verification. Refuses with METHOD_UNAVAILABLE (details.reason
 * PUSH_LOCKED_DENIALS or PUSH_LOCKED_FRAUD) while push is locked for the customer, and with
 * TOO_MANY_FAILURES (Retry-After) at the hourly failure limit across methods. It runs on every
 * push start, so the policy, the fraud flag, the admin's last clear and the recent failures come
 * in one statement; recent denials, whose window the policy sets, in a second.
 */
export async function assertPushAllowed(
  db: Db,
  where: { tenantId: string; customerId: string; now: number },
): Promise<void> {
  const { tenantId, customerId, now } = where;
  const row = await db
    .selectFrom('customers as c')
    .where('c.tenant_id', '=', tenantId)
    .where('c.id', '=', customerId)
    .select((eb) => [
      'c.fraud_reported_at',
      eb
        .selectFrom('fallback_policies as p')
        .select('p.document')
        .where('p.tenant_id', '=', tenantId)
        .orderBy('p.version', 'desc')
        .limit(1)
        .as('policy_document'),
      eb
        .selectFrom('customer_method_locks as l')
        .select('l.push_cleared_at')
        .where('l.tenant_id', '=', tenantId)
        .where('l.customer_id', '=', customerId)
        .as('push_cleared_at'),
      eb
        .selectFrom('attempt_failures as f')
        .select((f) => f.fn.countAll<number>().as('n'))
        .where('f.tenant_id', '=', tenantId)
        .where('f.customer_id', '=', customerId)
        .where('f.occurred_at', '>', now - hourMs)
        .as('failures'),
      eb
        .selectFrom('attempt_failures as f')
        .select((f) => f.fn.min<number>('f.occurred_at').as('oldest'))
        .where('f.tenant_id', '=', tenantId)
        .where('f.customer_id', '=', customerId)
        .where('f.occurred_at', '>', now - hourMs)
        .as('oldest_failure'),
    ])
    .executeTakeFirst();
  if (!row) throw notFound('Customer');
  const policy = policyFromDocument(row.policy_document ?? null);
  const clearedAt =
    row.push_cleared_at === null || row.push_cleared_at === undefined ? null : Number(row.push_cleared_at);
  const since = Math.max(now - policy.push.denialWindowHours * hourMs, clearedAt ?? Number.NEGATIVE_INFINITY);
  const denials = await db
    .selectFrom('verifications')
    .select('finished_at')
    .where('tenant_id', '=', tenantId)
    .where('customer_id', '=', customerId)
    .where('status', '=', 'denied')
    .where('finished_at', '>', Number.isFinite(since) ? since : 0)
    .execute();
  const availability = pushAvailability(
    {
      fraudReportedAt: row.fraud_reported_at === null ? null : Number(row.fraud_reported_at),
      denialTimes: denials.map((d) => Number(d.finished_at)),
      clearedAt,
    },
    policy,
    now,
  );
  if (!availability.available) {
    throw new AppError('METHOD_UNAVAILABLE', availability.reason.message, {
      details: { reason: availability.reason.code },
    });
  }
  const recent = {
    count: Number(row.failures ?? 0),
    oldestAt:
      row.oldest_failure === null || row.oldest_failure === undefined ? null : Number(row.oldest_failure),
  };
  if (recent.count >= policy.failuresPerHour) throw tooManyFailures(recent, policy.failuresPerHour, now);
}

/**
 * Call before checking the code of an approval (or before starting): refuses with
 * TOO_MANY_FAILURES while the customer is at the policy's hourly failure limit across methods.
 */
export async function assertWithinFailureLimit(
  db: Db,
  where: { tenantId: string; customerId: string; now: number },
  known?: Readonly<FallbackPolicy>,
): Promise<void> {
  const policy = known ?? (await policyInForce(db, where.tenantId));
  const recent = await countRecentFailures(db, where);
  if (recent.count >= policy.failuresPerHour)
    throw tooManyFailures(recent, policy.failuresPerHour, where.now);
}
