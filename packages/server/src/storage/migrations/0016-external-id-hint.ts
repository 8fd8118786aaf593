// Migration 0016: customers found by external id without regard to case (CIBA and Keycloak hints).
import { type Kysely, sql } from 'kysely';

// A login_hint names a customer by external id whatever its case (Keycloak lower-cases usernames):
// features/ciba/login-hint.ts compares lower(external_id), which this index serves on both databases.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('customers_tenant_external_id_lower')
    .on('customers')
    .column('tenant_id')
    .expression(sql`lower(external_id)`)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('customers_tenant_external_id_lower').execute();
}
