// Migration 0006: the fallback methods and the policy.
import type { Kysely } from 'kysely';

// Fallback methods and the policy engine: versioned per-tenant policies, SMS and e-mail one-time
// codes with their deliveries (and the development outbox), authenticator-app (TOTP) enrollments,
// security questions, per-customer locks, and failed attempts across methods. Schema builder
// only, so the same migration runs on SQLite and PostgreSQL.
export async function up(db: Kysely<unknown>): Promise<void> {
  // Every saved version is kept: the current policy is the highest version, earlier ones are history.
  await db.schema
    .createTable('fallback_policies')
    .addColumn('tenant_id', 'varchar(64)', (c) => c.notNull().references('tenants.id'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('document', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('actor_type', 'varchar(16)', (c) => c.notNull())
    .addColumn('actor_id', 'varchar(64)')
    .addPrimaryKeyConstraint('fallback_policies_pk', ['tenant_id', 'version'])
    .execute();

  await db.schema
    .createTable('otp_challenges')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('tenant_id', 'varchar(64)', (c) => c.notNull().references('tenants.id'))
    .addColumn('customer_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('channel', 'varchar(16)', (c) => c.notNull())
    .addColumn('action', 'varchar(40)', (c) => c.notNull())
    .addColumn('delivery', 'varchar(16)', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    // HMAC-SHA256 of the code under the server key: a 6-digit code is too easy to brute-force from a plain hash.
    .addColumn('code_hash', 'varchar(64)', (c) => c.notNull())
    // SHA-256 of the link token, for delivery customer_link; the token itself only travels in the message.
    .addColumn('link_hash', 'varchar(64)')
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('max_attempts', 'integer', (c) => c.notNull())
    .addColumn('resends', 'integer', (c) => c.notNull())
    .addColumn('max_resends', 'integer', (c) => c.notNull())
    .addColumn('resend_cooldown_ms', 'integer', (c) => c.notNull())
    .addColumn('ttl_ms', 'integer', (c) => c.notNull())
    .addColumn('assurance', 'varchar(16)', (c) => c.notNull())
    .addColumn('last_sent_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    .addColumn('started_by_type', 'varchar(16)', (c) => c.notNull())
    .addColumn('started_by_id', 'varchar(64)')
    .execute();
  await db.schema
    .createIndex('otp_challenges_customer')
    .on('otp_challenges')
    .columns(['tenant_id', 'customer_id', 'status'])
    .execute();
  await db.schema.createIndex('otp_challenges_link').on('otp_challenges').column('link_hash').execute();

  // One row per message sent (first send and each resend), with what the provider reported.
  await db.schema
    .createTable('message_deliveries')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('tenant_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('challenge_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('channel', 'varchar(16)', (c) => c.notNull())
    .addColumn('provider', 'varchar(16)', (c) => c.notNull())
    .addColumn('provider_message_id', 'varchar(200)')
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('detail', 'varchar(200)')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('message_deliveries_challenge')
    .on('message_deliveries')
    .columns(['challenge_id', 'id'])
    .execute();
  await db.schema
    .createIndex('message_deliveries_provider')
    .on('message_deliveries')
    .columns(['provider', 'provider_message_id'])
    .execute();

  // The development outbox: messages the outbox provider "sent", readable in demo mode only.
  await db.schema
    .createTable('message_outbox')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('tenant_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('channel', 'varchar(16)', (c) => c.notNull())
    .addColumn('recipient', 'varchar(320)', (c) => c.notNull())
    .addColumn('subject', 'varchar(200)')
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('message_outbox_tenant')
    .on('message_outbox')
    .columns(['tenant_id', 'id'])
    .execute();

  await db.schema
    .createTable('totp_enrollments')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('tenant_id', 'varchar(64)', (c) => c.notNull().references('tenants.id'))
    .addColumn('customer_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    // The shared secret, sealed (AES-256-GCM) and bound to this row's id.
    .addColumn('seed_sealed', 'text', (c) => c.notNull())
    // The last time step accepted: a code of this step or an earlier one is a replay.
    .addColumn('last_step', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('activated_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('totp_enrollments_customer')
    .on('totp_enrollments')
    .columns(['tenant_id', 'customer_id'])
    .execute();

  await db.schema
    .createTable('security_questions')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('tenant_id', 'varchar(64)', (c) => c.notNull().references('tenants.id'))
    .addColumn('customer_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('question', 'varchar(200)', (c) => c.notNull())
    // argon2id (PHC string) of the normalised answer.
    .addColumn('answer_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('security_questions_customer')
    .on('security_questions')
    .columns(['tenant_id', 'customer_id', 'position'])
    .execute();

  await db.schema
    .createTable('customer_method_locks')
    .addColumn('tenant_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('customer_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('push_cleared_at', 'bigint')
    .addColumn('questions_failures', 'integer', (c) => c.notNull())
    .addColumn('questions_locked_at', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('customer_method_locks_pk', ['tenant_id', 'customer_id'])
    .execute();

  // Failed attempts by any method, wrong push codes included (the push flow records them here).
  await db.schema
    .createTable('attempt_failures')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('tenant_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('customer_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('method', 'varchar(32)', (c) => c.notNull())
    .addColumn('occurred_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('attempt_failures_customer')
    .on('attempt_failures')
    .columns(['tenant_id', 'customer_id', 'occurred_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'attempt_failures',
    'customer_method_locks',
    'security_questions',
    'totp_enrollments',
    'message_outbox',
    'message_deliveries',
    'otp_challenges',
    'fallback_policies',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
