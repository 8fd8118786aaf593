// Compare-and-set and the other conditional writes.
import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../database.ts';
import type { Schema } from '../schema.ts';

type Value = string | number | null;
type Columns<T extends keyof Schema> = Partial<Record<keyof Schema[T] & string, Value>>;

/** `column = value`, or `column is null` for a null: SQL's `= null` is never true. */
function holds(column: string, value: Value): RawBuilder<unknown> {
  return value === null ? sql`${sql.ref(column)} is null` : sql`${sql.ref(column)} = ${value}`;
}

/**
 * Compare-and-set on one row: sets `set` only while every column of `expect` still has the
 * value it was read with (a null expects `is null`), in one conditional UPDATE. Of any number
 * of concurrent callers expecting the same values, exactly one moves the row; the others get
 * false and must read again. `where` names the row (its id, and its tenant where it has one).
 * Used for a code's tries, a challenge's single use and resends, a TOTP enrollment's last
 * accepted step, a CIBA request's redemption, a webhook endpoint's cursor and the settling of a
 * leased delivery.
 */
export async function compareAndSet<T extends keyof Schema & string>(
  db: Db,
  table: T,
  change: { where: Columns<T>; expect: Columns<T>; set: Columns<T> },
): Promise<boolean> {
  const assignments = Object.entries(change.set).map(
    ([column, value]) => sql`${sql.ref(column)} = ${value as Value}`,
  );
  const conditions = [...Object.entries(change.where), ...Object.entries(change.expect)].map(
    ([column, value]) => holds(column, value as Value),
  );
  if (assignments.length === 0 || conditions.length === 0) {
    throw new Error('compareAndSet needs columns to set and a row to set them on.');
  }
  const result = await sql`update ${sql.table(table)} set ${sql.join(assignments)}
    where ${sql.join(conditions, sql` and `)}`.execute(db);
  return Number(result.numAffectedRows ?? 0) === 1;
}

/**
 * Takes an interval slot on a row: sets `column` to `now` only when it is null or at least
 * `intervalMs` old, in one conditional UPDATE. Of concurrent callers at one moment, exactly one
 * is on time (CIBA polling, `last_polled_at`: CIBA Core 1.0 section 7.3, RFC 8628 section 3.5).
 */
export async function takeIntervalSlot<T extends keyof Schema & string>(
  db: Db,
  table: T,
  where: Columns<T>,
  slot: { column: keyof Schema[T] & string; now: number; intervalMs: number },
): Promise<boolean> {
  const conditions = Object.entries(where).map(([column, value]) => holds(column, value as Value));
  const column = sql.ref(slot.column);
  const result = await sql`update ${sql.table(table)} set ${column} = ${slot.now}
    where ${sql.join(conditions, sql` and `)}
    and (${column} is null or ${column} <= ${slot.now - slot.intervalMs})`.execute(db);
  return Number(result.numAffectedRows ?? 0) === 1;
}

/**
 * Leases a pending webhook delivery that is due: sets the owner and `lease_until` only while
 * the delivery is pending, due and not leased (or its lease lapsed), in one conditional UPDATE.
 * Of concurrent claimants exactly one gets the row; a process that dies leaves a lease that
 * lapses. Settling the attempt is a `compareAndSet` expecting the owner and the attempts read.
 */
export async function leaseDelivery(
  db: Db,
  where: { id: string; owner: string; now: number; leaseMs: number },
) {
  return db
    .updateTable('webhook_deliveries')
    .set({ lease_owner: where.owner, lease_until: where.now + where.leaseMs })
    .where('id', '=', where.id)
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', where.now)
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', where.now)]))
    .returningAll()
    .executeTakeFirst();
}
