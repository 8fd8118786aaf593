/**
 * `npm run bench:drivers`: the PostgreSQL driver behind Kysely, `pg` (as the server uses it, with
 * its named prepared statements, storage/postgres/postgres-statements.ts) against `postgres`
 * (postgres.js through kysely-postgres-js: statements prepared per connection, and queries
 * pipelined on a busy connection). A report, not a test.
 *
 * Both run the same work on the same fresh database, 48 workers over a pool of 10 connections (the
 * server's default), several rounds alternating which driver goes first: a unit is the push
 * flow's kinds of statements, eight of them: a replay claim and a push-cap upsert in autocommit,
 * two reads by key, and a transaction (begin, an upsert, an update, commit). It prints units per
 * second, and per statement the CPU of this process (the driver's share of the server's) and of
 * the database's backends.
 *
 * Settings: BENCH_DRIVER_SECONDS (5 per round), BENCH_DRIVER_ROUNDS (2), BENCH_CONCURRENCY (48),
 * BENCH_POSTGRES_URL.
 */
import { randomBytes } from 'node:crypto';
import { Kysely, sql } from 'kysely';
import { PostgresJSDialect } from 'kysely-postgres-js';
import postgres from 'postgres';
import { type Db, migrateToLatest, openDatabase } from '../packages/server/src/storage/database.ts';
import type { Schema } from '../packages/server/src/storage/schema.ts';
import { createScratchDatabase } from '../packages/server/src/test-support/postgres.ts';
import { databaseBackendSeconds } from './cpu.ts';
import { intSetting } from './processes.ts';
import { table } from './stats.ts';

const seconds = intSetting('BENCH_DRIVER_SECONDS', 5);
const rounds = intSetting('BENCH_DRIVER_ROUNDS', 2);
const concurrency = intSetting('BENCH_CONCURRENCY', 48);
const adminUrl =
  process.env.BENCH_POSTGRES_URL ??
  process.env.TEST_POSTGRES_URL ??
  'postgres://postgres@127.0.0.1:5432/test';
const statementsPerUnit = 8;

type Driver = 'pg' | 'postgres.js';

function openPostgresJs(url: string): Db {
  const client = postgres(url, {
    max: 10,
    prepare: true,
    onnotice: () => {},
    // bigint (int8) as a number, as the server's pg setup does (storage/database.ts).
    types: {
      bigint: {
        to: 20,
        from: [20],
        serialize: (value: number) => String(value),
        parse: (value: string) => Number(value),
      },
    },
  });
  return new Kysely<Schema>({ dialect: new PostgresJSDialect({ postgres: client }) });
}

/** One unit of work: eight statements, five round trips in autocommit and one transaction. */
async function unit(db: Db, id: string, now: number): Promise<void> {
  await db
    .insertInto('claims')
    .values({ key: `a:${id}`, expires_at: now + 60_000 })
    .onConflict((oc) => oc.column('key').doNothing())
    .returning('key')
    .executeTakeFirst();
  await db
    .insertInto('rate_limits')
    .values({ key: `r:${id}`, count: 1, reset_at: now + 60_000 })
    .onConflict((oc) => oc.column('key').doUpdateSet({ count: sql<number>`rate_limits.count + 1` }))
    .returning(['count', 'reset_at'])
    .executeTakeFirst();
  await db.selectFrom('claims').select(['key', 'expires_at']).where('key', '=', `a:${id}`).executeTakeFirst();
  await db.selectFrom('rate_limits').selectAll().where('key', '=', `r:${id}`).executeTakeFirst();
  await db.transaction().execute(async (tx) => {
    await tx
      .insertInto('claims')
      .values({ key: `b:${id}`, expires_at: now + 60_000 })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    await tx
      .updateTable('rate_limits')
      .set({ count: sql<number>`count + 1` })
      .where('key', '=', `r:${id}`)
      .execute();
  });
}

interface RoundResult {
  driver: Driver;
  units: number;
  clientMs: number;
  databaseMs: number;
}

async function round(driver: Driver, db: Db, databaseName: string): Promise<RoundResult> {
  // Warm up: connections open, statements prepared.
  const warmEnd = performance.now() + 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < warmEnd) await unit(db, randomBytes(9).toString('base64url'), Date.now());
    }),
  );
  const cpu0 = process.cpuUsage();
  const db0 = databaseBackendSeconds(databaseName);
  const end = performance.now() + seconds * 1000;
  let units = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        await unit(db, randomBytes(9).toString('base64url'), Date.now());
        units++;
      }
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  const db1 = databaseBackendSeconds(databaseName);
  let databaseSeconds = 0;
  for (const [pid, s] of db1) databaseSeconds += s - (db0.get(pid) ?? 0);
  return { driver, units, clientMs: (cpu.user + cpu.system) / 1000, databaseMs: databaseSeconds * 1000 };
}

async function main(): Promise<void> {
  const scratch = await createScratchDatabase(adminUrl, 'hda_drivers');
  const databaseName = new URL(scratch.url).pathname.slice(1);
  const pg = openDatabase({ databaseUrl: scratch.url, dataDir: '/nonexistent' });
  const js = openPostgresJs(scratch.url);
  try {
    await migrateToLatest(pg.db);
    const results: RoundResult[] = [];
    for (let r = 0; r < rounds; r++) {
      const order: Driver[] = r % 2 === 0 ? ['pg', 'postgres.js'] : ['postgres.js', 'pg'];
      for (const driver of order) {
        process.stderr.write(`  … round ${r + 1}: ${driver}, ${seconds} s, ${concurrency} workers\n`);
        results.push(await round(driver, driver === 'pg' ? pg.db : js, databaseName));
      }
    }
    const rows = [
      ['driver', 'units/s', 'statements/s', 'client µs/statement', 'PostgreSQL µs/statement'],
      ...results.map((r) => {
        const statements = r.units * statementsPerUnit;
        return [
          r.driver,
          (r.units / seconds).toFixed(0),
          (statements / seconds).toFixed(0),
          ((r.clientMs * 1000) / statements).toFixed(1),
          ((r.databaseMs * 1000) / statements).toFixed(1),
        ];
      }),
    ];
    process.stdout.write(
      [
        'PostgreSQL drivers behind Kysely (a report, not a test)',
        `${concurrency} workers, pool of 10, ${rounds} rounds of ${seconds} s each per driver, alternating order`,
        `a unit: ${statementsPerUnit} statements (transaction control included)`,
        '',
        table(rows),
        '',
      ].join('\n'),
    );
  } finally {
    await js.destroy();
    await pg.close();
    await scratch.drop();
  }
}

await main();
