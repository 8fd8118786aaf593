// The storage contract, raced on SQLite and PostgreSQL.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { newId } from '@helpdesk-auth/core';
import { verifyAuditChain } from '@helpdesk-auth/core/audit-chain';
import { createServices } from '../app/services.ts';
import { loadConfig } from '../config/config.ts';
import { appendAudit, cliActor, fromAuditRow } from '../platform/audit-log.ts';
import { systemTimers } from '../platform/context.ts';
import { createEventHub } from '../platform/live-events.ts';
import { createTestDatabase, type TestDatabase } from '../test-support/harness.ts';
import { postgresSkip } from '../test-support/postgres.ts';
import {
  claimOnce,
  compareAndSet,
  compareAndSetStatus,
  consumeOneTimeToken,
  hitRateLimit,
  inTransaction,
  inTransactionRetryingUnique,
  leaseDelivery,
  releaseRateLimit,
  reserveQuestionCheck,
  settleQuestionFailure,
  settleQuestionPass,
  takeIntervalSlot,
  takeRateLimitSlots,
} from './atomic.ts';
import {
  type Database,
  type DatabaseKind,
  migrateToLatest,
  openDatabase,
  pendingMigrations,
} from './database.ts';
import { finaliseIfUnchanged } from './verification-queries.ts';

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

  describe('takeRateLimitSlots (a batch of hits, never past the limit)', () => {
    it('grants exactly `limit` slots over many concurrent batches, a part to the one that finds less room', async () => {
      const results = await race((i) =>
        takeRateLimitSlots(database.db, 'slots:race', {
          slots: 1 + (i % 4),
          limit: 40,
          windowMs: 60_000,
          now,
        }),
      );
      const asked = Array.from({ length: concurrency }, (_, i) => 1 + (i % 4)).reduce((a, b) => a + b, 0);
      assert.ok(asked > 40, 'the racers ask for more than the window holds');
      assert.equal(
        results.reduce((sum, r) => sum + r.granted, 0),
        40,
      );
      results.forEach((r, i) => {
        assert.ok(r.granted >= 0 && r.granted <= 1 + (i % 4));
        assert.ok(r.count <= 40);
      });
      const row = await database.db
        .selectFrom('rate_limits')
        .selectAll()
        .where('key', '=', 'slots:race')
        .executeTakeFirstOrThrow();
      assert.equal(row.count, 40);
    });

    it('gives what is left of a window, nothing once it is full, and all again in the next window', async () => {
      const take = (slots: number, at: number) =>
        takeRateLimitSlots(database.db, 'slots:window', { slots, limit: 10, windowMs: 1000, now: at });
      assert.deepEqual(await take(25, now), { granted: 10, count: 10, resetAt: now + 1000 });
      assert.deepEqual(await take(1, now + 500), { granted: 0, count: 10, resetAt: now + 1000 });
      assert.deepEqual(await take(6, now + 1000), { granted: 6, count: 6, resetAt: now + 2000 });
      assert.deepEqual(await take(6, now + 1001), { granted: 4, count: 10, resetAt: now + 2000 });
      // Shared with hitRateLimit: one key, one count.
      assert.equal(
        (await hitRateLimit(database.db, 'slots:window', { limit: 10, windowMs: 1000, now: now + 1002 }))
          .allowed,
        false,
      );
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

  describe('releaseRateLimit (give back a reserved hit)', () => {
    it('never takes the count below zero, however many give back at once', async () => {
      for (let i = 0; i < 7; i++)
        await hitRateLimit(database.db, 'limit:release', { limit: 7, windowMs: 60_000, now });
      await race(() => releaseRateLimit(database.db, 'limit:release'));
      const row = await database.db
        .selectFrom('rate_limits')
        .select('count')
        .where('key', '=', 'limit:release')
        .executeTakeFirstOrThrow();
      assert.equal(row.count, 0);
    });
  });

  describe('compareAndSet (a row moves only from the values it was read with)', () => {
    let operatorId: string;
    before(async () => {
      operatorId = newId('operator', now);
      await database.db
        .insertInto('operators')
        .values({
          id: operatorId,
          tenant_id: tenantId,
          email: 'generic-cas@example.com',
          display_name: 'Generic CAS',
          role: 'agent',
          password_hash: null,
          status: 'active',
          created_at: now,
          updated_at: now,
          last_sign_in_at: null,
        })
        .execute();
    });

    it('lets exactly one of many callers expecting the same value move the row', async () => {
      const results = await race((i) =>
        compareAndSet(database.db, 'operators', {
          where: { id: operatorId, tenant_id: tenantId },
          expect: { updated_at: now },
          set: { updated_at: now + 1 + i },
        }),
      );
      assert.equal(results.filter(Boolean).length, 1);
      const row = await database.db
        .selectFrom('operators')
        .select('updated_at')
        .where('id', '=', operatorId)
        .executeTakeFirstOrThrow();
      assert.equal(row.updated_at, now + 1 + results.indexOf(true));
    });

    it('treats an expected null as "is null", once', async () => {
      const results = await race((i) =>
        compareAndSet(database.db, 'operators', {
          where: { id: operatorId, tenant_id: tenantId },
          expect: { last_sign_in_at: null },
          set: { last_sign_in_at: now + i },
        }),
      );
      assert.equal(results.filter(Boolean).length, 1);
    });

    it('does not touch a row of another tenant', async () => {
      const moved = await compareAndSet(database.db, 'operators', {
        where: { id: operatorId, tenant_id: otherTenantId },
        expect: { status: 'active' },
        set: { status: 'disabled' },
      });
      assert.equal(moved, false);
    });
  });

  describe('takeIntervalSlot (CIBA polling)', () => {
    /** A fresh poll-mode CIBA request, for the primitives its token endpoint uses. */
    async function cibaRequest(): Promise<string> {
      const id = newId('cibaRequest', now);
      await database.db
        .insertInto('ciba_requests')
        .values({
          id,
          tenant_id: tenantId,
          client_id: 'client',
          customer_id: 'customer',
          verification_id: 'verification',
          scope: 'openid',
          acr_values: null,
          delivery_mode: 'poll',
          notification_token_sealed: null,
          interval_seconds: 5,
          last_polled_at: null,
          expires_at: now + 600_000,
          redeemed_at: null,
          notified_at: null,
          created_at: now,
        })
        .execute();
      return id;
    }

    it('puts exactly one of many polls at one moment on time, and the next only after the interval', async () => {
      const id = await cibaRequest();
      const poll = (at: number) =>
        takeIntervalSlot(
          database.db,
          'ciba_requests',
          { id },
          { column: 'last_polled_at', now: at, intervalMs: 5000 },
        );
      assert.equal((await race(() => poll(now))).filter(Boolean).length, 1);
      assert.equal((await race(() => poll(now + 4999))).filter(Boolean).length, 0);
      assert.equal((await race(() => poll(now + 5000))).filter(Boolean).length, 1);
    });

    it('redeems a request exactly once (compareAndSet on redeemed_at)', async () => {
      const id = await cibaRequest();
      const results = await race((i) =>
        compareAndSet(database.db, 'ciba_requests', {
          where: { id, tenant_id: tenantId },
          expect: { redeemed_at: null },
          set: { redeemed_at: now + i },
        }),
      );
      assert.equal(results.filter(Boolean).length, 1);
    });
  });

  describe('webhook delivery leases and cursor', () => {
    async function insertDelivery(leaseUntil: number | null) {
      const id = newId('webhookDelivery', now);
      await database.db
        .insertInto('webhook_deliveries')
        .values({
          id,
          tenant_id: tenantId,
          endpoint_id: 'endpoint',
          event_id: id,
          event_type: 'verification.approved',
          payload: '{}',
          status: 'pending',
          attempts: 0,
          next_attempt_at: now,
          lease_owner: leaseUntil === null ? null : 'dead-process',
          lease_until: leaseUntil,
          last_status_code: null,
          created_at: now,
          completed_at: null,
        })
        .execute();
      return id;
    }

    it('leases a due delivery to exactly one of many processes', async () => {
      const id = await insertDelivery(null);
      const leases = await race((i) =>
        leaseDelivery(database.db, { id, owner: `process-${i}`, now, leaseMs: 30_000 }),
      );
      assert.equal(leases.filter((l) => l !== undefined).length, 1);
      assert.equal(
        (
          await race((i) =>
            leaseDelivery(database.db, { id, owner: `late-${i}`, now: now + 29_999, leaseMs: 30_000 }),
          )
        ).filter((l) => l !== undefined).length,
        0,
      );
    });

    it('hands a lapsed lease to exactly one process, and only the holder settles the attempt', async () => {
      const id = await insertDelivery(now);
      const leases = await race((i) =>
        leaseDelivery(database.db, { id, owner: `process-${i}`, now, leaseMs: 30_000 }),
      );
      const winners = leases.filter((l) => l !== undefined);
      assert.equal(winners.length, 1);
      const settled = await race((i) =>
        compareAndSet(database.db, 'webhook_deliveries', {
          where: { id },
          expect: { lease_owner: `process-${i}`, attempts: 0 },
          set: { status: 'succeeded', attempts: 1, lease_owner: null, lease_until: null, completed_at: now },
        }),
      );
      assert.equal(settled.filter(Boolean).length, 1);
      assert.equal(settled.indexOf(true), leases.indexOf(winners[0]));
    });

    it('moves an endpoint cursor once from the value it was read with', async () => {
      const endpointId = newId('webhookEndpoint', now);
      await database.db
        .insertInto('webhook_endpoints')
        .values({
          id: endpointId,
          tenant_id: tenantId,
          url: 'https://receiver.example/hook',
          description: null,
          events: '[]',
          status: 'enabled',
          secret_sealed: 'x',
          previous_secret_sealed: null,
          previous_secret_expires_at: null,
          after_seq: 10,
          created_at: now,
          updated_at: now,
        })
        .execute();
      const results = await race((i) =>
        compareAndSet(database.db, 'webhook_endpoints', {
          where: { id: endpointId },
          expect: { after_seq: 10 },
          set: { after_seq: 11 + i },
        }),
      );
      assert.equal(results.filter(Boolean).length, 1);
    });
  });

  describe('security-question reservations (reserveQuestionCheck)', () => {
    const cap = 3;
    const where = () => ({ tenantId, customerId: `customer-${randomBytes(4).toString('hex')}`, now });

    it('grants exactly `cap` of many concurrent checks, none once the failures lock the method', async () => {
      const at = where();
      const results = await race(() => reserveQuestionCheck(database.db, { ...at, cap }));
      assert.equal(results.filter((r) => r.reserved).length, cap);
      for (let i = 0; i < cap; i++) {
        const settled = await inTransaction(database.db, (tx) => settleQuestionFailure(tx, { ...at, cap }));
        assert.equal(settled.locked, i === cap - 1);
      }
      const afterLock = await race(() => reserveQuestionCheck(database.db, { ...at, cap }));
      assert.equal(afterLock.filter((r) => r.reserved).length, 0);
      assert.ok(afterLock.every((r) => !r.reserved && r.locked));
    });

    it('a pass clears settled failures but keeps counting the checks still in flight', async () => {
      const at = where();
      assert.equal((await reserveQuestionCheck(database.db, { ...at, cap })).reserved, true);
      await settleQuestionFailure(database.db, { ...at, cap });
      const inFlight = await race(() => reserveQuestionCheck(database.db, { ...at, cap }));
      assert.equal(inFlight.filter((r) => r.reserved).length, cap - 1);
      await settleQuestionPass(database.db, at);
      // One failure cleared and one try given back: exactly two more fit beside the one in flight.
      const next = await race(() => reserveQuestionCheck(database.db, { ...at, cap }));
      assert.equal(next.filter((r) => r.reserved).length, 2);
    });
  });

  describe('inTransactionRetryingUnique (one pending verification per customer)', () => {
    it('leaves exactly one pending row when many transactions supersede at once', async () => {
      const customerId = `customer-${randomBytes(4).toString('hex')}`;
      const unique = {
        index: 'verifications_pending',
        table: 'verifications',
        columns: ['tenant_id', 'customer_id'],
      };
      const results = await race((i) =>
        inTransactionRetryingUnique(database.db, unique, async (tx) => {
          await tx
            .updateTable('verifications')
            .set({ status: 'cancelled', finished_at: now })
            .where('tenant_id', '=', tenantId)
            .where('customer_id', '=', customerId)
            .where('status', '=', 'pending')
            .execute();
          await tx.insertInto('verifications').values(verificationRow(customerId, i)).execute();
          return i;
        }),
      );
      assert.equal(results.length, concurrency);
      const rows = await database.db
        .selectFrom('verifications')
        .select('status')
        .where('customer_id', '=', customerId)
        .execute();
      assert.equal(rows.length, concurrency);
      assert.equal(rows.filter((r) => r.status === 'pending').length, 1);
    });

    it('decides a pending verification for exactly one of many concurrent deciders', async () => {
      const customerId = `customer-${randomBytes(4).toString('hex')}`;
      const row = verificationRow(customerId, 0);
      await database.db.insertInto('verifications').values(row).execute();
      const changes = await race((i) =>
        finaliseIfUnchanged.changes(database.db, {
          id: row.id,
          tenantId,
          readAttempts: 0,
          status: i % 2 === 0 ? 'approved' : 'denied',
          failedAttempts: 0,
          finishedAt: now + i,
          deviceId: null,
          evidence: null,
          assurance: null,
        }),
      );
      assert.equal(changes.filter((c) => c === 1).length, 1);
    });
  });

  function verificationRow(customerId: string, i: number) {
    return {
      id: newId('verification', now + i),
      tenant_id: tenantId,
      customer_id: customerId,
      method: 'push' as const,
      purpose: 'verify_caller',
      reason: 'Race',
      action_summary: null,
      agent_name: 'Agent',
      call_reference: null,
      status: 'pending' as const,
      code_hash: 'x',
      code_sealed: null,
      code_length: 2,
      failed_attempts: 0,
      max_attempts: 3,
      started_by_type: 'system',
      started_by_id: null,
      request_jws: 'x',
      created_at: now + i,
      expires_at: now + 60_000,
      finished_at: null,
      decided_by_device_id: null,
      decision_evidence: null,
      assurance: null,
      require_user_verification: 0,
    };
  }

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
