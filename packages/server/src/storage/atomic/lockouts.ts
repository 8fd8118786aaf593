// Lockouts that count consecutive failures, with tries reserved before they are checked.
import { sql } from 'kysely';
import type { Db } from '../database.ts';

/**
 * A lockout that counts consecutive failures up to a cap (security questions: `maxFailures`
 * in the policy). Each check reserves its try before it is evaluated, so parallel checks can
 * never evaluate more guesses than the cap, and none is evaluated once the method is locked.
 * Settled failures and reservations in flight are two counters of one row
 * (customer_method_locks): a reservation is granted only while
 * `failures + in flight < cap` and the method is not locked, by one conditional upsert.
 * A process that stops between reserving and settling leaves its try counted (the safe side);
 * an admin's unlock clears the tries in flight with the failures.
 */

export type QuestionReservation =
  | { reserved: true }
  | { reserved: false; locked: boolean; failures: number; inFlight: number };

/**
 * Reserves one security-question check for the customer: increments `questions_in_flight`
 * only while the method is unlocked and settled failures plus checks in flight stay under
 * `cap`. Of any number of concurrent callers, at most `cap - failures` are granted.
 */
export async function reserveQuestionCheck(
  db: Db,
  where: { tenantId: string; customerId: string; cap: number; now: number },
): Promise<QuestionReservation> {
  const { tenantId, customerId, cap, now } = where;
  const granted =
    cap > 0
      ? await db
          .insertInto('customer_method_locks')
          .values({
            tenant_id: tenantId,
            customer_id: customerId,
            push_cleared_at: null,
            questions_failures: 0,
            questions_in_flight: 1,
            questions_locked_at: null,
            updated_at: now,
          })
          .onConflict((oc) =>
            oc
              .columns(['tenant_id', 'customer_id'])
              .doUpdateSet({
                questions_in_flight: sql<number>`customer_method_locks.questions_in_flight + 1`,
                updated_at: now,
              })
              .where('customer_method_locks.questions_locked_at', 'is', null)
              .where(
                sql<number>`customer_method_locks.questions_failures + customer_method_locks.questions_in_flight`,
                '<',
                cap,
              ),
          )
          .returning('questions_in_flight')
          .executeTakeFirst()
      : undefined;
  if (granted) return { reserved: true };
  const row = await db
    .selectFrom('customer_method_locks')
    .select(['questions_failures', 'questions_in_flight', 'questions_locked_at'])
    .where('tenant_id', '=', tenantId)
    .where('customer_id', '=', customerId)
    .executeTakeFirst();
  return {
    reserved: false,
    locked: row?.questions_locked_at !== null && row?.questions_locked_at !== undefined,
    failures: row?.questions_failures ?? 0,
    inFlight: row?.questions_in_flight ?? 0,
  };
}

/**
 * Settles a reservation as a failure: the try moves from in flight to the settled failures, and
 * the method locks when they reach `cap`, in one statement. Returns the settled failures.
 */
export async function settleQuestionFailure(
  db: Db,
  where: { tenantId: string; customerId: string; cap: number; now: number },
): Promise<{ failures: number; locked: boolean }> {
  const { tenantId, customerId, cap, now } = where;
  const row = await db
    .updateTable('customer_method_locks')
    .set((eb) => ({
      questions_in_flight: sql<number>`case when questions_in_flight > 0 then questions_in_flight - 1 else 0 end`,
      questions_failures: eb('questions_failures', '+', 1),
      questions_locked_at: eb
        .case()
        .when(eb('questions_failures', '+', 1), '>=', cap)
        .then(eb.fn.coalesce('questions_locked_at', eb.val(now)))
        .else(eb.ref('questions_locked_at'))
        .end(),
      updated_at: now,
    }))
    .where('tenant_id', '=', tenantId)
    .where('customer_id', '=', customerId)
    .returning(['questions_failures', 'questions_locked_at'])
    .executeTakeFirstOrThrow();
  return { failures: row.questions_failures, locked: row.questions_locked_at !== null };
}

/**
 * Settles a reservation as a pass: gives the try back and clears the settled failures (they
 * count consecutive failures), while other checks' reservations stay counted. A pass cannot
 * meet a lock: while this check is in flight, settled failures stay below the cap.
 */
export async function settleQuestionPass(
  db: Db,
  where: { tenantId: string; customerId: string; now: number },
): Promise<void> {
  await db
    .updateTable('customer_method_locks')
    .set({
      questions_in_flight: sql<number>`case when questions_in_flight > 0 then questions_in_flight - 1 else 0 end`,
      questions_failures: sql<number>`case when questions_locked_at is null then 0 else questions_failures end`,
      updated_at: where.now,
    })
    .where('tenant_id', '=', where.tenantId)
    .where('customer_id', '=', where.customerId)
    .execute();
}

/**
 * Gives a reservation back without a verdict (the check could not be evaluated, e.g. the
 * hourly failure limit refused it): neither a failure nor a pass.
 */
export async function releaseQuestionCheck(
  db: Db,
  where: { tenantId: string; customerId: string; now: number },
): Promise<void> {
  await db
    .updateTable('customer_method_locks')
    .set({
      questions_in_flight: sql<number>`case when questions_in_flight > 0 then questions_in_flight - 1 else 0 end`,
      updated_at: where.now,
    })
    .where('tenant_id', '=', where.tenantId)
    .where('customer_id', '=', where.customerId)
    .execute();
}
