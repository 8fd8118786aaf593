// Unique and foreign-key violations, read once from either database's error.
import type { CompiledQuery, DatabaseConnection, DeleteResult, Dialect, Driver, UpdateResult } from 'kysely';

/**
 * Unique and foreign-key violations, read once from either database's own error, so that code
 * above the storage layer never looks at SQLSTATEs or SQLite messages. A violation is how a
 * concurrent request learns it lost a race that its own earlier read could not see (two creates
 * of the same external id, a save of the same policy version, a write for a row deleted
 * meanwhile): the constraint is the guarantee, the read before it only the friendly early answer.
 */
export type ConstraintKind = 'unique' | 'foreign_key';

export class ConstraintViolation extends Error {
  readonly kind: ConstraintKind;
  /**
   * The table the failing statement wrote. Unknown (`undefined`) only for a SQLite foreign-key
   * violation of a statement whose target could not be read from its text.
   */
  readonly table: string | undefined;
  /**
   * The columns of the violated key, in index order. SQLite does not say which foreign key
   * failed, so for its foreign-key violations this is empty.
   */
  readonly columns: readonly string[];
  /** PostgreSQL's constraint name; SQLite does not report one. */
  readonly constraint: string | undefined;

  constructor(
    kind: ConstraintKind,
    where: { table: string | undefined; columns: readonly string[]; constraint?: string | undefined },
    options: { cause?: unknown } = {},
  ) {
    // The message names the key, never the values (PostgreSQL's own detail carries them).
    super(
      `${kind === 'unique' ? 'Unique' : 'Foreign key'} constraint violated on ${where.table ?? 'a table'}` +
        (where.columns.length > 0 ? ` (${where.columns.join(', ')})` : ''),
      options,
    );
    this.name = 'ConstraintViolation';
    this.kind = kind;
    this.table = where.table;
    this.columns = where.columns;
    this.constraint = where.constraint;
  }
}

// node:sqlite sets `errcode` to SQLite's extended result code.
const sqlitePrimaryKey = 1555;
const sqliteUnique = 2067;
const sqliteForeignKey = 787;

/** The table an insert, update or delete statement writes, read from its text. */
function statementTable(sql: string | undefined): string | undefined {
  const match = sql && /^\s*(?:insert\s+into|update|delete\s+from)\s+"?([A-Za-z_][A-Za-z0-9_]*)"?/i.exec(sql);
  return match ? match[1] : undefined;
}

/**
 * Reads a unique or foreign-key violation out of a driver error, or undefined for anything else.
 * `sql` is the failing statement, which SQLite's foreign-key message does not name.
 */
export function readConstraintViolation(error: unknown, sql?: string): ConstraintViolation | undefined {
  if (error instanceof ConstraintViolation) return error;
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as {
    code?: unknown;
    errcode?: unknown;
    message?: unknown;
    table?: unknown;
    constraint?: unknown;
    detail?: unknown;
  };
  // PostgreSQL: SQLSTATE 23505 (unique_violation) or 23503 (foreign_key_violation), with the
  // table and constraint as fields and the key's columns in the detail: "Key (a, b)=(...) ...".
  if (e.code === '23505' || e.code === '23503') {
    const columns =
      typeof e.detail === 'string'
        ? (/^Key \(([^)]*)\)=/.exec(e.detail)?.[1] ?? '')
            .split(',')
            .map((c) => c.trim().replace(/^"|"$/g, ''))
            .filter(Boolean)
        : [];
    return new ConstraintViolation(
      e.code === '23505' ? 'unique' : 'foreign_key',
      {
        table:
          e.code === '23505' && typeof e.table === 'string' ? e.table : (statementTable(sql) ?? undefined),
        columns,
        constraint: typeof e.constraint === 'string' ? e.constraint : undefined,
      },
      { cause: error },
    );
  }
  // SQLite: "UNIQUE constraint failed: table.a, table.b"; "FOREIGN KEY constraint failed".
  if (e.errcode === sqliteUnique || e.errcode === sqlitePrimaryKey) {
    const names = typeof e.message === 'string' ? e.message.replace(/^UNIQUE constraint failed:\s*/, '') : '';
    const parts = names
      .split(',')
      .map((name) => name.trim().split('.'))
      .filter((p) => p.length === 2);
    return new ConstraintViolation(
      'unique',
      { table: parts[0]?.[0] ?? statementTable(sql), columns: parts.map((p) => p[1]!) },
      { cause: error },
    );
  }
  if (e.errcode === sqliteForeignKey) {
    return new ConstraintViolation(
      'foreign_key',
      { table: statementTable(sql), columns: [] },
      { cause: error },
    );
  }
  return undefined;
}

/**
 * Wraps a dialect so that every statement's unique or foreign-key violation is thrown as a
 * ConstraintViolation (with the driver's error as its cause), on both databases, in one place.
 * The connection's own object is kept (drivers rely on it), with its `executeQuery` wrapped.
 */
export function withConstraintViolations(dialect: Dialect): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createDriver: () => wrapDriver(dialect.createDriver()),
  };
}

const wrapped = new WeakSet<DatabaseConnection>();

function wrapConnection(connection: DatabaseConnection): DatabaseConnection {
  if (wrapped.has(connection)) return connection;
  const execute = connection.executeQuery.bind(connection);
  const rethrow =
    (sql: string) =>
    (error: unknown): never => {
      throw readConstraintViolation(error, sql) ?? error;
    };
  connection.executeQuery = <R>(query: CompiledQuery) => {
    try {
      return execute<R>(query).catch(rethrow(query.sql));
    } catch (error) {
      // node:sqlite throws while the statement runs, before any promise exists.
      return rethrow(query.sql)(error);
    }
  };
  wrapped.add(connection);
  return connection;
}

function wrapDriver(driver: Driver): Driver {
  const wrapper: Driver = {
    init: () => driver.init(),
    acquireConnection: async () => wrapConnection(await driver.acquireConnection()),
    beginTransaction: (connection, settings) => driver.beginTransaction(connection, settings),
    commitTransaction: (connection) => driver.commitTransaction(connection),
    rollbackTransaction: (connection) => driver.rollbackTransaction(connection),
    releaseConnection: (connection) => driver.releaseConnection(connection),
    destroy: () => driver.destroy(),
  };
  if (driver.savepoint) wrapper.savepoint = (c, name, compile) => driver.savepoint!(c, name, compile);
  if (driver.rollbackToSavepoint)
    wrapper.rollbackToSavepoint = (c, name, compile) => driver.rollbackToSavepoint!(c, name, compile);
  if (driver.releaseSavepoint)
    wrapper.releaseSavepoint = (c, name, compile) => driver.releaseSavepoint!(c, name, compile);
  return wrapper;
}

/**
 * One way a constraint violation is this caller's own conflict: a violation of `kind` on
 * `table` (and, when given, exactly these `columns`) becomes `error()`.
 */
export interface ConflictRule {
  kind: ConstraintKind;
  table: string;
  /** The key's columns in index order; omit to match any key of the table. */
  columns?: readonly string[];
  error: () => Error;
}

function matches(rule: ConflictRule, violation: ConstraintViolation): boolean {
  if (rule.kind !== violation.kind || rule.table !== violation.table) return false;
  if (!rule.columns || violation.columns.length === 0) return true;
  return (
    rule.columns.length === violation.columns.length &&
    rule.columns.every((c, i) => c === violation.columns[i])
  );
}

/**
 * A rejection handler that turns a constraint violation one of `rules` names into that rule's
 * error; any other failure passes through unchanged (an unnamed violation becomes the API's
 * generic 409 CONFLICT in the error handler). Attach it to the whole transaction,
 * `inTransaction(...).catch(conflictsAs(rules))`: on PostgreSQL a violation aborts the
 * transaction, so nothing may run in it after one, and the mapped error is thrown once it has
 * rolled back.
 */
export function conflictsAs(rules: readonly ConflictRule[]): (error: unknown) => never {
  return (error) => {
    throw mapConflict(error, rules);
  };
}

/** The error `rules` name for a constraint violation, or `error` itself. */
export function mapConflict(error: unknown, rules: readonly ConflictRule[]): unknown {
  const violation = readConstraintViolation(error);
  const rule = violation && rules.find((r) => matches(r, violation));
  return rule ? rule.error() : error;
}

/** `work()` with `conflictsAs(rules)` applied to its failure. */
export function onConflict<T>(work: () => Promise<T>, rules: readonly ConflictRule[]): Promise<T> {
  return work().catch(conflictsAs(rules));
}

/**
 * The rows a delete or update changed. A delete or revocation decides on this count who made
 * the change (and so who audits it): under concurrency exactly one statement changes the row,
 * and every other caller finds it already gone or already revoked.
 */
export function rowsChanged(result: DeleteResult | UpdateResult): number {
  return Number('numDeletedRows' in result ? result.numDeletedRows : result.numUpdatedRows);
}

/**
 * Runs a delete or update that must change exactly the one row it names, and throws
 * `otherwise()` when it changed none because a concurrent caller changed it first.
 */
export async function changeOnce(
  statement: { executeTakeFirst(): Promise<DeleteResult | UpdateResult> },
  otherwise: () => Error,
): Promise<void> {
  if (rowsChanged(await statement.executeTakeFirst()) === 0) throw otherwise();
}
