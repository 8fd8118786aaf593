// Migration 0013: each tenant's own FCM service account and APNs key, sealed.
import type { Kysely } from 'kysely';

// One row per tenant and kind ('fcm' or 'apns'). `identity` is the JSON of what names the
// credentials and may be shown (project id, client e-mail, key id, team id, bundle id);
// `secret_sealed` holds the private key material, sealed (AES-256-GCM, platform/secrets.ts).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('push_credentials')
    .addColumn('tenant_id', 'varchar(64)', (c) => c.notNull().references('tenants.id'))
    .addColumn('kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('identity', 'text', (c) => c.notNull())
    .addColumn('secret_sealed', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('push_credentials_pk', ['tenant_id', 'kind'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('push_credentials').execute();
}
