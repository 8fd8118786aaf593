// Tests of the report reader: reports read what is committed, cannot write, and on SQLite leave
// the serving thread free while they run.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { openTestDatabase } from '../../test-support/harness.ts';
import { postgresSkip } from '../../test-support/postgres.ts';
import type { Database, DatabaseKind } from '../database.ts';

const now = Date.UTC(2026, 11, 7);

function suite(kind: DatabaseKind) {
  let opened: Awaited<ReturnType<typeof openTestDatabase>> | undefined;
  let database: Database;

  before(async () => {
    opened = await openTestDatabase(kind);
    database = opened.database;
  });
  after(() => opened?.close());

  it('reads what the server committed, with the query’s own values', async () => {
    const { db } = database;
    for (const slug of ['north', 'south']) {
      await db
        .insertInto('tenants')
        .values({ id: `ten_${slug}`, slug, name: slug, settings: '{}', created_at: now, updated_at: now })
        .execute();
    }
    const rows = await database.reports.rows(
      db.selectFrom('tenants').select(['id', 'created_at']).where('slug', '=', 'south'),
    );
    assert.deepEqual(rows, [{ id: 'ten_south', created_at: now }]);
    // A change made after the first report is seen by the next.
    await db.updateTable('tenants').set({ name: 'South Bank' }).where('id', '=', 'ten_south').execute();
    const again = await database.reports.rows(
      db.selectFrom('tenants').select('name').where('id', '=', 'ten_south'),
    );
    assert.deepEqual(again, [{ name: 'South Bank' }]);
  });

  if (kind === 'sqlite') {
    it('cannot write', async () => {
      const { db } = database;
      await assert.rejects(
        database.reports.rows(db.deleteFrom('tenants').where('id', '=', 'ten_north').returning('id')),
        /readonly|read-only/i,
      );
      const left = await db.selectFrom('tenants').select('id').where('id', '=', 'ten_north').execute();
      assert.equal(left.length, 1);
    });

    it('runs on another thread: timers fire on the serving thread while a long report runs', async () => {
      const { db } = database;
      // A statement that keeps SQLite busy for a while: counting up a few million rows.
      const slow = db.selectNoFrom(
        sql<number>`(with recursive c(x) as (select 1 union all select x + 1 from c where x < 2000000) select count(*) from c)`.as(
          'n',
        ),
      );
      const ticksWhile = async (run: () => Promise<unknown>) => {
        let ticks = 0;
        const timer = setInterval(() => ticks++, 5);
        const started = performance.now();
        try {
          await run();
        } finally {
          clearInterval(timer);
        }
        return { ticks, ms: performance.now() - started };
      };
      const onWorker = await ticksWhile(async () => {
        const [row] = await database.reports.rows(slow);
        assert.equal(Number(row?.n), 2_000_000);
      });
      // The same statement on the serving connection holds the thread to its end.
      const onServer = await ticksWhile(() => slow.execute());
      assert.ok(onServer.ms > 100, `the statement is long enough to tell (${onServer.ms.toFixed(0)} ms)`);
      assert.ok(onServer.ticks <= 1, `no timer ran on the serving thread (${onServer.ticks})`);
      assert.ok(
        onWorker.ticks >= Math.min(5, onWorker.ms / 20),
        `timers ran while the report did (${onWorker.ticks} in ${onWorker.ms.toFixed(0)} ms)`,
      );
    });
  }
}

describe('report reader: SQLite', () => suite('sqlite'));
describe('report reader: PostgreSQL', { skip: await postgresSkip() }, () => suite('postgres'));
