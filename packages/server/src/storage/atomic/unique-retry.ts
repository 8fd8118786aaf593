// Transactions run again when a unique index refuses a concurrent insert.
import { AppError } from '@helpdesk-auth/core';
import { runAfterCommit } from '../after-commit.ts';
import { readConstraintViolation } from '../constraint-violations.ts';
import { type Db, durable } from '../database.ts';

/**
 * Whether `error` is the database refusing a row because of the unique index `index` on
 * `table` (`columns` in index order). PostgreSQL names the index; SQLite names only the table and
 * columns (constraint-violations.ts reads both).
 */
export function violatesUniqueIndex(
  error: unknown,
  unique: { index: string; table: string; columns: readonly string[] },
): boolean {
  const violation = readConstraintViolation(error);
  if (violation?.kind !== 'unique') return false;
  if (violation.constraint !== undefined) return violation.constraint === unique.index;
  return (
    violation.table === unique.table &&
    violation.columns.length === unique.columns.length &&
    violation.columns.every((column, i) => column === unique.columns[i])
  );
}

/**
 * Runs `work` in a transaction and runs it again, from the start, when it loses a race on the
 * unique index `unique`: the work reads the state the index protects, acts on it and inserts;
 * a concurrent transaction that inserted first makes the insert wait for its commit and then
 * fail, and the next run reads what that transaction committed. Every failure means another
 * transaction committed, so the runs end; after `attempts` of them the caller gets 409 CONFLICT.
 * Inside an enclosing transaction the work runs once: the enclosing transaction is aborted and
 * its caller must decide.
 */
export async function inTransactionRetryingUnique<T>(
  db: Db,
  unique: { index: string; table: string; columns: readonly string[]; attempts?: number },
  work: (tx: Db) => Promise<T>,
): Promise<T> {
  if (db.isTransaction) return work(db);
  const attempts = unique.attempts ?? 16;
  for (let attempt = 1; ; attempt++) {
    try {
      let opened: Db | undefined;
      const result = await db.transaction().execute((tx) => {
        opened = tx;
        return work(tx);
      });
      await durable(db);
      await runAfterCommit(db, opened);
      return result;
    } catch (error) {
      if (!violatesUniqueIndex(error, unique)) throw error;
      if (attempt >= attempts) {
        throw new AppError('CONFLICT', 'Too many requests changed this at the same moment; try again.');
      }
    }
  }
}
