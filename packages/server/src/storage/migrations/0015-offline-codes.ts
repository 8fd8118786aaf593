// Migration 0015: the offline-code secret each device shares with the server (app codes).
import type { Kysely } from 'kysely';

// One row per device that holds a secret: the RFC 6238 seed sealed with the server's encryption key
// (platform/secrets.ts), and the last accepted time step, which the compare-and-set of every
// accepted code moves forward so a code is never accepted twice. The row goes when the device is
// revoked. Its own table, so the devices table and its hot-path statements stay as they are.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('device_offline_secrets')
    .addColumn('device_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('tenant_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('customer_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('secret_sealed', 'text', (c) => c.notNull())
    .addColumn('last_step', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('device_offline_secrets_customer')
    .on('device_offline_secrets')
    .columns(['tenant_id', 'customer_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('device_offline_secrets').execute();
}
