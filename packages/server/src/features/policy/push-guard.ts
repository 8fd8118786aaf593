// What the policy asks of the push flow: the push lock and the failure limit.
import { AppError, notFound, type PushAvailability, pushAvailability } from '@helpdesk-auth/core';
import type { Db } from '../../storage/database.ts';
import { prepared, type Slots } from '../../storage/prepared.ts';
import { statusLiteral } from '../../storage/status-literals.ts';
import { tooManyFailures } from './failures.ts';
import { type PolicyCache, policyInForce } from './policies.ts';

const hourMs = 3_600_000;

/**
 * What the policy asks of the push flow, as plain functions over the database, so the push
 * verification service can call them without depending on the fallback services.
 *
 * Denials are read from the push flow's verifications (status denied) and fraud reports from
 * customers.fraud_reported_at; wrong push codes are recorded in attempt_failures by the push flow
 * itself, like every other method's failures.
 */

interface Where {
  tenantId: string;
  customerId: string;
  now: number;
}

/**
 * The customer's facts for the push rules in one statement: the fraud flag, the admin's last
 * clear, the failures of the last hour, and one row per denial since `since` (or a single row with
 * a null `denied_at` when there is none), the customer's columns repeated on each.
 */
const factsQuery = prepared(
  (db, slot: Slots<{ tenantId: string; customerId: string; since: number; deniedSince: number }>) =>
    db
      .selectFrom('customers as c')
      .leftJoin('verifications as v', (join) =>
        join
          .onRef('v.tenant_id', '=', 'c.tenant_id')
          .onRef('v.customer_id', '=', 'c.id')
          .on('v.status', '=', statusLiteral.denied)
          .on('v.finished_at', '>', slot('deniedSince')),
      )
      .where('c.tenant_id', '=', slot('tenantId'))
      .where('c.id', '=', slot('customerId'))
      .select((eb) => [
        'c.fraud_reported_at',
        'v.finished_at as denied_at',
        eb
          .selectFrom('customer_method_locks as l')
          .select('l.push_cleared_at')
          .where('l.tenant_id', '=', slot('tenantId'))
          .where('l.customer_id', '=', slot('customerId'))
          .as('push_cleared_at'),
        eb
          .selectFrom('attempt_failures as f')
          .select((f) => f.fn.countAll<number>().as('n'))
          .where('f.tenant_id', '=', slot('tenantId'))
          .where('f.customer_id', '=', slot('customerId'))
          .where('f.occurred_at', '>', slot('since'))
          .as('failures'),
        eb
          .selectFrom('attempt_failures as f')
          .select((f) => f.fn.min<number>('f.occurred_at').as('oldest'))
          .where('f.tenant_id', '=', slot('tenantId'))
          .where('f.customer_id', '=', slot('customerId'))
          .where('f.occurred_at', '>', slot('since'))
          .as('oldest_failure'),
      ]),
);

/**
 * What the policy's push rules need, read once: the policy, whether push is locked, and the
 * customer's failures in the last hour. It runs on every push start. The policy comes first (from
 * the process's policy cache when given one, features/policy/policies.ts), since it sets the
 * window of denials; the fraud flag, the admin's last clear, the recent failures and the denials
 * then come in one statement.
 */
async function pushGuardFacts(db: Db, where: Where, policies?: PolicyCache) {
  const { tenantId, customerId, now } = where;
  const policy = await policyInForce(db, tenantId, policies);
  const rows = await factsQuery.all(db, {
    tenantId,
    customerId,
    since: now - hourMs,
    deniedSince: now - policy.push.denialWindowHours * hourMs,
  });
  const row = rows[0];
  if (!row) throw notFound('Customer');
  const clearedAt =
    row.push_cleared_at === null || row.push_cleared_at === undefined ? null : Number(row.push_cleared_at);
  // pushAvailability applies the admin's clear and the upper bound (now) itself.
  const denialTimes = rows.flatMap((r) => (r.denied_at === null ? [] : [Number(r.denied_at)]));
  const availability = pushAvailability(
    {
      fraudReportedAt: row.fraud_reported_at === null ? null : Number(row.fraud_reported_at),
      denialTimes,
      clearedAt,
    },
    policy,
    now,
  );
  const recent = {
    count: Number(row.failures ?? 0),
    oldestAt:
      row.oldest_failure === null || row.oldest_failure === undefined ? null : Number(row.oldest_failure),
  };
  return { policy, availability, recent };
}

/** Whether push may be used for the customer now; the reason when not. */
export async function pushAvailabilityFor(db: Db, where: Where): Promise<PushAvailability> {
  return (await pushGuardFacts(db, where)).availability;
}

/**
 * Call before starting a push verification (with the process's policy cache, `policyCache`). Refuses with METHOD_UNAVAILABLE (details.reason
 * PUSH_LOCKED_DENIALS or PUSH_LOCKED_FRAUD) while push is locked for the customer, and with
 * TOO_MANY_FAILURES (Retry-After) at the hourly failure limit across methods.
 */
export async function assertPushAllowed(db: Db, where: Where, policies?: PolicyCache): Promise<void> {
  const { policy, availability, recent } = await pushGuardFacts(db, where, policies);
  if (!availability.available) {
    throw new AppError('METHOD_UNAVAILABLE', availability.reason.message, {
      details: { reason: availability.reason.code },
    });
  }
  if (recent.count >= policy.failuresPerHour)
    throw tooManyFailures(recent, policy.failuresPerHour, where.now);
}

/**
 * Refuses with TOO_MANY_FAILURES while the customer is at the policy's hourly failure limit
 * across methods.
 */
export async function assertWithinFailureLimit(db: Db, where: Where): Promise<void> {
  const { policy, recent } = await pushGuardFacts(db, where);
  if (recent.count >= policy.failuresPerHour)
    throw tooManyFailures(recent, policy.failuresPerHour, where.now);
}
