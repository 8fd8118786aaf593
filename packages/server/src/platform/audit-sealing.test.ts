// The audit sequencer on SQLite and PostgreSQL: concurrent appends, commit order, crashes, leases.
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { newId } from '@helpdesk-auth/core';
import { genesisHash } from '@helpdesk-auth/core/audit-chain';
import pg from 'pg';
import { inTransaction } from '../storage/atomic.ts';
import { type Database, type DatabaseKind, migrateToLatest, openDatabase } from '../storage/database.ts';
import { createTestDatabase, type TestDatabase } from '../test-support/harness.ts';
import { postgresSkip } from '../test-support/postgres.ts';
import {
  type AuditSealing,
  appendAudit,
  appendAuditMany,
  appendAuditSealed,
  cliActor,
  createAuditHead,
  readAuditChain,
  sealAudit,
  sealAuditBacklog,
  setAuditSealing,
  unsealedAuditCount,
  verifyTenantAuditChain,
} from './audit-log.ts';

const now = Date.UTC(2026, 5, 1);

function sealingSuite(kind: DatabaseKind) {
  let testDb: TestDatabase;
  /** Two handles on one database, as two server processes would hold (SQLite: one writer, one handle). */
  let a: Database;
  let b: Database;

  const open = () =>
    openDatabase({
      databaseUrl: testDb.config.databaseUrl,
      dataDir: testDb.config.dataDir!,
      maxConnections: 12,
    });

  async function newTenant(): Promise<string> {
    const id = newId('tenant', now);
    await inTransaction(a.db, async (tx) => {
      await tx
        .insertInto('tenants')
        .values({ id, slug: id.toLowerCase(), name: 'T', settings: '{}', created_at: now, updated_at: now })
        .execute();
      await createAuditHead(tx, id);
    });
    return id;
  }

  const append = (db: Database, tenantId: string, i: number) =>
    inTransaction(db.db, (tx) =>
      appendAudit(tx, { tenantId, actor: cliActor, action: 'test.parallel', data: { i }, now }),
    );

  async function chainIds(tenantId: string): Promise<string[]> {
    const ids: string[] = [];
    for await (const entry of readAuditChain(a.db, tenantId)) ids.push(entry.id);
    return ids;
  }

  before(async () => {
    testDb = await createTestDatabase(kind);
    a = open();
    await migrateToLatest(a.db);
    b = kind === 'postgres' ? open() : a;
    setAuditSealing(a.db, 'deferred');
    setAuditSealing(b.db, 'deferred');
  });
  after(async () => {
    await a?.close();
    if (b !== a) await b?.close();
    await testDb?.cleanup();
  });

  for (const sealing of ['deferred', 'inline'] as AuditSealing[]) {
    it(`seals every one of many concurrent appends exactly once, in an order that keeps what was reported (${sealing})`, async () => {
      setAuditSealing(a.db, sealing);
      setAuditSealing(b.db, sealing);
      try {
        const tenantId = await newTenant();
        const count = 160;
        // A clock of events: each append notes when it began and when its caller got it back.
        let tick = 0;
        const spans = new Map<string, { began: number; returned: number }>();
        let racing = true;
        // Sweeps race the after-commit sealing, in both "processes".
        const sweeps = [a, b].map(async (db) => {
          while (racing) {
            await sealAuditBacklog(db.db);
            await new Promise((resolve) => setImmediate(resolve));
          }
        });
        await Promise.all(
          Array.from({ length: count }, async (_, i) => {
            const began = tick++;
            const { id } = await append(i % 2 === 0 ? a : b, tenantId, i);
            spans.set(id, { began, returned: tick++ });
          }),
        );
        racing = false;
        await Promise.all(sweeps);

        assert.equal(
          await unsealedAuditCount(a.db, tenantId),
          0,
          'each append is sealed before its caller gets it back',
        );
        const verification = await verifyTenantAuditChain(a.db, tenantId);
        assert.deepEqual(verification, { ok: true, checked: count, headSeq: count, unsealed: 0 });
        const ids = await chainIds(tenantId);
        assert.equal(ids.length, count);
        assert.deepEqual(new Set(ids), new Set(spans.keys()), 'no entry lost, none twice');
        // An entry its caller got back before another append began comes before it in the chain.
        const seqOf = new Map(ids.map((id, index) => [id, index + 1]));
        for (const [x, spanX] of spans) {
          for (const [y, spanY] of spans) {
            if (spanX.returned < spanY.began) assert.ok(seqOf.get(x)! < seqOf.get(y)!, `${x} before ${y}`);
          }
        }
      } finally {
        setAuditSealing(a.db, 'deferred');
        setAuditSealing(b.db, 'deferred');
      }
    });
  }

  for (const sealing of ['deferred', 'inline'] as AuditSealing[]) {
    it(`appends many entries in one go, in their order, flagging those about practice customers (${sealing})`, async () => {
      setAuditSealing(a.db, sealing);
      try {
        const tenantId = await newTenant();
        const customer = (practice: number) => ({
          id: newId('customer', now),
          tenant_id: tenantId,
          display_name: 'C',
          name_folded: 'c',
          practice,
          created_at: now,
          updated_at: now,
        });
        const real = customer(0);
        const madeUp = customer(1);
        await a.db.insertInto('customers').values([real, madeUp]).execute();
        await append(a, tenantId, 0);
        const records = Array.from({ length: 6 }, (_, i) => ({
          tenantId,
          actor: cliActor,
          action: 'test.many',
          target: { type: 'customer', id: i % 3 === 2 ? madeUp.id : real.id },
          data: { i },
          now,
        }));
        const appended = await inTransaction(a.db, (tx) => appendAuditMany(tx, records));
        assert.equal(await unsealedAuditCount(a.db, tenantId), 0, 'sealed before the caller gets them back');
        const entries = [];
        for await (const entry of readAuditChain(a.db, tenantId)) entries.push(entry);
        assert.deepEqual(
          entries.slice(1).map((e) => e.id),
          appended.map((e) => e.id),
          'after the earlier entry, in the order given',
        );
        assert.deepEqual(
          entries.slice(1).map((e) => JSON.parse(e.data)),
          [{ i: 0 }, { i: 1 }, { i: 2, practice: true }, { i: 3 }, { i: 4 }, { i: 5, practice: true }],
        );
        assert.deepEqual(await verifyTenantAuditChain(a.db, tenantId), {
          ok: true,
          checked: 7,
          headSeq: 7,
          unsealed: 0,
        });
        await assert.rejects(appendAuditMany(a.db, records), /must run inside the transaction/);
      } finally {
        setAuditSealing(a.db, 'deferred');
      }
    });
  }

  it('seals an entry whose transaction began first but committed last after the one that committed first', {
    skip: kind === 'sqlite' ? 'SQLite runs one write transaction at a time' : false,
  }, async () => {
    const tenantId = await newTenant();
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let appended!: () => void;
    const firstAppended = new Promise<void>((resolve) => {
      appended = resolve;
    });
    // The first transaction inserts its entry (the lower id) and stays open: an in-flight gap.
    const first = inTransaction(a.db, async (tx) => {
      const entry = await appendAudit(tx, { tenantId, actor: cliActor, action: 'test.first', now });
      appended();
      await held;
      return entry;
    });
    await firstAppended;
    const second = await append(b, tenantId, 2);
    // The second is sealed at once; the first, not committed, is neither sealed nor skipped over.
    assert.deepEqual(await chainIds(tenantId), [second.id]);
    release();
    const firstEntry = await first;
    assert.ok(firstEntry.id < second.id, 'the first has the lower id');
    assert.deepEqual(await chainIds(tenantId), [second.id, firstEntry.id]);
    assert.equal((await verifyTenantAuditChain(a.db, tenantId)).ok, true);
  });

  it('seals, at the next sweep, entries committed by a process that stopped before sealing them', async () => {
    const tenantId = await newTenant();
    const crashed = open();
    setAuditSealing(crashed.db, 'deferred');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      // A plain transaction runs no after-commit work: committed, never sealed, as if the process died.
      const { id } = await crashed.db
        .transaction()
        .execute((tx) =>
          appendAudit(tx, { tenantId, actor: cliActor, action: 'test.orphan', data: { i }, now }),
        );
      ids.push(id);
    }
    await crashed.close();
    assert.equal(await unsealedAuditCount(a.db, tenantId), 5);
    const head = await a.db
      .selectFrom('audit_heads')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .executeTakeFirstOrThrow();
    assert.deepEqual([head.seq, head.hash], [0, genesisHash]);

    assert.equal(await sealAuditBacklog(a.db), 5);
    assert.deepEqual(await chainIds(tenantId), ids);
    assert.deepEqual(await verifyTenantAuditChain(a.db, tenantId), {
      ok: true,
      checked: 5,
      headSeq: 5,
      unsealed: 0,
    });
  });

  it('loses nothing it reported when its process is killed at any point, and the chain verifies', async () => {
    const tenantId = await newTenant();
    const child = fork(
      path.join(import.meta.dirname, '../test-support/audit-appender.child.ts'),
      [testDb.config.databaseUrl ?? '', testDb.config.dataDir!, tenantId],
      { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
    );
    const committed: string[] = [];
    try {
      await new Promise<void>((resolve, reject) => {
        child.on('message', (message: { committed: string }) => {
          committed.push(message.committed);
          if (committed.length === 40) resolve();
        });
        child.on('exit', (code) => reject(new Error(`the appender exited (${code}) before it was killed`)));
      });
    } finally {
      child.kill('SIGKILL');
    }
    await new Promise((resolve) =>
      child.exitCode !== null || child.signalCode ? resolve(null) : child.once('exit', resolve),
    );

    await sealAuditBacklog(a.db);
    const verification = await verifyTenantAuditChain(a.db, tenantId);
    assert.equal(verification.ok, true);
    assert.equal(verification.unsealed, 0);
    const inChain = new Set(await chainIds(tenantId));
    assert.equal(inChain.size, verification.checked);
    for (const id of committed)
      assert.ok(inChain.has(id), `${id} was reported committed and is in the chain`);
  });

  it('keeps entries committed earlier before one sealed in its own transaction', async () => {
    const tenantId = await newTenant();
    const orphan = await a.db
      .transaction()
      .execute((tx) => appendAudit(tx, { tenantId, actor: cliActor, action: 'test.orphan', now }));
    const sealed = await inTransaction(a.db, (tx) =>
      appendAuditSealed(tx, { tenantId, actor: cliActor, action: 'webhook.created', now }),
    );
    assert.equal(sealed.seq, 2);
    assert.deepEqual(await chainIds(tenantId), [orphan.id, sealed.id]);
    assert.equal((await verifyTenantAuditChain(a.db, tenantId)).ok, true);
  });

  it('still reports a changed or removed sealed entry', async () => {
    const tenantId = await newTenant();
    for (let i = 0; i < 3; i++) await append(a, tenantId, i);
    const second = await a.db
      .selectFrom('audit_events')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where('seq', '=', 2)
      .executeTakeFirstOrThrow();
    await a.db.updateTable('audit_events').set({ data: '{"i":99}' }).where('id', '=', second.id).execute();
    const changed = await verifyTenantAuditChain(a.db, tenantId);
    assert.equal(changed.ok, false);
    assert.deepEqual(!changed.ok && changed.firstBroken, { seq: 2, id: second.id, reason: 'hash_mismatch' });

    const other = await newTenant();
    for (let i = 0; i < 3; i++) await append(a, other, i);
    await a.db.deleteFrom('audit_events').where('tenant_id', '=', other).where('seq', '=', 3).execute();
    const truncated = await verifyTenantAuditChain(a.db, other);
    assert.equal(truncated.ok, false);
    assert.equal(!truncated.ok && truncated.firstBroken.reason, 'sequence_gap');
  });

  it('leaves a tenant held by another sealer to it, and takes it over when that sealer dies mid-way', {
    skip: kind === 'sqlite' ? 'SQLite has no row locks: its one writer serialises the sealers' : false,
  }, async () => {
    const tenantId = await newTenant();
    const orphan = await a.db
      .transaction()
      .execute((tx) => appendAudit(tx, { tenantId, actor: cliActor, action: 'test.orphan', now }));
    // Another process's sealer: it holds the tenant's head and has written part of a batch.
    const other = new pg.Client({ connectionString: testDb.config.databaseUrl });
    await other.connect();
    other.on('error', () => {});
    try {
      await other.query('begin');
      await other.query('select seq from audit_heads where tenant_id = $1 for update', [tenantId]);
      await other.query(
        `insert into audit_events (id, tenant_id, seq, occurred_at, actor_type, action, data, prev_hash, hash)
         values ($1, $2, 1, $3, 'cli', 'test.half', '{}', $4, $4)`,
        [newId('audit', now), tenantId, now, genesisHash],
      );
      const pid = (await other.query('select pg_backend_pid() as pid')).rows[0].pid as number;

      assert.equal(await sealAuditBacklog(a.db), 0, 'the sweep skips the tenant another sealer holds');
      const waiting = sealAudit(b.db, tenantId);
      await a.db.selectNoFrom((eb) => eb.fn('pg_terminate_backend', [eb.val(pid)]).as('ended')).execute();
      assert.equal(await waiting, 1, 'a waiting sealer takes over once the dead one lets go');
    } finally {
      await other.end().catch(() => {});
    }
    assert.deepEqual(await chainIds(tenantId), [orphan.id]);
    assert.deepEqual(await verifyTenantAuditChain(a.db, tenantId), {
      ok: true,
      checked: 1,
      headSeq: 1,
      unsealed: 0,
    });
  });
}

describe('audit sequencer: SQLite', () => sealingSuite('sqlite'));
describe('audit sequencer: PostgreSQL', { skip: await postgresSkip() }, () => sealingSuite('postgres'));
