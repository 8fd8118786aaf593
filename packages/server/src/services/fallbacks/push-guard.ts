import { AppError, type FallbackPolicy, type PushAvailability, pushAvailability } from '@helpdesk-auth/core';
import type { Db } from '../../storage/database.ts';
import { findCustomer, loadPushLockFacts } from './customer-methods.ts';
import { countRecentFailures, tooManyFailures } from './failures.ts';
import { policyInForce } from './policies.ts';

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
 * TOO_MANY_FAILURES (Retry-After) at the hourly failure limit across methods.
 */
export async function assertPushAllowed(
  db: Db,
  where: { tenantId: string; customerId: string; now: number },
): Promise<void> {
  const policy = await policyInForce(db, where.tenantId);
  const availability = await pushAvailabilityFor(db, where, policy);
  if (!availability.available) {
    throw new AppError('METHOD_UNAVAILABLE', availability.reason.message, {
      details: { reason: availability.reason.code },
    });
  }
  await assertWithinFailureLimit(db, where, policy);
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
