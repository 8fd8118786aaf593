// Tests of named prepared statements on PostgreSQL.
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { createTestPostgres, postgresSkip, type TestPostgres } from '../../test-support/postgres.ts';
import { openDatabase } from '../database.ts';
import { namingPool } from './postgres-statements.ts';

// biome-ignore lint/suspicious/noExplicitAny: raw SQL over a scratch table, outside the schema.
type Raw = Kysely<any>;

/** The statements prepared on the one connection of `db` (this query has no parameters, so it is never one of them). */
async function preparedTexts(db: Raw): Promise<string[]> {
  const { rows } = await sql<{
    statement: string;
  }>`select statement from pg_prepared_statements order by statement`.execute(db);
  return rows.map((r) => r.statement);
}

describe('named prepared statements on PostgreSQL', { skip: await postgresSkip() }, () => {
  let database: TestPostgres;
  let other: pg.Client;
  let db: Raw;

  before(async () => {
    database = await createTestPostgres();
    other = new pg.Client({ connectionString: database.url });
    await other.connect();
  });
  after(async () => {
    await other?.end();
    await database?.drop();
  });

  // Each test: a fresh table and a fresh pool of one connection, so every query runs in the
  // same session and sees exactly the statements that test prepared.
  beforeEach(async () => {
    await other.query('drop table if exists items');
    await other.query('create table items (id int primary key, label text not null)');
    await other.query("insert into items values (1, 'one'), (2, 'two'), (3, 'three')");
    db = new Kysely({
      dialect: new PostgresDialect({
        pool: namingPool(new pg.Pool({ connectionString: database.url, max: 1 }), { limit: 2 }),
      }),
    });
  });
  afterEach(() => db.destroy());

  const labelOf = async (id: number) =>
    (await sql<{ label: string }>`select label from items where id = ${id}`.execute(db)).rows[0]?.label;

  it('prepares a statement on its second use, once, and answers as before', async () => {
    assert.equal(await labelOf(1), 'one');
    assert.deepEqual(await preparedTexts(db), [], 'a statement seen once is not prepared');
    assert.equal(await labelOf(2), 'two');
    assert.deepEqual(await preparedTexts(db), ['select label from items where id = $1']);
    assert.equal(await labelOf(3), 'three');
    assert.equal(await labelOf(4), undefined);
    assert.deepEqual(
      await preparedTexts(db),
      ['select label from items where id = $1'],
      'still one statement',
    );
  });

  it('never prepares a statement without parameters', async () => {
    for (let i = 0; i < 3; i++) await sql`select count(*) from items`.execute(db);
    assert.ok(!(await preparedTexts(db)).some((text) => text.includes('count(*)')));
  });

  it('names no more distinct statements than its limit; the rest still run', async () => {
    const texts = ['select id from items where label = $1', 'select id from items where id > $1'];
    for (let round = 0; round < 2; round++) {
      await sql`select id from items where label = ${'one'}`.execute(db);
      await sql`select id from items where id > ${1}`.execute(db);
      const { rows } = await sql<{ sum: number }>`select 1 + ${2}::int as sum`.execute(db);
      assert.equal(rows[0]?.sum, 3, 'a statement past the limit still answers');
    }
    const prepared = await preparedTexts(db);
    assert.deepEqual(prepared, texts.sort(), 'limit 2: the third distinct text stays unnamed');
  });

  it('passes a query error through and keeps the connection usable', async () => {
    const insert = (id: number) => sql`insert into items (id, label) values (${id}, ${'x'})`.execute(db);
    await insert(10);
    await assert.rejects(insert(10), (error: { code?: string }) => error.code === '23505');
    await assert.rejects(insert(10), (error: { code?: string }) => error.code === '23505');
    assert.equal(await labelOf(10), 'x');
  });

  it('runs a prepared select * again after a migration adds a column, outside a transaction', async () => {
    const byId = async (id: number) =>
      (await sql<Record<string, unknown>>`select * from items where id = ${id}`.execute(db)).rows[0];
    assert.deepEqual(await byId(1), { id: 1, label: 'one' });
    assert.deepEqual(await byId(2), { id: 2, label: 'two' });
    assert.deepEqual(await preparedTexts(db), ['select * from items where id = $1']);

    await other.query("alter table items add column colour text not null default 'red'");

    // PostgreSQL refuses the prepared statement (its result columns changed); it is prepared
    // again under a new name and run again, and the caller sees only the new row shape.
    assert.deepEqual(await byId(1), { id: 1, label: 'one', colour: 'red' });
    assert.deepEqual(await byId(2), { id: 2, label: 'two', colour: 'red' });
  });

  it('inside a transaction the stale statement fails the transaction, and the next one works', async () => {
    const byId = async (executor: Raw, id: number) =>
      (await sql<Record<string, unknown>>`select * from items where id = ${id}`.execute(executor)).rows[0];
    await byId(db, 1);
    await byId(db, 2);
    await other.query('alter table items add column size int not null default 1');

    await assert.rejects(
      db.transaction().execute((trx) => byId(trx, 1)),
      (error: { code?: string }) => error.code === '0A000',
    );
    assert.deepEqual(await db.transaction().execute((trx) => byId(trx, 1)), {
      id: 1,
      label: 'one',
      size: 1,
    });
  });
});

describe('DATABASE_PREPARED_STATEMENTS=false', { skip: await postgresSkip() }, () => {
  let database: TestPostgres;
  before(async () => {
    database = await createTestPostgres();
  });
  after(() => database?.drop());

  it('prepares nothing when turned off, and prepares repeated statements by default', async () => {
    for (const preparedStatements of [false, true]) {
      const opened = openDatabase({
        databaseUrl: database.url,
        dataDir: '/nonexistent',
        maxConnections: 1,
        preparedStatements,
      });
      try {
        for (let i = 0; i < 3; i++) await sql`select ${i}::int as n`.execute(opened.db);
        const prepared = await preparedTexts(opened.db as unknown as Raw);
        assert.deepEqual(prepared, preparedStatements ? ['select $1::int as n'] : []);
      } finally {
        await opened.close();
      }
    }
  });
});
