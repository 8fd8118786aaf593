// Migration 0027: the fraud queue (cases, the signals that opened them, notes); supervisor
// analytics (the team an operator works in, and the index the dashboard's aggregates read).
import type { Kysely } from 'kysely';

// A customer has at most one open case: `open_customer_id` holds the customer's id while the case
// is open and null once it is resolved, and a unique index over it lets the insert that opens a
// case fall back to adding the signal to the open one (NULLs never collide, on either database).
// A signal (a fraud report, a denied push, a lockout, ...) names its source, unique per tenant,
// so the same signal recorded twice never opens or counts twice.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('fraud_cases')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('tenant_id', 'varchar(64)', (c) => c.notNull().references('tenants.id'))
    .addColumn('customer_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('open_customer_id', 'varchar(64)')
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('first_kind', 'varchar(32)', (c) => c.notNull())
    .addColumn('signal_count', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('opened_at', 'bigint', (c) => c.notNull())
    .addColumn('last_signal_at', 'bigint', (c) => c.notNull())
    .addColumn('assignee_id', 'varchar(64)')
    .addColumn('assigned_at', 'bigint')
    .addColumn('resolution', 'varchar(32)')
    .addColumn('resolved_at', 'bigint')
    .addColumn('resolved_by_type', 'varchar(16)')
    .addColumn('resolved_by_id', 'varchar(64)')
    .addColumn('push_lock', 'varchar(16)')
    .addColumn('questions_lock', 'varchar(16)')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('fraud_cases_one_open')
    .on('fraud_cases')
    .columns(['tenant_id', 'open_customer_id'])
    .unique()
    .execute();
  await db.schema
    .createIndex('fraud_cases_queue')
    .on('fraud_cases')
    .columns(['tenant_id', 'status', 'id'])
    .execute();
  await db.schema
    .createIndex('fraud_cases_customer')
    .on('fraud_cases')
    .columns(['tenant_id', 'customer_id', 'id'])
    .execute();

  await db.schema
    .createTable('fraud_case_signals')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('tenant_id', 'varchar(64)', (c) => c.notNull().references('tenants.id'))
    .addColumn('case_id', 'varchar(64)', (c) => c.references('fraud_cases.id'))
    .addColumn('kind', 'varchar(32)', (c) => c.notNull())
    .addColumn('source_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('occurred_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('fraud_case_signals_source')
    .on('fraud_case_signals')
    .columns(['tenant_id', 'kind', 'source_id'])
    .unique()
    .execute();
  await db.schema
    .createIndex('fraud_case_signals_case')
    .on('fraud_case_signals')
    .columns(['case_id'])
    .execute();

  await db.schema
    .createTable('fraud_case_notes')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('tenant_id', 'varchar(64)', (c) => c.notNull().references('tenants.id'))
    .addColumn('case_id', 'varchar(64)', (c) => c.notNull().references('fraud_cases.id'))
    .addColumn('author_type', 'varchar(16)', (c) => c.notNull())
    .addColumn('author_id', 'varchar(64)')
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('fraud_case_notes_case')
    .on('fraud_case_notes')
    .columns(['case_id', 'id'])
    .execute();

  await db.schema.alterTable('operators').addColumn('team', 'varchar(100)').execute();
  // The dashboard reads a tenant's verifications of a period, grouped by day, method and status
  // (features/analytics), and each customer's verifications of the period in order for the
  // reasons push was not used: the index holds those columns, so the aggregates read it alone.
  await db.schema
    .createIndex('verifications_analytics')
    .on('verifications')
    .columns([
      'tenant_id',
      'created_at',
      'method',
      'status',
      'started_by_type',
      'started_by_id',
      'finished_at',
      'customer_id',
    ])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('verifications_analytics').execute();
  await db.schema.alterTable('operators').dropColumn('team').execute();
  await db.schema.dropTable('fraud_case_notes').execute();
  await db.schema.dropTable('fraud_case_signals').execute();
  await db.schema.dropTable('fraud_cases').execute();
}
