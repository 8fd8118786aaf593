/**
 * Preloaded into the benchmark's server with BENCH_SQL_TIMES=1 (`node --import`): times every
 * SQLite statement the server runs, by SQL text, and writes the totals to BENCH_SQL_TIMES_FILE
 * as JSON when the process exits. SIGUSR2 starts the count afresh (the benchmark sends it when
 * its measured window opens). Statements are timed around node:sqlite's own calls, so the
 * figures hold the database's work and the binding of values, not Kysely's.
 */
import { writeFileSync } from 'node:fs';
import { DatabaseSync, StatementSync } from 'node:sqlite';

export interface SqlTime {
  sql: string;
  count: number;
  totalMs: number;
}

const file = process.env.BENCH_SQL_TIMES_FILE;
if (file) {
  let times = new Map<string, { count: number; ns: bigint }>();
  const record = (sql: string, started: bigint) => {
    const entry = times.get(sql) ?? { count: 0, ns: 0n };
    entry.count++;
    entry.ns += process.hrtime.bigint() - started;
    times.set(sql, entry);
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
        const started = process.hrtime.bigint();
        try {
          return original.apply(this, args);
        } finally {
          record(sqlOf(this, args), started);
        }
      },
    });
  };
  for (const method of ['all', 'get', 'run'] as const) {
    timed(StatementSync.prototype, method, (statement) => statement.sourceSQL);
  }
  // Transaction control (BEGIN, SAVEPOINT, COMMIT) goes through exec.
  timed(DatabaseSync.prototype, 'exec', (_db, args) => String(args[0]));

  process.on('SIGUSR2', () => {
    times = new Map();
  });
  process.on('exit', () => {
    const rows: SqlTime[] = [...times].map(([sql, { count, ns }]) => ({
      sql: sql.replace(/\s+/g, ' ').trim(),
      count,
      totalMs: Number(ns) / 1e6,
    }));
    writeFileSync(file, JSON.stringify(rows));
  });
}
