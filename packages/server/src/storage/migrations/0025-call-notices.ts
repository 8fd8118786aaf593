// Migration 0025: outbound call notices ("is this really my bank calling?") and the fake calls
// customers report.
import { type Kysely, sql } from 'kysely';

// A notice an agent starts before or while calling a customer. At most one is active per
// customer (a partial unique index, which both databases have), so two agents' starts cannot
// both win. The mutual code is kept sealed (to sign it into the device's notice) and as a keyed
// hash (to check what the agent types); `code_attempts` counts wrong codes, raised by one
// conditional UPDATE per try so parallel tries never pass the cap.
// A reported call is kept with what the customer saw (the number, a note), for the supervisors.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('call_notices')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('tenant_id', 'varchar(64)', (c) => c.notNull().references('tenants.id'))
    .addColumn('customer_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('reason', 'varchar(200)', (c) => c.notNull())
    .addColumn('team', 'varchar(100)')
    .addColumn('from_number', 'varchar(32)')
    .addColumn('started_by_type', 'varchar(32)', (c) => c.notNull())
    .addColumn('started_by_id', 'varchar(64)')
    .addColumn('agent_name', 'varchar(200)', (c) => c.notNull())
    .addColumn('mutual_code', 'varchar(16)', (c) => c.notNull())
    .addColumn('code_sealed', 'text')
    .addColumn('code_hash', 'varchar(128)')
    .addColumn('code_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('code_max_attempts', 'integer', (c) => c.notNull())
    .addColumn('confirmation', 'varchar(16)')
    .addColumn('viewed_at', 'bigint')
    .addColumn('confirmed_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('ended_at', 'bigint')
    .execute();
  await sql`create unique index call_notices_one_active on call_notices (tenant_id, customer_id) where status = 'active'`.execute(
    db,
  );
  await db.schema
    .createIndex('call_notices_history')
    .on('call_notices')
    .columns(['tenant_id', 'id'])
    .execute();
  await db.schema
    .createIndex('call_notices_customer')
    .on('call_notices')
    .columns(['tenant_id', 'customer_id', 'id'])
    .execute();
  await sql`create index call_notices_due on call_notices (expires_at) where status = 'active'`.execute(db);

  await db.schema
    .createTable('call_reports')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('tenant_id', 'varchar(64)', (c) => c.notNull().references('tenants.id'))
    .addColumn('customer_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('device_id', 'varchar(64)')
    .addColumn('notice_id', 'varchar(64)')
    .addColumn('number_seen', 'varchar(64)')
    .addColumn('note', 'varchar(1000)')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('call_reports_customer')
    .on('call_reports')
    .columns(['tenant_id', 'customer_id', 'id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('call_reports_customer').execute();
  await db.schema.dropTable('call_reports').execute();
  await db.schema.dropIndex('call_notices_due').execute();
  await db.schema.dropIndex('call_notices_customer').execute();
  await db.schema.dropIndex('call_notices_history').execute();
  await db.schema.dropIndex('call_notices_one_active').execute();
  await db.schema.dropTable('call_notices').execute();
}
