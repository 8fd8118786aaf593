// Atomic primitives: each a single conditional statement, so it holds under concurrency on both
// databases.
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { runAfterCommit } from './after-commit.ts';
import { type Db, durable } from './database.ts';
import { prepared, type Slots } from './prepared.ts';
import type { OneTimeTokenRow } from './schema.ts';

/**
 * The atomic primitives the product relies on, each a single conditional statement so that it
 * holds under concurrency on SQLite and PostgreSQL alike. The storage conformance suite
 * (atomic.conformance.test.ts) proves each one on both databases.
 */

/**
 * Runs `work` in a transaction, or inside the caller's transaction when there already is one.
 * Returns only once the transaction is durable (SQLite commits in groups), so whatever the
 * caller does next (answer, publish a live event) never reports an uncommitted change. Work
 * the transaction asked to follow its commit (`afterCommit`) has run by then too.
 */
export async function inTransaction<T>(db: Db, work: (tx: Db) => Promise<T>): Promise<T> {
  if (db.isTransaction) return work(db);
  let opened: Db | undefined;
  const result = await db.transaction().execute((tx) => {
    opened = tx;
    return work(tx);
  });
  await durable(db);
  await runAfterCommit(db, opened);
  return result;
}

export interface RateLimitHit {
  allowed: boolean;
  count: number;
  resetAt: number;
}

const hitQuery = prepared((db, slot: Slots<{ key: string; now: number; resetAt: number; limit: number }>) =>
  db
    .insertInto('rate_limits')
    .values({ key: slot('key'), count: 1, reset_at: slot('resetAt') })
    .onConflict((oc) =>
      oc
        .column('key')
        .doUpdateSet({
          count: sql<number>`case when rate_limits.reset_at <= ${slot('now')} then 1 else rate_limits.count + 1 end`,
          reset_at: sql<number>`case when rate_limits.reset_at <= ${slot('now')} then ${slot('resetAt')} else rate_limits.reset_at end`,
        })
        .where((eb) =>
          eb.or([eb('rate_limits.reset_at', '<=', slot('now')), eb('rate_limits.count', '<', slot('limit'))]),
        ),
    )
    .returning(['count', 'reset_at']),
);

/**
 * The key as stored: rate-limit and claim keys are varchar(300), and some carry caller input (an
 * e-mail address, a proof's jti), so a longer key is stored as its SHA-256 instead of failing on
 * PostgreSQL. Distinct keys stay distinct.
 */
function storedKey(key: string): string {
  return key.length <= 256 ? key : `sha256:${createHash('sha256').update(key).digest('base64url')}`;
}

/**
 * Counts one hit against `key` in a fixed window and allows it only while the count stays at
 * or under `limit`. The increment happens only while the guard holds, so concurrent callers can
 * never push the count past the limit.
 */
export async function hitRateLimit(
  db: Db,
  key: string,
  options: { limit: number; windowMs: number; now: number },
): Promise<RateLimitHit> {
  const { limit, windowMs, now } = options;
  key = storedKey(key);
  const row = await hitQuery.first(db, { key, now, resetAt: now + windowMs, limit });
  if (row) return { allowed: true, count: row.count, resetAt: row.reset_at };
  const current = await db
    .selectFrom('rate_limits')
    .select(['count', 'reset_at'])
    .where('key', '=', key)
    .executeTakeFirst();
  return { allowed: false, count: current?.count ?? limit, resetAt: current?.reset_at ?? now + windowMs };
}

const takeQuery = prepared(
  (db, slot: Slots<{ key: string; now: number; resetAt: number; limit: number; slots: number }>) =>
    db
      .insertInto('rate_limits')
      .values({ key: slot('key'), count: slot('slots'), reset_at: slot('resetAt') })
      .onConflict((oc) =>
        oc
          .column('key')
          .doUpdateSet({
            count: sql<number>`case when rate_limits.reset_at <= ${slot('now')} then ${slot('slots')} else rate_limits.count + ${slot('slots')} end`,
            reset_at: sql<number>`case when rate_limits.reset_at <= ${slot('now')} then ${slot('resetAt')} else rate_limits.reset_at end`,
          })
          .where((eb) =>
            eb.or([
              eb('rate_limits.reset_at', '<=', slot('now')),
              eb(eb('rate_limits.count', '+', slot('slots')), '<=', slot('limit')),
            ]),
          ),
      )
      .returning(['count', 'reset_at']),
);

export interface RateLimitSlots {
  /** How many of the slots asked for were taken (0 when the window is full). */
  granted: number;
  count: number;
  resetAt: number;
}

/**
 * Takes up to `slots` hits against `key` at once, in the same fixed window as `hitRateLimit`:
 * what one statement per message would have done for a batch, in one statement while the window
 * has room for all of them. Each attempt is all or nothing, guarded in the statement itself
 * (`count + slots <= limit`), so concurrent callers can never push the count past the limit;
 * when the window has room for fewer, the caller gets what is left (read, then taken with the
 * same guard), and none once it is full.
 */
export async function takeRateLimitSlots(
  db: Db,
  key: string,
  options: { slots: number; limit: number; windowMs: number; now: number },
): Promise<RateLimitSlots> {
  const { limit, windowMs, now } = options;
  key = storedKey(key);
  let want = Math.min(Math.floor(options.slots), limit);
  let current: { count: number; reset_at: number } | undefined;
  // A round that takes nothing saw other callers take slots meanwhile (the count only grows within
  // a window), so the rounds end soon; the bound is a guard, not a limit reached in practice.
  for (let attempt = 0; attempt < 20 && want > 0; attempt++) {
    const row = await takeQuery.first(db, { key, now, resetAt: now + windowMs, limit, slots: want });
    if (row) return { granted: want, count: row.count, resetAt: row.reset_at };
    current = await db
      .selectFrom('rate_limits')
      .select(['count', 'reset_at'])
      .where('key', '=', key)
      .executeTakeFirst();
    if (current && current.reset_at > now) want = Math.min(want, limit - current.count);
  }
  return {
    granted: 0,
    count: current?.count ?? limit,
    resetAt: current && current.reset_at > now ? current.reset_at : now + windowMs,
  };
}

export async function resetRateLimit(db: Db, key: string): Promise<void> {
  await db.deleteFrom('rate_limits').where('key', '=', storedKey(key)).execute();
}

const claimQuery = prepared((db, slot: Slots<{ key: string; expiresAt: number; now: number }>) =>
  db
    .insertInto('claims')
    .values({ key: slot('key'), expires_at: slot('expiresAt') })
    .onConflict((oc) =>
      oc
        .column('key')
        .doUpdateSet({ expires_at: slot('expiresAt') })
        .where('claims.expires_at', '<=', slot('now')),
    )
    .returning('key'),
);

/**
 * Claims `key` until `expiresAt`. Exactly one caller gets `true` while the claim lives; a
 * lapsed claim can be taken again. Used as a replay cache (proof ids, one-time codes).
 */
export async function claimOnce(
  db: Db,
  key: string,
  options: { expiresAt: number; now: number },
): Promise<boolean> {
  return (await claimQuery.first(db, { key: storedKey(key), ...options })) !== undefined;
}

type StatefulTable = 'operators' | 'devices';

/**
 * Moves a row's `status` from one of `from` to `to`, with optional extra columns set in the
 * same statement. Returns false when the row is not in an expected state (someone else moved
 * it first) or does not belong to the tenant.
 */
export async function compareAndSetStatus(
  db: Db,
  table: StatefulTable,
  where: { tenantId: string; id: string },
  transition: { from: readonly string[]; to: string; set?: Record<string, string | number | null> },
): Promise<boolean> {
  const assignments = [
    sql`status = ${transition.to}`,
    ...Object.entries(transition.set ?? {}).map(([column, value]) => sql`${sql.ref(column)} = ${value}`),
  ];
  const result = await sql`update ${sql.table(table)} set ${sql.join(assignments)}
    where tenant_id = ${where.tenantId} and id = ${where.id}
    and status in (${sql.join(transition.from.map((s) => sql`${s}`))})`.execute(db);
  return Number(result.numAffectedRows ?? 0) === 1;
}

/**
 * Consumes a live one-time token exactly once: the one statement that succeeds sets
 * `consumed_at`; every other caller, and any call after expiry or after the attempts ran out,
 * gets nothing.
 */
export async function consumeOneTimeToken(
  db: Db,
  where: { purpose: string; secretHash: string; now: number },
): Promise<OneTimeTokenRow | undefined> {
  return db
    .updateTable('one_time_tokens')
    .set({ consumed_at: where.now })
    .where('purpose', '=', where.purpose)
    .where('secret_hash', '=', where.secretHash)
    .where('consumed_at', 'is', null)
    .where('expires_at', '>', where.now)
    .where((eb) => eb('attempts', '<', eb.ref('max_attempts')))
    .returningAll()
    .executeTakeFirst();
}

/**
 * Serialises transactions that check a tenant-wide rule before writing (such as "at least one
 * admin stays"): the no-op update takes the tenant's audit-head row lock in PostgreSQL until
 * commit (the tenant's audit sealing waits for it meanwhile, platform/audit-log.ts; such rules are
 * rare changes). SQLite runs one write transaction at a time already.
 */
export async function lockTenant(tx: Db, tenantId: string): Promise<void> {
  await tx
    .updateTable('audit_heads')
    .set((eb) => ({ seq: eb.ref('seq') }))
    .where('tenant_id', '=', tenantId)
    .execute();
}

/**
 * Gives back one hit reserved with `hitRateLimit`, for limits that count failures only: reserve
 * before checking (so parallel guesses cannot exceed the cap), give back on success.
 */
export async function releaseRateLimit(db: Db, key: string): Promise<void> {
  await db
    .updateTable('rate_limits')
    .set((eb) => ({ count: eb('count', '-', 1) }))
    .where('key', '=', storedKey(key))
    .where('count', '>', 0)
    .execute();
}

export { compareAndSet, leaseDelivery, takeIntervalSlot } from './atomic/conditional.ts';
export {
  type QuestionReservation,
  releaseQuestionCheck,
  reserveQuestionCheck,
  settleQuestionFailure,
  settleQuestionPass,
} from './atomic/lockouts.ts';
export { inTransactionRetryingUnique, violatesUniqueIndex } from './atomic/unique-retry.ts';
