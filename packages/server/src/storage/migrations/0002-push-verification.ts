// Migration 0002: devices, verifications and their timeline, the server's keys.
import type { Kysely } from 'kysely';

// Push verification: devices, verifications with their delivery timeline, the server's own
// keys (request signing, VAPID), and the customer's fraud flag. Schema builder only, so the
// same migration runs on SQLite and PostgreSQL.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('devices')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('tenant_id', 'varchar(64)', (c) => c.notNull().references('tenants.id'))
    // No foreign key: deleting a customer deletes its devices in the same transaction.
    .addColumn('customer_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('label', 'varchar(100)', (c) => c.notNull())
    .addColumn('platform', 'varchar(16)', (c) => c.notNull())
    .addColumn('public_jwk', 'text', (c) => c.notNull())
    // RFC 7638 thumbprint of the public key: one key, one device.
    .addColumn('key_thumbprint', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('push_kind', 'varchar(16)')
    // The push subscription, sealed (AES-256-GCM): its endpoint is a capability to message the device.
    .addColumn('push_target', 'text')
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('devices_customer')
    .on('devices')
    .columns(['tenant_id', 'customer_id', 'status'])
    .execute();

  await db.schema
    .createTable('verifications')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('tenant_id', 'varchar(64)', (c) => c.notNull().references('tenants.id'))
    // No foreign key: the history of a deleted customer stays, as evidence.
    .addColumn('customer_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('method', 'varchar(16)', (c) => c.notNull())
    .addColumn('purpose', 'varchar(32)', (c) => c.notNull())
    .addColumn('reason', 'varchar(200)', (c) => c.notNull())
    .addColumn('action_summary', 'varchar(200)')
    .addColumn('call_reference', 'varchar(100)')
    .addColumn('status', 'varchar(32)', (c) => c.notNull())
    .addColumn('code_hash', 'varchar(64)', (c) => c.notNull())
    // The code, sealed, so the agent can see it again while the request is pending; cleared when final.
    .addColumn('code_sealed', 'text')
    .addColumn('code_length', 'integer', (c) => c.notNull())
    .addColumn('failed_attempts', 'integer', (c) => c.notNull())
    .addColumn('max_attempts', 'integer', (c) => c.notNull())
    .addColumn('started_by_type', 'varchar(16)', (c) => c.notNull())
    .addColumn('started_by_id', 'varchar(64)')
    .addColumn('agent_name', 'varchar(200)', (c) => c.notNull())
    // The request as the devices see it: a JWS signed by the server, kept as evidence of what was shown.
    .addColumn('request_jws', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    .addColumn('decided_by_device_id', 'varchar(64)')
    // The signed decision exactly as received (the device's JWS), kept as evidence.
    .addColumn('decision_evidence', 'text')
    .addColumn('assurance', 'varchar(16)')
    .execute();
  await db.schema
    .createIndex('verifications_customer')
    .on('verifications')
    .columns(['tenant_id', 'customer_id', 'id'])
    .execute();
  await db.schema
    .createIndex('verifications_tenant')
    .on('verifications')
    .columns(['tenant_id', 'id'])
    .execute();
  // Pending requests by customer (superseding, the device's list) and overall (the expiry sweep).
  // Status first: SQLite prefers the index with the most equality columns, and this one must win
  // over verifications_customer for "the customer's pending request" (measured: 98 µs to 6 µs).
  await db.schema
    .createIndex('verifications_pending')
    .on('verifications')
    .columns(['status', 'tenant_id', 'customer_id'])
    .execute();

  await db.schema
    .createTable('verification_events')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('tenant_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('verification_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('type', 'varchar(32)', (c) => c.notNull())
    .addColumn('device_id', 'varchar(64)')
    .addColumn('channel', 'varchar(16)')
    .addColumn('detail', 'varchar(200)')
    .addColumn('occurred_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('verification_events_verification')
    .on('verification_events')
    .columns(['verification_id', 'id'])
    .execute();

  await db.schema
    .createTable('server_keys')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('purpose', 'varchar(16)', (c) => c.notNull())
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('private_sealed', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('retired_at', 'bigint')
    .execute();

  await db.schema.alterTable('customers').addColumn('fraud_reported_at', 'bigint').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('customers').dropColumn('fraud_reported_at').execute();
  for (const table of ['server_keys', 'verification_events', 'verifications', 'devices']) {
    await db.schema.dropTable(table).execute();
  }
}
