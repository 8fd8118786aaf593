// Failed attempts per customer across every method, and the hourly limit on them.
import { AppError, newId, type VerificationMethod } from '@helpdesk-auth/core';
import type { Db } from '../../storage/database.ts';

const hourMs = 3_600_000;

export interface RecentFailures {
  count: number;
  /** When the oldest failure in the window happened; the count drops an hour after it. */
  oldestAt: number | null;
}

/**
 * Failed attempts of one customer in the hour before `now`, across every method: each method,
 * the push flow included (a wrong typed code), records its failures in attempt_failures, so
 * DESIGN section 5's "at most 100 failed attempts per customer per hour across all methods" is
 * one indexed count. A sliding hour, not a fixed window, so 100 failures just before a boundary
 * and 100 just after cannot both pass.
 */
export async function countRecentFailures(
  db: Db,
  where: { tenantId: string; customerId: string; now: number; method?: VerificationMethod },
): Promise<RecentFailures> {
  let query = db
    .selectFrom('attempt_failures')
    .select((eb) => [eb.fn.countAll<number>().as('count'), eb.fn.min<number>('occurred_at').as('oldest')])
    .where('tenant_id', '=', where.tenantId)
    .where('customer_id', '=', where.customerId)
    .where('occurred_at', '>', where.now - hourMs);
  // One method's failures only, for a method with its own cap (app codes).
  if (where.method !== undefined) query = query.where('method', '=', where.method);
  const row = await query.executeTakeFirst();
  return {
    count: Number(row?.count ?? 0),
    oldestAt: row?.oldest === null || row?.oldest === undefined ? null : Number(row.oldest),
  };
}

/** Records one failed attempt (a wrong code, failed answers, a refused replay). */
export async function recordFailedAttempt(
  db: Db,
  failure: { tenantId: string; customerId: string; method: VerificationMethod; now: number },
): Promise<string> {
  const id = newId('attemptFailure', failure.now);
  await db
    .insertInto('attempt_failures')
    .values({
      id,
      tenant_id: failure.tenantId,
      customer_id: failure.customerId,
      method: failure.method,
      occurred_at: failure.now,
    })
    .execute();
  return id;
}

export function tooManyFailures(recent: RecentFailures, limit: number, now: number): AppError {
  const until = recent.oldestAt === null ? now + hourMs : recent.oldestAt + hourMs;
  return new AppError(
    'TOO_MANY_FAILURES',
    `Too many failed attempts for this customer in the last hour (limit ${limit}); try again later.`,
    { retryAfterSeconds: Math.max(1, Math.ceil((until - now) / 1000)) },
  );
}

export interface AttemptReservation {
  /** The attempt succeeded: it does not count as a failure. */
  succeeded(): Promise<void>;
}

/**
 * Reserve before checking a code, so parallel guesses cannot slip past the limit: the failure is
 * written first, the count taken after; over the limit, the reservation is withdrawn and the
 * attempt refused. A correct answer withdraws it (`succeeded`); a wrong one leaves it standing.
 * Each reservation is its own committed statement, so concurrent callers see each other's.
 */
export async function reserveAttempt(
  db: Db,
  attempt: {
    tenantId: string;
    customerId: string;
    method: VerificationMethod;
    now: number;
    limit: number;
    /** A cap on this method's own failures in the hour, checked the same way (app codes). */
    methodLimit?: number;
  },
): Promise<AttemptReservation> {
  const { tenantId, customerId, method, now, limit, methodLimit } = attempt;
  const id = await recordFailedAttempt(db, { tenantId, customerId, method, now });
  const recent = await countRecentFailures(db, { tenantId, customerId, now });
  if (recent.count > limit) {
    await db.deleteFrom('attempt_failures').where('id', '=', id).execute();
    throw tooManyFailures(recent, limit, now);
  }
  if (methodLimit !== undefined) {
    const own = await countRecentFailures(db, { tenantId, customerId, now, method });
    if (own.count > methodLimit) {
      await db.deleteFrom('attempt_failures').where('id', '=', id).execute();
      throw tooManyFailures(own, methodLimit, now);
    }
  }
  return {
    async succeeded() {
      await db.deleteFrom('attempt_failures').where('id', '=', id).execute();
    },
  };
}
