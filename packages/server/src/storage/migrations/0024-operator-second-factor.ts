// Migration 0024: a second factor for operators who sign in with a password.
import { type Kysely, sql } from 'kysely';

// An operator's second factors. A passkey (WebAuthn): its credential id, COSE public key and
// signature counter; an operator may have several. An authenticator app (TOTP): the seed sealed
// with the encryption key, when the operator confirmed it with a first code (null while enrolment
// is under way), and the last time step accepted, so that a code is used once (RFC 6238 section
// 5.2); one per operator (a partial unique index, which both databases have). A session opened by a password waits at `pending_step` until the factor is shown
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
    .addColumn('secret_sealed', 'text')
    .addColumn('credential_id', 'varchar(1400)')
    .addColumn('public_key', 'text')
    .addColumn('counter', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('label', 'varchar(200)')
    .addColumn('confirmed_at', 'bigint')
    .addColumn('last_used_step', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('operator_factors_credential')
    .on('operator_factors')
    .column('credential_id')
    .unique()
    .execute();
  await sql`create unique index operator_factors_one_totp on operator_factors (operator_id) where kind = 'totp'`.execute(
    db,
  );
  await db.schema
    .createIndex('operator_factors_operator')
    .on('operator_factors')
    .column('operator_id')
    .execute();
  await db.schema.alterTable('sessions').addColumn('pending_step', 'varchar(32)').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sessions').dropColumn('pending_step').execute();
  await db.schema.dropIndex('operator_factors_operator').execute();
  await db.schema.dropIndex('operator_factors_one_totp').execute();
  await db.schema.dropIndex('operator_factors_credential').execute();
  await db.schema.dropTable('operator_factors').execute();
}
