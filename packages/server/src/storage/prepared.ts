// Prepared queries: built with Kysely once, run again with new values.
import type { CompiledQuery, DialectAdapter } from 'kysely';
import type { Db } from './database.ts';

/**
 * Queries on the hot path, built with Kysely once and then run again and again with new values.
 *
 * Building and compiling a query with Kysely costs more than SQLite takes to run it: under the
 * push-flow benchmark, building queries was about a fifth of the server's time. A prepared query
 * is written with the same typed builder, but where a value goes it names a slot. It is compiled
 * once per database (the first time it runs there); each run then only fills the slots into the
 * compiled parameter list. The SQL stays parameterised: a slot is a bound parameter, never text
 * spliced into the SQL.
 *
 *     const deviceById = prepared((db, slot: Slots<{ id: string }>) =>
 *       db.selectFrom('devices').select(['id', 'status']).where('id', '=', slot('id')),
 *     );
 *     const row = await deviceById.first(db, { id });
 *
 * Runs take any executor: the database or a transaction on it.
 */

/** Marks where a value goes in a prepared query. */
class Slot {
  readonly name: string;
  constructor(name: string) {
    this.name = name;
  }
}

/**
 * Names a slot. Typed `never` so that it fits wherever the builder wants a value; what a run
 * supplies is typed by the query's parameter record instead.
 */
export type Slots<P> = <K extends keyof P & string>(name: K) => never;

/** Per parameter position: the slot that fills it, or the constant the builder put there. */
type Plan = ReadonlyArray<{ slot: string } | { value: unknown }>;

interface Compiled {
  query: CompiledQuery;
  plan: Plan;
}

/** A query builder, or raw `sql` (which compiles against the database it is given). */
interface Buildable<R> {
  compile(db: Db): CompiledQuery<R>;
}

export interface Prepared<P, R> {
  /** Every row the query returns. */
  all(db: Db, values: P): Promise<R[]>;
  /** The first row, or undefined. */
  first(db: Db, values: P): Promise<R | undefined>;
  /** How many rows an insert, update or delete changed. */
  changes(db: Db, values: P): Promise<number>;
}

export function prepared<P extends object, R>(
  build: (db: Db, slot: Slots<P>) => Buildable<R>,
): Prepared<P, R> {
  // One compiled form per dialect adapter: a transaction shares its database's adapter, and a
  // process that holds both a SQLite and a PostgreSQL database (the test suites) keeps one each.
  const compiled = new WeakMap<DialectAdapter, Compiled>();

  function compile(db: Db): Compiled {
    const adapter = db.getExecutor().adapter;
    const known = compiled.get(adapter);
    if (known) return known;
    const used = new Set<string>();
    const slot = ((name: string) => {
      used.add(name);
      return new Slot(name);
    }) as Slots<P>;
    const query = build(db, slot).compile(db);
    const plan: Plan = query.parameters.map((value) =>
      value instanceof Slot ? { slot: value.name } : { value },
    );
    const placed = new Set(plan.flatMap((entry) => ('slot' in entry ? [entry.slot] : [])));
    for (const name of used) {
      // A slot the compiler did not bind as a parameter (folded into the SQL text, or dropped)
      // would silently run with the build-time marker: refuse the query instead.
      if (!placed.has(name)) throw new Error(`Prepared query: slot "${name}" is not a bound parameter.`);
    }
    const entry = { query, plan };
    compiled.set(adapter, entry);
    return entry;
  }

  async function run(db: Db, values: P) {
    const { query, plan } = compile(db);
    const parameters = plan.map((entry) => {
      if ('value' in entry) return entry.value;
      const value = (values as Record<string, unknown>)[entry.slot];
      // undefined binds as NULL on one driver and fails on another: a missing value is a bug.
      if (value === undefined) throw new Error(`Prepared query: no value for slot "${entry.slot}".`);
      return value;
    });
    return db.executeQuery<R>({
      query: query.query,
      queryId: query.queryId,
      sql: query.sql,
      parameters,
    });
  }

  return {
    async all(db, values) {
      return (await run(db, values)).rows;
    },
    async first(db, values) {
      return (await run(db, values)).rows[0];
    },
    async changes(db, values) {
      return Number((await run(db, values)).numAffectedRows ?? 0);
    },
  };
}

/**
 * A slot per column, named after it, for inserting whole rows. `columns` is a record with every
 * column as key, so that leaving one out is a type error, not a silent default.
 */
export function rowSlots<P, K extends keyof P & string>(
  slot: Slots<P>,
  columns: Record<K, true>,
): Record<K, never> {
  return Object.fromEntries(Object.keys(columns).map((name) => [name, slot(name as K)])) as Record<K, never>;
}
