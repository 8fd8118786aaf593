// Tests of prepared queries on both databases.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { openTestDatabase } from '../test-support/harness.ts';
import { postgresSkip } from '../test-support/postgres.ts';
import { inTransaction } from './atomic.ts';
import type { Database, DatabaseKind } from './database.ts';
import { prepared, type Slots } from './prepared.ts';

const now = Date.UTC(2026, 5, 1);

const insertClaim = prepared((db, slot: Slots<{ key: string; expiresAt: number }>) =>
  db.insertInto('claims').values({ key: slot('key'), expires_at: slot('expiresAt') }),
);
const claimsAfter = prepared((db, slot: Slots<{ prefix: string; after: number }>) =>
  db
    .selectFrom('claims')
    .select(['key', 'expires_at'])
    .where('key', 'like', slot('prefix'))
    // A constant the builder binds itself stays in place between the slots.
    .where('expires_at', '>', slot('after'))
    .where('key', '!=', 'never-this-key')
    .orderBy('key'),
);
const extend = prepared((db, slot: Slots<{ key: string; by: number }>) =>
  db
    .updateTable('claims')
    .set((eb) => ({ expires_at: eb('expires_at', '+', slot('by')) }))
    .where('key', '=', slot('key')),
);
// The same slot twice, and raw SQL.
const sameTwice = prepared(
  (_db, slot: Slots<{ key: string }>) =>
    sql<{
      n: number;
    }>`select count(*) as n from claims where key = ${slot('key')} or key = ${slot('key')} || '-copy'`,
);

function suite(kind: DatabaseKind) {
  let opened: Awaited<ReturnType<typeof openTestDatabase>> | undefined;
  let database: Database;

  before(async () => {
    opened = await openTestDatabase(kind);
    database = opened.database;
  });
  after(() => opened?.close());

  it('runs with new values each time and answers what the database holds', async () => {
    for (let i = 0; i < 5; i++) await insertClaim.changes(database.db, { key: `p:${i}`, expiresAt: now + i });
    const rows = await claimsAfter.all(database.db, { prefix: 'p:%', after: now + 1 });
    assert.deepEqual(
      rows.map((r) => [r.key, Number(r.expires_at)]),
      [
        ['p:2', now + 2],
        ['p:3', now + 3],
        ['p:4', now + 4],
      ],
    );
    // The same prepared query with other values does not reuse the first run's values.
    const first = await claimsAfter.first(database.db, { prefix: 'p:%', after: now + 3 });
    assert.equal(first?.key, 'p:4');
    assert.equal(await claimsAfter.first(database.db, { prefix: 'q:%', after: 0 }), undefined);
  });

  it('counts changed rows, inside a transaction as outside', async () => {
    await insertClaim.changes(database.db, { key: 'tx:1', expiresAt: now });
    const changed = await inTransaction(database.db, (tx) => extend.changes(tx, { key: 'tx:1', by: 1000 }));
    assert.equal(changed, 1);
    assert.equal(await extend.changes(database.db, { key: 'tx:none', by: 1 }), 0);
    const row = await claimsAfter.first(database.db, { prefix: 'tx:%', after: 0 });
    assert.equal(Number(row?.expires_at), now + 1000);
  });

  it('fills a slot used twice at every place', async () => {
    await insertClaim.changes(database.db, { key: 'twice', expiresAt: now });
    await insertClaim.changes(database.db, { key: 'twice-copy', expiresAt: now });
    const row = await sameTwice.first(database.db, { key: 'twice' });
    assert.equal(Number(row?.n), 2);
  });

  it('binds values as parameters: text that looks like SQL stays text', async () => {
    const hostile = "x' or '1'='1";
    await insertClaim.changes(database.db, { key: hostile, expiresAt: now });
    const rows = await claimsAfter.all(database.db, { prefix: hostile, after: 0 });
    assert.deepEqual(
      rows.map((r) => r.key),
      [hostile],
    );
  });

  it('refuses a run with a value missing instead of binding null', async () => {
    await assert.rejects(
      claimsAfter.all(database.db, { prefix: 'p:%' } as { prefix: string; after: number }),
      /no value for slot "after"/,
    );
  });
}

describe('prepared queries: SQLite', () => suite('sqlite'));
describe('prepared queries: PostgreSQL', { skip: await postgresSkip() }, () => suite('postgres'));

describe('prepared queries: building', () => {
  it('refuses a query in which a named slot is not a bound parameter', async () => {
    const { database, close } = await openTestDatabase('sqlite', { migrate: false });
    try {
      const dropped = prepared((db, slot: Slots<{ key: string; forgotten: string }>) => {
        void slot('forgotten');
        return db.selectFrom('claims').select('key').where('key', '=', slot('key'));
      });
      await assert.rejects(
        dropped.all(database.db, { key: 'k', forgotten: 'f' }),
        /slot "forgotten" is not a bound parameter/,
      );
      // Folding a slot into the SQL text is refused by Kysely itself.
      const folded = prepared((db, slot: Slots<{ key: string }>) =>
        db
          .selectFrom('claims')
          .select('key')
          .where('key', '=', sql.lit(slot('key'))),
      );
      await assert.rejects(folded.all(database.db, { key: 'k' }), /invalid immediate value/);
    } finally {
      await close();
    }
  });
});
