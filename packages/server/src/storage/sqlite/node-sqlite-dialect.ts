// A Kysely dialect over Node's built-in node:sqlite: Kysely's SQLite adapter, compiler and
// introspector with a driver of our own (a first-in, first-out queue for the one connection,
// cached prepared statements, group commit).
import { DatabaseSync, type SQLInputValue, type SQLOutputValue, type StatementSync } from 'node:sqlite';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type QueryResult,
  SqliteAdapter,
  type SqliteDatabase,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type SqliteStatement,
} from 'kysely';

/** A query parameter as `node:sqlite` binds it. */
function toSqliteValue(value: unknown): SQLInputValue {
  // node:sqlite binds numbers, bigints, strings, bytes and null; booleans become 0/1.
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value === undefined) return null;
  return value as SQLInputValue;
}

type RowMaker = (values: SQLOutputValue[]) => Record<string, SQLOutputValue>;

/**
 * Rows come back from node:sqlite as arrays and become objects here. Asked for objects, node:sqlite
 * builds each row property by property, which for a wide row (a verification has 26 columns)
 * costs more than running the query: about 8 µs against 4 µs this way in a micro-benchmark.
 *
 * The maker is an object literal with the statement's column names, compiled once per statement:
 * every row of a statement then has one shape from the start. Copying a template object
 * (`{ ...template }`) or adding the columns one by one both fall to V8's slow paths for objects
 * this wide. The names come from SQLite's description of our own statements and enter the code
 * only as JSON string literals. As with node:sqlite's own objects, where two result columns share
 * a name the later one wins.
 */
function rowMaker(names: readonly string[]): RowMaker | undefined {
  const fields = names.map((name, i) => `${JSON.stringify(name)}: values[${i}]`);
  try {
    return new Function('values', `return { ${fields.join(', ')} };`) as RowMaker;
  } catch (error) {
    if (!(error instanceof EvalError)) throw error;
    // A process run with `node --disallow-code-generation-from-strings` refuses to compile it. The
    // HTTP server cannot run that way (its validators are compiled too), but the CLI's database
    // commands can: the statement then keeps node:sqlite's own objects, slower, the same rows.
    return undefined;
  }
}

function adaptStatement(statement: StatementSync, beforeRun: () => void): SqliteStatement {
  const bind = (parameters: ReadonlyArray<unknown>) => parameters.map(toSqliteValue);
  const names = statement.columns().map((column) => column.name);
  // A column named __proto__ would set the row's prototype in an object literal: such a statement
  // keeps node:sqlite's own (null-prototype) objects.
  const toRow = names.length > 0 && !names.includes('__proto__') ? rowMaker(names) : undefined;
  if (toRow) statement.setReturnArrays(true);
  const rows = (result: unknown[]): unknown[] => (toRow ? (result as SQLOutputValue[][]).map(toRow) : result);
  return {
    reader: names.length > 0,
    all: (parameters) => {
      beforeRun();
      return rows(statement.all(...bind(parameters)));
    },
    run: (parameters) => {
      beforeRun();
      const result = statement.run(...bind(parameters));
      return { changes: result.changes, lastInsertRowid: result.lastInsertRowid };
    },
    iterate: (parameters) => {
      beforeRun();
      const iterator = statement.iterate(...bind(parameters));
      if (!toRow) return iterator;
      return (function* () {
        for (const values of iterator) yield toRow(values as unknown as SQLOutputValue[]);
      })();
    },
  };
}

/**
 * Prepared statements kept by their SQL text. Kysely sends the same few dozen statements again
 * and again; preparing each one anew cost about a fifth of the server's time under load. Kysely
 * runs one statement at a time on the connection, so a cached statement is never in use twice.
 */
const statementCacheSize = 500;

/**
 * Group commit. Under load most of SQLite's time went into commits (100 to 130 µs each here,
 * seven per verification flow), each writing the same few pages (the audit head, index pages)
 * again. So each transaction Kysely opens runs as a savepoint inside one outer write
 * transaction, and writes outside a transaction join it too; the outer transaction commits
 * as soon as the connection is idle (the next turn of the event loop), carrying everything
 * done meanwhile.
 *
 * Nothing may be reported before it is durable: `durable()` resolves once every change made
 * so far is committed. `inTransaction` awaits it before returning, and the HTTP layer awaits
 * it before sending any answer, so no response and no live event ever reports an uncommitted
 * change, even one it only read. When the outer commit fails, the waiters get its error.
 *
 * Reads outside a transaction share one read transaction the same way. On its own, each such
 * statement is a transaction of its own, and each begins and ends with locks on the WAL's
 * shared-memory index (two `fcntl` calls per statement in a trace) and a check of its header.
 * Shared, a read-only request of three one-row selects cost the main thread about 6 % less
 * under load (`npm run bench:reads`). The read transaction is an ordinary deferred one: it
 * takes no write lock, so a writer in another process is not held up, and it ends at the same
 * next turn of the event loop. A write while it is open ends it first and begins the write
 * transaction: upgrading it instead would fail outright if another process had written since
 * it began. It sees only committed data, so it never delays `durable()`.
 */
export interface GroupCommit {
  durable(): Promise<void>;
}

const writePattern = /^\s*(insert|update|delete|replace|create|drop|alter)\b/i;
/** Plain reads; anything else (a pragma, say) runs as its own statement, as before. */
const readPattern = /^\s*select\b/i;

export function openSqlite(file: string): SqliteDatabase & { raw: DatabaseSync } & GroupCommit {
  const raw = new DatabaseSync(file);
  // WAL lets readers (a CLI beside the server) proceed while one writer commits; a busy
  // timeout waits for that writer instead of failing at once.
  raw.exec('PRAGMA journal_mode = WAL');
  raw.exec('PRAGMA busy_timeout = 5000');
  raw.exec('PRAGMA synchronous = NORMAL');
  raw.exec('PRAGMA foreign_keys = ON');
  raw.exec('PRAGMA temp_store = MEMORY');

  // Transaction control runs several times per request: prepared once, not parsed each time.
  const prepareControl = (text: string) => {
    const statement = raw.prepare(text);
    return () => void statement.run();
  };
  const beginImmediate = prepareControl('BEGIN IMMEDIATE');
  const beginRead = prepareControl('BEGIN');
  const commitOuter = prepareControl('COMMIT');
  const rollbackOuter = prepareControl('ROLLBACK');
  const savepoint = prepareControl('SAVEPOINT unit');
  const release = prepareControl('RELEASE unit');
  const rollbackUnit = prepareControl('ROLLBACK TO unit');

  /** The transaction open on the connection: none, the shared read transaction, or the group. */
  let outer: 'none' | 'read' | 'write' = 'none';
  let inUnit = false;
  let flushQueued = false;
  let waiters: { resolve: () => void; reject: (error: Error) => void }[] = [];

  function openOuter(): void {
    if (outer === 'write') return;
    // A read transaction holds nothing that must be kept: its reads have been answered.
    if (outer === 'read') endRead();
    // IMMEDIATE takes the write lock up front, so a writer in another process (a CLI beside the
    // server) makes us wait for the busy timeout instead of failing at once.
    beginImmediate();
    outer = 'write';
  }

  function openRead(): void {
    if (outer !== 'none') return;
    beginRead();
    outer = 'read';
    queueFlush();
  }

  function endRead(): void {
    outer = 'none';
    try {
      commitOuter();
    } catch {
      // Ending a transaction that only read cannot lose anything; make sure it is gone.
      try {
        rollbackOuter();
      } catch {
        // Already ended.
      }
    }
  }

  function flush(): void {
    flushQueued = false;
    // A unit still open will queue the next flush when it ends.
    if (inUnit || outer === 'none') return;
    if (outer === 'read') {
      endRead();
      return;
    }
    const pending = waiters;
    waiters = [];
    try {
      commitOuter();
      outer = 'none';
      for (const waiter of pending) waiter.resolve();
    } catch (error) {
      // The whole group is lost; everyone who waited for it hears why.
      try {
        rollbackOuter();
      } catch {
        // Already rolled back by SQLite.
      }
      outer = 'none';
      for (const waiter of pending) waiter.reject(error as Error);
    }
  }

  function queueFlush(): void {
    if (flushQueued) return;
    flushQueued = true;
    setImmediate(flush);
  }

  const control: Record<string, () => void> = {
    begin() {
      openOuter();
      savepoint();
      inUnit = true;
    },
    commit() {
      release();
      inUnit = false;
      queueFlush();
    },
    rollback() {
      rollbackUnit();
      release();
      inUnit = false;
      queueFlush();
    },
  };
  const controlStatement = (action: () => void): SqliteStatement => ({
    reader: false,
    all: () => {
      action();
      return [];
    },
    run: () => {
      action();
      return { changes: 0, lastInsertRowid: 0 };
    },
    iterate: () => {
      action();
      return [][Symbol.iterator]();
    },
  });

  const statements = new Map<string, SqliteStatement>();
  const controls = new Map(Object.entries(control).map(([verb, action]) => [verb, controlStatement(action)]));
  function prepare(sql: string): SqliteStatement {
    const controlled = controls.get(sql);
    if (controlled) return controlled;
    const cached = statements.get(sql);
    if (cached) {
      // Most recently used last, so the first entry is the one to drop when the cache is full.
      statements.delete(sql);
      statements.set(sql, cached);
      return cached;
    }
    const writes = writePattern.test(sql);
    const reads = readPattern.test(sql);
    const statement = adaptStatement(raw.prepare(sql), () => {
      // Inside a unit the group is open already. Outside, a write joins the group, and a read the
      // shared read transaction (or the group, when one is open); either ends soon.
      if (inUnit) return;
      if (writes) {
        openOuter();
        queueFlush();
      } else if (reads) {
        openRead();
      }
    });
    if (statements.size >= statementCacheSize) statements.delete(statements.keys().next().value!);
    statements.set(sql, statement);
    return statement;
  }

  return {
    raw,
    durable() {
      if (outer !== 'write') return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        waiters.push({ resolve, reject });
        queueFlush();
      });
    },
    close: () => {
      // Commit what is pending: closing must not drop acknowledged work.
      if (outer !== 'none' && !inUnit) flush();
      statements.clear();
      raw.close();
    },
    prepare,
  };
}

/**
 * Kysely's SQLite driver, with one change: waiting for the single connection is a first-in,
 * first-out queue. Kysely's own mutex wakes every waiter on each release and lets them race
 * for it again, so with N requests waiting each query costs O(N) wake-ups; at 48 concurrent
 * requests that made a one-row select cost about 0.8 ms instead of 5 µs.
 */
class NodeSqliteDriver implements Driver {
  readonly #open: () => SqliteDatabase;
  #database: SqliteDatabase | undefined;
  #connection: DatabaseConnection | undefined;
  #busy = false;
  readonly #waiting: (() => void)[] = [];

  constructor(open: () => SqliteDatabase) {
    this.#open = open;
  }

  async init(): Promise<void> {
    const database = this.#open();
    this.#database = database;
    this.#connection = {
      executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
        const statement = database.prepare(query.sql);
        if (statement.reader) return Promise.resolve({ rows: statement.all(query.parameters) as R[] });
        const { changes, lastInsertRowid } = statement.run(query.parameters);
        return Promise.resolve({
          numAffectedRows: changes === undefined || changes === null ? undefined : BigInt(changes),
          insertId:
            lastInsertRowid === undefined || lastInsertRowid === null ? undefined : BigInt(lastInsertRowid),
          rows: [],
        });
      },
      async *streamQuery<R>(query: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
        for (const row of database.prepare(query.sql).iterate(query.parameters)) yield { rows: [row as R] };
      },
    };
  }

  /** The one connection's use, for the metrics: in use or idle, and how many wait for it. */
  connections(): ConnectionUse {
    return { total: this.#connection ? 1 : 0, idle: this.#busy ? 0 : 1, waiting: this.#waiting.length };
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    if (this.#busy) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    else this.#busy = true;
    return this.#connection!;
  }

  async releaseConnection(): Promise<void> {
    // Hand the connection straight to the next in line; it stays busy.
    const next = this.#waiting.shift();
    if (next) next();
    else this.#busy = false;
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin'));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async savepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`savepoint ${savepointName(name)}`));
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`rollback to ${savepointName(name)}`));
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`release ${savepointName(name)}`));
  }

  async destroy(): Promise<void> {
    this.#database?.close();
  }
}

/** Savepoint names come from our code; anything but a plain identifier is a programming error. */
function savepointName(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`Invalid savepoint name: ${name}`);
  return `"${name}"`;
}

/** Connections of a database: open, idle, and queries waiting for one. */
export interface ConnectionUse {
  total: number;
  idle: number;
  waiting: number;
}

export function createNodeSqliteDialect(
  file: string,
): { dialect: Dialect; connections(): ConnectionUse } & GroupCommit {
  let database: ReturnType<typeof openSqlite> | undefined;
  let driver: NodeSqliteDriver | undefined;
  const dialect: Dialect = {
    createAdapter: () => new SqliteAdapter(),
    createDriver: () => {
      driver = new NodeSqliteDriver(() => {
        database = openSqlite(file);
        return database;
      });
      return driver;
    },
    createQueryCompiler: () => new SqliteQueryCompiler(),
    createIntrospector: (db) => new SqliteIntrospector(db),
  };
  return {
    dialect,
    durable: () => database?.durable() ?? Promise.resolve(),
    connections: () => driver?.connections() ?? { total: 0, idle: 0, waiting: 0 },
  };
}
