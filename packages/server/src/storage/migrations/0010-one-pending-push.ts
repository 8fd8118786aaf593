// Migration 0010: at most one pending push request per customer.
import { type Kysely, sql } from 'kysely';

// At most one pending push request per customer, held by the database: `verifications_pending`
// (migration 0008) becomes a unique partial index on (tenant, customer). A start cancels the
// customer's pending request and inserts its own in one transaction; on PostgreSQL two starts
// at once could both find nothing pending (or the same row) and both insert, leaving two
// approvable requests. With the index, the second insert waits for the first transaction and
// then fails, and the start runs again, superseding the winner (features/push/verifications.ts).
// The id leaves the index: with one row per customer it no longer orders anything.
export async function up(db: Kysely<unknown>): Promise<void> {
  // Databases written before this migration may hold several pending requests for a customer.
  // Keep the newest (ids are time-ordered) and cancel the others, as a start would have.
  await sql`update verifications set status = 'cancelled', finished_at = created_at, code_sealed = null
    where status = 'pending' and exists (
      select 1 from verifications newer
      where newer.tenant_id = verifications.tenant_id
        and newer.customer_id = verifications.customer_id
        and newer.status = 'pending'
        and newer.id > verifications.id
    )`.execute(db);
  await db.schema.dropIndex('verifications_pending').execute();
  await db.schema
    .createIndex('verifications_pending')
    .on('verifications')
    .unique()
    .columns(['tenant_id', 'customer_id'])
    .where(sql.ref('status'), '=', 'pending')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('verifications_pending').execute();
  await db.schema
    .createIndex('verifications_pending')
    .on('verifications')
    .columns(['tenant_id', 'customer_id', 'id'])
    .where(sql.ref('status'), '=', 'pending')
    .execute();
}
