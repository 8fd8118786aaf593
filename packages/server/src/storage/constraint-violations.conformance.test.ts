// Tests of unique and foreign-key violations on SQLite and PostgreSQL.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { AppError, newId } from '@helpdesk-auth/core';
import { createServices } from '../app/services.ts';
import { loadConfig } from '../config/config.ts';
import { appendAudit, cliActor } from '../platform/audit-log.ts';
import { systemTimers } from '../platform/context.ts';
import { createEventHub } from '../platform/live-events.ts';
import { createTestDatabase, type TestDatabase } from '../test-support/harness.ts';
import { postgresSkip } from '../test-support/postgres.ts';
import { inTransaction } from './atomic.ts';
import { ConstraintViolation, changeOnce, onConflict } from './constraint-violations.ts';
import { type Database, type DatabaseKind, migrateToLatest, openDatabase } from './database.ts';

/**
 * How unique and foreign-key violations reach the code above storage, written once and run on
 * SQLite and PostgreSQL: the same ConstraintViolation, naming the table and the key's columns,
 * whichever database raised it; and `onConflict` and `changeOnce` deciding races exactly.
 */
const concurrency = 12;
const race = <T>(work: (i: number) => Promise<T>) =>
  Promise.allSettled(Array.from({ length: concurrency }, (_, i) => work(i)));
const now = Date.UTC(2026, 5, 1);

function violationSuite(kind: DatabaseKind) {
  let testDb: TestDatabase;
  let database: Database;
  let tenantId: string;
  let services: ReturnType<typeof createServices>;

  const customer = (externalId: string | null, id = newId('customer', now)) => ({
    id,
    tenant_id: tenantId,
    external_id: externalId,
    display_name: 'C',
    name_folded: 'c',
    created_at: now,
    updated_at: now,
  });
  const rejection = async (promise: Promise<unknown>): Promise<unknown> => {
    try {
      await promise;
    } catch (error) {
      return error;
    }
    assert.fail('expected the statement to fail');
  };

  before(async () => {
    testDb = await createTestDatabase(kind);
    database = openDatabase({
      databaseUrl: testDb.config.databaseUrl,
      dataDir: testDb.config.dataDir!,
      maxConnections: concurrency,
    });
    await migrateToLatest(database.db);
    services = createServices({
      db: database.db,
      config: loadConfig({}, { mode: 'test', ...testDb.config }),
      clock: () => now,
      encryptionKey: randomBytes(32),
      events: createEventHub(),
      timers: systemTimers,
    });
    tenantId = (await services.tenants.create({ slug: 'alpha', name: 'Alpha' }, cliActor)).id;
  });

  after(async () => {
    await database?.close();
    await testDb?.cleanup();
  });

  it('reads a unique violation of a multi-column key: table and columns, no values', async () => {
    await database.db.insertInto('customers').values(customer('ext-1')).execute();
    const error = await rejection(database.db.insertInto('customers').values(customer('ext-1')).execute());
    assert.ok(error instanceof ConstraintViolation, String(error));
    assert.equal(error.kind, 'unique');
    assert.equal(error.table, 'customers');
    assert.deepEqual(error.columns, ['tenant_id', 'external_id']);
    assert.ok(!error.message.includes('ext-1'), 'the message names the key, not its values');
  });

  it('reads a primary key violation as a unique one', async () => {
    const row = customer(null);
    await database.db.insertInto('customers').values(row).execute();
    const error = await rejection(database.db.insertInto('customers').values(row).execute());
    assert.ok(error instanceof ConstraintViolation, String(error));
    assert.equal(error.kind, 'unique');
    assert.equal(error.table, 'customers');
    assert.deepEqual(error.columns, ['id']);
  });

  it('reads a foreign-key violation with the table the statement wrote', async () => {
    const error = await rejection(
      database.db
        .insertInto('scim_users')
        .values({
          customer_id: 'customer_missing',
          tenant_id: tenantId,
          user_name: 'x',
          user_name_key: 'x',
          active: 1,
        })
        .execute(),
    );
    assert.ok(error instanceof ConstraintViolation, String(error));
    assert.equal(error.kind, 'foreign_key');
    assert.equal(error.table, 'scim_users');
  });

  it('leaves other errors as they were', async () => {
    const error = await rejection(
      database.db
        .selectFrom('customers')
        .select('no_such_column' as 'id')
        .execute(),
    );
    assert.ok(!(error instanceof ConstraintViolation));
  });

  it('maps a violation inside a transaction once the transaction has ended, and the database goes on', async () => {
    await database.db.insertInto('customers').values(customer('ext-tx')).execute();
    const taken = new AppError('EXTERNAL_ID_TAKEN', 'taken');
    const rules = [
      { kind: 'unique', table: 'customers', columns: ['tenant_id', 'external_id'], error: () => taken },
    ] as const;
    const id = newId('customer', now);
    const error = await rejection(
      onConflict(
        () =>
          inTransaction(database.db, async (tx) => {
            await tx.insertInto('customers').values(customer('ext-other', id)).execute();
            await tx.insertInto('customers').values(customer('ext-tx')).execute();
          }),
        rules,
      ),
    );
    assert.equal(error, taken);
    const kept = await database.db
      .selectFrom('customers')
      .select('id')
      .where('id', '=', id)
      .executeTakeFirst();
    assert.equal(kept, undefined, 'the whole transaction was rolled back');
    // A rule for another key does not claim it: the violation stays a ConstraintViolation.
    const unnamed = await rejection(
      onConflict(
        () => database.db.insertInto('customers').values(customer('ext-tx')).execute(),
        [{ kind: 'unique', table: 'customers', columns: ['id'], error: () => taken }],
      ),
    );
    assert.ok(unnamed instanceof ConstraintViolation);
  });

  it('read-then-insert under concurrency: exactly one insert, every other caller gets the mapped error', async () => {
    const taken = () => new AppError('EXTERNAL_ID_TAKEN', 'taken');
    const results = await race(() =>
      onConflict(
        () =>
          inTransaction(database.db, async (tx) => {
            const existing = await tx
              .selectFrom('customers')
              .select('id')
              .where('tenant_id', '=', tenantId)
              .where('external_id', '=', 'ext-race')
              .executeTakeFirst();
            if (existing) throw taken();
            await tx.insertInto('customers').values(customer('ext-race')).execute();
          }),
        [{ kind: 'unique', table: 'customers', columns: ['tenant_id', 'external_id'], error: taken }],
      ),
    );
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    for (const r of results) {
      if (r.status === 'rejected') assert.equal((r.reason as AppError).code, 'EXTERNAL_ID_TAKEN');
    }
  });

  it('a service that checks before it inserts: concurrent tenant creates with one slug, one created and the others SLUG_TAKEN', async () => {
    const results = await race(() => services.tenants.create({ slug: 'twin', name: 'Twin' }, cliActor));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    for (const r of results)
      if (r.status === 'rejected') assert.equal((r.reason as AppError).code, 'SLUG_TAKEN');
  });

  it('changeOnce: of concurrent deletes of one row, exactly one goes on to audit', async () => {
    const row = customer(null);
    await database.db.insertInto('customers').values(row).execute();
    const gone = () => new AppError('NOT_FOUND', 'gone');
    const results = await race(() =>
      inTransaction(database.db, async (tx) => {
        await changeOnce(
          tx.deleteFrom('customers').where('tenant_id', '=', tenantId).where('id', '=', row.id),
          gone,
        );
        await appendAudit(tx, {
          tenantId,
          actor: cliActor,
          action: 'test.deleted',
          target: { type: 'customer', id: row.id },
          now,
        });
      }),
    );
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    for (const r of results)
      if (r.status === 'rejected') assert.equal((r.reason as AppError).code, 'NOT_FOUND');
    const audited = await database.db
      .selectFrom('audit_events')
      .select('id')
      .where('action', '=', 'test.deleted')
      .execute();
    assert.equal(audited.length, 1);
  });
}

describe('constraint violations: SQLite', () => violationSuite('sqlite'));
describe('constraint violations: PostgreSQL', { skip: await postgresSkip() }, () =>
  violationSuite('postgres'),
);
