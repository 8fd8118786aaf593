// Tests of the node:sqlite dialect: rows, two writers, and the flags it runs under.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import { verifyAuditChain } from '@helpdesk-auth/core/audit-chain';
import { sql } from 'kysely';
import { createServices } from '../../app/services.ts';
import { loadConfig } from '../../config/config.ts';
import { appendAudit, cliActor, fromAuditRow } from '../../platform/audit-log.ts';
import { systemTimers } from '../../platform/context.ts';
import { createEventHub } from '../../platform/live-events.ts';
import { inTransaction } from '../atomic.ts';
import { type Db, durable, migrateToLatest, openDatabase } from '../database.ts';

describe('embedded SQLite with two processes', () => {
  it('lets a second process write to the same file at once, keeping the audit chain intact', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'ha-two-writers-'));
    const server = openDatabase({ dataDir });
    try {
      await migrateToLatest(server.db);
      const services = createServices({
        db: server.db,
        config: loadConfig({}, { mode: 'test', dataDir }),
        clock: Date.now,
        encryptionKey: randomBytes(32),
        events: createEventHub(),
        timers: systemTimers,
      });
      const tenant = await services.tenants.create({ slug: 'two', name: 'Two' }, cliActor);
      // Each transaction reads the audit head, then writes: the pattern that fails with a
      // deferred BEGIN when the other writer commits in between.
      const worker = new Worker(new URL('../../test-support/sqlite-writer.worker.ts', import.meta.url), {
        workerData: { dataDir, tenantId: tenant.id, count: 30 },
      });
      const workerDone = new Promise<{ ok: boolean; message?: string }>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      for (let i = 0; i < 30; i++) {
        await inTransaction(server.db, async (tx) => {
          await tx.selectFrom('audit_heads').select('seq').execute();
          await appendAudit(tx, {
            tenantId: tenant.id,
            actor: cliActor,
            action: 'test.two_writers',
            data: { i },
            now: Date.now(),
          });
        });
      }
      assert.deepEqual(await workerDone, { ok: true });
      const rows = await server.db
        .selectFrom('audit_events')
        .selectAll()
        .where('tenant_id', '=', tenant.id)
        .orderBy('seq')
        .execute();
      assert.equal(rows.filter((r) => r.action === 'test.two_writers').length, 60);
      assert.deepEqual(verifyAuditChain(tenant.id, rows.map(fromAuditRow)), {
        ok: true,
        checked: rows.length,
      });
    } finally {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('group commit on embedded SQLite', () => {
  /** A second, independent connection: it sees only what is committed. */
  function committedClaims(dataDir: string): string[] {
    const other = new DatabaseSync(path.join(dataDir, 'helpdesk-auth.sqlite'), { readOnly: true });
    try {
      return (other.prepare('select key from claims order by key').all() as { key: string }[]).map(
        (r) => r.key,
      );
    } finally {
      other.close();
    }
  }

  async function withDatabase(work: (db: Db, dataDir: string) => Promise<void>): Promise<void> {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'ha-group-commit-'));
    const database = openDatabase({ dataDir });
    try {
      await migrateToLatest(database.db);
      await work(database.db, dataDir);
    } finally {
      await database.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }

  const claim = (tx: Db, key: string) => tx.insertInto('claims').values({ key, expires_at: 1 }).execute();

  it('a transaction is committed, for every other connection, when inTransaction returns', async () => {
    await withDatabase(async (db, dataDir) => {
      await inTransaction(db, (tx) => claim(tx, 'a'));
      assert.deepEqual(committedClaims(dataDir), ['a']);
    });
  });

  it('transactions that run together commit together; a failing one takes only its own changes back', async () => {
    await withDatabase(async (db, dataDir) => {
      const outcomes = await Promise.allSettled([
        inTransaction(db, (tx) => claim(tx, 'one')),
        inTransaction(db, async (tx) => {
          await claim(tx, 'doomed');
          throw new Error('rolled back');
        }),
        inTransaction(db, (tx) => claim(tx, 'three')),
      ]);
      assert.deepEqual(
        outcomes.map((o) => o.status),
        ['fulfilled', 'rejected', 'fulfilled'],
      );
      assert.deepEqual(committedClaims(dataDir), ['one', 'three']);
    });
  });

  it('a large transaction that fails inside a group is taken back whole, from a savepoint journal kept in memory', async () => {
    await withDatabase(async (db, dataDir) => {
      // Savepoint journals would otherwise spill to a temporary file beyond 64 KiB, two writes
      // per page, for every transaction of a group.
      const { rows } = await sql<{ temp_store: number }>`pragma temp_store`.execute(db);
      assert.equal(rows[0]?.temp_store, 2);
      const wide = (i: number) => `${String(i).padStart(6, '0')}-${'x'.repeat(500)}`;
      const outcomes = await Promise.allSettled([
        inTransaction(db, (tx) => claim(tx, 'kept')),
        inTransaction(db, async (tx) => {
          for (let i = 0; i < 600; i++) await claim(tx, wide(i));
          throw new Error('rolled back');
        }),
        inTransaction(db, (tx) => claim(tx, 'also kept')),
      ]);
      assert.deepEqual(
        outcomes.map((o) => o.status),
        ['fulfilled', 'rejected', 'fulfilled'],
      );
      assert.deepEqual(committedClaims(dataDir), ['also kept', 'kept']);
    });
  });

  /** Another process's connection writing a claim, refusing at once rather than waiting for a lock. */
  function claimElsewhere(dataDir: string, key: string): void {
    const other = new DatabaseSync(path.join(dataDir, 'helpdesk-auth.sqlite'));
    try {
      other.exec('PRAGMA busy_timeout = 0');
      other.exec('BEGIN IMMEDIATE');
      other.prepare('insert into claims (key, expires_at) values (?, 1)').run(key);
      other.exec('COMMIT');
    } finally {
      other.close();
    }
  }

  const claimKeys = async (db: Db) =>
    (await db.selectFrom('claims').select('key').orderBy('key').execute()).map((r) => r.key);
  const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

  it('reads outside a transaction share one read transaction until the next turn, taking no write lock', async () => {
    await withDatabase(async (db, dataDir) => {
      await claim(db, 'before');
      await durable(db);
      assert.deepEqual(await claimKeys(db), ['before']);
      // Another process writes while that read transaction is open: it gets the lock at once.
      claimElsewhere(dataDir, 'elsewhere');
      // Same turn, same snapshot: the reads of one request see one state of the database.
      assert.deepEqual(await claimKeys(db), ['before']);
      await nextTurn();
      assert.deepEqual(await claimKeys(db), ['before', 'elsewhere']);
    });
  });

  it('a write after such a read succeeds although another process wrote in between', async () => {
    await withDatabase(async (db, dataDir) => {
      await durable(db);
      assert.deepEqual(await claimKeys(db), []);
      claimElsewhere(dataDir, 'elsewhere');
      // Upgrading the read transaction would fail here (SQLITE_BUSY_SNAPSHOT): it is ended first.
      await inTransaction(db, (tx) => claim(tx, 'unit'));
      await claim(db, 'loose');
      await durable(db);
      assert.deepEqual(committedClaims(dataDir), ['elsewhere', 'loose', 'unit']);
      assert.deepEqual(await claimKeys(db), ['elsewhere', 'loose', 'unit']);
    });
  });

  it('a write outside a transaction is committed by durable(), and by closing', async () => {
    await withDatabase(async (db, dataDir) => {
      await claim(db, 'loose');
      await durable(db);
      assert.deepEqual(committedClaims(dataDir), ['loose']);
    });
    const dataDir = mkdtempSync(path.join(tmpdir(), 'ha-group-commit-'));
    try {
      const database = openDatabase({ dataDir });
      await migrateToLatest(database.db);
      await claim(database.db, 'at-close');
      await database.close();
      assert.deepEqual(committedClaims(dataDir), ['at-close']);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('rows from embedded SQLite', () => {
  // Everything the dialect can be asked for: every storage class, NULL, an alias, two result
  // columns with one name, and a column named like the prototype.
  const query = `select 42 as n, 1.5 as f, 'text' as s, x'00ff' as b, null as z,
    1 as dup, 2 as dup, 'own' as "__proto__"`;
  const wide = 'select key, expires_at from claims order by key';

  it('gives every statement the same rows, by name, as node:sqlite itself would', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'ha-rows-'));
    const database = openDatabase({ dataDir });
    try {
      await migrateToLatest(database.db);
      await database.db
        .insertInto('claims')
        .values([
          { key: 'a', expires_at: 1 },
          { key: 'b', expires_at: 2 },
        ])
        .execute();
      await durable(database.db);
      const other = new DatabaseSync(path.join(dataDir, 'helpdesk-auth.sqlite'), { readOnly: true });
      try {
        for (const text of [wide, 'select 7 as only', 'select key as "__proto__", expires_at from claims']) {
          const { rows } = await sql.raw(text).execute(database.db);
          const expected = other.prepare(text).all();
          assert.deepEqual(
            rows.map((row) => ({ ...(row as object) })),
            expected.map((row) => ({ ...row })),
            text,
          );
        }
        const [row] = (await sql.raw(query).execute(database.db)).rows as Record<string, unknown>[];
        assert.deepEqual(Object.keys(row!), ['n', 'f', 's', 'b', 'z', 'dup', '__proto__']);
        assert.equal(row!.n, 42);
        assert.equal(row!.f, 1.5);
        assert.equal(row!.s, 'text');
        assert.deepEqual(row!.b, new Uint8Array([0, 255]));
        assert.equal(row!.z, null);
        assert.equal(row!.dup, 2, 'the later of two columns with one name wins, as in node:sqlite');
        assert.equal(Object.getOwnPropertyDescriptor(row, '__proto__')?.value, 'own');
        assert.notEqual(Object.getPrototypeOf(row), 'own');
      } finally {
        other.close();
      }
    } finally {
      await database.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('gives the same rows in a process that refuses to compile code from strings', async () => {
    // Such a process cannot build the per-statement row maker; the driver must fall back to
    // node:sqlite's own objects rather than fail every query.
    const dataDir = mkdtempSync(path.join(tmpdir(), 'ha-rows-'));
    const database = new URL('../database.ts', import.meta.url).href;
    const script = `
      import { sql } from 'kysely';
      import { migrateToLatest, openDatabase } from ${JSON.stringify(database)};
      let compiled = true;
      try { new Function('return 1'); } catch { compiled = false; }
      const { db, close } = openDatabase({ dataDir: ${JSON.stringify(dataDir)} });
      await migrateToLatest(db);
      await db.insertInto('claims').values({ key: 'k', expires_at: 9 }).execute();
      const rows = await db.selectFrom('claims').select(['key', 'expires_at']).execute();
      const [wide] = (await sql.raw(${JSON.stringify(query)}).execute(db)).rows;
      await close();
      console.log(JSON.stringify({ compiled, rows, keys: Object.keys(wide), n: wide.n, dup: wide.dup }));
    `;
    try {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--disallow-code-generation-from-strings', '--input-type=module', '--eval', script],
        { cwd: import.meta.dirname },
      );
      const answer = JSON.parse(stdout.trim()) as Record<string, unknown>;
      assert.equal(answer.compiled, false, 'the child process must really refuse code from strings');
      assert.deepEqual(answer.rows, [{ key: 'k', expires_at: 9 }]);
      assert.deepEqual(answer.keys, ['n', 'f', 's', 'b', 'z', 'dup', '__proto__']);
      assert.equal(answer.n, 42);
      assert.equal(answer.dup, 2);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('streams rows as objects too, and an empty result as no rows', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'ha-rows-'));
    const database = openDatabase({ dataDir });
    try {
      await migrateToLatest(database.db);
      assert.deepEqual(await database.db.selectFrom('claims').selectAll().execute(), []);
      await database.db.insertInto('claims').values({ key: 'k', expires_at: 9 }).execute();
      const streamed = [];
      for await (const row of database.db.selectFrom('claims').select(['key', 'expires_at']).stream()) {
        streamed.push(row);
      }
      assert.deepEqual(streamed, [{ key: 'k', expires_at: 9 }]);
    } finally {
      await database.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
