/**
 * Preloaded into the benchmark's server (`node --import`) on every run: counts every SQL
 * statement the server sends, by SQL text, and the transactions they run in, on SQLite
 * (node:sqlite) and on PostgreSQL (`pg`), and writes the totals to BENCH_SQL_TIMES_FILE as JSON
 * when the process exits. With BENCH_SQL_TIMING=1 it also times each statement. An odd SIGUSR2
 * starts the count afresh, the next stops it and writes what it counted to
 * `BENCH_SQL_TIMES_FILE.<n>` (n = 1 for the first count, 2 for the second…): the benchmark counts
 * its measured window, then a few flows run one at a time.
 *
 * What is timed: on SQLite, node:sqlite's own call, so the database's work and the binding of
 * values, not Kysely's; on PostgreSQL, from handing the query to `pg` until its answer, so the
 * round trip, the wait for the connection's earlier queries and PostgreSQL's work.
 *
 * Transactions, as the database sees them:
 * - PostgreSQL: each `begin`, plus each statement sent outside one (autocommit: a transaction of
 *   its own). Pool checkouts (`pool.connect`) are counted too.
 * - SQLite: each unit of work Kysely runs as a transaction (a `SAVEPOINT unit` inside the commit
 *   group, node-sqlite-dialect.ts), and separately the commits, each of which ends a group of
 *   them together with the writes made outside any.
 */
import { writeFileSync } from 'node:fs';
import { DatabaseSync, StatementSync } from 'node:sqlite';
import pg from 'pg';

export interface SqlTime {
  sql: string;
  count: number;
  /** Zero unless timed (BENCH_SQL_TIMING=1). */
  totalMs: number;
}

export interface SqlCounts {
  statements: SqlTime[];
  /** Transactions as defined above. */
  transactions: number;
  /** SQLite: commits (each ends a group). */
  commits: number;
  /** PostgreSQL: connections taken from the pool. */
  checkouts: number;
  timed: boolean;
}

const file = process.env.BENCH_SQL_TIMES_FILE;
const timing = process.env.BENCH_SQL_TIMING === '1';
if (file) {
  let times = new Map<string, { count: number; ns: bigint }>();
  let transactions = 0;
  let commits = 0;
  let checkouts = 0;
  /** Off between an even SIGUSR2 and the next odd one. */
  let counting = true;
  let signals = 0;
  const entryOf = (sql: string) => {
    let entry = times.get(sql);
    if (!entry) {
      entry = { count: 0, ns: 0n };
      times.set(sql, entry);
    }
    return entry;
  };
  const record = (sql: string, started: bigint) => {
    if (!counting) return;
    const entry = entryOf(sql);
    entry.count++;
    if (timing) entry.ns += process.hrtime.bigint() - started;
  };
  const noteSqlite = (sql: string) => {
    if (!counting) return;
    if (sql === 'SAVEPOINT unit') transactions++;
    else if (sql === 'COMMIT') commits++;
  };
  const timed = <T extends object>(
    prototype: T,
    method: keyof T & string,
    sqlOf: (self: T, args: unknown[]) => string,
  ) => {
    const original = prototype[method] as (...args: unknown[]) => unknown;
    Object.defineProperty(prototype, method, {
      configurable: true,
      writable: true,
      value(this: T, ...args: unknown[]) {
        const started = timing ? process.hrtime.bigint() : 0n;
        try {
          return original.apply(this, args);
        } finally {
          const sql = sqlOf(this, args);
          noteSqlite(sql);
          record(sql, started);
        }
      },
    });
  };
  for (const method of ['all', 'get', 'run'] as const) {
    timed(StatementSync.prototype, method, (statement) => statement.sourceSQL);
  }
  // Transaction control (BEGIN, SAVEPOINT, COMMIT) goes through exec.
  timed(DatabaseSync.prototype, 'exec', (_db, args) => String(args[0]));

  // PostgreSQL through `pg`: every query a client sends, and whether it opens a transaction or
  // runs as one of its own.
  const inTransaction = new WeakSet<object>();
  const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  Object.defineProperty(pg.Client.prototype, 'query', {
    configurable: true,
    writable: true,
    value(this: pg.Client, ...args: unknown[]) {
      const first = args[0] as string | { text?: string; submit?: unknown };
      const sql = typeof first === 'string' ? first : (first?.text ?? '');
      const verb = /^\s*(\w+)/.exec(sql)?.[1]?.toLowerCase();
      if (verb === 'begin' || verb === 'start') {
        if (counting) transactions++;
        inTransaction.add(this);
      } else if (verb === 'commit' || verb === 'rollback' || verb === 'end') {
        inTransaction.delete(this);
      } else if (!inTransaction.has(this) && counting) {
        transactions++;
      }
      const started = timing ? process.hrtime.bigint() : 0n;
      const result = query.apply(this, args);
      if (timing && result instanceof Promise) {
        const key = sql;
        result.then(
          () => record(key, started),
          () => record(key, started),
        );
      } else {
        record(sql, started);
      }
      return result;
    },
  });
  const connect = pg.Pool.prototype.connect as (...args: unknown[]) => unknown;
  Object.defineProperty(pg.Pool.prototype, 'connect', {
    configurable: true,
    writable: true,
    value(this: pg.Pool, ...args: unknown[]) {
      if (counting) checkouts++;
      return connect.apply(this, args);
    },
  });

  const write = (name: string) => {
    const counts: SqlCounts = {
      statements: [...times].map(([sql, { count, ns }]) => ({
        sql: sql.replace(/\s+/g, ' ').trim(),
        count,
        totalMs: Number(ns) / 1e6,
      })),
      transactions,
      commits,
      checkouts,
      timed: timing,
    };
    writeFileSync(name, JSON.stringify(counts));
  };
  // Odd signals start a count afresh; even ones stop it and write it to `<file>.<n>`, n = 1, 2, …
  process.on('SIGUSR2', () => {
    signals++;
    counting = signals % 2 === 1;
    if (!counting) {
      write(`${file}.${signals / 2}`);
      return;
    }
    times = new Map();
    transactions = 0;
    commits = 0;
    checkouts = 0;
  });
  process.on('exit', () => write(file));
}
