// Named prepared statements on PostgreSQL.
import { createHash } from 'node:crypto';
import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import type pg from 'pg';

/**
 * Named prepared statements on PostgreSQL.
 *
 * Kysely's PostgreSQL dialect sends every query unnamed, so PostgreSQL parses, analyses and
 * plans each one again. The server sends the same few dozen statements over and over, and under
 * the push-flow benchmark that work kept PostgreSQL itself busier than the server. Here a
 * statement text seen a second time gets a name (a hash of the text), and `pg` then prepares it
 * once per connection and only binds and executes it afterwards. The SQL and its parameters are
 * unchanged: the name is a cache key, never part of the query.
 *
 * Bounds. A prepared statement lives on its connection until the connection closes. Only the
 * first `limit` distinct texts get names (the hot path's are among the first to repeat); the
 * rest run unnamed, as before. A text is named on its second use, so one-off statements
 * (migrations, a rare search) never take a place.
 *
 * Schema changes. PostgreSQL re-plans a prepared statement when a table it uses changes, but it
 * refuses to run one whose result columns changed (`select *` after a migration added a column:
 * "cached plan must not change result type"). When that happens the connection moves to a new
 * generation of names, so each statement is prepared afresh; a statement outside a transaction is
 * run again at once, and one inside a transaction fails as any query error would (PostgreSQL has
 * already aborted that transaction).
 *
 * Connection poolers in transaction mode must pass prepared statements through (PgBouncer 1.21
 * and later with `max_prepared_statements` set); otherwise turn this off with
 * `DATABASE_PREPARED_STATEMENTS=false`.
 */
export interface StatementNamingOptions {
  /** Distinct statement texts that get a name. */
  limit?: number;
}

const defaultLimit = 500;
/** How many unnamed texts are counted before the count starts over. */
const seenLimit = 10_000;

class StatementNames {
  readonly #limit: number;
  readonly #named = new Map<string, string>();
  readonly #seen = new Set<string>();

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** The name for this text, or undefined when it runs unnamed. */
  nameOf(text: string): string | undefined {
    const known = this.#named.get(text);
    if (known !== undefined) return known;
    if (this.#named.size >= this.#limit) return undefined;
    if (!this.#seen.has(text)) {
      if (this.#seen.size >= seenLimit) this.#seen.clear();
      this.#seen.add(text);
      return undefined;
    }
    this.#seen.delete(text);
    // 96 bits of SHA-256: names are unique in practice, and `pg` refuses to reuse a name for a
    // different text should two ever collide.
    const name = createHash('sha256').update(text).digest('base64url').slice(0, 16);
    this.#named.set(text, name);
    return name;
  }
}

/** PostgreSQL's refusal to run a prepared statement whose result columns changed. */
function isStaleResultType(error: unknown): boolean {
  // The routine, not the message: messages follow the server's lc_messages.
  const details = error as { code?: unknown; routine?: unknown };
  return details.code === '0A000' && details.routine === 'RevalidateCachedQuery';
}

class NamingClient implements PostgresPoolClient {
  readonly #client: pg.PoolClient;
  readonly #names: StatementNames;
  #generation = 0;

  constructor(client: pg.PoolClient, names: StatementNames) {
    this.#client = client;
    this.#names = names;
  }

  query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>;
  query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
  query<R>(
    sqlOrCursor: string | PostgresCursor<R>,
    parameters?: ReadonlyArray<unknown>,
  ): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
    const client = this.#client as unknown as PostgresPoolClient;
    if (typeof sqlOrCursor !== 'string') return client.query(sqlOrCursor);
    // Without parameters `pg` uses the simple protocol (transaction control, DDL): nothing to prepare.
    const name = parameters && parameters.length > 0 ? this.#names.nameOf(sqlOrCursor) : undefined;
    if (name === undefined) return client.query<R>(sqlOrCursor, parameters ?? []);
    return this.#named<R>(name, sqlOrCursor, parameters ?? []);
  }

  async #named<R>(
    name: string,
    text: string,
    values: ReadonlyArray<unknown>,
  ): Promise<PostgresQueryResult<R>> {
    const run = () =>
      this.#client.query({
        name: `hda${this.#generation}_${name}`,
        text,
        values: [...values],
      }) as unknown as Promise<PostgresQueryResult<R>>;
    try {
      return await run();
    } catch (error) {
      if (!isStaleResultType(error)) throw error;
      this.#generation += 1;
      if (this.#client.getTransactionStatus() !== 'I') throw error;
      return run();
    }
  }

  release(destroy?: boolean): void {
    this.#client.release(destroy);
  }
}

/** A pool for Kysely's PostgresDialect whose connections name repeated statements. */
export function namingPool(pool: pg.Pool, options: StatementNamingOptions = {}): PostgresPool {
  const names = new StatementNames(options.limit ?? defaultLimit);
  const clients = new WeakMap<pg.PoolClient, NamingClient>();
  return {
    async connect() {
      const client = await pool.connect();
      let wrapped = clients.get(client);
      if (!wrapped) {
        wrapped = new NamingClient(client, names);
        clients.set(client, wrapped);
      }
      return wrapped;
    },
    end: () => pool.end(),
  };
}
