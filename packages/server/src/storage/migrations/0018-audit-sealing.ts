// Migration 0018: audit entries that committed but are not yet sealed into their tenant's chain.
import type { Kysely } from 'kysely';

// An entry waits here, with its content, from the commit of the change it records until the
// sequencer gives it its place in the chain (platform/audit-log.ts): it then moves to
// audit_events with its sequence number and hashes, in the same transaction that deletes it here.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('audit_pending')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('tenant_id', 'varchar(64)', (c) => c.notNull().references('tenants.id'))
    .addColumn('occurred_at', 'bigint', (c) => c.notNull())
    .addColumn('actor_type', 'varchar(32)', (c) => c.notNull())
    .addColumn('actor_id', 'varchar(64)')
    .addColumn('action', 'varchar(64)', (c) => c.notNull())
    .addColumn('target_type', 'varchar(32)')
    .addColumn('target_id', 'varchar(64)')
    .addColumn('data', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('audit_pending_tenant')
    .on('audit_pending')
    .columns(['tenant_id', 'id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('audit_pending').execute();
}
