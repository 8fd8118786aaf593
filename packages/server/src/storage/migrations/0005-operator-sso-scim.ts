// Migration 0005: operator single sign-on and SCIM provisioning.
import type { Kysely } from 'kysely';

// Operator sign-in with OpenID Connect (one identity provider per tenant, and the link from an
// operator to the provider's subject) and SCIM provisioning (what a SCIM user carries beyond the
// customer record). Schema builder only, so the same migration runs on SQLite and PostgreSQL.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('operator_sso_configs')
    .addColumn('tenant_id', 'varchar(64)', (c) => c.primaryKey().references('tenants.id'))
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('issuer', 'varchar(500)', (c) => c.notNull())
    .addColumn('client_id', 'varchar(300)', (c) => c.notNull())
    // Sealed (AES-256-GCM, bound to the tenant): a client secret is a credential at the provider.
    .addColumn('client_secret_sealed', 'text', (c) => c.notNull())
    .addColumn('scopes', 'varchar(500)', (c) => c.notNull())
    .addColumn('role_claim', 'varchar(200)', (c) => c.notNull())
    // JSON: [{value, role}], first match by role rank wins.
    .addColumn('role_mappings', 'text', (c) => c.notNull())
    // JSON: ["example.com", ...]; empty means any domain.
    .addColumn('allowed_domains', 'text', (c) => c.notNull())
    .addColumn('jit_enabled', 'integer', (c) => c.notNull())
    // Role when no claim value maps; null refuses the sign-in instead.
    .addColumn('default_role', 'varchar(32)')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('operator_identities')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('tenant_id', 'varchar(64)', (c) => c.notNull().references('tenants.id'))
    .addColumn('operator_id', 'varchar(64)', (c) =>
      c.notNull().references('operators.id').onDelete('cascade'),
    )
    .addColumn('issuer', 'varchar(500)', (c) => c.notNull())
    .addColumn('subject', 'varchar(255)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_sign_in_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('operator_identities_subject', ['tenant_id', 'issuer', 'subject'])
    .execute();
  await db.schema
    .createIndex('operator_identities_operator')
    .on('operator_identities')
    .column('operator_id')
    .execute();

  await db.schema
    .createTable('scim_users')
    .addColumn('customer_id', 'varchar(64)', (c) =>
      c.primaryKey().references('customers.id').onDelete('cascade'),
    )
    .addColumn('tenant_id', 'varchar(64)', (c) => c.notNull().references('tenants.id'))
    .addColumn('user_name', 'varchar(300)', (c) => c.notNull())
    // userName is case-insensitive (RFC 7643 section 4.1.1): uniqueness and filters use this form.
    .addColumn('user_name_key', 'varchar(300)', (c) => c.notNull())
    .addColumn('active', 'integer', (c) => c.notNull())
    .addColumn('given_name', 'varchar(200)')
    .addColumn('family_name', 'varchar(200)')
    .addColumn('email_type', 'varchar(32)')
    .addColumn('phone_type', 'varchar(32)')
    .addUniqueConstraint('scim_users_user_name', ['tenant_id', 'user_name_key'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['scim_users', 'operator_identities', 'operator_sso_configs']) {
    await db.schema.dropTable(table).execute();
  }
}
