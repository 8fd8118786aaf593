// Work that follows a transaction's commit: run by inTransaction once the transaction is durable.
import type { Db } from './database.ts';

type AfterCommit = (db: Db) => Promise<unknown>;

const pending = new WeakMap<Db, AfterCommit[]>();

/**
 * Asks for `work` to run once the transaction `tx` has committed and is durable, before the
 * `inTransaction` that opened it returns; it is given the database the transaction ran on. Work
 * of a transaction that rolls back never runs. A failure of the work does not fail the committed
 * transaction's caller: what it was for must be done again by something else (the audit log's
 * sequencer sweeps what its after-commit sealing missed). A transaction not opened through
 * `inTransaction` runs none of it.
 */
export function afterCommit(tx: Db, work: AfterCommit): void {
  if (!tx.isTransaction) throw new Error('afterCommit needs a transaction.');
  const list = pending.get(tx);
  if (list) list.push(work);
  else pending.set(tx, [work]);
}

/** Runs what the committed transaction `tx` asked for; called by the transaction helpers. */
export async function runAfterCommit(db: Db, tx: Db | undefined): Promise<void> {
  if (!tx) return;
  const list = pending.get(tx);
  if (!list) return;
  pending.delete(tx);
  await Promise.all(list.map((work) => work(db).catch(() => undefined)));
}
