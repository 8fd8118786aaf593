import { AppError, type PushAvailability, pushAvailability } from '@helpdesk-auth/core';
import type { Db } from '../../storage/database.ts';
import { findCustomer, loadPushLockFacts } from './customer-methods.ts';
import { countRecentFailures, tooManyFailures } from './failures.ts';
import { loadPolicy } from './policies.ts';

/**
 * What the policy asks of the push flow, as plain functions over the database, so the push
 * verification service can call them without depending on the fallback services.
 *
 * The push flow needs to record nothing for these rules: denials are read from its
 * verifications (status denied), fraud reports from customers.fraud_reported_at, and wrong codes
 * from its verification_events (wrong_code, and failed for the last one).
 */

/** Whether push may be used for the customer now; the reason when not. */
export async function pushAvailabilityFor(
  db: Db,
  where: { tenantId: string; customerId: string; now: number },
): Promise<PushAvailability> {
  const customer = await findCustomer(db, where.tenantId, where.customerId);
  const { policy } = await loadPolicy(db, where.tenantId);
  return pushAvailability(await loadPushLockFacts(db, customer, policy, where.now), policy, where.now);
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
  const availability = await pushAvailabilityFor(db, where);
  if (!availability.available) {
    throw new AppError('METHOD_UNAVAILABLE', availability.reason.message, {
      details: { reason: availability.reason.code },
    });
  }
  await assertWithinFailureLimit(db, where);
}

/**
 * Call before checking the code of an approval (or before starting): refuses with
 * TOO_MANY_FAILURES while the customer is at the policy's hourly failure limit across methods.
 */
export async function assertWithinFailureLimit(
  db: Db,
  where: { tenantId: string; customerId: string; now: number },
): Promise<void> {
  const { policy } = await loadPolicy(db, where.tenantId);
  const recent = await countRecentFailures(db, where);
  if (recent.count >= policy.failuresPerHour)
    throw tooManyFailures(recent, policy.failuresPerHour, where.now);
}
