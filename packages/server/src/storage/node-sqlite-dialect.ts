import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import { type SqliteDatabase, SqliteDialect, type SqliteStatement } from 'kysely';

/**
 * Adapts Node's built-in `node:sqlite` to the statement interface Kysely's SqliteDialect
 * expects, so the embedded database needs no native addon. Kysely serialises access to the
 * single connection, which is what SQLite wants.
 */
function toSqliteValue(value: unknown): SQLInputValue {
  // node:sqlite binds numbers, bigints, strings, bytes and null; booleans become 0/1.
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value === undefined) return null;
  return value as SQLInputValue;
}

function adaptStatement(statement: StatementSync): SqliteStatement {
  const bind = (parameters: ReadonlyArray<unknown>) => parameters.map(toSqliteValue);
  return {
    reader: statement.columns().length > 0,
    all: (parameters) => statement.all(...bind(parameters)),
    run: (parameters) => {
      const result = statement.run(...bind(parameters));
      return { changes: result.changes, lastInsertRowid: result.lastInsertRowid };
    },
    iterate: (parameters) => statement.iterate(...bind(parameters)),
  };
}

/**
 * Prepared statements kept by their SQL text. Kysely sends the same few dozen statements again
 * and again; preparing each one anew cost about a fifth of the server's time under load. Kysely
 * runs one statement at a time on the connection, so a cached statement is never in use twice.
 */
const statementCacheSize = 500;

export function openSqlite(file: string): SqliteDatabase & { raw: DatabaseSync } {
  const raw = new DatabaseSync(file);
  // WAL lets readers (a CLI beside the server) proceed while one writer commits; a busy
  // timeout waits for that writer instead of failing at once.
  raw.exec('PRAGMA journal_mode = WAL');
  raw.exec('PRAGMA busy_timeout = 5000');
  raw.exec('PRAGMA synchronous = NORMAL');
  raw.exec('PRAGMA foreign_keys = ON');
  const statements = new Map<string, SqliteStatement>();
  function prepare(sql: string): SqliteStatement {
    const cached = statements.get(sql);
    if (cached) {
      // Most recently used last, so the first entry is the one to drop when the cache is full.
      statements.delete(sql);
      statements.set(sql, cached);
      return cached;
    }
    const statement = adaptStatement(raw.prepare(sql));
    if (statements.size >= statementCacheSize) statements.delete(statements.keys().next().value!);
    statements.set(sql, statement);
    return statement;
  }
  return {
    raw,
    close: () => {
      statements.clear();
      raw.close();
    },
    // Kysely opens transactions with a plain (deferred) BEGIN. A deferred transaction that reads
    // and then writes while another process (a CLI beside the server) has written gets
    // SQLITE_BUSY at once, without waiting for the busy timeout. Every transaction here writes,
    // so take the write lock up front and let the busy timeout do its job.
    prepare: (sql: string) => prepare(/^begin$/i.test(sql.trim()) ? 'begin immediate' : sql),
  };
}

export function createNodeSqliteDialect(file: string): SqliteDialect {
  return new SqliteDialect({ database: async () => openSqlite(file) });
}
