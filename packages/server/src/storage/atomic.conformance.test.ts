import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { newId } from '@helpdesk-auth/core';
import { verifyAuditChain } from '@helpdesk-auth/core/audit-chain';
import { loadConfig } from '../config/config.ts';
import { appendAudit, cliActor, fromAuditRow } from '../services/audit-log.ts';
import { systemTimers } from '../services/context.ts';
import { createServices } from '../services/index.ts';
import { createEventHub } from '../services/live-events.ts';
import { createTestDatabase, type TestDatabase } from '../test-support/harness.ts';
import { postgresSkip } from '../test-support/postgres.ts';
import {
  claimOnce,
  compareAndSetStatus,
  consumeOneTimeToken,
  hitRateLimit,
  inTransaction,
} from './atomic.ts';
import {
  type Database,
  type DatabaseKind,
  migrateToLatest,
  openDatabase,
  pendingMigrations,
} from './database.ts';

/**
 * The storage contract, written once and run on SQLite and PostgreSQL. Each primitive is
 * raced by many concurrent callers (PostgreSQL runs them on separate pooled connections) and
 * must hold exactly.
 */
const concurrency = 25;
const race = <T>(work: (i: number) => Promise<T>) =>
  Promise.all(Array.from({ length: concurrency }, (_, i) => work(i)));
const now = Date.UTC(2026, 5, 1);

function conformanceSuite(kind: DatabaseKind) {
  let testDb: TestDatabase;
  let database: Database;
  let tenantId: string;
  let otherTenantId: string;

  before(async () => {
    testDb = await createTestDatabase(kind);
    database = openDatabase({
      databaseUrl: testDb.config.databaseUrl,
      dataDir: testDb.config.dataDir!,
      maxConnections: 12,
    });
    await migrateToLatest(database.db);
    const services = createServices({
      db: database.db,
      config: loadConfig({}, { mode: 'test', ...testDb.config }),
      clock: () => now,
      encryptionKey: randomBytes(32),
      events: createEventHub(),
      timers: systemTimers,
    });
    tenantId = (await services.tenants.create({ slug: 'alpha', name: 'Alpha' }, cliActor)).id;
    otherTenantId = (await services.tenants.create({ slug: 'beta', name: 'Beta' }, cliActor)).id;
  });

  after(async () => {
    await database?.close();
    await testDb?.cleanup();
  });

  it('applies every migration once and reports none pending', async () => {
    assert.deepEqual(await pendingMigrations(database.db), []);
    assert.deepEqual((await migrateToLatest(database.db)).applied, []);
  });

  describe('transactions', () => {
    it('commits all writes together', async () => {
      const id = newId('customer', now);
      await inTransaction(database.db, async (tx) => {
        await tx
          .insertInto('customers')
          .values({
            id,
            tenant_id: tenantId,
            display_name: 'T',
            name_folded: 't',
            created_at: now,
            updated_at: now,
          })
          .execute();
        await appendAudit(tx, {
          tenantId,
          actor: cliActor,
          action: 'test.commit',
          target: { type: 'customer', id },
          now,
        });
      });
      const row = await database.db
        .selectFrom('customers')
        .select('id')
        .where('id', '=', id)
        .executeTakeFirst();
      const audit = await database.db
        .selectFrom('audit_events')
        .select('id')
        .where('target_id', '=', id)
        .execute();
      assert.equal(row?.id, id);
      assert.equal(audit.length, 1);
    });

    it('rolls back every write, the audit entry included, when the work throws', async () => {
      const id = newId('customer', now);
      const headBefore = await database.db
        .selectFrom('audit_heads')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .executeTakeFirstOrThrow();
      await assert.rejects(
        inTransaction(database.db, async (tx) => {
          await tx
            .insertInto('customers')
            .values({
              id,
              tenant_id: tenantId,
              display_name: 'R',
              name_folded: 'r',
              created_at: now,
              updated_at: now,
            })
            .execute();
          await appendAudit(tx, { tenantId, actor: cliActor, action: 'test.rollback', now });
          throw new Error('boom');
        }),
        /boom/,
      );
      assert.equal(
        await database.db.selectFrom('customers').select('id').where('id', '=', id).executeTakeFirst(),
        undefined,
      );
      const headAfter = await database.db
        .selectFrom('audit_heads')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .executeTakeFirstOrThrow();
      assert.deepEqual(headAfter, headBefore);
    });

    it('joins an enclosing transaction instead of nesting one', async () => {
      await assert.rejects(
        inTransaction(database.db, async (outer) => {
          await inTransaction(outer, (inner) =>
            appendAudit(inner, { tenantId, actor: cliActor, action: 'test.inner', now }),
          );
          throw new Error('outer fails');
        }),
        /outer fails/,
      );
      const inner = await database.db
        .selectFrom('audit_events')
        .select('id')
        .where('action', '=', 'test.inner')
        .execute();
      assert.equal(inner.length, 0);
    });

    it('refuses an audit append outside a transaction', async () => {
      await assert.rejects(
        appendAudit(database.db, { tenantId, actor: cliActor, action: 'test.loose', now }),
        /inside the transaction/,
      );
    });
  });

  describe('claimOnce (replay cache)', () => {
    it('lets exactly one of many concurrent callers claim a key', async () => {
      const results = await race(() => claimOnce(database.db, 'jti:race', { expiresAt: now + 60_000, now }));
      assert.equal(results.filter(Boolean).length, 1);
    });

    it('keeps refusing while the claim lives and allows it again once it lapsed', async () => {
      assert.equal(await claimOnce(database.db, 'jti:lapse', { expiresAt: now + 1000, now }), true);
      assert.equal(
        await claimOnce(database.db, 'jti:lapse', { expiresAt: now + 2000, now: now + 999 }),
        false,
      );
      assert.equal(
        await claimOnce(database.db, 'jti:lapse', { expiresAt: now + 5000, now: now + 1000 }),
        true,
      );
    });
  });

  describe('hitRateLimit (increment only while under the limit)', () => {
    it('allows exactly `limit` of many concurrent hits and never counts past it', async () => {
      const results = await race(() =>
        hitRateLimit(database.db, 'limit:race', { limit: 7, windowMs: 60_000, now }),
      );
      assert.equal(results.filter((r) => r.allowed).length, 7);
      const row = await database.db
        .selectFrom('rate_limits')
        .selectAll()
        .where('key', '=', 'limit:race')
        .executeTakeFirstOrThrow();
      assert.equal(row.count, 7);
      assert.ok(results.every((r) => r.count <= 7));
      assert.ok(results.filter((r) => !r.allowed).every((r) => r.resetAt === now + 60_000));
    });

    it('starts a fresh window once the old one has ended', async () => {
      for (let i = 0; i < 3; i++)
        await hitRateLimit(database.db, 'limit:window', { limit: 3, windowMs: 1000, now });
      assert.equal(
        (await hitRateLimit(database.db, 'limit:window', { limit: 3, windowMs: 1000, now: now + 999 }))
          .allowed,
        false,
      );
      const fresh = await hitRateLimit(database.db, 'limit:window', {
        limit: 3,
        windowMs: 1000,
        now: now + 1000,
      });
      assert.deepEqual(fresh, { allowed: true, count: 1, resetAt: now + 2000 });
    });
  });

  describe('compareAndSetStatus', () => {
    let operatorId: string;
    before(async () => {
      operatorId = newId('operator', now);
      await database.db
        .insertInto('operators')
        .values({
          id: operatorId,
          tenant_id: tenantId,
          email: 'cas@example.com',
          display_name: 'CAS',
          role: 'agent',
          password_hash: null,
          status: 'active',
          created_at: now,
          updated_at: now,
          last_sign_in_at: null,
        })
        .execute();
    });

    it('moves the state for exactly one of many concurrent callers', async () => {
      const results = await race((i) =>
        compareAndSetStatus(
          database.db,
          'operators',
          { tenantId, id: operatorId },
          { from: ['active'], to: 'disabled', set: { updated_at: now + i } },
        ),
      );
      assert.equal(results.filter(Boolean).length, 1);
      const row = await database.db
        .selectFrom('operators')
        .select(['status'])
        .where('id', '=', operatorId)
        .executeTakeFirstOrThrow();
      assert.equal(row.status, 'disabled');
    });

    it('does not touch a row of another tenant', async () => {
      const moved = await compareAndSetStatus(
        database.db,
        'operators',
        { tenantId: otherTenantId, id: operatorId },
        { from: ['disabled'], to: 'active' },
      );
      assert.equal(moved, false);
      const row = await database.db
        .selectFrom('operators')
        .select(['status'])
        .where('id', '=', operatorId)
        .executeTakeFirstOrThrow();
      assert.equal(row.status, 'disabled');
    });
  });

  describe('one-time tokens', () => {
    async function insertToken(
      secretHash: string,
      options: { maxAttempts?: number; attempts?: number; expiresAt?: number } = {},
    ) {
      const id = newId('session', now);
      await database.db
        .insertInto('one_time_tokens')
        .values({
          id,
          tenant_id: tenantId,
          purpose: 'test',
          secret_hash: secretHash,
          subject_id: null,
          max_attempts: options.maxAttempts ?? 5,
          attempts: options.attempts ?? 0,
          expires_at: options.expiresAt ?? now + 600_000,
          consumed_at: null,
          created_at: now,
        })
        .execute();
      return id;
    }

    it('is consumed exactly once under concurrency', async () => {
      await insertToken('h-race');
      const results = await race(() =>
        consumeOneTimeToken(database.db, { purpose: 'test', secretHash: 'h-race', now }),
      );
      assert.equal(results.filter((r) => r !== undefined).length, 1);
    });

    it('cannot be consumed after it expired', async () => {
      await insertToken('h-expired', { expiresAt: now + 1000 });
      assert.equal(
        await consumeOneTimeToken(database.db, { purpose: 'test', secretHash: 'h-expired', now: now + 1000 }),
        undefined,
      );
    });

    it('cannot be consumed once its attempts ran out, even with the right secret', async () => {
      await insertToken('h-spent', { maxAttempts: 3, attempts: 3 });
      assert.equal(
        await consumeOneTimeToken(database.db, { purpose: 'test', secretHash: 'h-spent', now }),
        undefined,
      );
    });
  });

  describe('audit chain under concurrency', () => {
    it('keeps one unbroken chain when many transactions append at once', async () => {
      await race((i) =>
        inTransaction(database.db, (tx) =>
          appendAudit(tx, {
            tenantId: otherTenantId,
            actor: cliActor,
            action: 'test.race',
            data: { i },
            now,
          }),
        ),
      );
      const rows = await database.db
        .selectFrom('audit_events')
        .selectAll()
        .where('tenant_id', '=', otherTenantId)
        .orderBy('seq')
        .execute();
      assert.deepEqual(
        rows.map((r) => r.seq),
        Array.from({ length: rows.length }, (_, i) => i + 1),
      );
      assert.deepEqual(verifyAuditChain(otherTenantId, rows.map(fromAuditRow)), {
        ok: true,
        checked: rows.length,
      });
    });
  });
}

describe('storage conformance: SQLite', () => conformanceSuite('sqlite'));
describe('storage conformance: PostgreSQL', { skip: await postgresSkip() }, () =>
  conformanceSuite('postgres'),
);
