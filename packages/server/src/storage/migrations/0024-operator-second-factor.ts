// Migration 0024: a second factor for operators who sign in with a password.
import type { Kysely } from 'kysely';

// An operator's authenticator-app (TOTP) factor: the seed sealed with the encryption key, when the
// operator confirmed it with a first code (null while enrolment is under way), and the last time
// step accepted, so that a code is used once (RFC 6238 section 5.2). One factor of a kind per
// operator. A session opened by a password waits at `pending_step` until the factor is shown
// (or, where the tenant requires one, enrolled); http/authenticate.ts allows nothing else meanwhile.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('operator_factors')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('tenant_id', 'varchar(64)', (c) => c.notNull().references('tenants.id'))
    .addColumn('operator_id', 'varchar(64)', (c) =>
      c.notNull().references('operators.id').onDelete('cascade'),
    )
    .addColumn('kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('secret_sealed', 'text', (c) => c.notNull())
    .addColumn('confirmed_at', 'bigint')
    .addColumn('last_used_step', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('operator_factors_operator_kind')
    .on('operator_factors')
    .columns(['operator_id', 'kind'])
    .unique()
    .execute();
  await db.schema.alterTable('sessions').addColumn('pending_step', 'varchar(32)').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sessions').dropColumn('pending_step').execute();
  await db.schema.dropIndex('operator_factors_operator_kind').execute();
  await db.schema.dropTable('operator_factors').execute();
}
