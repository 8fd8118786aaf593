// Migration 0032: the practice space, where agents rehearse verifications on made-up customers.
import { type Kysely, sql } from 'kysely';

// `customers.practice` marks the made-up customers of the practice space: every list, search,
// export, SCIM answer and login hint leaves them out, audit entries about them are flagged and
// never become webhook events. `practice_sessions` holds an agent's run through a sequence of
// scenarios (its steps as JSON, the score once finished). `practice_devices` holds the simulated
// phones' private keys, sealed, and the scenario each answers by. `practice_messages` is where a
// code or link for a practice customer goes instead of an SMS or e-mail provider.
// `operators.tour_seen_at`: when the operator finished or dismissed the console's first-run tour.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('operators').addColumn('tour_seen_at', 'bigint').execute();
  await db.schema
    .alterTable('customers')
    .addColumn('practice', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createTable('practice_sessions')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('tenant_id', 'varchar(64)', (c) => c.notNull().references('tenants.id'))
    .addColumn('operator_id', 'varchar(64)', (c) =>
      c.notNull().references('operators.id').onDelete('cascade'),
    )
    .addColumn('assigned_by', 'varchar(64)')
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('steps', 'text', (c) => c.notNull())
    .addColumn('score', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('started_at', 'bigint')
    .addColumn('finished_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('practice_sessions_operator')
    .on('practice_sessions')
    .columns(['tenant_id', 'operator_id', 'id'])
    .execute();
  await db.schema
    .createTable('practice_devices')
    .addColumn('device_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('tenant_id', 'varchar(64)', (c) => c.notNull().references('tenants.id'))
    .addColumn('customer_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('scenario', 'varchar(32)', (c) => c.notNull())
    .addColumn('private_jwk_sealed', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('practice_messages')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('tenant_id', 'varchar(64)', (c) => c.notNull().references('tenants.id'))
    .addColumn('channel', 'varchar(8)', (c) => c.notNull())
    .addColumn('recipient', 'varchar(320)', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await sql`create index practice_messages_recipient on practice_messages (tenant_id, recipient, id)`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('practice_messages_recipient').execute();
  await db.schema.dropTable('practice_messages').execute();
  await db.schema.dropTable('practice_devices').execute();
  await db.schema.dropIndex('practice_sessions_operator').execute();
  await db.schema.dropTable('practice_sessions').execute();
  await db.schema.alterTable('customers').dropColumn('practice').execute();
  await db.schema.alterTable('operators').dropColumn('tour_seen_at').execute();
}
